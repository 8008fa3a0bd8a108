"""One deposit for many documents: an Odoo payment (or a bank line) that settles several synced
invoices goes to Xero as one batch payment; undone, the batch is deleted as one and what still
holds goes again; a batch made in Xero comes back as one Odoo payment. Every test ends with both
books: each document's status and amount due agree, and Xero holds each payment once."""
from odoo import Command, fields
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER
from .test_idempotency import AFTER, INSIDE, KeyWindowMixin
from .test_payments import PAYMENTS, PaymentCase

BATCH_PAYMENTS = '/api.xro/2.0/BatchPayments'
BATCH_PAYMENT = '/api.xro/2.0/BatchPayments/{id}'


class BatchCase(KeyWindowMixin, PaymentCase):

    def three_invoices(self):
        moves = self.make_move() | self.make_move(lines=[(200.0, 1, self.sale15, 0.0)]) | \
            self.make_move(lines=[(40.0, 2, self.sale15, 0.0)])
        self.push()
        return moves

    def sim_batches(self, status=None):
        return [b for b in self.sim_org().batch_payments.values() if status in (None, b['Status'])]

    def members(self, batch):
        return [self.sim_org().payments[pid] for pid in batch['_members']]

    @staticmethod
    def receivable(moves):
        return moves.line_ids.filtered(lambda line: line.account_id.account_type == 'asset_receivable')

    def assertBothBooks(self, moves):
        """For every document, Odoo's payment state and residual are Xero's Status and AmountDue;
        Xero holds each payment once (no live duplicate, none made twice)."""
        for move in moves:
            self.assertBooksAgree(move)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Payments'], include_cancelled=False), 0)
        self.assertEqual(self.sim.counters.duplicates, 0, self.sim.counters.duplicate_details)
        live = [p for p in self.sim_payments() if p['_doc'][1] in {self.link(m).xero_id.lower() for m in moves}]
        odoo = self.env['xero.payment.link'].search([('move_id', 'in', moves.ids), ('xero_status', '=', 'AUTHORISED'),
                                                     ('partial_id', '!=', False)])
        self.assertEqual(sorted(p['PaymentID'] for p in live), sorted(odoo.mapped('xero_id')),
                         'each Xero payment is one reconciliation in Odoo, and the other way round')


