"""Undone in Odoo while Xero's answer was lost: looked up, never assumed absent.

A payment unreconciled (or an invoice cancelled) in Odoo while the request that created it in
Xero had no answer may be in Xero all the same. Marking it "undone before it reached Xero"
would leave Xero holding money Odoo no longer has, for ever. Each test loses the answer, undoes
the record in Odoo, and lets the engine settle it: found in Xero, it is removed there; not in
Xero, nothing is sent. The books agree at the end.
"""
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER, INVOICES, SyncCase
from .test_idempotency import AFTER, INSIDE, PAYMENT, KeyWindowMixin
from .test_payments import PAYMENTS, PaymentCase


class TestWithdrawnPayments(KeyWindowMixin, PaymentCase):

    def _undone_in_flight(self, how='drop'):
        move = self.make_move()
        self.push()
        payment = self.pay(move)
        self.lose_answer('PUT', PAYMENTS, how)
        self.push()
        link = self.payment_links(move)
        self.assertEqual((link.sync_state, link.maybe_sent), ('in_flight', True))
        payment.action_draft()
        payment.action_cancel()
        self.assertTrue(link.withdrawn, 'undone while its answer is lost: Xero may hold it')
        self.assertEqual(link.sync_state, 'in_flight', 'not "skipped": it is looked up first')
        return move, link

    def assertXeroHoldsNoLivePayment(self, move, link):
        self.assertEqual(self.sim_payments(), [], 'Xero keeps no payment Odoo no longer has')
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Payments']), 0)
        self.assertFalse(link.withdrawn)
        self.assertEqual(move.payment_state, 'not_paid')
        self.assertBooksAgree(move)

    @mute_logger(ENGINE_LOGGER)
    def test_found_after_the_window_is_deleted_in_xero(self):
        move, link = self._undone_in_flight()
        with self.later(AFTER):
            self.push()  # the look-up finds it and binds it; its deletion is queued
            self.push()  # the deletion, when the first run did not reach it
        self.assertEqual(len(self.keys_sent('PUT', PAYMENTS)), 1, 'never created twice')
        self.assertEqual(len(self.keys_sent('POST', PAYMENT)), 1, 'deleted once')
        self.assertEqual((link.sync_state, link.xero_status), ('synced', 'DELETED'), link.last_error)
        self.assertEqual(len(self.sim_payments('DELETED')), 1)
        self.assertXeroHoldsNoLivePayment(move, link)

    @mute_logger(ENGINE_LOGGER)
    def test_replayed_inside_the_window_is_deleted_in_xero(self):
        move, link = self._undone_in_flight(how='status')
        with self.later(INSIDE):
            self.push()  # the same request, the same key: Xero answers from its store
            self.push()
        self.assertReplayed('PUT', PAYMENTS)
        self.assertEqual((link.sync_state, link.xero_status), ('synced', 'DELETED'), link.last_error)
        self.assertXeroHoldsNoLivePayment(move, link)

    @mute_logger(ENGINE_LOGGER)
    def test_not_in_xero_is_skipped_and_nothing_is_sent(self):
        move = self.make_move()
        self.push()
        payment = self.pay(move)
        # A 500 before Xero did anything: the outcome is unknown to Odoo all the same.
        self.sim.faults.add('status', method='PUT', path=PAYMENTS, status=500, count=1)
        self.push()
        link = self.payment_links(move)
        self.assertTrue(link.maybe_sent)
        payment.action_draft()
        payment.action_cancel()
        with self.later(AFTER):
            self.push()
            self.push()
        self.assertGreaterEqual(self.calls(PAYMENTS, 'GET'), 1, 'looked up')
        self.assertEqual(len(self.keys_sent('PUT', PAYMENTS)), 1, 'not sent again')
        self.assertEqual(link.sync_state, 'skipped')
        self.assertFalse(link.xero_id)
        self.assertXeroHoldsNoLivePayment(move, link)


class TestWithdrawnDocuments(KeyWindowMixin, SyncCase):

    @mute_logger(ENGINE_LOGGER)
    def test_invoice_cancelled_while_its_answer_is_lost_is_voided_in_xero(self):
        self.push()  # the contact first
        self.lose_answer('POST', INVOICES)
        move = self.make_move()
        self.push()
        link = self.link(move)
        self.assertEqual((link.sync_state, link.maybe_sent), ('in_flight', True))
        move.button_draft()
        move.button_cancel()
        with self.later(AFTER):
            self.push()  # found by its number, bound; the cancellation is queued
            self.push()  # the void
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1, 'never created twice')
        self.assertEqual((link.sync_state, link.xero_status), ('synced', 'VOIDED'), link.last_error)
        self.assertFalse(link.withdrawn)
        doc = self.sim_doc(link)
        self.assertEqual((move.state, doc['Status']), ('cancel', 'VOIDED'), 'both books: cancelled')

    @mute_logger(ENGINE_LOGGER)
    def test_invoice_cancelled_that_never_reached_xero_is_skipped(self):
        self.push()
        self.sim.faults.add('status', method='POST', path=INVOICES, status=500, count=1)
        move = self.make_move()
        self.push()
        link = self.link(move)
        self.assertTrue(link.maybe_sent)
        move.button_draft()
        move.button_cancel()
        with self.later(AFTER):
            self.push()
            self.push()
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 0)
        self.assertEqual(link.sync_state, 'skipped')
        self.assertFalse(link.xero_id or link.withdrawn)


class TestOwnDeletionPolled(KeyWindowMixin, PaymentCase):

    @mute_logger(ENGINE_LOGGER)
    def test_own_deletion_with_a_lost_answer_is_not_put_on_the_review_list(self):
        """Odoo deleted the payment in Xero, the answer was lost, and the poll reads the deleted
        payment before the push has settled it: it is Odoo's own deletion, not one made in
        Xero, so nothing goes to the review list and the push's look-up binds it."""
        move = self.make_move()
        self.push()
        payment = self.pay(move)
        self.push()
        link = self.payment_links(move)
        payment.action_draft()
        payment.action_cancel()
        self.lose_answer('POST', PAYMENT)
        self.push()
        self.assertEqual((link.sync_state, link.to_delete), ('in_flight', True))
        self.poll()
        self.assertFalse(self.env['xero.review'].search([('organisation_id', '=', self.org.id)]),
                         'its own deletion is not news to Odoo')
        self.assertEqual(payment.state, 'canceled', 'the poll leaves it as Odoo made it')
        with self.later(AFTER):
            self.push()
        self.assertEqual((link.sync_state, link.xero_status, link.to_delete), ('synced', 'DELETED', False),
                         link.last_error)
        self.assertEqual(len(self.keys_sent('POST', PAYMENT)), 1, 'deleted once')
        self.assertEqual(self.sim_payments(), [])
        self.assertBooksAgree(move)
