"""Overpayments, prepayments and cash refunds, both ways (issue 16, item 4 and its way back).

Money larger than what it settles leaves an outstanding credit in Odoo: in Xero it is an
overpayment (a bank transaction for the whole amount, allocated to the invoices it settles);
money that came first, reconciled with nothing, is a prepayment; a later use of either on
another invoice is one more allocation. A credit note paid out in cash is a Xero payment on
the credit note. Every test ends comparing both books: each document's payment state and
residual against Xero's Status and AmountDue, each overpayment's open credit against Xero's
RemainingCredit, and each payment or overpayment once in Xero.
"""
from odoo import fields
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER
from .test_idempotency import AFTER, INSIDE, KeyWindowMixin
from .test_payments import PaymentCase

BANK_TRANSACTIONS = '/api.xro/2.0/BankTransactions'
OVERPAYMENT_ALLOCATIONS = '/api.xro/2.0/Overpayments/{id}/Allocations'
OVERPAYMENTS = '/api.xro/2.0/Overpayments'
OVERPAYMENT = '/api.xro/2.0/Overpayments/{id}'


class CreditCase(KeyWindowMixin, PaymentCase):

    def setUp(self):
        super().setUp()
        # Xero books an overpayment in its bank account's currency: the company's money goes
        # through a Xero bank account in the company's currency (USD, in an NZD organisation).
        currency = self.env.company.currency_id.name
        self.org._xero().create_account({
                                        'code': 'BNKUSD', 'name': f'Bank {currency}', 'type': 'BANK', 'bank_account_number': f'12-{currency}',
                                        'currency_code': currency}, f'test-bank-{currency}')
        self.env['xero.account']._import_from_xero(self.org)
        self.bank_account = self.xero_account(self.org, 'BNKUSD')
        self.org.journal_mapping_ids.filtered(lambda m: m.journal_id == self.bank).xero_account_id = self.bank_account
        self.sim.counters.reset()
        del self.sim.requests[:]

    def credits(self, kind='overpayments', status=None):
        items = getattr(self.sim_org(), kind).values()
        return [c for c in items if status is None or c['Status'] == status]

    def credit_links(self, payment):
        return self.env['xero.payment.link'].search([('payment_id', '=', payment.id), ('kind', '=', 'credits')])

    def allocation_links(self, moves):
        return self.env['xero.allocation.link'].search([('move_id', 'in', moves.ids),
                                                         ('kind', '=', 'credit_allocations')])

    def open_lines(self, records):
        lines = records.line_ids if records._name == 'account.move' else records.move_id.line_ids
        return lines.filtered(lambda l: l.account_id.account_type in ('asset_receivable', 'liability_payable')
                              and not l.reconciled)

    def commit_hooks(self):
        """What runs when the user's transaction commits (the prepayment check)."""
        self.env.cr.precommit.run()

    def receive(self, amount, partner=None):
        """A customer payment entered on its own, reconciled with nothing."""
        payment = self.env['account.payment'].create({
            'payment_type': 'inbound', 'partner_type': 'customer', 'amount': amount,
            'partner_id': (partner or self.customer).id, 'journal_id': self.bank.id,
            'date': fields.Date.today()})
        payment.action_post()
        return payment

    def assertCreditAgrees(self, payment, kind='overpayments'):
        """The money's open credit in Odoo is the overpayment's (prepayment's) RemainingCredit
        in Xero, which holds it once."""
        link = self.credit_links(payment)
        self.assertEqual((link.sync_state, len(link)), ('synced', 1), link.last_error)
        live = [c for c in self.credits(kind) if c['Status'] != 'VOIDED']
        self.assertEqual([c[kind[:-1].capitalize() + 'ID'] for c in live], [link.xero_id.lower()],
                         'one overpayment or prepayment in Xero')
        self.assertAlmostEqual(float(live[0]['Total']), payment.amount, places=2)
        open_credit = -sum(self.open_lines(payment).mapped('amount_residual'))
        self.assertAlmostEqual(float(live[0]['RemainingCredit']), abs(open_credit), places=2)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions', 'Payments']), 0)


