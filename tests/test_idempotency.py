"""Nothing twice after a lost answer, on each side of Xero's Idempotency-Key window.

Each test loses Xero's answer to a write that Xero did carry out (a dropped connection, or a
server error after the commit), then lets time pass on both clocks: Odoo's, which decides
whether the key is still good, and the simulator's, which decides whether Xero still keeps it.
Inside the window the same request goes again with the same key and Xero answers from its
store; after it, a look-up by natural key finds what Xero holds. Either way Xero ends with one
document, and the books agree.
"""
from datetime import timedelta

from odoo import fields
from odoo.tests import freeze_time
from odoo.tools import mute_logger

from ..xero_mappers.keys import KEY_WINDOW
from ..xero_sim.seed import NZ_TENANT_ID
from . import test_bank_feed
from .sync_common import CONTACTS, ENGINE_LOGGER, INVOICES, SyncCase
from .test_payments import PAYMENTS, PaymentCase

ALLOCATIONS = '/api.xro/2.0/CreditNotes/{id}/Allocations'
PAYMENT = '/api.xro/2.0/Payments/{id}'
CREDIT_NOTE = '/api.xro/2.0/CreditNotes/{id}'
INSIDE = 2    # minutes: past the first retry's back-off, well inside the window
AFTER = 7     # minutes: past the window and past Xero's own ~6 minutes


class KeyWindowMixin:

    def later(self, minutes):
        """Let ``minutes`` more pass on both clocks; use as a context manager around the push."""
        self.elapsed = getattr(self, 'elapsed', 0) + minutes
        self.sim.clock.advance(minutes * 60)
        return freeze_time(fields.Datetime.now() + timedelta(minutes=self.elapsed))

    def lose_answer(self, method, endpoint, how='drop'):
        """Xero carries out the next such request, and its answer is lost."""
        if how == 'drop':
            self.sim.faults.add('drop', method=method, path=endpoint, count=1)
        else:
            self.sim.faults.add('status', method=method, path=endpoint, status=500, after=True, count=1)

    def keys_sent(self, method, endpoint):
        return [r.headers.get('Idempotency-Key') for r in self.sim.requests
                if r.method == method and r.endpoint.lower() == endpoint.lower()]

    def assertReplayed(self, method, endpoint):
        """Sent twice, with one key, answered from Xero's store, and never looked up."""
        keys = self.keys_sent(method, endpoint)
        self.assertEqual(len(keys), 2, 'the same request again')
        self.assertTrue(keys[0])
        self.assertEqual(keys[0], keys[1], 'with the same Idempotency-Key')
        self.assertEqual(self.sim.counters.idempotent_replays, 1, "Xero's stored answer")
        self.assertEqual(self.sim.counters.idempotent_conflicts, 0, 'the very same request body')

    def assertLookedUp(self, method, endpoint, look_up):
        """Sent once, found afterwards by a look-up (GET), never sent again."""
        self.assertEqual(len(self.keys_sent(method, endpoint)), 1, 'found, never sent again')
        self.assertGreaterEqual(self.calls(look_up, 'GET'), 1, 'looked up in Xero')
        self.assertEqual(self.sim.counters.idempotent_replays, 0)

    def assertBooksAgree(self, move):
        """Odoo's residual is Xero's AmountDue (RemainingCredit), and their statuses match."""
        doc = self.sim_doc(self.link(move))
        due = doc['RemainingCredit'] if move.move_type in ('out_refund', 'in_refund') else doc['AmountDue']
        self.assertAlmostEqual(float(due), move.amount_residual, places=2)
        paid = move.currency_id.is_zero(move.amount_residual)
        self.assertEqual(doc['Status'], 'PAID' if paid else 'AUTHORISED')
        self.assertEqual(move.payment_state in ('paid', 'in_payment', 'reversed'), paid)