class TestBatchPaymentsToXero(BatchCase):

    def test_one_payment_over_three_invoices_is_one_batch(self):
        moves = self.three_invoices()
        payment = self.pay(moves, group_payment=True)
        links = self.payment_links(moves)
        self.assertEqual((len(links), set(links.mapped('kind')), set(links.mapped('sync_state'))),
                         (3, {'batch_payments'}, {'pending'}), 'queued, no call')
        self.assertEqual(len(set(links.mapped('batch_reference'))), 1)
        self.push()
        self.assertEqual(set(links.mapped('sync_state')), {'synced'}, links.mapped('last_error'))
        batch, = self.sim_batches()
        self.assertEqual(batch['Status'], 'AUTHORISED')
        self.assertEqual(float(batch['TotalAmount']), payment.amount)
        self.assertEqual(batch['Reference'], links[0].batch_reference)
        members = self.members(batch)
        self.assertEqual(len(members), 3)
        self.assertEqual({m['BatchPaymentID'] for m in members}, {batch['BatchPaymentID']})
        self.assertEqual(sorted(m['PaymentID'] for m in members), sorted(links.mapped('xero_id')))
        self.assertEqual(set(links.mapped('xero_batch_id')), {batch['BatchPaymentID']})
        self.assertEqual({self.sim_doc(self.link(m))['Status'] for m in moves}, {'PAID'})
        keys = self.keys_sent('PUT', BATCH_PAYMENTS)
        self.assertEqual(len(keys), 1, 'one request for the deposit')
        self.assertTrue(keys[0], 'with an Idempotency-Key')
        self.assertEqual(self.calls(PAYMENTS, 'PUT'), 0, 'no single payment')
        self.assertBothBooks(moves)

    def test_bills_paid_together_are_one_payment_run(self):
        bills = self.make_move('in_invoice') | self.make_move('in_invoice', lines=[(80.0, 1, self.purchase15, 0.0)])
        self.push()
        payment = self.pay(bills, group_payment=True)
        self.push()
        batch, = self.sim_batches()
        self.assertEqual((batch['Type'], float(batch['TotalAmount'])), ('PAYBATCH', payment.amount))
        self.assertEqual({m['PaymentType'] for m in self.members(batch)}, {'ACCPAYPAYMENT'})
        self.assertBothBooks(bills)

    def test_members_claimed_apart_wait_and_go_together(self):
        moves = self.three_invoices()
        self.pay(moves, group_payment=True)
        links = self.payment_links(moves).sorted('id')
        self.env['xero.sync.engine'].with_context(xero_no_commit=True)._push_now(self.org, links[:2])
        self.assertFalse(self.sim_batches(), 'never a batch of part of the deposit')
        self.assertEqual(set(links.mapped('sync_state')), {'pending'})
        self.assertIn('one batch payment', links[0].last_error)
        with self.later(1):
            self.push()
        batch, = self.sim_batches()
        self.assertEqual(len(self.members(batch)), 3)
        self.assertEqual(len(self.keys_sent('PUT', BATCH_PAYMENTS)), 1)
        self.assertBothBooks(moves)

    def test_a_single_document_stays_a_single_payment(self):
        move = self.make_move()
        self.push()
        self.pay(move)
        self.push()
        self.assertEqual(self.payment_links(move).kind, 'payments')
        self.assertFalse(self.sim_batches())
        self.assertBothBooks(move)

    def test_undone_for_one_invoice_the_batch_is_deleted_and_the_rest_goes_again(self):
        moves = self.three_invoices()
        self.pay(moves, group_payment=True)
        self.push()
        first, = self.sim_batches()
        links = self.payment_links(moves)
        self.receivable(moves[0]).remove_move_reconcile()
        self.assertEqual(set(links.mapped('to_delete')), {True}, 'the whole batch goes')
        self.push()
        self.assertEqual(first['Status'], 'DELETED')
        self.assertEqual(self.calls(BATCH_PAYMENT, 'POST'), 1, 'deleted as one')
        again, = self.sim_batches('AUTHORISED')
        self.assertEqual(len(self.members(again)), 2, 'what still holds, as a new deposit')
        self.assertNotEqual(again['Reference'], first['Reference'])
        undone = self.payment_links(moves[0])
        self.assertEqual((undone.xero_status, undone.sync_state), ('DELETED', 'synced'))
        held = self.payment_links(moves[1:])
        self.assertEqual(set(held.mapped('xero_batch_id')), {again['BatchPaymentID']})
        self.assertEqual(self.sim_doc(self.link(moves[0]))['Status'], 'AUTHORISED')
        self.assertBothBooks(moves)
        # Undone for a second invoice: one document left, a single payment.
        self.receivable(moves[1]).remove_move_reconcile()
        self.push()
        self.assertFalse(self.sim_batches('AUTHORISED'))
        last = self.payment_links(moves[2])
        self.assertEqual((last.kind, last.sync_state), ('payments', 'synced'), last.last_error)
        self.assertEqual(self.sim_doc(self.link(moves[2]))['Status'], 'PAID')
        self.assertBothBooks(moves)

    def test_payment_cancelled_deletes_the_batch(self):
        moves = self.three_invoices()
        payment = self.pay(moves, group_payment=True)
        self.push()
        payment.action_draft()
        payment.action_cancel()
        self.push()
        batch, = self.sim_batches()
        self.assertEqual(batch['Status'], 'DELETED')
        self.assertFalse(self.sim_payments(), 'every member deleted')
        self.assertEqual({self.sim_doc(self.link(m))['Status'] for m in moves}, {'AUTHORISED'})
        self.assertEqual(set(self.payment_links(moves).mapped('xero_status')), {'DELETED'})
        self.assertBothBooks(moves)

    @mute_logger(ENGINE_LOGGER)
    def test_batch_deleted_in_xero_first_then_undone_in_odoo(self):
        moves = self.three_invoices()
        payment = self.pay(moves, group_payment=True)
        self.push()
        batch, = self.sim_batches()
        self.org._xero().delete_batch_payment(batch['BatchPaymentID'], 'deleted-in-xero')
        payment.action_draft()
        payment.action_cancel()
        self.push()
        links = self.payment_links(moves)
        self.assertEqual(set(links.mapped('xero_status')), {'DELETED'}, links.mapped('last_error'))
        self.assertEqual(set(links.mapped('sync_state')), {'synced'})
        self.assertBothBooks(moves)

    def test_bank_line_reconciled_with_two_invoices_is_one_batch(self):
        moves = self.make_move() | self.make_move(lines=[(50.0, 1, self.sale15, 0.0)])
        self.push()
        line = self.env['account.bank.statement.line'].create({
            'journal_id': self.bank.id, 'date': fields.Date.today(), 'payment_ref': 'Deposit',
            'partner_id': self.customer.id, 'amount': sum(moves.mapped('amount_total'))})
        suspense = line.move_id.line_ids.filtered(lambda line: line.account_id != self.bank.default_account_id)
        receivable = moves.line_ids.filtered(lambda line: line.account_id.account_type == 'asset_receivable')
        line.move_id.with_context(skip_readonly_check=True).write({
            'line_ids': [Command.update(suspense.id, {'account_id': receivable.account_id.id})]})
        (receivable | line.move_id.line_ids.filtered(lambda line: line.account_id == receivable.account_id)).reconcile()
        links = self.payment_links(moves)
        self.assertEqual((len(links), set(links.mapped('kind'))), (2, {'batch_payments'}))
        self.assertEqual(links.statement_line_id, line)
        self.push()
        batch, = self.sim_batches()
        self.assertEqual(len(self.members(batch)), 2)
        self.assertEqual(float(batch['TotalAmount']), line.amount)
        self.assertBothBooks(moves)

    @mute_logger(ENGINE_LOGGER)
    def test_batch_refused_by_xero_is_refused_whole_with_its_reason(self):
        moves = self.three_invoices()
        self.xero_pay(moves[1], 10.0)
        self.pay(moves, group_payment=True)
        self.push()
        links = self.payment_links(moves).filtered(lambda link: not link.from_xero)
        self.assertEqual(set(links.mapped('sync_state')), {'error'})
        self.assertIn('exceeds the amount outstanding', links[0].last_error)
        self.assertFalse(self.sim_batches(), 'no part of the deposit in Xero')
        self.assertEqual([float(p['Amount']) for p in self.sim_payments()], [10.0], "only Xero's own payment")

    @mute_logger(ENGINE_LOGGER)
    def test_journal_without_xero_account_is_refused_on_the_record(self):
        moves = self.make_move() | self.make_move()
        self.push()
        self.org.journal_mapping_ids.filtered(lambda m: m.journal_id == self.bank).unlink()
        self.pay(moves, group_payment=True)
        self.push()
        links = self.payment_links(moves)
        self.assertEqual(set(links.mapped('sync_state')), {'error'})
        self.assertIn(self.bank.display_name, links[0].last_error)
        self.assertFalse(self.sim_batches())
        self.assertEqual({self.sim_doc(self.link(m))['Status'] for m in moves}, {'AUTHORISED'})


