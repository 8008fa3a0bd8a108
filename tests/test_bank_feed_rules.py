"""The bank feed's vendor rules: "bill plus payment" and card refunds.

A card line of a vendor whose rule is "bill plus payment" goes to Xero as an ACCPAY bill to
that vendor and a payment of that bill from the card's Balance account: the bill is PAID and
the card account shows the money. Money in from a vendor (a refund) goes back to the account
and tax of what it refunds, as received money. Each test ends by comparing both books: the
line's amount against what Xero holds, each object once.
"""
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER, INVOICES
from .test_bank_feed import BANK_TRANSACTIONS, BankFeedCase
from .test_idempotency import AFTER, INSIDE, KeyWindowMixin
from .test_payments import PAYMENTS

PAYMENT = '/api.xro/2.0/Payments/{id}'


class BankFeedRulesCase(KeyWindowMixin, BankFeedCase):

    def setUp(self):
        super().setUp()
        self.rows = self.activate()
        self.eur_account = self.rows.filtered(lambda r: r.currency_id == self.eur).xero_account_id

    def bill_rule(self, partner=None, **values):
        return self.env['xero.bank.feed.rule'].create(dict({
            'organisation_id': self.org.id, 'partner_id': (partner or self.uber).id, 'push_as': 'bill',
            'xero_account_id': self.xero_account(self.org, '400').id,
            'xero_tax_rate_id': self.rate(self.org, 'INPUT2').id,
            'description_template': '{partner}: {label}'}, **values))

    def payment_link(self, line):
        return line.xero_feed_payment_ids.filtered(lambda p: p.organisation_id == self.org)

    def sim_org(self):
        return self.sim.organisation(NZ_TENANT_ID)

    def assertPaidBillInXero(self, line, bills=1, payments=1):
        """Both books: the line's amount is the bill's Total and its payment's Amount; the bill
        is PAID with nothing due, the payment comes from the card account; each once."""
        link, payment = self.feed_link(line), self.payment_link(line)
        self.assertEqual((link.sync_state, link.feed_form), ('synced', 'bill'), link.last_error)
        self.assertEqual(payment.sync_state, 'synced', payment.last_error)
        self.assertEqual(line.xero_feed_state, 'synced', line.xero_feed_reason)
        org = self.sim_org()
        bill = org.invoices[link.xero_id.lower()]
        paid = org.payments[payment.xero_id.lower()]
        amount = abs(line.amount)
        self.assertEqual(bill['Type'], 'ACCPAY')
        self.assertEqual(bill['Status'], 'PAID')
        self.assertEqual(float(bill['AmountDue']), 0.0)
        self.assertAlmostEqual(float(bill['Total']), amount, places=2)
        self.assertAlmostEqual(float(paid['Amount']), amount, places=2)
        self.assertEqual(paid['Status'], 'AUTHORISED')
        self.assertEqual(paid['_doc'], ('Invoices', link.xero_id.lower()))
        self.assertEqual(paid['Account']['AccountID'], self.eur_account.xero_id.lower())
        self.assertEqual(bill['Contact']['ContactID'], self.link(line.partner_id).xero_id.lower())
        self.assertEqual((bill['CurrencyCode'], bill['Date']), (line.currency_id.name, line.date))
        self.assertEqual(bill['InvoiceNumber'], link._reference())
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), bills)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Payments'), payments)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BankTransactions'), 0,
                         'a bill plus payment, not a spend money')
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Invoices', 'Payments'],
                                             include_cancelled=False), 0)
        live = [p for p in org.payments.values() if p['Status'] != 'DELETED']
        self.assertEqual(len(live), 1, 'the bill is paid once')
        return bill, paid