class TestIdempotencyDocuments(KeyWindowMixin, SyncCase):
    """Invoices, bills and contacts."""

    def _invoice_in_flight(self, move_type='out_invoice', how='drop'):
        self.push()  # the contact (and any earlier document) first
        self.lose_answer('POST', INVOICES, how)
        move = self.make_move(move_type)
        self.push()
        link = self.link(move)
        self.assertEqual(link.sync_state, 'in_flight', 'outcome unknown: Xero may have it')
        self.assertTrue(link.maybe_sent and link.key_sent_date and link.request_key)
        return move

    @mute_logger(ENGINE_LOGGER)
    def test_invoice_lost_answer_inside_the_window_is_replayed(self):
        move = self._invoice_in_flight(how='status')
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('POST', INVOICES)
        self.assertEqual(self.calls(INVOICES, 'GET'), 0, 'no look-up: the key answers')
        self.assertInXeroToTheCent(move)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertBooksAgree(move)

    @mute_logger(ENGINE_LOGGER)
    def test_invoice_lost_answer_after_the_window_is_looked_up(self):
        move = self._invoice_in_flight()
        with self.later(AFTER):
            self.push()
        self.assertLookedUp('POST', INVOICES, INVOICES)
        self.assertInXeroToTheCent(move)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)
        self.assertBooksAgree(move)

    @mute_logger(ENGINE_LOGGER)
    def test_internal_error_kept_against_the_key_is_waited_out_then_sent_with_a_new_key(self):
        """Xero keeps an internal error against the key: the replays get it, nothing is made;
        once the window is past, the look-up finds nothing and a fresh key creates it once."""
        self.push()
        self.sim.faults.add('status', method='POST', path=INVOICES, status=500, stored=True, count=1)
        move = self.make_move()
        self.push()
        with self.later(INSIDE):
            self.push()
        self.assertEqual(self.sim.counters.idempotent_replays, 1, 'the stored error, replayed')
        self.assertEqual(self.link(move).sync_state, 'in_flight')
        with self.later(AFTER):
            self.push()
        keys = self.keys_sent('POST', INVOICES)
        self.assertEqual(len(keys), 3)
        self.assertEqual(keys[0], keys[1])
        self.assertNotEqual(keys[1], keys[2], 'after the window and a look-up, a fresh key')
        self.assertGreaterEqual(self.calls(INVOICES, 'GET'), 1)
        self.assertInXeroToTheCent(move)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertBooksAgree(move)

    @mute_logger(ENGINE_LOGGER)
    def test_cancellation_lost_answer_after_the_window_is_found_done(self):
        """A void whose answer was lost is found done by the status Xero holds, and not sent
        again after the window."""
        move = self.make_move()
        self.push()
        link = self.link(move)
        self.assertEqual(link.xero_status, 'AUTHORISED')
        move.button_draft()
        move.button_cancel()
        self.lose_answer('POST', INVOICES)
        self.push()
        self.assertEqual(link.sync_state, 'in_flight')
        self.assertEqual(self.sim_doc(link)['Status'], 'VOIDED', 'done in Xero')
        with self.later(AFTER):
            self.push()
        self.assertEqual(len(self.keys_sent('POST', INVOICES)), 2, 'the create and the void, once each')
        self.assertEqual((link.sync_state, link.xero_status), ('synced', 'VOIDED'), link.last_error)
        self.assertEqual((move.state, self.sim_doc(link)['Status']), ('cancel', 'VOIDED'))

    @mute_logger(ENGINE_LOGGER)
    def test_bill_lost_answer_inside_the_window_is_replayed(self):
        bill = self._invoice_in_flight('in_invoice')
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('POST', INVOICES)
        self.assertInXeroToTheCent(bill)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertBooksAgree(bill)

    @mute_logger(ENGINE_LOGGER)
    def test_bill_lost_answer_after_the_window_is_found_by_reference_not_total(self):
        """Two bills of one vendor with the vendor's same number and the same total: the one
        whose answer was lost is found by its Reference (Odoo's own name), not taken for the
        other."""
        first = self.make_move('in_invoice', ref='SAME-REF')
        self.push()
        self.assertInXeroToTheCent(first)
        self.lose_answer('POST', INVOICES)
        second = self.make_move('in_invoice', ref='SAME-REF')
        self.push()
        self.assertEqual(self.link(second).sync_state, 'in_flight')
        with self.later(AFTER):
            self.push()
        self.assertEqual(len(self.keys_sent('POST', INVOICES)), 2, 'one request per bill, none again')
        self.assertNotEqual(self.link(first).xero_id, self.link(second).xero_id)
        self.assertEqual(self.sim_doc(self.link(second))['Reference'], second.name)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 2)
        for bill in first | second:
            self.assertInXeroToTheCent(bill)
            self.assertBooksAgree(bill)

    def _contact_in_flight(self):
        customer = self.env['res.partner'].create({'name': 'Lost Answer Ltd', 'is_company': True})
        self.lose_answer('POST', CONTACTS)
        move = self.make_move(partner=customer)
        self.push()
        contact_link = self.link(customer)
        self.assertEqual(contact_link.sync_state, 'in_flight')
        self.assertNotEqual(self.link(move).sync_state, 'synced', 'the invoice waits for its contact')
        return customer, move

    @mute_logger(ENGINE_LOGGER)
    def test_contact_lost_answer_inside_the_window_is_replayed(self):
        customer, move = self._contact_in_flight()
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('POST', CONTACTS)
        self.assertEqual(self.link(customer).sync_state, 'synced')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Contacts'), 1)
        self.assertInXeroToTheCent(move)
        self.assertBooksAgree(move)

    @mute_logger(ENGINE_LOGGER)
    def test_contact_lost_answer_after_the_window_is_looked_up(self):
        customer, move = self._contact_in_flight()
        with self.later(AFTER):
            self.push()
        self.assertLookedUp('POST', CONTACTS, CONTACTS)
        self.assertEqual(self.link(customer).sync_state, 'synced')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Contacts'), 1)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Contacts']), 0)
        self.assertInXeroToTheCent(move)
        self.assertBooksAgree(move)

    @mute_logger(ENGINE_LOGGER)
    def test_changed_while_unanswered_waits_for_the_window_then_sends_the_change(self):
        """The same key with another body is refused by Xero, and a fresh key could create
        twice: a contact renamed while its answer is lost waits out the window, is found, and
        its change goes as an update of that one contact."""
        customer, move = self._contact_in_flight()
        link = self.link(customer)
        first_sent = link.key_sent_date
        customer.name = 'Lost Answer Limited'
        self.assertEqual(link.sync_state, 'in_flight', 'still waiting for its answer')
        with self.later(INSIDE):
            self.push()
        self.assertEqual(len(self.keys_sent('POST', CONTACTS)), 1, 'not sent with another body')
        self.assertEqual(link.sync_state, 'in_flight')
        self.assertEqual(link.next_attempt_date, first_sent + KEY_WINDOW)
        with self.later(AFTER):
            self.push()
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Contacts'), 1)
        self.assertEqual(self.sim.counters.idempotent_conflicts, 0)
        contact = self.sim.organisation(NZ_TENANT_ID).contacts[link.xero_id.lower()]
        self.assertEqual(contact['Name'], 'Lost Answer Limited', 'the change went as an update')
        self.assertInXeroToTheCent(move)
        self.assertBooksAgree(move)


