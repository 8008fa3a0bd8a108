from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import Form
from odoo.tools import mute_logger

from .common import XeroTransactionCase
from .mapping_common import MappingMixin


class TestMappingAccounts(MappingMixin, XeroTransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env['account.account']
        cls.sales = Account.create({'code': '200', 'name': 'Product sales', 'account_type': 'income'})
        cls.advertising = Account.create({'code': '61100', 'name': 'Advertising', 'account_type': 'expense'})
        cls.interest = Account.create({'code': '79100', 'name': 'Interest income', 'account_type': 'income_other'})
        # Same code as Xero's Accounts Receivable, but an expense: not the same account.
        cls.clash = Account.create({'code': '610', 'name': 'Travel', 'account_type': 'expense'})
        cls.unmatched = Account.create({'code': '61999', 'name': 'Sundries', 'account_type': 'expense'})
        Journal = cls.env['account.journal']
        cls.bank_by_name = Journal.create({'name': 'Business Bank Account', 'code': 'XBK1', 'type': 'bank'})
        cls.bank_by_number = Journal.create({'name': 'Savings', 'code': 'XBK2', 'type': 'bank',
                                             'bank_acc_number': '02-1234-0123456-701'})
        cls.cash = Journal.create({'name': 'Petty cash', 'code': 'XCSH', 'type': 'cash'})
        Category = cls.env['product.category']
        cls.categ_sales = Category.create({'name': 'Consulting'})
        cls.categ_sales.with_company(cls.env.company).property_account_income_categ_id = cls.sales
        cls.categ_advertising = Category.create({'name': 'Advertising'})

    def test_auto_map_by_code_then_name(self):
        nz, _au = self.connect()
        mappings = {m.account_id: m for m in nz.account_mapping_ids}
        self.assertRecordValues(mappings[self.sales], [{'source': 'auto_code', 'xero_code': '200'}])
        self.assertRecordValues(mappings[self.advertising], [{'source': 'auto_name', 'xero_code': '400'}])
        self.assertRecordValues(mappings[self.interest], [{'source': 'auto_name', 'xero_code': '270'}])
        self.assertNotIn(self.clash, mappings, 'a code match in another class is not a mapping')
        self.assertNotIn(self.unmatched, mappings)

    def test_map_by_hand(self):
        nz, _au = self.connect()
        Mapping = self.env['xero.account.mapping']
        manual = Mapping.create({'organisation_id': nz.id, 'account_id': self.unmatched.id,
                                 'xero_account_id': self.xero_account(nz, '429').id})
        self.assertEqual(manual.source, 'manual')
        auto = nz.account_mapping_ids.filtered(lambda m: m.account_id == self.advertising)
        auto.xero_account_id = self.xero_account(nz, '429')
        self.assertEqual(auto.source, 'manual', 'a person changed it')
        nz.action_suggest_mappings()
        self.assertEqual(auto.xero_code, '429', 'suggesting again keeps what a person chose')
        with self.assertRaisesRegex(ValidationError, "'090 Business Bank Account' is a bank account"):
            auto.xero_account_id = self.xero_account(nz, '090')
        with self.assertRaisesRegex(ValidationError, 'belongs to Demo Company \\(AU\\)'):
            Mapping.create({'organisation_id': nz.id, 'account_id': self.clash.id,
                            'xero_account_id': self.xero_account(_au, '429').id})
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'):
            with self.cr.savepoint():
                Mapping.create({'organisation_id': nz.id, 'account_id': self.unmatched.id,
                                'xero_account_id': self.xero_account(nz, '400').id})
                self.env.flush_all()

    def test_payment_accounts_only_bank_or_enabled(self):
        nz, _au = self.connect()
        field = self.env['xero.journal.mapping']._fields['xero_account_id']
        self.assertIn("('can_take_payments', '=', True)", field.domain)
        offered = self.env['xero.account'].search([('organisation_id', '=', nz.id),
                                                   ('can_take_payments', '=', True)])
        self.assertEqual(offered.mapped('code'), ['090', '091', '970'])
        # Journals are matched to Xero bank accounts by number, then by name.
        mappings = {m.journal_id: m for m in nz.journal_mapping_ids}
        self.assertRecordValues(mappings[self.bank_by_name], [{'xero_code': '090', 'source': 'auto_name'}])
        self.assertRecordValues(mappings[self.bank_by_number], [{'xero_code': '091', 'source': 'auto_number'}])
        self.assertNotIn(self.cash, mappings)

        Mapping = self.env['xero.journal.mapping']
        with self.assertRaises(ValidationError) as caught:
            Mapping.create({'organisation_id': nz.id, 'journal_id': self.cash.id,
                            'xero_account_id': self.xero_account(nz, '200').id})
        self.assertIn("Xero account '200 Sales' cannot take payments", str(caught.exception))
        owner_funds = Mapping.create({'organisation_id': nz.id, 'journal_id': self.cash.id,
                                      'xero_account_id': self.xero_account(nz, '970').id})
        self.assertEqual(owner_funds.source, 'manual')
        sales_journal = self.env['account.journal'].search([
            ('type', '=', 'sale'), ('company_id', '=', self.env.company.id)], limit=1)
        with self.assertRaisesRegex(ValidationError, 'is not a bank or cash journal'):
            Mapping.create({'organisation_id': nz.id, 'journal_id': sales_journal.id,
                            'xero_account_id': self.xero_account(nz, '091').id})

    def test_payment_account_form_refuses_other_accounts(self):
        nz, _au = self.connect()
        form = Form(self.env['xero.journal.mapping'])
        form.organisation_id = nz
        form.journal_id = self.cash
        form.xero_account_id = self.xero_account(nz, '400')
        with self.assertRaises(ValidationError):
            form.save()

    def test_product_categories_follow_account_mappings(self):
        nz, _au = self.connect()
        mappings = {m.categ_id: m for m in nz.category_mapping_ids}
        self.assertRecordValues(mappings[self.categ_sales], [{'source': 'auto'}])
        self.assertEqual(mappings[self.categ_sales].xero_sales_account_id.code, '200',
                         "through the category's income account and its mapping")
        self.assertEqual(mappings[self.categ_advertising].xero_purchase_account_id.code, '400',
                         'same name as a Xero expense account')
        self.assertFalse(mappings[self.categ_advertising].xero_sales_account_id)

        # The account mapping changes: automatic category rows follow, hand-made ones stay.
        sales_mapping = nz.account_mapping_ids.filtered(lambda m: m.account_id == self.sales)
        sales_mapping.xero_account_id = self.xero_account(nz, '260')
        mappings[self.categ_advertising].xero_purchase_account_id = self.xero_account(nz, '429')
        nz.action_suggest_mappings()
        self.assertEqual(mappings[self.categ_sales].xero_sales_account_id.code, '260')
        self.assertRecordValues(mappings[self.categ_advertising], [{'source': 'manual'}])
        self.assertEqual(mappings[self.categ_advertising].xero_purchase_account_id.code, '429')
        with self.assertRaisesRegex(ValidationError, 'is a bank account'):
            mappings[self.categ_sales].xero_sales_account_id = self.xero_account(nz, '090')
