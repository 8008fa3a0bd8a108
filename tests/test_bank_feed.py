import csv
import io
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import freeze_time, new_test_user
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import CONTACTS, ENGINE_LOGGER, SyncCase

BANK_TRANSACTIONS = '/api.xro/2.0/BankTransactions'
ACCOUNTS = '/api.xro/2.0/Accounts'


class BankFeedCase(SyncCase):
    """Two fed journals (EUR card, GBP wallet) and the helpers of the bank feed's tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Currency = cls.env['res.currency'].with_context(active_test=False)
        cls.eur = Currency.search([('name', '=', 'EUR')])
        cls.gbp = Currency.search([('name', '=', 'GBP')])
        (cls.eur | cls.gbp).active = True
        Journal = cls.env['account.journal']
        cls.card = Journal.create({'name': 'Company card', 'code': 'CARD', 'type': 'credit',
                                   'currency_id': cls.eur.id})
        cls.wallet = Journal.create({'name': 'GBP wallet', 'code': 'WALL', 'type': 'bank',
                                     'currency_id': cls.gbp.id})
        cls.uber = cls.env['res.partner'].create({'name': 'Uber', 'is_company': True})
        cls.travel = cls.env['product.category'].create({'name': 'Travel'})
        cls.today = fields.Date.today()

    # --- helpers ------------------------------------------------------------------------------

    def activate(self, currencies=None, start=None, reset=True):
        wizard = self.env['xero.bank.feed.wizard'].create({
            'organisation_id': self.org.id, 'journal_ids': [Command.set((self.card | self.wallet).ids)],
            'currency_ids': [Command.set((currencies if currencies is not None else self.eur | self.gbp).ids)],
            'start_date': start or self.today - timedelta(days=60)})
        action = wizard.action_activate()
        self.assertEqual(action['res_id'], self.org.id, 'the organisation opens, with its mapping')
        self.assertFalse(self.sim.requests, 'the wizard itself never calls Xero')
        self.run_feed_cron()
        if reset:
            self.sim.counters.reset()
            del self.sim.requests[:]
        return self.org.bank_feed_currency_ids

    def run_feed_cron(self):
        self.env['xero.bank.feed'].with_context(xero_no_commit=True)._cron_bank_feed()

    def feed(self):
        """The organisation's bank feed (its configuration), made now if not activated yet."""
        return self.env['xero.bank.feed']._of(self.org)

    def card_line(self, amount, partner=None, date=None, journal=None, user=None, **values):
        Line = self.env['account.bank.statement.line']
        return (Line.with_user(user) if user else Line).create(dict({
            'journal_id': (journal or self.card).id, 'date': date or self.today,
            'payment_ref': values.pop('label', 'CARD PAYMENT'), 'amount': amount,
            'partner_id': partner.id if partner else False}, **values))

    def feed_link(self, line):
        return line.xero_feed_link_ids.filtered(lambda l: l.organisation_id == self.org)

    def sim_txn(self, line):
        return self.sim.organisation(NZ_TENANT_ID).bank_transactions[self.feed_link(line).xero_id.lower()]

    def set_default_account(self, code='429'):
        self.feed().account_id = self.xero_account(self.org, code)

    def sim_account(self, name):
        return next(a for a in self.sim.organisation(NZ_TENANT_ID).accounts.values() if a['Name'] == name)



