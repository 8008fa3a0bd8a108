"""Payments as accountants make them: bank statement lines reconciled directly with synced
documents, payments in another currency than the document's (the rate of the reconciliation),
and the documents' statuses taken from Xero's answer to the payment.

Every money test ends with ``assertBothBooks``: each document's payment state and amount
residual in Odoo against its Status and AmountDue in Xero, and no payment twice in Xero."""
from datetime import timedelta

from odoo import fields
from odoo.tests import freeze_time
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER
from .test_bank_feed import BankFeedCase
from .test_payments import PaymentCase

PAYMENTS = '/api.xro/2.0/Payments'


class BankPaymentMixin:
    """Helpers shared by the classes below (on top of PaymentCase's)."""

    def reconcile_with_bank_line(self, move, amount, journal=None, date=None, **values):
        """Reconcile ``move`` with a new bank statement line, as Odoo's bank reconciliation does
        (the statement line's suspense line takes the document's receivable or payable account
        and the two lines are reconciled: Odoo's own ``pay_with_statement_line`` in
        account/tests/common.py). No account.payment is made."""
        line = self.env['account.bank.statement.line'].create(dict({
            'journal_id': (journal or self.bank).id, 'date': date or fields.Date.today(),
            'payment_ref': f'DEPOSIT {move.name}', 'amount': amount, 'partner_id': move.partner_id.id,
        }, **values))
        _liquidity, suspense, _other = line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        target = move.line_ids.filtered(lambda line: line.account_type in ('asset_receivable', 'liability_payable'))
        suspense.account_id = target.account_id
        (suspense | target).reconcile()
        return line

    def sim_payment(self, link):
        return self.sim.organisation(NZ_TENANT_ID).payments[link.xero_id.lower()]

    def assertBothBooks(self, moves):
        """For each document: Odoo's payment state and amount residual are Xero's Status and
        AmountDue; and Xero holds each payment once."""
        for move in moves:
            link = self.link(move)
            doc = self.sim_doc(link)
            due = doc['RemainingCredit'] if 'RemainingCredit' in doc else doc['AmountDue']
            self.assertAlmostEqual(float(due), move.amount_residual, places=2,
                                   msg=f'{move.name}: amount due in Xero vs residual in Odoo')
            paid_in_odoo = move.payment_state in ('paid', 'in_payment')
            self.assertEqual(doc['Status'] == 'PAID', paid_in_odoo,
                             f"{move.name}: Xero {doc['Status']}, Odoo {move.payment_state}")
            self.assertEqual(doc['Status'], 'PAID' if paid_in_odoo else 'AUTHORISED')
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Payments']), 0, 'no payment twice in Xero')
        live = [p for p in self.sim_org().payments.values() if p['Status'] == 'AUTHORISED']
        references = [p['Reference'] for p in live]
        self.assertEqual(len(references), len(set(references)), 'each Odoo reconciliation once in Xero')
        links = self.env['xero.payment.link'].search([('move_id', 'in', moves.ids), ('kind', '=', 'payments'),
                                                      ('from_xero', '=', False)])
        sent = links.filtered(lambda link: link.xero_id and link.xero_status != 'DELETED')
        self.assertEqual(sorted(link.xero_id.lower() for link in sent),
                         sorted(p['PaymentID'] for p in live
                                if any(p['_doc'][1] == self.link(m).xero_id.lower() for m in moves)),
                         'what Odoo holds as sent is what Xero holds')