class TestIdempotencyPayments(KeyWindowMixin, PaymentCase):
    """Payments, payment deletions and credit-note allocations."""

    def _payment_in_flight(self, how='drop'):
        move = self.make_move()
        self.push()
        self.pay(move)
        self.lose_answer('PUT', PAYMENTS, how)
        self.push()
        link = self.payment_links(move)
        self.assertEqual(link.sync_state, 'in_flight')
        return move, link

    @mute_logger(ENGINE_LOGGER)
    def test_payment_lost_answer_inside_the_window_is_replayed(self):
        move, link = self._payment_in_flight(how='status')
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('PUT', PAYMENTS)
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertEqual(len(self.sim_payments()), 1)
        self.assertBooksAgree(move)

    @mute_logger(ENGINE_LOGGER)
    def test_payment_lost_answer_after_the_window_is_looked_up(self):
        move, link = self._payment_in_flight()
        with self.later(AFTER):
            self.push()
        self.assertLookedUp('PUT', PAYMENTS, PAYMENTS)
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertEqual(len(self.sim_payments()), 1)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Payments']), 0)
        self.assertBooksAgree(move)

    def _payment_deletion_in_flight(self):
        move = self.make_move()
        self.push()
        payment = self.pay(move)
        self.push()
        link = self.payment_links(move)
        self.assertEqual(link.sync_state, 'synced')
        payment.action_draft()
        payment.action_cancel()
        self.lose_answer('POST', PAYMENT)
        self.push()
        self.assertEqual(link.sync_state, 'in_flight')
        self.assertEqual(self.sim_payments('DELETED')[0]['PaymentID'], link.xero_id.lower(), 'done in Xero')
        return move, link

    @mute_logger(ENGINE_LOGGER)
    def test_payment_deletion_lost_answer_inside_the_window_is_replayed(self):
        move, link = self._payment_deletion_in_flight()
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('POST', PAYMENT)
        self.assertEqual((link.sync_state, link.xero_status), ('synced', 'DELETED'), link.last_error)
        self.assertBooksAgree(move)

    @mute_logger(ENGINE_LOGGER)
    def test_payment_deletion_lost_answer_after_the_window_is_looked_up(self):
        move, link = self._payment_deletion_in_flight()
        with self.later(AFTER):
            self.push()
        self.assertLookedUp('POST', PAYMENT, PAYMENTS)
        self.assertEqual((link.sync_state, link.xero_status), ('synced', 'DELETED'), link.last_error)
        self.assertFalse(link.to_delete)
        self.assertBooksAgree(move)

    def _allocation_in_flight(self, how='drop'):
        invoice = self.make_move()
        refund = self.make_move('out_refund', lines=[(40.0, 1, self.sale15, 0.0)])
        self.push()
        lines = (invoice | refund).line_ids.filtered(lambda l: l.account_id.account_type == 'asset_receivable')
        lines.reconcile()
        link = self.credit_note_allocations(invoice)
        self.assertEqual(link.kind, 'allocations')
        self.lose_answer('PUT', ALLOCATIONS, how)
        self.push()
        self.assertEqual(link.sync_state, 'in_flight')
        return invoice, refund, link

    def assertAllocatedOnce(self, invoice, refund, link):
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        note = self.sim_doc(self.link(refund))
        self.assertEqual([a['AllocationID'] for a in note['Allocations']], [link.xero_id.lower()],
                         'one allocation in Xero')
        self.assertBooksAgree(invoice)
        self.assertBooksAgree(refund)

    @mute_logger(ENGINE_LOGGER)
    def test_allocation_lost_answer_inside_the_window_is_replayed(self):
        invoice, refund, link = self._allocation_in_flight(how='status')
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('PUT', ALLOCATIONS)
        self.assertAllocatedOnce(invoice, refund, link)

    @mute_logger(ENGINE_LOGGER)
    def test_allocation_lost_answer_after_the_window_is_looked_up(self):
        invoice, refund, link = self._allocation_in_flight()
        with self.later(AFTER):
            self.push()
        self.assertLookedUp('PUT', ALLOCATIONS, CREDIT_NOTE)
        self.assertAllocatedOnce(invoice, refund, link)

    @mute_logger(ENGINE_LOGGER)
    def test_allocations_of_two_credit_notes_are_two_requests(self):
        """Each credit note's allocations are one request of their own: a lost answer on the
        second leaves the first settled, and only the second is sent again."""
        pairs = []
        for amount in (40.0, 30.0):
            invoice = self.make_move()
            refund = self.make_move('out_refund', lines=[(amount, 1, self.sale15, 0.0)])
            pairs.append((invoice, refund))
        self.push()
        for invoice, refund in pairs:
            (invoice | refund).line_ids.filtered(
                lambda l: l.account_id.account_type == 'asset_receivable').reconcile()
        first, second = (self.credit_note_allocations(invoice) for invoice, _refund in pairs)
        self.sim.faults.add('drop', method='PUT', count=1,
                            path=f'/api.xro/2.0/CreditNotes/{self.link(pairs[1][1]).xero_id}/Allocations')
        self.push()
        self.assertEqual((first.sync_state, second.sync_state), ('synced', 'in_flight'))
        self.assertEqual(self.calls(ALLOCATIONS, 'PUT'), 2, 'one request per credit note')
        with self.later(INSIDE):
            self.push()
        self.assertEqual(self.sim.counters.idempotent_replays, 1)
        for (invoice, refund), link in zip(pairs, (first, second)):
            self.assertAllocatedOnce(invoice, refund, link)

    @mute_logger(ENGINE_LOGGER)
    def test_allocation_deletion_lost_answer_is_looked_up_at_once(self):
        """A DELETE takes no Idempotency-Key: the credit note's own allocations tell whether
        it went, even inside the window."""
        invoice, refund, link = self._allocation_in_flight()
        with self.later(INSIDE):
            self.push()
        self.assertAllocatedOnce(invoice, refund, link)
        (invoice | refund).line_ids.filtered(
            lambda l: l.account_id.account_type == 'asset_receivable').remove_move_reconcile()
        self.assertTrue(link.to_delete)
        self.sim.faults.add('drop', method='DELETE', path=ALLOCATIONS + '/{id}', count=1)
        self.push()
        self.assertEqual(link.sync_state, 'in_flight')
        with self.later(INSIDE):
            self.push()
        self.assertEqual(self.calls(ALLOCATIONS + '/{id}', 'DELETE'), 1, 'never sent again')
        self.assertEqual((link.sync_state, link.xero_status), ('synced', 'DELETED'), link.last_error)
        self.assertFalse(self.sim_doc(self.link(refund))['Allocations'])
        self.assertBooksAgree(invoice)
        self.assertBooksAgree(refund)