class TestBankFeedBillPlusPayment(BankFeedRulesCase):
    """A vendor's rule "bill plus payment": a PAID bill in Xero, paid from the card account."""

    def test_a_line_goes_as_a_bill_then_its_payment_and_the_bill_is_paid(self):
        self.bill_rule()
        line = self.card_line(-57.5, partner=self.uber, label='UBER *TRIP')
        line.action_xero_verify()
        self.push()
        writes = [(r.method, r.endpoint) for r in self.sim.requests if r.method in ('PUT', 'POST')]
        self.assertEqual(writes[-2:], [('POST', INVOICES), ('PUT', PAYMENTS)],
                         'the bill first, its payment next, in one run')
        bill, paid = self.assertPaidBillInXero(line)
        item = bill['LineItems'][0]
        self.assertEqual((item['AccountCode'], item['TaxType'], item['Description']),
                         ('400', 'INPUT2', 'Uber: UBER *TRIP'))
        self.assertEqual((bill['LineAmountTypes'], str(bill['TotalTax'])), ('Inclusive', '7.50'))
        self.assertTrue(paid['IsReconciled'])
        # Sent again (verified again, unchanged): nothing new in Xero.
        line.action_xero_unverify()
        line.action_xero_verify()
        self.push()
        self.assertPaidBillInXero(line)

    def test_the_pull_never_brings_the_bill_into_odoo_and_shows_it_paid(self):
        """Odoo's record of the bill is the statement line: with documents imported from Xero,
        the feed's bill does not come back as a vendor bill, nor its payment to the review
        list; the line's link shows the status Xero gives the bill."""
        self.org.import_documents = True
        self.bill_rule()
        line = self.card_line(-64.4, partner=self.uber, label='UBER *TRIP')
        line.action_xero_verify()
        self.push()
        link = self.feed_link(line)
        self.assertEqual(link.xero_status, 'AUTHORISED', 'as Xero answered the bill')
        bills = self.env['account.move'].search_count([('move_type', '=', 'in_invoice')])
        reviews = self.env['xero.review'].search_count([])
        self.env['xero.document.pull'].with_context(xero_no_commit=True)._pull(self.org)
        self.env['xero.payment.pull'].with_context(xero_no_commit=True)._pull(self.org)
        self.assertEqual(self.env['account.move'].search_count([('move_type', '=', 'in_invoice')]), bills)
        self.assertEqual(self.env['xero.review'].search_count([]), reviews)
        bill, _paid = self.assertPaidBillInXero(line)
        self.assertEqual(link.xero_status, bill['Status'], 'PAID in both')

    @mute_logger(ENGINE_LOGGER)
    def test_lost_answer_on_the_bill_is_looked_up_by_contact_reference_and_date(self):
        self.bill_rule()
        line = self.card_line(-120.0, partner=self.uber, label='UBER EATS')
        self.lose_answer('POST', INVOICES, how='status')
        line.action_xero_verify()
        self.push()
        link = self.feed_link(line)
        self.assertEqual(link.sync_state, 'in_flight')
        self.assertFalse(self.payment_link(line), 'the payment waits for its bill')
        self.assertEqual(len(self.sim_org().invoices), 1, 'the bill landed; its answer was lost')
        self.assertEqual(line.xero_feed_state, 'verified')
        with self.later(AFTER):
            self.push()
        self.assertEqual(self.calls(INVOICES), 1, 'found in Xero, never sent again')
        self.assertEqual(self.calls(INVOICES, 'GET'), 1, 'one look-up')
        self.assertPaidBillInXero(line)

    @mute_logger(ENGINE_LOGGER)
    def test_lost_answer_on_the_payment_is_replayed_inside_the_window_or_looked_up_after(self):
        self.bill_rule()
        first = self.card_line(-30.0, partner=self.uber, label='UBER A')
        self.lose_answer('PUT', PAYMENTS, how='status')
        first.action_xero_verify()
        self.push()
        payment = self.payment_link(first)
        self.assertEqual(payment.sync_state, 'in_flight')
        self.assertEqual(first.xero_feed_state, 'verified', 'in Xero once its payment is')
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('PUT', PAYMENTS)
        self.assertPaidBillInXero(first)

        second = self.card_line(-45.0, partner=self.uber, label='UBER B')
        self.lose_answer('PUT', PAYMENTS)
        second.action_xero_verify()
        self.push()
        self.assertEqual(self.payment_link(second).sync_state, 'in_flight')
        with self.later(AFTER):
            self.push()
        self.assertEqual(self.payment_link(second).sync_state, 'synced', self.payment_link(second).last_error)
        self.assertEqual(self.calls(PAYMENTS, 'PUT'), 3, 'found by its Reference, never sent again')
        for line in (first, second):
            bill = self.sim_org().invoices[self.feed_link(line).xero_id.lower()]
            self.assertEqual((bill['Status'], float(bill['AmountDue'])), ('PAID', 0.0))
            self.assertAlmostEqual(float(self.sim_org().payments[self.payment_link(line).xero_id.lower()]['Amount']),
                                   abs(line.amount), places=2)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 2)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Payments'), 2)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Invoices', 'Payments']), 0)

    @mute_logger(ENGINE_LOGGER)
    def test_replace_deletes_the_payment_voids_the_bill_and_sends_the_line_anew(self):
        self.bill_rule()
        line = self.card_line(-40.0, partner=self.uber, label='UBER *TRIP')
        line.action_xero_verify()
        self.push()
        old_bill, old_payment = self.feed_link(line).xero_id, self.payment_link(line).xero_id
        line.action_xero_unverify()
        line.amount = -45.0
        line.action_xero_verify()
        self.push()
        self.assertEqual(line.xero_feed_state, 'error')
        self.assertIn('Replace in Xero', line.xero_feed_reason)
        self.assertEqual(self.sim_org().invoices[old_bill.lower()]['Status'], 'PAID', 'never behind anyone')
        line.action_xero_replace()
        self.push()
        org = self.sim_org()
        self.assertEqual(org.payments[old_payment.lower()]['Status'], 'DELETED')
        self.assertEqual(org.invoices[old_bill.lower()]['Status'], 'VOIDED')
        deletion = next(i for i, r in enumerate(self.sim.requests)
                        if r.method == 'POST' and r.endpoint == PAYMENT)
        void = next(i for i, r in enumerate(self.sim.requests)
                    if r.method == 'POST' and r.endpoint == INVOICES and i > deletion)
        self.assertLess(deletion, void, 'the payment is deleted before the bill is voided')
        self.assertNotEqual(self.feed_link(line).xero_id, old_bill)
        bill, _paid = self.assertPaidBillInXero(line, bills=2, payments=2)
        self.assertEqual(str(bill['Total']), '45.00')
        bodies = ' '.join(m.body or '' for m in line.move_id.message_ids)
        self.assertIn('payment of its bill is deleted', bodies)
        self.assertIn('voided in Xero', bodies)

    @mute_logger(ENGINE_LOGGER)
    def test_replace_after_a_lost_answer_on_the_payment_deletion_finds_it_deleted_then_voids(self):
        self.bill_rule()
        line = self.card_line(-40.0, partner=self.uber, label='UBER *TRIP')
        line.action_xero_verify()
        self.push()
        old_bill, old_payment = self.feed_link(line).xero_id, self.payment_link(line).xero_id
        line.action_xero_unverify()
        line.amount = -42.0
        line.action_xero_verify()
        line.action_xero_replace()
        self.lose_answer('POST', PAYMENT)
        self.push()
        org = self.sim_org()
        self.assertEqual(self.payment_link(line).sync_state, 'in_flight')
        self.assertEqual(org.payments[old_payment.lower()]['Status'], 'DELETED', 'done in Xero')
        self.assertEqual(org.invoices[old_bill.lower()]['Status'], 'AUTHORISED', 'not voided yet')
        self.assertEqual(line.xero_feed_state, 'verified')
        with self.later(AFTER):
            self.push()  # the deletion is found done
        with self.later(1):
            self.push()  # the bill is voided and the line sent anew
        self.assertEqual(org.invoices[old_bill.lower()]['Status'], 'VOIDED')
        self.assertEqual(self.calls(PAYMENT), 1, 'the deletion was looked up, not sent again')
        bill, _paid = self.assertPaidBillInXero(line, bills=2, payments=2)
        self.assertEqual(str(bill['Total']), '42.00')

    def test_a_bill_rule_without_an_account_holds_the_line_and_sends_nothing(self):
        self.bill_rule(xero_account_id=False)
        line = self.card_line(-10.0, partner=self.uber)
        line.action_xero_verify()
        self.push()
        self.assertEqual(line.xero_feed_state, 'error')
        self.assertIn('No Xero account for this transaction', line.xero_feed_reason)
        self.assertFalse(self.payment_link(line))
        self.assertEqual(self.calls(INVOICES) + self.calls(PAYMENTS, 'PUT'), 0, 'nothing half sent')