class TestBankReconciliationToXero(BankPaymentMixin, PaymentCase):

    def test_bank_line_reconciled_with_an_invoice_is_a_xero_payment_and_undoing_deletes_it(self):
        invoice = self.make_move()
        self.push()
        del self.sim.requests[:]
        day = fields.Date.today() - timedelta(days=2)
        line = self.reconcile_with_bank_line(invoice, invoice.amount_total, date=day)
        self.assertIn(invoice.payment_state, ('paid', 'in_payment'))
        link = self.payment_links(invoice)
        self.assertEqual(len(link), 1, 'the bank line is not skipped')
        self.assertEqual((link.kind, link.statement_line_id, link.payment_id, link.date, link.sync_state),
                         ('payments', line, self.env['account.payment'], day, 'pending'))
        self.assertFalse(self.sim.requests, 'reconciling queues, it never calls Xero')
        self.push()
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        payment = self.sim_payment(link)
        self.assertEqual(float(payment['Amount']), invoice.amount_total)
        self.assertEqual(payment['Date'], day, "on the bank line's date")
        self.assertEqual(payment['Account']['AccountID'], self.xero_account(self.org, '090').xero_id.lower(),
                         "into the Xero account mapped to the line's journal")
        self.assertBothBooks(invoice)
        # Undone in Odoo: deleted in Xero.
        line.action_undo_reconciliation()
        self.assertEqual(invoice.payment_state, 'not_paid')
        self.assertTrue(link.to_delete)
        self.push()
        self.assertEqual(link.xero_status, 'DELETED')
        self.assertEqual(self.sim_payment(link)['Status'], 'DELETED')
        self.assertBothBooks(invoice)

    def test_part_of_a_bill_by_bank_line(self):
        bill = self.make_move('in_invoice')
        self.push()
        self.reconcile_with_bank_line(bill, -40.0)
        self.assertEqual(bill.payment_state, 'partial')
        self.push()
        link = self.payment_links(bill)
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertEqual(float(self.sim_payment(link)['Amount']), 40.0)
        self.assertEqual(self.sim_payment(link)['PaymentType'], 'ACCPAYPAYMENT')
        self.assertBothBooks(bill)

    @mute_logger(ENGINE_LOGGER)
    def test_journal_without_a_xero_account_is_an_error_on_the_record_and_the_rest_goes(self):
        unmapped = self.env['account.journal'].create({'name': 'Second bank', 'code': 'BNK9', 'type': 'bank'})
        refused, other = self.make_move(), self.make_move()
        self.push()
        self.reconcile_with_bank_line(refused, refused.amount_total, journal=unmapped)
        self.reconcile_with_bank_line(other, other.amount_total)
        self.push()
        link = self.payment_links(refused)
        self.assertEqual(link.sync_state, 'error')
        self.assertIn('Second bank', link.last_error)
        self.assertIn('Payment accounts', link.last_error, "the organisation's tab, in Odoo's words")
        self.assertNotIn('Xero > Mapping', link.last_error)
        self.assertEqual(self.payment_links(other).sync_state, 'synced', 'the rest of the batch landed')
        # Mapped, then retried: it goes.
        self.env['xero.journal.mapping'].create({'organisation_id': self.org.id, 'journal_id': unmapped.id,
                                                 'xero_account_id': self.xero_account(self.org, '091').id})
        link._retry()
        self.push()
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertEqual(self.sim_payment(link)['Account']['Code'], '091')
        self.assertBothBooks(refused | other)


    @mute_logger(ENGINE_LOGGER)
    def test_dropped_answer_on_a_bank_line_payment_lands_once(self):
        invoice = self.make_move()
        self.push()
        self.reconcile_with_bank_line(invoice, invoice.amount_total)
        self.sim.faults.add('drop', method='PUT', path=PAYMENTS, count=1)
        self.push()
        link = self.payment_links(invoice)
        self.assertEqual(link.sync_state, 'in_flight')
        self.sim.clock.advance(400)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=7)):
            self.push()
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertEqual(len(self.sim_payments()), 1, 'found by its Reference, not sent again')
        self.assertBothBooks(invoice)


class TestBankFeedLineReconciled(BankPaymentMixin, BankFeedCase, PaymentCase):
    """A card line of a journal that feeds Xero, reconciled with a synced bill: the money goes
    to Xero once, as the bill's payment from the feed's account, never also as a bank
    transaction of the feed."""

    def setUp(self):
        super().setUp()
        self.set_default_account()
        self.rows = self.activate()

    def eur_bill(self):
        return self.make_move('in_invoice', currency_id=self.eur.id, lines=[(50.0, 1, self.purchase15, 0.0)])

    def test_reconciled_before_it_is_verified_goes_as_a_payment_only(self):
        bill = self.eur_bill()
        self.push()
        line = self.reconcile_with_bank_line(bill, -bill.amount_total, journal=self.card)
        line.action_xero_verify()
        self.push()
        link = self.payment_links(bill)
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        eur_account = self.rows.filtered(lambda r: r.currency_id == self.eur).xero_account_id
        self.assertEqual(self.sim_payment(link)['Account']['AccountID'], eur_account.xero_id.lower(),
                         "the feed's account of the line's currency")
        feed = self.feed_link(line)
        self.assertEqual(feed.sync_state, 'skipped')
        self.assertIn(bill.display_name, feed.last_error)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BankTransactions'), 0, 'not sent twice')
        self.assertBothBooks(bill)

    @mute_logger(ENGINE_LOGGER)
    def test_already_in_xero_through_the_feed_waits_until_replaced(self):
        bill = self.eur_bill()
        self.push()
        line = self.card_line(-bill.amount_total, partner=self.vendor)
        line.action_xero_verify()
        self.push()
        old_id = self.feed_link(line).xero_id
        self.assertTrue(old_id)
        # Reconciled in Odoo after the feed sent it: a payment too would count the money twice.
        _liquidity, suspense, _other = line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        target = bill.line_ids.filtered(lambda line: line.account_type == 'liability_payable')
        suspense.account_id = target.account_id
        (suspense | target).reconcile()
        self.push()
        link = self.payment_links(bill)
        self.assertEqual(link.sync_state, 'error')
        self.assertIn('twice', link.last_error)
        self.assertIn('Replace in Xero', link.last_error)
        self.assertFalse(self.sim_payments(), 'no payment while the transaction is in Xero')
        # The person does what the message says: the transaction goes, the payment follows.
        line.action_xero_unverify()
        line.action_xero_replace()
        self.push()
        self.push()
        org = self.sim.organisation(NZ_TENANT_ID)
        self.assertEqual(org.bank_transactions[old_id.lower()]['Status'], 'DELETED')
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertEqual(len(self.sim_payments()), 1)
        self.assertBothBooks(bill)