class TestBankFeed(BankFeedCase):
    """Card and wallet lines, verified in Odoo, into "<Company> Balance - <CCY>" accounts."""

    # --- activation ---------------------------------------------------------------------------

    def test_activation_makes_one_balance_account_per_currency_and_reuses_an_existing_one(self):
        self.sim.seed(NZ_TENANT_ID, accounts=[{
            'Name': 'YourCompany Balance - GBP', 'Type': 'BANK', 'BankAccountNumber': '77',
            'CurrencyCode': 'GBP'}])
        company = self.env.company.name
        rows = self.activate(reset=False)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Accounts'), 1 if company == 'YourCompany' else 2)
        eur = rows.filtered(lambda r: r.currency_id == self.eur)
        self.assertEqual((eur.account_state, eur.xero_account_id.name), ('ready', f'{company} Balance - EUR'))
        in_xero = self.sim_account(f'{company} Balance - EUR')
        self.assertEqual((in_xero['Type'], in_xero['CurrencyCode']), ('BANK', 'EUR'))
        self.assertEqual(eur.action_open_in_xero()['type'], 'ir.actions.act_url')
        # Again: nothing new is created.
        self.sim.counters.reset()
        self.run_feed_cron()
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Accounts'), 0)

    def test_existing_account_of_that_name_and_currency_is_reused(self):
        company = self.env.company.name
        self.sim.seed(NZ_TENANT_ID, accounts=[{
            'Name': f'{company} Balance - GBP', 'Type': 'BANK', 'BankAccountNumber': '77',
            'CurrencyCode': 'GBP'}])
        rows = self.activate(reset=False)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Accounts'), 1, 'only EUR is new')
        gbp = rows.filtered(lambda r: r.currency_id == self.gbp)
        self.assertEqual(gbp.xero_account_id.bank_account_number, '77')

    def test_currency_switched_off_and_start_date(self):
        self.set_default_account()
        rows = self.activate(currencies=self.eur, start=self.today - timedelta(days=5))
        self.assertFalse(rows.filtered(lambda r: r.currency_id == self.gbp).xero_account_id,
                         'no account for a currency switched off')
        early = self.card_line(-10, date=self.today - timedelta(days=6))
        pounds = self.card_line(-20, journal=self.wallet)
        euros = self.card_line(-30)
        self.assertEqual(early.xero_feed_state, 'excluded')
        self.assertIn('start date', early.xero_feed_reason)
        self.assertEqual(pounds.xero_feed_state, 'excluded')
        self.assertIn('GBP is switched off', pounds.xero_feed_reason)
        self.assertEqual(euros.xero_feed_state, 'pending_verification')
        (early | pounds | euros).action_xero_verify()
        self.push()
        self.assertEqual(self.calls(BANK_TRANSACTIONS), 1)
        self.assertEqual(euros.xero_feed_state, 'synced')
        self.assertFalse(early.xero_feed_link_ids | pounds.xero_feed_link_ids)
        # Switched off later: what was sent stays, what comes next waits.
        rows.filtered(lambda r: r.currency_id == self.eur).enabled = False
        self.assertEqual(euros.xero_feed_state, 'synced')
        self.assertEqual(self.card_line(-40).xero_feed_state, 'excluded')

    # --- push ---------------------------------------------------------------------------------

    def test_spend_and_receive_land_reconciled_in_the_balance_account(self):
        self.set_default_account()
        self.feed().tax_rate_id = self.rate(self.org, 'INPUT2')
        rows = self.activate()
        spend = self.card_line(-57.5, partner=self.uber, label='UBER *TRIP')
        receive = self.card_line(100.0, label='REFUND')
        (spend | receive).action_xero_verify()
        self.assertFalse(self.sim.requests, 'verifying calls nothing')
        self.assertEqual(spend.xero_feed_state, 'verified')
        self.push()
        writes = [r.endpoint for r in self.sim.requests if r.method in ('PUT', 'POST')]
        self.assertEqual(writes, [CONTACTS, BANK_TRANSACTIONS], 'contacts first, one batch')
        out, into = self.sim_txn(spend), self.sim_txn(receive)
        eur_account = rows.filtered(lambda r: r.currency_id == self.eur).xero_account_id
        self.assertEqual((out['Type'], out['IsReconciled'], out['BankAccount']['AccountID']),
                         ('SPEND', True, eur_account.xero_id.lower()))
        self.assertEqual((into['Type'], into['IsReconciled']), ('RECEIVE', True))
        self.assertEqual(out['LineAmountTypes'], 'Inclusive')
        self.assertEqual((str(out['Total']), str(out['TotalTax'])), ('57.50', '7.50'))
        self.assertEqual(out['CurrencyCode'], 'EUR')
        self.assertEqual(out['LineItems'][0]['AccountCode'], '429')
        self.assertEqual(out['Reference'], self.feed_link(spend)._reference())
        self.assertTrue(out['Reference'].endswith(f'BSL{spend.id}'))
        self.assertEqual(out['Contact']['ContactID'], self.link(self.uber).xero_id.lower())
        default_contact = self.link(self.org.bank_feed_contact_id)
        self.assertEqual(into['Contact']['ContactID'], default_contact.xero_id.lower(),
                         'a line without partner goes with the default contact')
        self.assertEqual((spend.xero_feed_state, receive.xero_feed_state), ('synced', 'synced'))

    def test_without_a_tax_the_line_says_no_tax(self):
        self.set_default_account()
        self.activate()
        line = self.card_line(-12.0)
        line.action_xero_verify()
        self.push()
        txn = self.sim_txn(line)
        self.assertEqual((txn['LineAmountTypes'], str(txn['TotalTax']), str(txn['Total'])),
                         ('NoTax', '0.00', '12.00'))

    # --- where the money goes -----------------------------------------------------------------

    def test_account_order_rule_counterpart_category_default_and_held(self):
        self.activate()
        self.env['xero.bank.feed.rule'].create({
            'organisation_id': self.org.id, 'partner_id': self.uber.id,
            'xero_account_id': self.xero_account(self.org, '400').id})
        travel = self.org.category_mapping_ids.filtered(lambda m: m.categ_id == self.travel)
        travel.xero_purchase_account_id = self.xero_account(self.org, '404')
        by_rule = self.card_line(-10, partner=self.uber, xero_category_id=self.travel.id)
        by_counterpart = self.card_line(-11, xero_category_id=self.travel.id)
        suspense = by_counterpart.move_id.line_ids.filtered(
            lambda l: l.account_id != by_counterpart.journal_id.default_account_id)
        by_counterpart.move_id.with_context(skip_readonly_check=True).write({
            'line_ids': [Command.update(suspense.id, {'account_id': self.expense.id})]})
        self.assertTrue(by_counterpart.is_reconciled)
        by_category = self.card_line(-12, xero_category_id=self.travel.id)
        by_default = self.card_line(-13)
        lines = by_rule | by_counterpart | by_category | by_default
        lines.action_xero_verify()
        self.push()
        self.assertEqual(by_default.xero_feed_state, 'error', 'nothing is guessed')
        self.assertIn('No Xero account for this transaction', by_default.xero_feed_reason)
        self.assertIn('default account', by_default.xero_feed_reason)
        self.set_default_account('429')
        by_default.action_xero_sync_now()
        self.push()
        codes = [self.sim_txn(line)['LineItems'][0]['AccountCode'] for line in lines]
        self.assertEqual(codes, ['400', '300', '404', '429'])

    def test_vendor_rule_and_a_changed_rule_leaves_sent_lines_alone(self):
        self.activate()
        rule = self.env['xero.bank.feed.rule'].create({
            'organisation_id': self.org.id, 'partner_id': self.uber.id,
            'xero_account_id': self.xero_account(self.org, '400').id,
            'xero_tax_rate_id': self.rate(self.org, 'INPUT2').id,
            'description_template': '{partner}: {label}'})
        first = self.card_line(-23, partner=self.uber, label='UBER *TRIP')
        first.action_xero_verify()
        self.push()
        item = self.sim_txn(first)['LineItems'][0]
        self.assertEqual((item['AccountCode'], item['TaxType'], item['Description']),
                         ('400', 'INPUT2', 'Uber: UBER *TRIP'))
        rule.xero_account_id = self.xero_account(self.org, '429')
        self.sim.counters.reset()
        self.push()
        first.action_xero_unverify()
        first.action_xero_verify()  # unchanged: not sent again
        self.push()
        self.assertEqual(self.calls(BANK_TRANSACTIONS), 0, 'what is in Xero is never rewritten')
        self.assertEqual(self.sim_txn(first)['LineItems'][0]['AccountCode'], '400')
        second = self.card_line(-5, partner=self.uber)
        second.action_xero_verify()
        self.push()
        self.assertEqual(self.sim_txn(second)['LineItems'][0]['AccountCode'], '429')

    # --- verification -------------------------------------------------------------------------

    @mute_logger(ENGINE_LOGGER)
    def test_verify_locks_unverify_and_reverify_waits_for_replace(self):
        self.set_default_account()
        self.activate()
        clerk = new_test_user(self.env, login='clerk', groups='base.group_user,account.group_account_user,xero_integration.group_xero_user')
        other = new_test_user(self.env, login='other', groups='base.group_user,account.group_account_user,xero_integration.group_xero_user')
        line = self.card_line(-40, partner=self.uber, user=clerk)
        line.action_xero_verify()
        with self.assertRaisesRegex(UserError, 'Unverify'):
            line.amount = -41
        line.with_context(skip_account_move_synchronization=False).write({'amount': -40})  # no change
        self.push()
        old_id = self.feed_link(line).xero_id
        with self.assertRaisesRegex(UserError, 'accounting manager'):
            line.with_user(other).action_xero_unverify()
        line.action_xero_unverify()  # its owner
        self.assertEqual(line.xero_feed_state, 'pending_verification')
        line.amount = -45
        line.action_xero_verify()
        sent = self.calls(BANK_TRANSACTIONS)
        self.push()
        org = self.sim.organisation(NZ_TENANT_ID)
        # Never replaced behind anyone's back: the line waits, saying why and what to press.
        self.assertEqual(org.bank_transactions[old_id.lower()]['Status'], 'AUTHORISED')
        self.assertEqual(str(org.bank_transactions[old_id.lower()]['Total']), '40.00')
        self.assertEqual(line.xero_feed_state, 'error')
        self.assertIn('Replace in Xero', line.xero_feed_reason)
        self.assertEqual(self.calls(BANK_TRANSACTIONS), sent, 'no update that Xero would refuse')
        self.assertTrue(line.xero_replaceable)
        line.action_xero_replace()
        self.push()
        self.assertEqual(org.bank_transactions[old_id.lower()]['Status'], 'DELETED')
        link = self.feed_link(line)
        self.assertNotEqual(link.xero_id, old_id)
        self.assertEqual(str(self.sim_txn(line)['Total']), '45.00')
        self.assertEqual(line.xero_feed_state, 'synced')
        bodies = ' '.join(m.body or '' for m in line.move_id.message_ids)
        self.assertIn('as asked by', bodies)
        self.assertIn('deleted in Xero', bodies)
        self.assertIn('corrected transaction is in Xero', bodies)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions'],
                                             include_cancelled=False), 0)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BankTransactions'), 2)

    # --- lock dates ---------------------------------------------------------------------------

    def test_period_lock_holds_a_standard_user_and_lets_an_adviser_post(self):
        self.set_default_account()
        self.activate()
        self.sim.set_lock_dates(NZ_TENANT_ID, period=self.today - timedelta(days=10))
        self.run_feed_cron()
        self.assertEqual(self.org.xero_period_lock_date, self.today - timedelta(days=10))
        self.assertEqual(self.org.xero_user_role, 'STANDARD')
        locked = self.card_line(-10, date=self.today - timedelta(days=12))
        locked.action_xero_verify()
        self.push()
        self.assertEqual(locked.xero_feed_state, 'error')
        self.assertIn('period lock date', locked.xero_feed_reason)
        self.assertIn('not an Adviser', locked.xero_feed_reason)
        self.assertEqual(self.calls(BANK_TRANSACTIONS), 0, 'held before Xero is asked')
        self.sim.set_user_role(NZ_TENANT_ID, 'FINANCIALADVISER')
        self.run_feed_cron()
        self.assertEqual(self.org.xero_user_role, 'FINANCIALADVISER')
        locked.action_xero_sync_now()
        self.push()
        self.assertEqual(locked.xero_feed_state, 'synced', 'an Adviser posts into a locked period')

    def test_end_of_year_lock_holds_everyone(self):
        self.set_default_account()
        self.activate()
        self.sim.set_lock_dates(NZ_TENANT_ID, period=self.today - timedelta(days=10),
                                end_of_year=self.today - timedelta(days=20))
        self.sim.set_user_role(NZ_TENANT_ID, 'FINANCIALADVISER')
        self.run_feed_cron()
        locked = self.card_line(-10, date=self.today - timedelta(days=25))
        period = self.card_line(-11, date=self.today - timedelta(days=15))
        (locked | period).action_xero_verify()
        self.push()
        self.assertEqual(locked.xero_feed_state, 'error')
        self.assertIn('end of year lock date', locked.xero_feed_reason)
        self.assertEqual(period.xero_feed_state, 'synced')

    def test_lock_dates_are_read_again_after_a_day(self):
        self.set_default_account()
        self.activate()
        self.sim.counters.reset()
        self.card_line(-1).action_xero_verify()
        self.push()
        self.assertEqual(self.calls('/api.xro/2.0/Users', 'GET'), 0, 'read today already')
        self.feed().lock_dates_read = fields.Datetime.now() - timedelta(days=1, minutes=1)
        line = self.card_line(-2)
        line.action_xero_verify()
        self.push()
        self.assertEqual(line.xero_feed_state, 'synced', line.xero_feed_reason)
        self.assertEqual(self.calls('/api.xro/2.0/Users', 'GET'), 1)

    # --- never twice --------------------------------------------------------------------------

    @mute_logger(ENGINE_LOGGER)
    def test_dropped_answer_creates_nothing_twice(self):
        self.set_default_account()
        self.activate()
        lines = self.env['account.bank.statement.line']
        for n in range(5):
            lines |= self.card_line(-10 - n, partner=self.uber)
        self.sim.faults.add('drop', method='POST', path=BANK_TRANSACTIONS, count=1)
        lines.action_xero_verify()
        self.push()
        self.assertEqual(set(lines.xero_feed_link_ids.mapped('sync_state')), {'in_flight'})
        self.sim.clock.advance(400)  # past Xero's key window: a look-up, not a resend
        with freeze_time(fields.Datetime.now() + timedelta(minutes=7)):
            self.push()
        self.assertEqual(set(lines.mapped('xero_feed_state')), {'synced'})
        self.assertEqual(self.calls(BANK_TRANSACTIONS), 1, 'found by Reference, never sent again')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BankTransactions'), 5)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions']), 0)

    # --- export -------------------------------------------------------------------------------

    def test_csv_export_in_xeros_bank_statement_format(self):
        lines = self.card_line(-57.5, partner=self.uber, label='Taxi, airport', ref='R-1',
                               date=fields.Date.to_date('2026-03-02'))
        lines |= self.card_line(1200, label='Refund', date=fields.Date.to_date('2026-03-05'))
        action = lines.action_xero_export_csv()
        attachment = self.env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
        rows = list(csv.reader(io.StringIO(attachment.raw.decode())))
        self.assertEqual(rows[0], ['Date', 'Amount', 'Payee', 'Description', 'Reference'])
        self.assertEqual(rows[1], ['02/03/2026', '-57.50', 'Uber', 'Taxi, airport', 'R-1'])
        self.assertEqual(rows[2], ['05/03/2026', '1200.00', '', 'Refund', ''])

    def test_the_menu_lists_fed_lines_by_state(self):
        self.activate()
        line = self.card_line(-3)
        action = self.env.ref('xero_integration.xero_bank_feed_line_action')
        Line = self.env['account.bank.statement.line']
        self.assertIn(line, Line.search(eval(action.domain)))
        self.assertEqual(Line.search([('xero_feed_state', '=', 'pending_verification')]), line)
        self.assertTrue(self.env.ref('xero_integration.menu_xero_bank_feed_lines').action)