class TestBankFeedRefunds(BankFeedRulesCase):
    """Money in on a card from a vendor: received money on the account and tax of what it
    refunds, never a sales account."""

    def assertReceived(self, line, code, tax_type):
        self.assertEqual(line.xero_feed_state, 'synced', line.xero_feed_reason)
        txn = self.sim_txn(line)
        item = txn['LineItems'][0]
        self.assertEqual((txn['Type'], item['AccountCode'], item.get('TaxType')), ('RECEIVE', code, tax_type))
        self.assertAlmostEqual(float(txn['Total']), line.amount, places=2)
        self.assertEqual(txn['BankAccount']['AccountID'], self.eur_account.xero_id.lower())

    def test_a_refund_goes_to_the_rule_account_and_tax_as_received_money(self):
        self.feed().tax_rate_id = self.rate(self.org, 'INPUT2')
        self.set_default_account('429')
        self.env['xero.bank.feed.rule'].create({
            'organisation_id': self.org.id, 'partner_id': self.uber.id,
            'xero_account_id': self.xero_account(self.org, '404').id,
            'xero_tax_rate_id': self.rate(self.org, 'INPUT2').id})
        airline = self.env['res.partner'].create({'name': 'Air NZ', 'is_company': True})
        self.bill_rule(partner=airline)
        refund = self.card_line(23.0, partner=self.uber, label='UBER REFUND')
        air_refund = self.card_line(300.0, partner=airline, label='AIR NZ REFUND')
        (refund | air_refund).action_xero_verify()
        self.push()
        self.assertReceived(refund, '404', 'INPUT2')
        self.assertReceived(air_refund, '400', 'INPUT2')
        self.assertEqual(self.feed_link(air_refund).feed_form, 'spend', 'a refund is no bill')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 0)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BankTransactions'), 2)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions']), 0)

    @mute_logger(ENGINE_LOGGER)
    def test_without_a_rule_the_category_purchase_account_or_the_vendors_earlier_spending(self):
        self.feed().tax_rate_id = self.rate(self.org, 'INPUT2')
        self.set_default_account('429')
        travel = self.org.category_mapping_ids.filtered(lambda m: m.categ_id == self.travel)
        travel.write({'xero_purchase_account_id': self.xero_account(self.org, '404').id,
                      'xero_sales_account_id': self.xero_account(self.org, '200').id})
        spend = self.card_line(-80.0, partner=self.uber)
        spend.action_xero_verify()
        self.push()
        self.assertEqual(self.sim_txn(spend)['LineItems'][0]['AccountCode'], '429', 'the default account')
        self.set_default_account('400')
        # A refund with a category: the category's purchase account (its sales account before).
        by_category = self.card_line(15.0, partner=self.uber, xero_category_id=self.travel.id)
        # Without one: where the vendor's spending went, not the default account.
        refund = self.card_line(80.0, partner=self.uber, label='UBER REFUND')
        (by_category | refund).action_xero_verify()
        self.push()
        self.assertReceived(by_category, '404', 'INPUT2')
        self.assertReceived(refund, '429', 'INPUT2')
        # A vendor with nothing to go by: held, saying what to set, and nothing sent.
        stranger = self.env['res.partner'].create({'name': 'Stranger Ltd', 'is_company': True,
                                                   'supplier_rank': 1})
        held = self.card_line(12.0, partner=stranger, label='REFUND?')
        sent = self.calls(BANK_TRANSACTIONS)
        held.action_xero_verify()
        self.push()
        self.assertEqual(held.xero_feed_state, 'error')
        self.assertIn('is a refund', held.xero_feed_reason)
        self.assertIn('Add a rule for Stranger Ltd', held.xero_feed_reason)
        self.assertEqual(self.calls(BANK_TRANSACTIONS), sent)
        self.env['xero.bank.feed.rule'].create({
            'organisation_id': self.org.id, 'partner_id': stranger.id,
            'xero_account_id': self.xero_account(self.org, '429').id})
        held.action_xero_sync_now()
        self.push()
        self.assertReceived(held, '429', 'INPUT2')  # the rule's account, the default tax
        # Money in from someone who is no vendor takes the usual order, but never a sales account
        # with a purchase tax (what a refund with a category got before): held, saying why.
        customer = self.env['res.partner'].create({'name': 'A Customer', 'is_company': True})
        sales = self.card_line(50.0, partner=customer, xero_category_id=self.travel.id)
        sales.action_xero_verify()
        self.push()
        self.assertEqual(sales.xero_feed_state, 'error')
        self.assertIn('sales account', sales.xero_feed_reason)
        self.assertIn('purchase tax', sales.xero_feed_reason)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BankTransactions'), 4)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions']), 0)
        codes = [t['LineItems'][0]['AccountCode'] for t in self.sim_org().bank_transactions.values()
                 if t['Type'] == 'RECEIVE']
        self.assertNotIn('200', codes, 'never the sales account')
