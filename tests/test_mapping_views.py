from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user

from .common import XeroTransactionCase
from .mapping_common import MappingMixin

ACTIONS = (
    'xero_integration.xero_account_action',
    'xero_integration.xero_tax_rate_action',
    'xero_integration.xero_tax_mapping_action',
    'xero_integration.xero_account_mapping_action',
    'xero_integration.xero_journal_mapping_action',
    'xero_integration.xero_product_category_mapping_action',
    'xero_integration.xero_product_link_action',
)


class TestMappingViews(MappingMixin, XeroTransactionCase):

    def setUp(self):
        super().setUp()
        self.nz, self.au = self.connect()
        self.nz.sync_items = True
        product = self.env['product.product'].create({'name': 'Gadget', 'default_code': 'GADGET'})
        self.env['xero.product.link']._push_items(self.nz, product)
        journal = self.env['account.journal'].create({'name': 'Views bank', 'code': 'XVB', 'type': 'bank'})
        self.env['xero.journal.mapping'].create({'organisation_id': self.nz.id, 'journal_id': journal.id,
                                                 'xero_account_id': self.xero_account(self.nz, '091').id})
        category = self.env['product.category'].create({'name': 'Advertising'})
        self.nz.action_suggest_mappings()
        self.assertTrue(self.nz.category_mapping_ids.filtered(lambda m: m.categ_id == category))

    def _open_list(self, xmlid):
        """What the web client does for a list: load the views, then read the rows they show."""
        action = self.env['ir.actions.act_window']._for_xml_id(xmlid)
        Model = self.env[action['res_model']]
        views = Model.get_views([(False, 'list'), (False, 'form'), (False, 'search')])['views']
        arch = etree.fromstring(views['list']['arch'])
        spec = {}
        for node in arch.iterchildren('field'):
            field = Model._fields[node.get('name')]
            spec[field.name] = {'fields': {'display_name': {}}} if field.relational else {}
        return Model.web_search_read([], spec, limit=80)

    def test_every_list_loads(self):
        for xmlid in ACTIONS:
            with self.subTest(action=xmlid):
                result = self._open_list(xmlid)
                self.assertGreater(result['length'], 0, xmlid)

    def test_every_form_loads(self):
        records = {
            'xero.account': self.xero_account(self.nz, '090'),
            'xero.tax.rate': self.rate(self.nz, 'TAX001'),
            'xero.tax.mapping': self.nz.tax_mapping_ids[:1],
            'xero.account.mapping': self.nz.account_mapping_ids[:1],
            'xero.journal.mapping': self.nz.journal_mapping_ids[:1],
            'xero.product.category.mapping': self.nz.category_mapping_ids[:1],
            'xero.product.link': self.nz.product_link_ids[:1],
        }
        for model, record in records.items():
            with self.subTest(model=model):
                self.assertTrue(record, model)
                form = Form(record)
                self.assertEqual(form.organisation_id, self.nz)
        rate_form = Form(self.rate(self.nz, 'TAX001'))
        self.assertEqual(len(rate_form.component_ids), 2)
        # The mapping forms also open empty, to map by hand.
        for model in ('xero.tax.mapping', 'xero.account.mapping', 'xero.journal.mapping',
                      'xero.product.category.mapping'):
            with self.subTest(new=model):
                Form(self.env[model])

    def test_organisation_form(self):
        with Form(self.nz) as form:
            self.assertEqual(form.xero_account_count, 20)
            self.assertEqual(form.xero_tax_rate_count, 7)
            form.xero_rounding_account_id = self.xero_account(self.nz, '429')
            form.sync_items = False
        self.assertEqual(self.nz.xero_rounding_account_id.code, '429')
        action = self.nz.action_view_xero_accounts()
        self.assertEqual(action['domain'], [('organisation_id', '=', self.nz.id)])
        self.assertEqual(self.nz.action_import_chart()['tag'], 'display_notification')

    def test_tax_form_and_wizard_and_settings(self):
        tax = self.env['account.tax'].search([('type_tax_use', '=', 'sale'),
                                              ('company_id', '=', self.env.company.id)], limit=1)
        Form(tax)
        Form(self.env['xero.mapping.check'].create({'organisation_id': self.nz.id}))
        settings = Form(self.env['res.config.settings'])
        self.assertTrue(settings.xero_organisation_count)

    def test_tax_form_for_an_accountant_who_only_reads_xero(self):
        accountant = new_test_user(self.env, login='xero_map_accountant',
                                   groups='account.group_account_manager,xero_integration.group_xero_user')
        tax = self.nz.tax_mapping_ids[:1].tax_id
        form = Form(tax.with_user(accountant))
        self.assertEqual(len(form.xero_tax_mapping_ids), len(tax.xero_tax_mapping_ids))

    def test_menus_point_at_loadable_actions(self):
        menus = self.env['ir.ui.menu'].search([('parent_id', '=', self.env.ref(
            'xero_integration.menu_xero_configuration').id)])
        self.assertGreaterEqual(len(menus), 7)
        for menu in menus.filtered('action'):
            self.assertTrue(self.env[menu.action.res_model].get_views([(False, 'list')]))

    def test_users_read_administrators_map(self):
        clerk = new_test_user(self.env, login='xero_map_clerk',
                              groups='base.group_user,xero_integration.group_xero_user')
        mapping = self.nz.tax_mapping_ids[:1].with_user(clerk)
        self.assertTrue(mapping.xero_tax_rate_id.component_ids.mapped('rate'))
        self.assertTrue(self.nz.with_user(clerk)._check_mappings() is not None)
        with self.assertRaises(AccessError):
            mapping.action_confirm()
        with self.assertRaises(AccessError):
            self.nz.with_user(clerk).action_import_chart()

    def test_other_company_sees_nothing(self):
        other = self.env['res.company'].create({'name': 'Other Xero company'})
        outsider = new_test_user(self.env, login='xero_map_outsider', company_id=other.id,
                                 company_ids=[other.id], groups='base.group_user,xero_integration.group_xero_manager')
        for model in ('xero.account', 'xero.tax.rate', 'xero.tax.component', 'xero.tax.mapping',
                      'xero.account.mapping', 'xero.journal.mapping', 'xero.product.category.mapping',
                      'xero.product.link'):
            with self.subTest(model=model):
                self.assertTrue(self.env[model].search_count([]), model)
                self.assertEqual(self.env[model].with_user(outsider).search_count([]), 0, model)
