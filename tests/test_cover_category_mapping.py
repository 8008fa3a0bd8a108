"""Product categories to Xero sales and purchase accounts, as Suggest mappings makes them: through
the category's own accounts, else by name; what a person set stays; bank accounts and another
organisation's accounts are refused."""
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from ..xero_sim.seed import AU_TENANT_ID
from .sync_common import SyncCase


class TestCoverCategoryMapping(SyncCase):

    def mapping(self, categ):
        return self.org.category_mapping_ids.filtered(lambda m: m.categ_id == categ)

    def suggest(self):
        self.org.action_suggest_mappings()
        self.org.invalidate_recordset(['category_mapping_ids'])

    def category(self, name, income=None, expense=None):
        return self.env['product.category'].create({
            'name': name,
            'property_account_income_categ_id': (income or self.income).id,
            'property_account_expense_categ_id': (expense or self.expense).id})

    def test_a_category_follows_the_mappings_of_its_own_accounts(self):
        categ = self.category('Cover widgets')
        self.suggest()
        mapping = self.mapping(categ)
        self.assertEqual((mapping.xero_sales_account_id.code, mapping.xero_purchase_account_id.code), ('200', '300'))
        self.assertEqual(mapping.source, 'auto')

    def test_an_automatic_row_follows_a_changed_account_mapping(self):
        categ = self.category('Cover gadgets')
        self.suggest()
        income_mapping = self.org.account_mapping_ids.filtered(lambda m: m.account_id == self.income)
        income_mapping.xero_account_id = self.xero_account(self.org, '260')
        self.suggest()
        self.assertEqual(self.mapping(categ).xero_sales_account_id.code, '260')

    def test_a_row_set_by_hand_stays_as_it_is(self):
        categ = self.category('Cover tools')
        self.suggest()
        mapping = self.mapping(categ)
        mapping.xero_sales_account_id = self.xero_account(self.org, '260')
        self.assertEqual(mapping.source, 'manual', "an edit makes the row a person's")
        income_mapping = self.org.account_mapping_ids.filtered(lambda m: m.account_id == self.income)
        income_mapping.xero_account_id = self.xero_account(self.org, '200')
        self.suggest()
        self.assertEqual(mapping.xero_sales_account_id.code, '260')
        self.assertEqual(len(self.mapping(categ)), 1, 'suggested again, never twice')

    def test_a_bank_account_is_refused(self):
        categ = self.category('Cover banked')
        self.suggest()
        bank = self.org.xero_account_ids.filtered(lambda a: a.account_type == 'BANK')[:1]
        self.assertTrue(bank, 'the simulator has a bank account')
        with self.assertRaisesRegex(ValidationError, 'bank account'):
            self.mapping(categ).xero_purchase_account_id = bank

    def test_an_account_of_another_organisation_is_refused(self):
        au = self.connect_organisations(tenants=[AU_TENANT_ID])
        categ = self.category('Cover crossed')
        self.suggest()
        theirs = au.xero_account_ids.filtered(lambda a: a.account_type == 'REVENUE')[:1]
        self.assertTrue(theirs)
        with self.assertRaises(ValidationError):
            self.mapping(categ).xero_sales_account_id = theirs

    def test_a_category_maps_once_per_organisation(self):
        categ = self.category('Cover unique')
        self.suggest()
        with mute_logger('odoo.sql_db'), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env['xero.product.category.mapping'].create({'organisation_id': self.org.id, 'categ_id': categ.id})

    def test_changes_are_in_the_organisations_trail(self):
        categ = self.category('Cover traced')
        self.suggest()
        mark = max(self.org.message_ids.ids)
        self.mapping(categ).xero_sales_account_id = self.xero_account(self.org, '260')
        notes = [str(m.body) for m in self.org.message_ids if m.id > mark]
        self.assertEqual(len(notes), 1)
        self.assertIn('Mapping changed:', notes[0])
        self.assertIn('Cover traced', notes[0])
        self.assertIn('260', notes[0])