class TestOverpayments(CreditCase):

    def test_overpayment_goes_whole_and_is_allocated_to_the_invoice(self):
        invoice = self.make_move()  # 115.00
        self.push()
        payment = self.pay(invoice, amount=200.0)
        self.commit_hooks()
        self.assertEqual(len(self.credit_links(payment)), 1)
        self.assertEqual(self.credit_links(payment).credit_type, 'RECEIVE-OVERPAYMENT')
        states = self.credit_links(payment).mapped('sync_state') + self.allocation_links(invoice).mapped('sync_state')
        self.assertEqual(set(states), {'pending'}, 'queued, no call')
        self.push()
        allocation = self.allocation_links(invoice)
        self.assertEqual(allocation.sync_state, 'synced', allocation.last_error)
        overpayment, = self.credits()
        self.assertEqual(overpayment['Type'], 'RECEIVE-OVERPAYMENT')
        self.assertEqual([a['AllocationID'] for a in overpayment['Allocations']], [allocation.xero_id.lower()])
        self.assertFalse(self.sim_payments(), 'no Xero payment besides the overpayment')
        self.assertEqual(invoice.payment_state in ('paid', 'in_payment'), True)
        self.assertBooksAgree(invoice)
        self.assertCreditAgrees(payment)

    def test_later_use_of_the_credit_on_another_invoice_is_an_allocation(self):
        first = self.make_move()
        self.push()
        payment = self.pay(first, amount=200.0)
        self.push()
        second = self.make_move(lines=[(50.0, 1, self.sale15, 0.0)])  # 57.50
        self.push()
        (self.open_lines(payment) | self.open_lines(second)).reconcile()
        later = self.allocation_links(second)
        self.assertEqual((later.kind, later.credit_link_id), ('credit_allocations', self.credit_links(payment)))
        self.push()
        self.assertEqual(later.sync_state, 'synced', later.last_error)
        overpayment, = self.credits()
        self.assertEqual(len(overpayment['Allocations']), 2)
        for move in first | second:
            self.assertBooksAgree(move)
        self.assertCreditAgrees(payment)

    def test_bank_line_larger_than_the_invoice_is_an_overpayment(self):
        """A bank statement line reconciled directly with an invoice, for more than it: no Odoo
        payment, the rest open on the customer; in Xero an overpayment of the whole line."""
        invoice = self.make_move()
        self.push()
        line = self.env['account.bank.statement.line'].create({
            'journal_id': self.bank.id, 'date': fields.Date.today(), 'payment_ref': 'DEPOSIT AZURE',
            'amount': 150.0, 'partner_id': self.customer.id})
        _liquidity, suspense, _other = line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        target = self.open_lines(invoice)
        suspense.account_id = target.account_id
        (suspense | target).reconcile()
        credit = self.env['xero.payment.link'].search([('statement_line_id', '=', line.id), ('kind', '=', 'credits')])
        self.assertEqual((credit.credit_type, credit.amount), ('RECEIVE-OVERPAYMENT', 150.0))
        self.push()
        allocation = self.allocation_links(invoice)
        self.assertEqual(allocation.sync_state, 'synced', allocation.last_error)
        overpayment, = self.credits()
        self.assertEqual(float(overpayment['RemainingCredit']), 35.0)
        self.assertEqual(-sum(self.open_lines(line.move_id).mapped('amount_residual')), 35.0)
        self.assertEqual(len(self.sim_org().bank_transactions), 1, 'the overpayment only')
        self.assertBooksAgree(invoice)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions', 'Payments']), 0)

    def test_prepayment_then_allocation(self):
        paid_by_wizard = self.make_move()
        self.push()
        self.pay(paid_by_wizard)
        payment = self.receive(100.0)
        self.commit_hooks()
        self.assertFalse(self.env['xero.payment.link'].search([('kind', '=', 'credits')]) - self.credit_links(payment),
                         'a payment the wizard reconciled at once is an ordinary payment')
        link = self.credit_links(payment)
        self.assertEqual((link.credit_type, link.sync_state), ('RECEIVE-PREPAYMENT', 'pending'))
        self.push()
        self.assertCreditAgrees(payment, 'prepayments')
        invoice = self.make_move()  # 115.00, more than the prepayment
        self.push()
        (self.open_lines(payment) | self.open_lines(invoice)).reconcile()
        self.push()
        allocation = self.allocation_links(invoice)
        self.assertEqual(allocation.sync_state, 'synced', allocation.last_error)
        prepayment, = self.credits('prepayments')
        self.assertEqual(prepayment['Status'], 'PAID')
        self.assertEqual(len(self.sim_payments()), 1, "the wizard's own payment only")
        for move in paid_by_wizard | invoice:
            self.assertBooksAgree(move)
        self.assertCreditAgrees(payment, 'prepayments')

    def test_cash_refund_of_a_credit_note_is_a_payment_on_it(self):
        refund = self.make_move('out_refund', lines=[(40.0, 1, self.sale15, 0.0)])
        self.push()
        payment = self.pay(refund)
        self.commit_hooks()
        self.assertEqual((payment.payment_type, payment.partner_type), ('outbound', 'customer'))
        self.assertFalse(self.credit_links(payment), 'money out to a customer is no prepayment')
        self.push()
        link = self.payment_links(refund)
        self.assertEqual((link.kind, link.sync_state), ('payments', 'synced'), link.last_error)
        xero_payment, = self.sim_payments()
        self.assertEqual(xero_payment['PaymentType'], 'ARCREDITPAYMENT')
        self.assertAlmostEqual(float(xero_payment['Amount']), refund.amount_total, places=2)
        self.assertBooksAgree(refund)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Payments']), 0)

    def test_cancelled_payment_removes_the_allocation_then_voids_the_overpayment(self):
        invoice = self.make_move()
        self.push()
        payment = self.pay(invoice, amount=200.0)
        self.push()
        payment.action_draft()
        payment.action_cancel()
        credit, allocation = self.credit_links(payment), self.allocation_links(invoice)
        self.assertTrue(credit.to_delete and allocation.to_delete)
        self.push()
        self.assertEqual((allocation.sync_state, allocation.xero_status), ('synced', 'DELETED'), allocation.last_error)
        self.assertEqual((credit.sync_state, credit.xero_status), ('synced', 'VOIDED'), credit.last_error)
        overpayment, = self.credits()
        self.assertEqual((overpayment['Status'], overpayment['Allocations']), ('VOIDED', []))
        self.assertEqual(invoice.payment_state, 'not_paid')
        self.assertBooksAgree(invoice)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions', 'Payments']), 0)

    @mute_logger(ENGINE_LOGGER)
    def test_money_not_in_its_xero_bank_account_currency_is_held_in_words_then_goes(self):
        nzd_bank = self.xero_account(self.org, '090')
        mapping = self.org.journal_mapping_ids.filtered(lambda m: m.journal_id == self.bank)
        mapping.xero_account_id = nzd_bank
        invoice = self.make_move()
        self.push()
        payment = self.pay(invoice, amount=200.0)
        self.push()
        credit, allocation = self.credit_links(payment), self.allocation_links(invoice)
        self.assertEqual(credit.sync_state, 'error')
        self.assertIn("bank account's currency", credit.last_error)
        self.assertIn('NZD', credit.last_error)
        self.assertEqual((allocation.sync_state, allocation.waiting_dependency), ('error', True))
        self.assertFalse(self.credits(), 'nothing sent')
        # The accountant maps the journal to the Xero bank account in its currency, and retries.
        mapping.xero_account_id = self.bank_account
        credit.action_retry()
        self.push()
        with self.later(1):
            self.push()
        self.assertEqual(allocation.sync_state, 'synced', allocation.last_error)
        self.assertBooksAgree(invoice)
        self.assertCreditAgrees(payment)

    def test_cancelled_then_posted_again_is_a_new_prepayment(self):
        invoice = self.make_move()
        self.push()
        payment = self.pay(invoice, amount=200.0)
        self.push()
        payment.action_draft()
        payment.action_cancel()
        self.push()
        credit = self.credit_links(payment)
        self.assertEqual(credit.xero_status, 'VOIDED')
        payment.action_draft()
        payment.action_post()
        self.commit_hooks()
        self.assertEqual((credit.credit_type, credit.sync_state, credit.xero_id),
                         ('RECEIVE-PREPAYMENT', 'pending', False), 'the money is new: reconciled with nothing')
        self.push()
        (self.open_lines(payment) | self.open_lines(invoice)).reconcile()
        self.push()
        allocation = self.allocation_links(invoice).filtered(lambda l: l.xero_status != 'DELETED')
        self.assertEqual(allocation.sync_state, 'synced', allocation.last_error)
        self.assertEqual([c['Status'] for c in self.credits()], ['VOIDED'])
        self.assertEqual([c['Status'] for c in self.credits('prepayments')], ['AUTHORISED'])
        self.assertBooksAgree(invoice)
        self.assertCreditAgrees(payment, 'prepayments')

    def test_unreconciled_allocation_is_removed_and_the_credit_stays(self):
        invoice = self.make_move()
        self.push()
        payment = self.pay(invoice, amount=200.0)
        self.push()
        allocation = self.allocation_links(invoice)
        allocation.partial_id.unlink()
        self.assertTrue(allocation.to_delete)
        self.push()
        self.assertEqual(allocation.xero_status, 'DELETED', allocation.last_error)
        self.assertBooksAgree(invoice)
        self.assertCreditAgrees(payment)