class TestBatchPaymentLostAnswer(BatchCase):

    def _batch_in_flight(self):
        moves = self.three_invoices()
        self.lose_answer('PUT', BATCH_PAYMENTS, how='status')
        self.pay(moves, group_payment=True)
        self.push()
        links = self.payment_links(moves)
        self.assertEqual(set(links.mapped('sync_state')), {'in_flight'}, 'Xero may have it')
        self.assertEqual(len(self.sim_batches()), 1, 'it landed; its answer was lost')
        return moves, links

    @mute_logger(ENGINE_LOGGER)
    def test_lost_answer_inside_the_window_is_replayed(self):
        moves, links = self._batch_in_flight()
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('PUT', BATCH_PAYMENTS)
        self.assertEqual(set(links.mapped('sync_state')), {'synced'}, links.mapped('last_error'))
        self.assertEqual(len(self.sim_batches()), 1)
        self.assertEqual(len(set(links.mapped('xero_id'))), 3)
        self.assertBothBooks(moves)

    @mute_logger(ENGINE_LOGGER)
    def test_lost_answer_after_the_window_is_found_by_its_reference(self):
        moves, links = self._batch_in_flight()
        with self.later(AFTER):
            self.push()
        self.assertLookedUp('PUT', BATCH_PAYMENTS, BATCH_PAYMENTS)
        self.assertEqual(set(links.mapped('sync_state')), {'synced'}, links.mapped('last_error'))
        batch, = self.sim_batches()
        self.assertEqual(sorted(m['PaymentID'] for m in self.members(batch)), sorted(links.mapped('xero_id')))
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BatchPayments'), 1)
        self.assertBothBooks(moves)

    @mute_logger(ENGINE_LOGGER)
    def test_undone_while_its_answer_is_lost_the_batch_found_is_deleted_and_the_rest_goes_again(self):
        moves, links = self._batch_in_flight()
        self.receivable(moves[0]).remove_move_reconcile()
        self.assertEqual(set(links.mapped('sync_state')), {'in_flight'}, 'still to be found in Xero')
        with self.later(AFTER):
            self.push()
        self.assertEqual(len(self.keys_sent('PUT', BATCH_PAYMENTS)), 2, 'the lost one, then the new deposit')
        self.assertEqual(len(self.sim_batches('DELETED')), 1, 'the batch that landed, deleted as one')
        again, = self.sim_batches('AUTHORISED')
        self.assertEqual(len(self.members(again)), 2)
        self.assertEqual(self.sim_doc(self.link(moves[0]))['Status'], 'AUTHORISED')
        self.assertBothBooks(moves)

    @mute_logger(ENGINE_LOGGER)
    def test_lost_deletion_is_found_done(self):
        moves = self.three_invoices()
        payment = self.pay(moves, group_payment=True)
        self.push()
        payment.action_draft()
        payment.action_cancel()
        self.lose_answer('POST', BATCH_PAYMENT, how='status')
        self.push()
        links = self.payment_links(moves)
        self.assertEqual(set(links.mapped('sync_state')), {'in_flight'})
        with self.later(AFTER):
            self.push()
        self.assertEqual(self.calls(BATCH_PAYMENT, 'POST'), 1, 'found deleted, never sent again')
        self.assertEqual(set(links.mapped('xero_status')), {'DELETED'}, links.mapped('last_error'))
        self.assertBothBooks(moves)