class TestPaymentRates(BankPaymentMixin, PaymentCase):
    """Company in NZD, as the organisation: the rate Xero receives is the rate of the
    reconciliation, and Xero's exchange gain or loss is Odoo's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Currency = cls.env['res.currency'].with_context(active_test=False)
        cls.nzd, cls.eur, cls.usd = (Currency.search([('name', '=', n)]) for n in ('NZD', 'EUR', 'USD'))
        (cls.nzd | cls.eur | cls.usd).active = True
        cls.env.company.currency_id = cls.nzd
        (cls.nzd | cls.eur | cls.usd).rate_ids.unlink()
        cls.today = fields.Date.today()

    def set_rates(self, currency, *dated):
        for day, rate in dated:
            self.env['res.currency.rate'].create({'currency_id': currency.id, 'name': day, 'rate': rate,
                                                  'company_id': self.env.company.id})

    def odoo_gain(self, link):
        """Odoo's exchange difference of the link's reconciliation, in NZD (a gain positive)."""
        lines = link.partial_id.exchange_move_id.line_ids.filtered(
            lambda line: line.account_id.account_type not in ('asset_receivable', 'liability_payable'))
        return -sum(lines.mapped('balance'))

    def xero_gain(self, link):
        """The gain or loss Xero books for the payment: its value at the payment's rate against
        the document's value at the document's rate, in base currency."""
        doc = self.sim_doc(self.link(link.move_id))
        payment = self.sim_payment(link)
        amount = float(payment['Amount'])
        at_payment, at_doc = amount / float(payment['CurrencyRate']), amount / float(doc['CurrencyRate'])
        return at_payment - at_doc if doc['Type'] in ('ACCREC', 'ACCPAYCREDIT') else at_doc - at_payment

    def test_eur_invoice_paid_in_nzd(self):
        self.set_rates(self.eur, (self.today - timedelta(days=10), 0.5), (self.today, 0.46))
        invoice = self.make_move(currency_id=self.eur.id, invoice_date=self.today - timedelta(days=10))
        self.push()
        self.assertEqual(float(self.sim_doc(self.link(invoice))['CurrencyRate']), 0.5)
        payment = self.pay(invoice, currency_id=self.nzd.id)
        self.assertAlmostEqual(payment.amount, 250.0, places=2, msg='115 EUR at 0.46')
        self.push()
        link = self.payment_links(invoice)
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        sent = self.sim_payment(link)
        self.assertEqual(float(sent['Amount']), 115.0, "in the document's currency")
        self.assertAlmostEqual(float(sent['CurrencyRate']), 0.46, places=6, msg='the rate of the reconciliation, not 1')
        self.assertAlmostEqual(self.odoo_gain(link), 20.0, places=2)
        self.assertAlmostEqual(self.xero_gain(link), self.odoo_gain(link), delta=0.01)
        self.assertBothBooks(invoice)

    def test_eur_invoice_reconciled_with_an_nzd_bank_line_at_the_banks_rate(self):
        """The bank's own rate (240 NZD for 115 EUR), not the day's: the partial's."""
        self.set_rates(self.eur, (self.today - timedelta(days=10), 0.5), (self.today, 0.46))
        invoice = self.make_move(currency_id=self.eur.id, invoice_date=self.today - timedelta(days=10))
        self.push()
        self.reconcile_with_bank_line(invoice, 240.0, foreign_currency_id=self.eur.id, amount_currency=115.0)
        self.assertIn(invoice.payment_state, ('paid', 'in_payment'))
        self.push()
        link = self.payment_links(invoice)
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertAlmostEqual(float(self.sim_payment(link)['CurrencyRate']), round(115 / 240, 6), places=6)
        self.assertAlmostEqual(self.odoo_gain(link), 10.0, places=2)
        self.assertAlmostEqual(self.xero_gain(link), self.odoo_gain(link), delta=0.01)
        self.assertBothBooks(invoice)

    def test_nzd_invoice_paid_from_a_eur_bank_account(self):
        self.set_rates(self.eur, (self.today - timedelta(days=10), 0.46))
        eur_bank = self.env['account.journal'].create({'name': 'EUR bank', 'code': 'BEUR', 'type': 'bank',
                                                       'currency_id': self.eur.id})
        self.env['xero.journal.mapping'].create({'organisation_id': self.org.id, 'journal_id': eur_bank.id,
                                                 'xero_account_id': self.xero_account(self.org, '091').id})
        invoice = self.make_move()
        self.push()
        self.pay(invoice, journal_id=eur_bank.id, currency_id=self.eur.id)
        self.push()
        link = self.payment_links(invoice)
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertEqual((link.currency_id, link.amount), (self.nzd, invoice.amount_total))
        sent = self.sim_payment(link)
        self.assertEqual(float(sent['Amount']), invoice.amount_total, "in the document's currency (NZD)")
        self.assertEqual(float(sent['CurrencyRate']), 1.0, 'a base-currency document: no rate was sent, '
                                                           'so none but its own')
        self.assertFalse(link.partial_id.exchange_move_id, 'no exchange difference in Odoo')
        self.assertAlmostEqual(self.xero_gain(link), 0.0, places=2)
        self.assertBothBooks(invoice)

    def test_usd_bill_paid_in_two_parts_at_two_rates(self):
        first, second = self.today - timedelta(days=5), self.today
        self.set_rates(self.usd, (self.today - timedelta(days=10), 0.6), (first, 0.62), (second, 0.58))
        bill = self.make_move('in_invoice', currency_id=self.usd.id, invoice_date=self.today - timedelta(days=10))
        self.push()
        self.pay(bill, amount=60.0, currency_id=self.usd.id, payment_date=first)
        self.pay(bill, currency_id=self.usd.id, payment_date=second)
        self.assertIn(bill.payment_state, ('paid', 'in_payment'))
        self.push()
        links = self.payment_links(bill).sorted('date')
        self.assertEqual(links.mapped('sync_state'), ['synced', 'synced'], links.mapped('last_error'))
        self.assertEqual(links.mapped('amount'), [60.0, 55.0])
        rates = [float(self.sim_payment(link)['CurrencyRate']) for link in links]
        self.assertAlmostEqual(rates[0], 0.62, places=3)
        self.assertAlmostEqual(rates[1], 0.58, places=3)
        gains = [self.odoo_gain(link) for link in links]
        self.assertGreater(gains[0], 0, 'a bill paid when USD is cheaper: a gain')
        self.assertLess(gains[1], 0, 'and dearer: a loss')
        for link in links:
            self.assertAlmostEqual(self.xero_gain(link), self.odoo_gain(link), delta=0.01)
        self.assertBothBooks(bill)


