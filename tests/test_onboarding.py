"""Onboarding: the checklist of a connected organisation, the bank-feed wizard's default account
and switch, category suggestions by code, type and words, the mapping check of the card lines,
and the warning about the connecting Xero user's role."""
from datetime import timedelta

from odoo import Command

from ..xero_sim.seed import NZ_TENANT_ID
from .test_bank_feed import BankFeedCase


class TestOnboarding(BankFeedCase):

    def wizard(self, **values):
        return self.env['xero.bank.feed.wizard'].create(dict({
            'organisation_id': self.org.id, 'journal_ids': [Command.set(self.card.ids)],
            'currency_ids': [Command.set(self.eur.ids)],
            'start_date': self.today - timedelta(days=30)}, **values))

    def check(self):
        action = self.org.action_check_mappings()
        return self.env['xero.mapping.check'].browse(action['res_id'])

    def steps(self):
        return {step: self.org[f'onboarding_{step}_state']
                for step in ('taxes', 'accounts', 'check', 'auto_sync', 'bank_feed')}

    def unmapped_category(self, name):
        """A category whose own accounts map to nothing in Xero: only its name can suggest."""
        Account = self.env['account.account']
        income = Account.create({'name': f'{name} income (onboarding)', 'code': f'ONBI{len(name)}',
                                 'account_type': 'income'})
        expense = Account.create({'name': f'{name} expense (onboarding)', 'code': f'ONBE{len(name)}',
                                  'account_type': 'expense'})
        return self.env['product.category'].create({
            'name': name, 'property_account_income_categ_id': income.id,
            'property_account_expense_categ_id': expense.id})

    def category_mapping(self, categ):
        self.org.invalidate_recordset(['category_mapping_ids'])
        return self.org.category_mapping_ids.filtered(lambda m: m.categ_id == categ)

    # --- the checklist ----------------------------------------------------------------------

    def test_the_checklist_follows_each_step_until_done(self):
        self.org.write({'auto_sync_invoices': False})
        suggested = self.org.tax_mapping_ids[:1]
        self.assertTrue(suggested, 'connecting suggested tax mappings')
        suggested.state = 'suggested'
        self.assertEqual(self.steps(), {'taxes': 'todo', 'accounts': 'done', 'check': 'todo',
                                        'auto_sync': 'todo', 'bank_feed': 'optional'})
        self.assertFalse(self.org.onboarding_done)

        suggested.action_confirm()
        self.assertEqual(self.org.onboarding_taxes_state, 'done')

        # A company in the organisation's currency: the check has nothing else to say.
        self.org.sudo().base_currency = self.env.company.currency_id.name
        wizard = self.check()
        self.assertFalse(wizard.problems, 'nothing in this company stops a document')
        self.assertEqual(self.org.onboarding_check_state, 'done')
        self.assertTrue(self.org.mapping_check_date)
        self.assertFalse(self.org.onboarding_done, 'auto-sync is still off')

        self.org.action_onboarding_auto_sync()
        self.assertTrue(self.org.auto_sync_invoices)
        self.assertEqual(self.org.onboarding_auto_sync_state, 'done')
        self.assertTrue(self.org.onboarding_done, 'the bank feed is optional')

        self.wizard(account_id=self.xero_account(self.org, '429').id, auto_sync=True).action_activate()
        self.assertEqual(self.org.onboarding_bank_feed_state, 'done')

        # A failed check undoes its step: the checklist shows again.
        self.org.auto_sync_bank_feed = True
        self.org.bank_feed_account_id = False
        line = self.card_line(-12, partner=self.uber, xero_category_id=self.unmapped_category('Zzyzx').id)
        line.action_xero_verify()
        self.assertTrue(self.check().problems)
        self.assertEqual(self.org.onboarding_check_state, 'todo')
        self.assertFalse(self.org.onboarding_done)

    def test_each_step_has_a_button_to_its_place(self):
        self.assertEqual(self.org.action_onboarding_taxes()['res_model'], 'xero.tax.mapping')
        self.assertEqual(self.org.action_onboarding_accounts()['domain'], [('organisation_id', '=', self.org.id)])
        bank_feed = self.org.action_onboarding_bank_feed()
        self.assertEqual((bank_feed['res_model'], bank_feed['context']['default_organisation_id']),
                         ('xero.bank.feed.wizard', self.org.id))

    # --- the bank-feed wizard ---------------------------------------------------------------

    def test_the_wizard_stores_the_default_account_and_the_switch_and_opens_the_tab(self):
        self.org.auto_sync_bank_feed = True
        general = self.xero_account(self.org, '429')
        action = self.wizard(account_id=general.id, auto_sync=False).action_activate()
        self.assertEqual(self.org.bank_feed_account_id, general)
        self.assertFalse(self.org.auto_sync_bank_feed, 'the switch as the wizard set it')
        self.assertEqual((action['res_model'], action['res_id'], action['target']),
                         ('xero.organisation', self.org.id, 'main'))
        self.assertEqual(action['context']['xero_open_tab'], 'bank_feed')

        # Opened again, the wizard starts from what the feed holds.
        again = self.env['xero.bank.feed.wizard'].create({'organisation_id': self.org.id})
        self.assertEqual((again.account_id, again.auto_sync), (general, False))
        self.wizard(auto_sync=True).action_activate()
        self.assertTrue(self.org.auto_sync_bank_feed)
        self.assertEqual(self.org.bank_feed_account_id, general, 'no account chosen keeps the one set')

    # --- category suggestions ---------------------------------------------------------------

    def test_categories_are_suggested_by_code_type_and_words_and_wait_for_the_user(self):
        by_words = self.unmapped_category('Bank charges and fees')
        by_code = self.unmapped_category('Misc 429')
        by_type = self.unmapped_category('Direct costs freight')
        nothing = self.unmapped_category('Zzyzx')
        self.org.action_suggest_mappings()

        words = self.category_mapping(by_words)
        self.assertEqual(words.suggested_purchase_account_id.code, '404', 'Bank Fees shares two words')
        self.assertEqual(self.category_mapping(by_code).suggested_purchase_account_id.code, '429')
        self.assertEqual(self.category_mapping(by_type).suggested_purchase_account_id.account_type, 'DIRECTCOSTS')
        self.assertFalse(self.category_mapping(nothing), 'no word in common: no row')
        self.assertFalse(words.xero_purchase_account_id, 'a suggestion is not used before it is confirmed')
        self.assertEqual(words.source, 'auto')

        # Suggesting again confirms nothing either.
        self.org.action_suggest_mappings()
        self.assertFalse(self.category_mapping(by_words).xero_purchase_account_id)

        words.action_confirm_suggestion()
        self.assertEqual(words.xero_purchase_account_id.code, '404')
        self.assertFalse(words.suggested_purchase_account_id)
        self.assertEqual(words.source, 'manual', "confirmed, the row is the user's")
        self.org.action_suggest_mappings()
        self.assertEqual(words.xero_purchase_account_id.code, '404')

    # --- the mapping check of the card lines ------------------------------------------------

    def test_the_check_flags_a_verified_card_line_without_account(self):
        self.wizard().action_activate()
        categ = self.unmapped_category('Zzyzx')
        line = self.card_line(-25, partner=self.uber, xero_category_id=categ.id)
        self.assertFalse([p for p in self.check().problems if 'Uber' in p], 'not verified: not asked for')
        line.action_xero_verify()
        problems = [p for p in self.check().problems if 'Uber' in p]
        self.assertEqual(len(problems), 1, self.check().problems)
        self.assertIn('Zzyzx', problems[0])
        self.env['xero.bank.feed.rule'].create({
            'organisation_id': self.org.id, 'partner_id': self.uber.id,
            'xero_account_id': self.xero_account(self.org, '429').id})
        self.assertFalse([p for p in self.check().problems if 'Uber' in p], "the vendor's rule gives one")

    def test_a_default_account_covers_the_card_lines(self):
        self.wizard(account_id=self.xero_account(self.org, '429').id).action_activate()
        line = self.card_line(-25, partner=self.uber, xero_category_id=self.unmapped_category('Zzyzx').id)
        line.action_xero_verify()
        self.assertFalse([p for p in self.check().problems if 'Uber' in p])

    # --- the connecting user's role ---------------------------------------------------------

    def test_a_user_who_cannot_approve_and_pay_is_warned_about_before_anything_fails(self):
        self.assertFalse(self.org.bank_feed_id, 'no bank feed yet: the warning comes before it')
        self.assertEqual(self.org.connecting_user_role, 'STANDARD', 'read from /Users at connect')
        self.assertIn('STANDARD', self.org.role_warning)
        self.assertIn('card transactions', self.org.role_warning)
        # The spec's OrganisationRole enum has no ADMIN: an Adviser is the role that approves and pays.
        self.sim.set_user_role(NZ_TENANT_ID, 'FINANCIALADVISER')
        self.org.action_import_chart()
        self.assertEqual(self.org.connecting_user_role, 'FINANCIALADVISER')
        self.assertFalse(self.org.role_warning)
        # With a bank feed, the import gives the role to the feed too: both say the same.
        self.wizard().action_activate()
        self.sim.set_user_role(NZ_TENANT_ID, 'READONLY')
        self.org.action_import_chart()
        self.assertEqual((self.org.connecting_user_role, self.org.xero_user_role), ('READONLY', 'READONLY'))
        self.assertIn('READONLY', self.org.role_warning)