class TestBatchPaymentsFromXero(BatchCase):

    def xero_batch(self, moves, amounts=None):
        """A batch payment entered in Xero (through the API, as Xero's screens would)."""
        batch, = self.org._xero().save_batch_payments([{
            'account': {'code': '090'}, 'date': fields.Date.today(), 'reference': 'Deposit in Xero',
            'payments': [{'invoice': {'invoice_id': self.link(m).xero_id}, 'amount': amount}
                         for m, amount in zip(moves, amounts or moves.mapped('amount_total'))]}],
            f'test-batch-{moves.ids}')
        self.assertTrue(batch.ok, batch.errors)
        return batch

    def test_batch_made_in_xero_is_registered_once_and_reversed_when_deleted(self):
        moves = self.three_invoices()
        batch = self.xero_batch(moves)
        made_in_xero = self.calls(BATCH_PAYMENTS, 'PUT')
        self.poll()
        links = self.payment_links(moves)
        self.assertEqual(len(links), 3)
        payment = links.payment_id
        self.assertEqual(len(payment), 1, 'one Odoo payment for the deposit')
        self.assertEqual(set(links.mapped('kind')), {'batch_payments'})
        self.assertAlmostEqual(payment.amount, sum(moves.mapped('amount_total')), places=2)
        self.assertEqual(payment.journal_id, self.bank)
        self.assertEqual(set(links.mapped('xero_batch_id')), {batch.xero_id})
        self.assertTrue(all(links.mapped('from_xero')))
        self.assertLessEqual(set(moves.mapped('payment_state')), {'paid', 'in_payment'})
        self.assertTrue(all(m.currency_id.is_zero(m.amount_residual) for m in moves))
        self.push()
        self.assertEqual(self.calls(BATCH_PAYMENTS, 'PUT') + self.calls(PAYMENTS, 'PUT'), made_in_xero,
                         'nothing goes back')
        self.poll()
        self.assertEqual(self.payment_links(moves), links, 'registered once')
        self.assertBothBooks(moves)
        # Deleted in Xero: the Odoo payment is cancelled, the documents open again.
        self.org._xero().delete_batch_payment(batch.xero_id, 'test-delete-batch')
        self.sim.clock.advance(2)
        self.poll()
        self.assertEqual(payment.state, 'canceled')
        self.assertEqual(set(links.mapped('xero_status')), {'DELETED'})
        self.assertEqual(set(moves.mapped('payment_state')), {'not_paid'})
        self.push()
        self.assertEqual(self.calls(BATCH_PAYMENT, 'POST'), 1, 'only the deletion made in Xero')
        self.assertBothBooks(moves)

    def test_batch_for_two_customers_made_in_xero_is_one_payment(self):
        other = self.env['res.partner'].create({'name': 'Deco Addict', 'is_company': True})
        moves = self.make_move() | self.make_move(partner=other)
        self.push()
        self.xero_batch(moves)
        self.poll()
        links = self.payment_links(moves)
        self.assertEqual((len(links), len(links.payment_id)), (2, 1), 'one deposit, one Odoo payment')
        self.assertFalse(links.payment_id.partner_id, 'several customers: the payment names none')
        receivable = self.receivable(links.payment_id.move_id)
        self.assertEqual(receivable.partner_id, moves.commercial_partner_id, 'each line its customer')
        self.poll()
        self.assertEqual(self.payment_links(moves), links, 'registered once')
        self.assertBothBooks(moves)

    def test_batch_paying_part_of_a_document_settles_each_as_xero_did(self):
        moves = self.make_move() | self.make_move()
        self.push()
        self.xero_batch(moves, amounts=[20.0, moves[1].amount_total])
        self.poll()
        links = self.payment_links(moves)
        self.assertEqual((len(links), len(links.payment_id)), (2, 1), 'one Odoo payment for the deposit')
        self.assertAlmostEqual(moves[0].amount_residual, moves[0].amount_total - 20.0, places=2)
        self.assertTrue(moves[1].currency_id.is_zero(moves[1].amount_residual))
        self.poll()
        self.assertEqual(self.payment_links(moves), links, 'registered once')
        self.assertBothBooks(moves)
