"""The frictions a new user met (issue 18): menus reachable, the failure digest's recipients,
messages that say whose check refused and where to go, the connect notice, no "Create" on
mapping rows, one label per field, and "Open in Xero" in the right organisation."""
from urllib.parse import parse_qs, urlsplit

import requests
from lxml import etree

from odoo import fields
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER, SyncCase

MAPPING_VIEWS = ('xero_tax_mapping_views', 'xero_account_mapping_views', 'xero_journal_mapping_views',
                 'xero_product_category_mapping_views', 'xero_organisation_mapping_views')


class TestFrictions(SyncCase):

    # --- 1. card transactions from the menus ----------------------------------------------------

    def test_card_transactions_reachable_without_accounting_features(self):
        """The demo's admin invoices and administers Xero, without "Show Accounting Features"."""
        user = new_test_user(self.env, 'xero_invoicer', groups=(
            'base.group_user,account.group_account_invoice,xero_integration.group_xero_manager'))
        self.assertFalse(user.has_group('account.group_account_readonly'))
        visible = self.env['ir.ui.menu'].with_user(user)._visible_menu_ids()

        def reachable(menu):  # the menu and every menu above it are shown
            chain = self.env['ir.ui.menu'].with_context(**{'ir.ui.menu.full_list': True}).search(
                [('id', 'parent_of', menu.id)])
            return all(m.id in visible for m in chain)
        self.assertFalse(reachable(self.env.ref('xero_integration.menu_xero_bank_feed_lines')),
                         "Accounting's entry needs Show Accounting Features (the friction)")
        menu = self.env.ref('xero_integration.menu_xero_card_transactions')
        self.assertTrue(reachable(menu))
        self.assertEqual(menu.action, self.env.ref('xero_integration.xero_bank_feed_line_action'))

    # --- 2. the failure digest's recipients -----------------------------------------------------

    def _fail_documents(self):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        self.make_move()
        self.push()
        self.assertTrue(self.env['xero.sync.error'].search([('organisation_id', '=', self.org.id)]))

    def _digests(self):
        return self.env['mail.mail'].search([('subject', 'like', 'could not sync')])

    @mute_logger(ENGINE_LOGGER)
    def test_digest_with_nobody_to_tell_says_so(self):
        self.org._xero_administrators().write({'email': False})
        self.org.message_unsubscribe(self.org.message_partner_ids.ids)
        self.org.company_id.email = False
        self._fail_documents()
        self.env['xero.organisation.health']._cron_failure_digest()
        self.assertFalse(self._digests(), 'no email to nobody')
        bodies = ' '.join(m.body or '' for m in self.org.message_ids)
        self.assertNotIn('Failure digest sent', bodies)
        self.assertIn('nobody could be told', bodies)
        self.assertIn('email address', bodies)
        self.assertTrue(self.org.activity_ids.filtered(lambda a: 'nobody emailed' in (a.summary or '')))

    @mute_logger(ENGINE_LOGGER)
    def test_digest_with_an_administrator_address_is_sent(self):
        admin = self.org._xero_administrators()[:1]
        admin.email = 'xero.admin@example.com'
        self._fail_documents()
        self.env['xero.organisation.health']._cron_failure_digest()
        self.assertEqual(len(self._digests()), 1)
        self.assertIn('xero.admin@example.com', self._digests().email_to)
        bodies = ' '.join(m.body or '' for m in self.org.message_ids)
        self.assertIn('Failure digest sent', bodies)
        self.assertNotIn('nobody could be told', bodies)

    # --- 3. messages ----------------------------------------------------------------------------

    @mute_logger(ENGINE_LOGGER)
    def test_unmapped_tax_names_the_real_menu_and_odoos_check(self):
        unmapped = self.make_tax('Unmapped 9%', 9)
        move = self.make_move(lines=[(100.0, 1, unmapped, 0.0)])
        self.push()
        link = self.link(move)
        self.assertEqual(link.sync_state, 'error')
        menu = self.env.ref('xero_integration.menu_xero_tax_mappings')
        path = ' > '.join([menu.parent_id.parent_id.name, menu.parent_id.name, menu.name])
        self.assertIn(path, link.last_error, 'the message names a menu that exists')
        self.assertNotIn('Xero > Mapping.', link.last_error)
        chatter = ' '.join(m.body or '' for m in move.message_ids)
        self.assertIn('Odoo', chatter)
        self.assertNotIn('Xero refused this document', chatter, "Odoo's own check, not Xero's")

    def test_errors_list_column(self):
        self.assertEqual(self.env['xero.sync.error']._fields['last_error'].string, 'Message')
        arch = etree.fromstring(self.env.ref('xero_integration.xero_sync_error_view_list').arch)
        self.assertNotIn("Xero's message", etree.tostring(arch, encoding='unicode'))

    # --- 4. the connect notice ------------------------------------------------------------------

    def test_connect_notice_names_the_company_not_selected(self):
        other = self.env['res.company'].create({'name': 'Other Books Ltd'})
        self.env.user.company_ids |= other
        au = self.connect_organisations(company=other, tenants=[AU_TENANT_ID])
        (self.org | au).connect_notice_user_id = self.env.user
        action = self.env['xero.organisation'].with_context(
            allowed_company_ids=[self.env.company.id])._action_connected_notice()
        message = action['params']['message']
        self.assertIn('2 organisations', action['params']['title'])
        self.assertIn(au.name, message)
        self.assertIn('Other Books Ltd', message)
        self.assertIn('not selected', message)

    def test_connect_notice_quiet_when_every_company_is_selected(self):
        self.org.connect_notice_user_id = self.env.user
        action = self.env['xero.organisation'].with_context(
            allowed_company_ids=[self.env.company.id])._action_connected_notice()
        self.assertNotIn('not selected', action['params']['message'])

    # --- 8. no "Create" on mapping rows ---------------------------------------------------------

    def test_mapping_rows_offer_no_create(self):
        files = [f'xero_integration/views/{name}.xml' for name in MAPPING_VIEWS]
        views = self.env['ir.ui.view'].search([('arch_fs', 'in', files), ('type', 'in', ('list', 'form'))])
        self.assertTrue(views)
        checked = 0
        for view in views:
            arch = etree.fromstring(view.arch_db)
            for node in arch.iter('field'):
                if node.get('name') not in ('organisation_id', 'tax_id', 'account_id', 'journal_id', 'categ_id',
                                            'xero_tax_rate_id', 'xero_account_id') \
                        or node.get('column_invisible') == '1' or node.get('readonly') == '1':
                    continue
                checked += 1
                self.assertIn("'no_create': True", node.get('options') or '',
                              f"{view.xml_id}: {node.get('name')} offers Create")
        self.assertGreater(checked, 10)

    # --- 9. one label per field -----------------------------------------------------------------

    def test_labels_unique_per_model(self):
        models = self.env['ir.model.data'].search([('module', '=', 'xero_integration'),
                                                   ('model', '=', 'ir.model')])
        names = set(self.env['ir.model'].browse(models.mapped('res_id')).mapped('model'))
        names |= {'account.move', 'account.payment', 'account.bank.statement.line', 'res.partner',
                  'product.product', 'account.tax', 'account.journal'}
        for name in sorted(names):
            if name not in self.env:
                continue
            seen = {}
            for field in self.env[name]._fields.values():
                self.assertNotIn(field.string, seen,
                                 f'{name}: {field.name} and {seen.get(field.string)} are both "{field.string}"')
                seen[field.string] = field.name

    def test_long_partner_name_is_said(self):
        partner = self.env['res.partner'].create({'name': 'Long ' + 'x' * 595, 'is_company': True})
        self.make_move(partner=partner)
        self.push()
        body = ' '.join(m.body or '' for m in partner.message_ids)
        self.assertIn('600 characters', body)
        self.assertIn('255', body)

    # --- 10. Open in Xero -----------------------------------------------------------------------

    def test_open_in_xero_carries_each_organisations_short_code(self):
        self.env['ir.config_parameter'].sudo().set_param('xero_integration.go_url', self.sim.url)
        move = self.make_move()
        self.push()
        link = self.link(move)
        self.assertTrue(link.xero_id)
        url = link._open_in_xero()['url']
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.assertEqual(parts.path, '/organisationlogin/default.aspx')
        self.assertEqual(query['shortcode'], [self.org.short_code])
        self.assertEqual(query['redirecturl'], [f'/AccountsReceivable/View.aspx?InvoiceID={link.xero_id}'])
        other = self.env['res.company'].create({'name': 'Other Books Ltd'})
        au = self.connect_organisations(company=other, tenants=[AU_TENANT_ID])
        self.assertTrue(au.short_code and au.short_code != self.org.short_code)
        au_url = au._xero_deep_link('contact', 'c0ffee')
        self.assertEqual(parse_qs(urlsplit(au_url).query)['shortcode'], [au.short_code])
        self.assertIn('/Contacts/View/c0ffee', parse_qs(urlsplit(au_url).query)['redirecturl'][0])
        # The simulator's page names the organisation and the document.
        page = requests.get(url, timeout=10)
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.org.name, page.text)
        self.assertIn(link.xero_number, page.text)
        unknown = requests.get(self.sim.url + '/organisationlogin/default.aspx?shortcode=nope', timeout=10)
        self.assertEqual(unknown.status_code, 404)