class TestCreditLostAnswers(CreditCase):
    """A lost answer on an overpayment or its allocation: replayed inside Xero's key window,
    found by a look-up after it; never twice in Xero."""

    def _overpayment_in_flight(self, how='drop'):
        invoice = self.make_move()
        self.push()
        payment = self.pay(invoice, amount=200.0)
        self.lose_answer('POST', BANK_TRANSACTIONS, how)
        self.push()
        link = self.credit_links(payment)
        self.assertEqual(link.sync_state, 'in_flight')
        self.assertEqual(len(self.credits()), 1, 'Xero took it')
        return invoice, payment, link

    @mute_logger(ENGINE_LOGGER)
    def test_overpayment_lost_answer_inside_the_window_is_replayed(self):
        invoice, payment, link = self._overpayment_in_flight(how='status')
        with self.later(INSIDE):
            self.push()
        self.assertReplayed('POST', BANK_TRANSACTIONS)
        with self.later(INSIDE):
            self.push()  # the allocation, held while its overpayment was unsure
        self.assertBooksAgree(invoice)
        self.assertCreditAgrees(payment)

    @mute_logger(ENGINE_LOGGER)
    def test_overpayment_lost_answer_after_the_window_is_looked_up(self):
        invoice, payment, link = self._overpayment_in_flight()
        with self.later(AFTER):
            self.push()
        self.assertLookedUp('POST', BANK_TRANSACTIONS, OVERPAYMENTS)
        with self.later(1):
            self.push()  # the allocation, held while its overpayment was unsure
        self.assertEqual(link.xero_bank_transaction_id.lower(), self.credits()[0]['OverpaymentID'])
        self.assertBooksAgree(invoice)
        self.assertCreditAgrees(payment)

    @mute_logger(ENGINE_LOGGER)
    def test_allocation_lost_answer_after_the_window_is_looked_up(self):
        invoice = self.make_move()
        self.push()
        payment = self.pay(invoice, amount=200.0)
        self.lose_answer('PUT', OVERPAYMENT_ALLOCATIONS)
        self.push()
        allocation = self.allocation_links(invoice)
        self.assertEqual(allocation.sync_state, 'in_flight')
        with self.later(AFTER):
            self.push()
        self.assertLookedUp('PUT', OVERPAYMENT_ALLOCATIONS, OVERPAYMENT)
        self.assertEqual(allocation.sync_state, 'synced', allocation.last_error)
        overpayment, = self.credits()
        self.assertEqual([a['AllocationID'] for a in overpayment['Allocations']], [allocation.xero_id.lower()])
        self.assertBooksAgree(invoice)
        self.assertCreditAgrees(payment)



