"""The screens as a new user finds them: currencies said before a push fails, mapping changes in
the chatter, no "Create" on imported Xero records, plural forms, the notification after Connect."""
from lxml import etree

from odoo import fields

from .sync_common import SyncCase

PICKS_IMPORTED = ('xero.account', 'xero.tax.rate', 'xero.contact.group')


class TestCurrencies(SyncCase):

    def test_currencies_read_with_the_chart(self):
        self.assertEqual(self.org.xero_currency_codes, 'AUD,EUR,GBP,NZD,USD')

    def test_company_currency_differs_from_the_organisation(self):
        self.env.company.currency_id = self.env.ref('base.USD')
        expected = (f"Company '{self.env.company.name}' keeps its books in USD, but Xero organisation "
                    f"'{self.org.name}' reports in NZD: connect this organisation to a company in NZD, "
                    "or change the company's currency before any entry is posted")
        self.assertIn(expected, self.org._check_mappings())
        self.assertIn('keeps its books in USD', self.org.currency_warning)

    def test_document_in_a_currency_not_enabled_in_xero(self):
        jpy = self.env.ref('base.JPY')
        jpy.active = True
        self.make_move(currency_id=jpy.id)
        self.make_move(currency_id=jpy.id)
        problems = self.org._check_mappings()
        self.assertIn(f"2 posted documents are in JPY, which is not enabled in Xero organisation "
                      f"'{self.org.name}': add JPY under Settings > Currencies in Xero, then press "
                      "Import chart & taxes", problems)
        self.assertIn('JPY', self.org.currency_warning)
        # Enabled in Xero, imported again: the warning goes.
        self.sim.organisation(self.org.name).currencies['JPY'] = {'Code': 'JPY', 'Description': 'Yen'}
        self.org.action_import_chart()
        self.assertNotIn('JPY', '\n'.join(self.org._check_mappings()))


class TestAuditTrail(SyncCase):

    def _notes(self, org, since_id):
        return [str(m.body) for m in org.message_ids if m.id > since_id]

    def _last_id(self, org):
        return max(org.message_ids.ids or [0])

    def test_import_confirm_change_and_remove_are_in_the_chatter(self):
        bodies = '\n'.join(str(m.body) for m in self.org.message_ids)
        self.assertIn('Suggested from the chart imported from Xero:', bodies)
        self.assertIn("Tax 'GST 15% Sales' → 15% GST on Income (OUTPUT2, 15%)", bodies)

        mapping = self.mapping_of(self.org, self.sale15)
        mapping.state = 'suggested'
        mark = self._last_id(self.org)
        mapping.action_confirm()
        notes = self._notes(self.org, mark)
        changed = '(suggested) → 15% GST on Income (OUTPUT2, 15%) (confirmed)'
        self.assertTrue(any('Mapping changed:' in n and changed in n for n in notes), notes)

        mark = self._last_id(self.org)
        income_mapping = self.org.account_mapping_ids.filtered(lambda m: m.account_id == self.income)
        income_mapping.xero_account_id = self.xero_account(self.org, '260')
        notes = self._notes(self.org, mark)
        self.assertTrue(any('200 Sales → 260 Other Revenue' in n for n in notes), notes)

        mark = self._last_id(self.org)
        income_mapping.unlink()
        self.assertTrue(any('Mapping removed:' in n for n in self._notes(self.org, mark)))


class TestScreens(SyncCase):

    def test_imported_xero_records_are_never_created_from_a_field(self):
        """Every editable Many2one to an imported Xero record says no_create."""
        offenders = []
        for view in self.env['ir.ui.view'].search([('type', 'in', ('form', 'list')),
                                                   ('arch_db', 'ilike', 'xero')]):
            model = self.env.get(view.model)
            if model is None:
                continue
            arch = etree.fromstring(view.get_combined_arch())
            for node in arch.iter('field'):
                field = self._field_of(model, node)
                if (field is not None and field.type in ('many2one', 'many2many')
                        and field.comodel_name in PICKS_IMPORTED and node.get('readonly') not in ('1', 'True')
                        and not field.readonly and 'no_create' not in (node.get('options') or '')):
                    offenders.append(f'{view.xml_id or view.name}: {node.get("name")}')
        self.assertFalse(offenders)

    def _field_of(self, model, node):
        # A field inside a one2many's list belongs to the one2many's comodel.
        parents = [p for p in node.iterancestors('field')]
        for parent in reversed(parents):
            field = model._fields.get(parent.get('name'))
            if field is None or not field.comodel_name:
                return None
            model = self.env[field.comodel_name]
        return model._fields.get(node.get('name'))

    def test_no_placeholder_plurals(self):
        self.assertEqual(self.org.suggested_tax_mapping_label,
                         f'{self.org.suggested_tax_mapping_count} suggested mappings to review.'
                         if self.org.suggested_tax_mapping_count != 1 else '1 suggested mapping to review.')
        settings = self.env['res.config.settings'].create({})
        self.assertEqual(settings.xero_organisation_label, '1 organisation')
        check = self.env['xero.mapping.check'].create({'organisation_id': self.org.id})
        self.assertNotIn('(s)', check.headline or '')
        for view in self.env['ir.ui.view'].search([('arch_db', 'ilike', '(s)')]):
            self.assertNotIn('xero_integration', view.xml_id or '', f'"(s)" in {view.xml_id}')

    def test_notification_after_connect(self):
        self.org.connect_notice_user_id = self.env.user
        action = self.env['xero.organisation']._action_connected_notice()
        self.assertEqual(action['tag'], 'display_notification')
        self.assertIn(self.org.name, action['params']['message'])
        self.assertIn('Auto-sync is on', action['params']['message'])
        self.assertEqual(action['params']['next']['res_model'], 'xero.organisation')
        self.assertFalse(self.org.connect_notice_user_id, 'said once')
        again = self.env['xero.organisation']._action_connected_notice()
        self.assertEqual(again['res_model'], 'xero.organisation', 'a reload just shows the list')

    def test_connect_sets_the_notice(self):
        self.assertEqual(self.org.connect_notice_user_id, self.env.user)
        self.assertEqual(fields.Datetime.to_datetime(self.org.connected_date).date(), fields.Date.today())