class TestIdempotencyBankFeed(KeyWindowMixin, SyncCase):
    """Bank transactions (verified card lines)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        eur = cls.env['res.currency'].with_context(active_test=False).search([('name', '=', 'EUR')])
        eur.active = True
        cls.eur = cls.gbp = eur
        Journal = cls.env['account.journal']
        cls.card = Journal.create({'name': 'Company card', 'code': 'CARD', 'type': 'credit',
                                   'currency_id': eur.id})
        cls.wallet = Journal.browse()
        cls.uber = cls.env['res.partner'].create({'name': 'Uber', 'is_company': True})
        cls.today = fields.Date.today()

    # The bank feed's own helpers.
    activate = test_bank_feed.TestBankFeed.activate
    run_feed_cron = test_bank_feed.TestBankFeed.run_feed_cron
    card_line = test_bank_feed.TestBankFeed.card_line
    feed_link = test_bank_feed.TestBankFeed.feed_link
    sim_txn = test_bank_feed.TestBankFeed.sim_txn
    set_default_account = test_bank_feed.TestBankFeed.set_default_account
    feed = test_bank_feed.TestBankFeed.feed

    def _lines_in_flight(self, how='drop'):
        self.set_default_account()
        self.activate()
        lines = self.env['account.bank.statement.line']
        for n in range(3):
            lines |= self.card_line(-10 - n, partner=self.uber)
        self.lose_answer('POST', test_bank_feed.BANK_TRANSACTIONS, how)
        lines.action_xero_verify()
        self.push()
        self.assertEqual(set(lines.xero_feed_link_ids.mapped('sync_state')), {'in_flight'})
        return lines

    def assertBooksAgreeOnLines(self, lines):
        self.assertEqual(set(lines.mapped('xero_feed_state')), {'synced'})
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BankTransactions'), len(lines))
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions']), 0)
        for line in lines:
            txn = self.sim_txn(line)
            self.assertEqual(txn['Status'], 'AUTHORISED')
            self.assertAlmostEqual(float(txn['Total']), abs(line.amount), places=2)
            self.assertEqual(txn['Type'], 'SPEND' if line.amount < 0 else 'RECEIVE')

    @mute_logger(ENGINE_LOGGER)
    def test_bank_transactions_lost_answer_inside_the_window_are_replayed(self):
        lines = self._lines_in_flight(how='status')
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('POST', test_bank_feed.BANK_TRANSACTIONS)
        self.assertBooksAgreeOnLines(lines)

    @mute_logger(ENGINE_LOGGER)
    def test_bank_transactions_lost_answer_after_the_window_are_looked_up(self):
        lines = self._lines_in_flight()
        with self.later(AFTER):
            self.push()
        self.assertLookedUp('POST', test_bank_feed.BANK_TRANSACTIONS, test_bank_feed.BANK_TRANSACTIONS)
        self.assertBooksAgreeOnLines(lines)