class TestCreditsFromXero(CreditCase):
    """Overpayments made in Xero, and their allocations, come back once through the pull
    engine; voided in Xero, the Odoo payment is cancelled."""

    def pull_credits(self):
        self.env['xero.document.pull'].with_context(xero_no_commit=True)._pull(self.org)
        return self.env['xero.pull.engine'].with_context(xero_no_commit=True)._pull(self.org, 'credits')

    def xero_overpayment(self, amount, invoice, allocated):
        """An overpayment entered in Xero (through the API, as Xero's own screens would), allocated
        to ``invoice``."""
        contact = self.link(invoice.partner_id.commercial_partner_id).xero_id
        element, = self.org._xero().save_credits([{
                                                 'type': 'RECEIVE-OVERPAYMENT', 'contact': {'contact_id': contact}, 'bank_account': {'code': 'BNKUSD'},
                                                 'date': fields.Date.today(), 'line_amount_types': 'NoTax',
                                                 'line_items': [{'description': 'Paid too much', 'line_amount': amount}]}], 'test-op')
        self.assertTrue(element.ok, element.errors)
        allocation, = self.org._xero().allocate_credit('overpayments', element.xero_id, [{
                                                       'invoice': {'invoice_id': self.link(invoice).xero_id}, 'amount': allocated,
                                                       'date': fields.Date.today()}], 'test-op-alloc')
        self.assertTrue(allocation.ok, allocation.errors)
        return element, allocation

    def test_overpayment_made_in_xero_is_registered_once_and_voided_back(self):
        invoice = self.make_move()
        self.push()
        element, allocation = self.xero_overpayment(200.0, invoice, invoice.amount_total)
        counts = self.pull_credits()
        self.assertEqual(counts['created'], 1, (counts, self.env['xero.review'].search([]).mapped('reason')))
        link = self.env['xero.payment.link'].search([('kind', '=', 'credits'), ('xero_id', '=', element.xero_id)])
        payment = link.payment_id
        self.assertTrue(link.from_xero)
        self.assertEqual((payment.amount, payment.journal_id, payment.partner_id), (200.0, self.bank, self.customer))
        self.assertIn(payment.state, ('in_process', 'paid'))
        self.assertIn(invoice.payment_state, ('paid', 'in_payment'))
        self.assertEqual(self.allocation_links(invoice).xero_id, allocation.xero_id)
        # Read again (and pushed): nothing twice, nothing sent back.
        self.sim.clock.advance(60)
        again = self.pull_credits()
        self.assertEqual(again['created'], 0)
        calls = len(self.sim.requests)
        self.push()
        self.assertFalse([r for r in self.sim.requests[calls:] if r.method in ('PUT', 'POST', 'DELETE')],
                         'nothing of it goes back to Xero')
        self.assertEqual(self.env['account.payment'].search_count([('partner_id', '=', self.customer.id)]), 1)
        self.assertBooksAgree(invoice)
        self.assertCreditAgrees(payment)

        # Voided in Xero (its allocation removed first, as Xero requires): cancelled in Odoo.
        self.org._xero().delete_credit_allocation('overpayments', element.xero_id, allocation.xero_id)
        txn = self.sim_org().bank_transactions[element.xero_id.lower()]
        voided, = self.org._xero().save_credits([{
                                                'bank_transaction_id': element.echo['bank_transaction_id'], 'type': txn['Type'], 'status': 'DELETED',
                                                'contact': {'contact_id': txn['Contact']['ContactID']}, 'bank_account': {'code': 'BNKUSD'},
                                                'line_items': [{'description': 'Paid too much', 'line_amount': 200.0}]}], 'test-op-void')
        self.assertTrue(voided.ok, voided.errors)
        self.sim.clock.advance(60)
        self.pull_credits()
        self.assertEqual((link.xero_status, payment.state), ('VOIDED', 'canceled'))
        self.assertEqual(invoice.payment_state, 'not_paid')
        self.assertBooksAgree(invoice)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions', 'Payments']), 0)

    def test_allocation_made_in_xero_on_an_odoo_overpayment_is_reconciled(self):
        first = self.make_move()
        self.push()
        payment = self.pay(first, amount=200.0)
        self.push()
        second = self.make_move(lines=[(20.0, 1, self.sale15, 0.0)])  # 23.00
        self.push()
        credit = self.credit_links(payment)
        allocation, = self.org._xero().allocate_credit('overpayments', credit.xero_id, [{
                                                       'invoice': {'invoice_id': self.link(second).xero_id}, 'amount': 23.0,
                                                       'date': fields.Date.today()}], 'test-alloc')
        self.sim.clock.advance(60)
        self.pull_credits()
        self.assertEqual(self.allocation_links(second).xero_id, allocation.xero_id)
        self.assertTrue(self.allocation_links(second).from_xero)
        self.push()
        overpayment, = self.credits()
        self.assertEqual(len(overpayment['Allocations']), 2, 'not sent back')
        for move in first | second:
            self.assertBooksAgree(move)
        self.assertCreditAgrees(payment)
