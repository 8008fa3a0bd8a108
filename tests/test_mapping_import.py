from odoo.exceptions import UserError

from .common import XeroTransactionCase
from .mapping_common import MappingMixin


class TestMappingImport(MappingMixin, XeroTransactionCase):

    def test_import_on_connect(self):
        nz, au = self.connect()
        self.assertTrue(nz.chart_import_date)
        self.assertEqual(len(nz.xero_account_ids), 20)
        self.assertEqual(len(au.xero_account_ids), 20)

        bank = self.xero_account(nz, '090')
        self.assertRecordValues(bank, [{
            'name': 'Business Bank Account', 'account_type': 'BANK', 'account_class': 'ASSET',
            'status': 'ACTIVE', 'bank_account_type': 'BANK', 'currency_code': 'NZD',
            'bank_account_number': '0212340123456700', 'can_take_payments': True,
            'enable_payments': False, 'company_id': self.env.company.id,
        }])
        self.assertTrue(bank.xero_id)
        self.assertRecordValues(self.xero_account(nz, '970'), [{
            'account_type': 'EQUITY', 'enable_payments': True, 'can_take_payments': True}])
        self.assertRecordValues(self.xero_account(nz, '200'), [{
            'account_type': 'SALES', 'account_class': 'REVENUE', 'tax_type': 'OUTPUT2',
            'can_take_payments': False}])
        self.assertEqual(self.xero_account(nz, '610').system_account, 'DEBTORS')
        self.assertEqual(self.xero_account(au, '200').tax_type, 'OUTPUT')
        self.assertEqual(self.xero_account(au, '090').currency_code, 'AUD')

    def test_import_tax_rates_with_components(self):
        nz, au = self.connect()
        self.assertEqual(sorted(nz.xero_tax_rate_ids.mapped('tax_type')), [
            'EXEMPTOUTPUT', 'GSTONIMPORTS', 'INPUT2', 'NONE', 'OUTPUT2', 'TAX001', 'ZERORATED'])
        self.assertEqual(len(au.xero_tax_rate_ids), 8)

        output = self.rate(nz, 'OUTPUT2')
        self.assertRecordValues(output, [{
            'name': '15% GST on Income', 'report_tax_type': 'OUTPUT', 'status': 'ACTIVE',
            'effective_rate': 15.0, 'display_rate': 15.0, 'component_count': 1, 'direction': 'sale',
            'can_apply_to_revenue': True}])
        self.assertEqual(self.rate(nz, 'INPUT2').direction, 'purchase')
        self.assertFalse(self.rate(nz, 'NONE').direction)

        levy = self.rate(nz, 'TAX001')
        self.assertRecordValues(levy, [{'effective_rate': 17.3, 'display_rate': 17.0, 'component_count': 2}])
        self.assertEqual([(c.name, c.rate, c.is_compound) for c in levy.component_ids],
                         [('GST', 15.0, False), ('Levy', 2.0, True)])
        self.assertEqual(levy.components_summary, 'GST 15% + Levy 2% (compound)')
        wet = self.rate(au, 'TAX001')
        self.assertEqual(wet.effective_rate, 41.9)
        self.assertEqual([(c.name, c.rate, c.is_compound) for c in wet.component_ids],
                         [('WET', 29.0, False), ('GST', 10.0, True)])

    def test_defaults_suggested_on_connect(self):
        nz, _au = self.connect()
        self.assertEqual(nz.xero_receivable_account_id.code, '610')
        self.assertEqual(nz.xero_payable_account_id.code, '800')
        self.assertEqual(nz.xero_rounding_account_id.code, '860')
        self.assertEqual(nz.xero_sales_account_id.code, '200')
        self.assertEqual(nz.xero_purchase_account_id.code, '300')
        self.assertEqual(nz.xero_default_tax_rate_id.tax_type, 'NONE')

    def test_import_again_on_demand(self):
        nz, _au = self.connect()
        nz.xero_rounding_account_id = self.xero_account(nz, '429')   # a person's choice
        tenant = self.sim_org(nz.name).tenant_id
        self.sim.seed(tenant, accounts=[{'Code': '480', 'Name': 'Consulting Income', 'Type': 'REVENUE'}],
                      tax_rates=[{'Name': 'GST + Surcharge', 'TaxType': 'TAX002', 'ReportTaxType': 'OUTPUT',
                                  'TaxComponents': [{'Name': 'GST', 'Rate': '15.0000'},
                                                    {'Name': 'Surcharge', 'Rate': '1.5000', 'IsCompound': True}]}])
        advertising = self.xero_account(nz, '400')
        nz._xero().delete_account(advertising.xero_id)
        calls_before = self.sim.counters.count(endpoint='/api.xro/2.0/Accounts')

        nz.action_import_chart()

        self.assertEqual(self.sim.counters.count(endpoint='/api.xro/2.0/Accounts'), calls_before + 1)
        self.assertEqual(self.xero_account(nz, '480').account_class, 'REVENUE')
        self.assertFalse(advertising.active, 'an account Xero no longer lists is archived')
        self.assertFalse(self.xero_account(nz, '400'))
        surcharge = self.rate(nz, 'TAX002')
        self.assertEqual(surcharge.effective_rate, 16.725)
        self.assertEqual(surcharge.component_ids.mapped('rate'), [15.0, 1.5])
        # Import twice: no duplicates, and the components are replaced, not appended.
        nz.action_import_chart()
        self.assertEqual(len(self.rate(nz, 'TAX002').component_ids), 2)
        self.assertEqual(len(nz.xero_account_ids), 20)
        self.assertEqual(nz.xero_rounding_account_id.code, '429', 're-import keeps what a person chose')

    def test_deleting_an_organisation_takes_its_chart_and_mappings(self):
        nz, _au = self.connect()
        self.assertTrue(nz.tax_mapping_ids and nz.xero_account_ids)
        nz.action_disconnect()
        nz.unlink()
        self.env.flush_all()
        self.assertFalse(self.env['xero.account'].search([('organisation_id', '=', nz.id)]))
        self.assertFalse(self.env['xero.tax.mapping'].search([('organisation_id', '=', nz.id)]))

    def test_import_needs_a_connection(self):
        nz, _au = self.connect()
        nz.action_disconnect()
        with self.assertRaises(UserError):
            nz.action_import_chart()