class TestPaymentAnswerStatus(BankPaymentMixin, PaymentCase):

    def test_document_status_and_amount_due_from_the_payment_answer(self):
        full, part = self.make_move(), self.make_move(lines=[(200.0, 1, self.sale15, 0.0)])
        self.push()
        self.assertEqual((self.link(full).xero_status, self.link(full).xero_amount_due), ('AUTHORISED', 115.0))
        self.pay(full)
        self.reconcile_with_bank_line(part, 50.0)
        del self.sim.requests[:]
        self.push()
        self.assertFalse([r for r in self.sim.requests if r.method == 'GET' and 'invoices' in r.endpoint.lower()],
                         'no read of the documents')
        self.assertEqual((self.link(full).xero_status, self.link(full).xero_amount_due), ('PAID', 0.0),
                         "the invoice's Xero tab says PAID at once, before any poll")
        self.assertEqual((self.link(part).xero_status, self.link(part).xero_amount_due), ('AUTHORISED', 180.0))
        self.assertIn('PAID', full.xero_status)
        self.assertBothBooks(full | part)
        # A deletion answers with the document as it is again.
        self.payment_links(full).payment_id.action_draft()
        self.payment_links(full).payment_id.action_cancel()
        self.push()
        self.assertEqual((self.link(full).xero_status, self.link(full).xero_amount_due), ('AUTHORISED', 115.0))
        self.assertBothBooks(full | part)
