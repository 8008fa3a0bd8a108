from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import Form, tagged

from .common import XeroSimMixin
from .mapping_common import MappingMixin


@tagged('post_install', '-at_install')
class TestMappingCheck(MappingMixin, XeroSimMixin, AccountTestInvoicingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The NZ organisation reports in NZD: a company in another currency is a problem of its own.
        nzd = cls.env.ref('base.NZD')
        nzd.active = True
        cls.env.company.currency_id = nzd
        cls.tax_sale_a.name = 'Sales 15%'
        cls.tax_purchase_a.name = 'Purchases 15%'
        cls.vat21 = cls.make_tax('VAT 21%', 21)
        cls.revenue = cls.company_data['default_account_revenue']
        cls.expense = cls.company_data['default_account_expense']
        cls.bank_journal = cls.company_data['default_journal_bank']
        cls.invoice = cls._move('out_invoice', [(100, cls.tax_sale_a), (50, None)])
        cls.invoice_21 = cls._move('out_invoice', [(100, cls.vat21)])
        cls.bill = cls._move('in_invoice', [(80, cls.tax_purchase_a)])
        cls.refund = cls._reverse_invoice(cls.invoice, post=True)
        cls.two_taxes = cls._move('out_invoice', [(10, cls.tax_sale_a + cls.vat21)])
        # Drafts do not sync: their taxes do not count.
        cls._move('out_invoice', [(10, cls.make_tax('Draft only 7%', 7))], post=False)
        cls._register_payment(cls.invoice_21)

    @classmethod
    def _move(cls, move_type, lines, post=True):
        account = cls.revenue if move_type.startswith('out') else cls.expense
        move = cls.env['account.move'].create({
            'move_type': move_type,
            'partner_id': cls.partner_a.id,
            'invoice_date': '2025-01-15',
            'invoice_line_ids': [Command.create({
                'name': 'line', 'quantity': 1, 'price_unit': price, 'account_id': account.id,
                'tax_ids': [Command.set(taxes.ids if taxes else [])],
            }) for price, taxes in lines],
        })
        if post:
            move.action_post()
        return move

    def _label(self, account):
        account = account.with_company(self.env.company)
        return f'{account.code} {account.name}'

    def test_lists_exactly_what_is_missing(self):
        nz, au = self.connect(company=self.env.company)
        self.assertEqual(nz._check_mappings(), [
            "Tax 'Purchases 15%' has an unconfirmed suggestion: '15% GST on Expenses' (INPUT2)",
            "Tax 'Sales 15%' has an unconfirmed suggestion: '15% GST on Income' (OUTPUT2)",
            "Tax 'VAT 21%' has no Xero tax type",
            f"'{self.two_taxes.name}' has a line with several taxes; Xero takes one tax type per line: "
            "use a group tax and map it",
            f"Account '{self._label(self.revenue)}' has no Xero account",
            f"Account '{self._label(self.expense)}' has no Xero account",
            f"Journal '{self.bank_journal.name}' has no Xero account",
        ])
        self.assertIn("Tax 'Sales 15%' has no Xero tax type", au._check_mappings(),
                      'each organisation has its own mappings')

    def test_fixing_the_mappings_empties_the_list(self):
        nz, _au = self.connect(company=self.env.company)
        nz.action_confirm_tax_suggestions()
        self.sim.seed(self.sim_org(nz.name).tenant_id, tax_rates=[{
            'Name': 'Standard 21%', 'TaxType': 'TAX009', 'ReportTaxType': 'OUTPUT',
            'TaxComponents': [{'Name': 'VAT', 'Rate': '21.0000'}]}])
        nz.action_import_chart()
        self.assertEqual(self.mapping_of(nz, self.vat21).xero_tax_type, 'TAX009')
        nz.action_confirm_tax_suggestions()
        Mapping = self.env['xero.account.mapping']
        Mapping.create({'organisation_id': nz.id, 'account_id': self.revenue.id,
                        'xero_account_id': self.xero_account(nz, '200').id})
        Mapping.create({'organisation_id': nz.id, 'account_id': self.expense.id,
                        'xero_account_id': self.xero_account(nz, '429').id})
        self.env['xero.journal.mapping'].create({'organisation_id': nz.id, 'journal_id': self.bank_journal.id,
                                                 'xero_account_id': self.xero_account(nz, '090').id})
        self.two_taxes.button_draft()
        self.two_taxes.button_cancel()
        self.assertEqual(nz._check_mappings(), [])

        # Each missing piece shows up again on its own.
        nz.xero_default_tax_rate_id = False
        nz.xero_receivable_account_id = False
        self.assertEqual(nz._check_mappings(), [
            'The Xero receivable account is not set',
            'Lines without tax need a default Xero tax type',
        ])
        nz._suggest_defaults()
        self.assertEqual(nz._check_mappings(), [])

        # Xero archives an account that a mapping uses: the check says so.
        nz._xero().delete_account(self.xero_account(nz, '429').xero_id)
        nz.action_import_chart()
        self.assertEqual(nz._check_mappings(), [
            f"Account '{self._label(self.expense)}' maps to Xero account '429 General Expenses', "
            "which is not active in Xero",
        ])

    def test_check_mappings_button(self):
        nz, _au = self.connect(company=self.env.company)
        action = nz.action_check_mappings()
        self.assertEqual(action['res_model'], 'xero.mapping.check')
        self.assertEqual(action['target'], 'new')
        wizard = self.env['xero.mapping.check'].browse(action['res_id'])
        self.assertEqual(wizard.problem_count, 7)
        self.assertIn("<li>Tax 'VAT 21%' has no Xero tax type</li>", str(wizard.summary))
        with Form(wizard) as form:
            self.assertEqual(form.problem_count, 7)
        nz.action_confirm_tax_suggestions()
        wizard.action_check_again()
        self.assertEqual(wizard.problem_count, 5)

    def test_not_imported_yet(self):
        nz, _au = self.connect(company=self.env.company)
        nz.chart_import_date = False
        self.assertEqual(nz._check_mappings()[0],
                         'The chart of accounts and tax rates have not been imported from Xero')
