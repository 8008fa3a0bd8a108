import signal
from contextlib import contextmanager

import requests

from odoo import Command, fields
from odoo.tools import config, mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .test_payments import PaymentCase

REGISTER_LOGGER = 'odoo.addons.xero_integration.models.xero_payment_register'


class CronKilled(BaseException):
    """Not an Exception: nothing in the run may catch it, as nothing survives Odoo's kill."""


class RegisterCase(PaymentCase):

    def pulled(self):
        """The payments Xero holds, as the poll reads them (one page)."""
        payments, _more = self.org._xero().pull_payments(None, 1)
        return payments

    def xero_pay_on(self, move, amount, date=None, code='090'):
        """A payment entered in Xero on an invoice, bill or credit note."""
        link = self.link(move)
        document = {'credit_note': {'credit_note_id': link.xero_id}} if move.move_type.endswith('refund') else \
            {'invoice': {'invoice_id': link.xero_id}}
        element, = self.org._xero().save('payments', [dict(
            document, account={'code': code}, date=date or fields.Date.today(), amount=amount,
            reference='Paid in Xero')], f'test-pay-{move.id}-{amount}-{date}')
        self.assertTrue(element.ok, element.errors)
        return element.xero_id

    def assertBooksAgree(self, moves):
        """Odoo's residual and paid state against Xero's AmountDue (RemainingCredit) and Status."""
        for move in moves:
            doc = self.sim_doc(self.link(move))
            due = doc.get('RemainingCredit') if move.move_type.endswith('refund') else doc['AmountDue']
            self.assertAlmostEqual(move.amount_residual, float(due), places=2, msg=move.name)
            self.assertEqual(move.payment_state in ('paid', 'in_payment', 'reversed'), doc['Status'] == 'PAID',
                             f'{move.name}: {move.payment_state} in Odoo, {doc["Status"]} in Xero')


class TestPaymentRegister(RegisterCase):

    def test_a_page_of_full_and_partial_payments(self):
        full, twice, once = self.make_move(), self.make_move(), self.make_move(lines=[(200.0, 1, self.sale15, 0.0)])
        self.push()
        ids = [self.xero_pay_on(full, full.amount_total), self.xero_pay_on(twice, 40.0),
               self.xero_pay_on(twice, twice.amount_total - 40.0), self.xero_pay_on(once, 50.0)]
        outcomes = self.env['xero.payment.register']._register_batch(self.org, self.pulled())
        self.assertEqual({i: outcomes.get(i) for i in ids}, dict.fromkeys(ids, 'created'))
        self.assertIn(full.payment_state, ('paid', 'in_payment'))
        self.assertIn(twice.payment_state, ('paid', 'in_payment'), 'two payments of one page on one invoice')
        self.assertEqual(once.payment_state, 'partial')
        self.assertAlmostEqual(once.amount_residual, once.amount_total - 50.0)
        links = self.env['xero.payment.link'].search([('xero_id', 'in', ids)])
        self.assertEqual(len(links), 4)
        self.assertEqual(len(links.partial_id), 4, 'each link holds its own reconciliation')
        self.assertEqual(links.payment_id.journal_id, self.bank, 'the journal mapped to the Xero account')
        self.assertLessEqual(set(links.payment_id.mapped('state')), {'in_process', 'paid'}, 'posted')
        self.assertEqual(twice.matched_payment_ids, links.filtered(lambda link: link.move_id == twice).payment_id)
        self.assertEqual(sorted(links.filtered(lambda link: link.move_id == twice).mapped('amount')),
                         sorted([40.0, round(twice.amount_total - 40.0, 2)]))
        self.assertBooksAgree(full | twice | once)
        # The same page again (the next poll reads the watermark's second again): nothing twice.
        count = self.env['account.payment'].search_count([])
        again = self.env['xero.payment.register']._register_batch(self.org, self.pulled())
        self.assertEqual({again[i] for i in ids}, {None})
        self.assertEqual(self.env['account.payment'].search_count([]), count)

    def test_bill_and_credit_note_paid_in_xero(self):
        bill = self.make_move('in_invoice')
        refund = self.make_move('out_refund', lines=[(40.0, 1, self.sale15, 0.0)])
        self.push()
        ids = [self.xero_pay_on(bill, bill.amount_total), self.xero_pay_on(refund, refund.amount_total)]
        outcomes = self.env['xero.payment.register']._register_batch(self.org, self.pulled())
        self.assertEqual([outcomes[i] for i in ids], ['created', 'created'])
        links = self.env['xero.payment.link'].search([('xero_id', 'in', ids)])
        by_move = {link.move_id: link.payment_id for link in links}
        self.assertEqual((by_move[bill].payment_type, by_move[bill].partner_type), ('outbound', 'supplier'))
        self.assertEqual((by_move[refund].payment_type, by_move[refund].partner_type), ('outbound', 'customer'),
                         'a customer refund paid out')
        self.assertEqual(by_move[bill].partner_id, self.vendor)
        self.assertBooksAgree(bill | refund)

    def test_foreign_currency(self):
        eur = self.env.ref('base.EUR')
        eur.active = True
        move = self.make_move(currency_id=eur.id)
        self.push()
        xero_id = self.xero_pay_on(move, 30.0)
        self.env['xero.payment.register']._register_batch(self.org, self.pulled())
        payment = self.env['xero.payment.link'].search([('xero_id', '=', xero_id)]).payment_id
        self.assertEqual((payment.currency_id, payment.amount), (eur, 30.0), "in the document's currency")
        self.assertEqual(move.payment_state, 'partial')
        self.assertBooksAgree(move)

    @mute_logger(REGISTER_LOGGER)
    def test_a_bad_payment_is_held_and_the_rest_of_the_page_registered(self):
        good, bad, other = self.make_move(), self.make_move('in_invoice'), self.make_move()
        self.push()
        ids = [self.xero_pay_on(good, good.amount_total), self.xero_pay_on(bad, 20.0),
               self.xero_pay_on(other, 10.0)]
        # The bank journal pays nothing out in Odoo: the bill's payment cannot be registered.
        self.bank.outbound_payment_method_line_ids.unlink()
        outcomes = self.env['xero.payment.register']._register_batch(self.org, self.pulled())
        self.assertEqual((outcomes[ids[0]], outcomes[ids[2]]), ('created', 'created'), 'the rest of the page')
        self.assertIn('payment method', outcomes[ids[1]])
        review = self.env['xero.review'].search([('xero_id', '=', ids[1])])
        self.assertEqual(review.state, 'open')
        self.assertEqual(review.kind, 'payment')
        self.assertIn('payment method', review.reason, "Odoo's own words")
        self.assertFalse(self.env['xero.payment.link'].search([('xero_id', '=', ids[1])]), 'nothing half-made')
        self.assertEqual(bad.payment_state, 'not_paid')
        self.assertBooksAgree(good | other)
        # Through the poll, the same: the poll goes on, and the books differ only where held.
        self.env['xero.payment.pull'].with_context(xero_no_commit=True)._pull(self.org)
        self.assertEqual(self.env['xero.payment.link'].search_count([('xero_id', 'in', ids)]), 2)
        self.assertNotAlmostEqual(bad.amount_residual, float(self.sim_doc(self.link(bad))['AmountDue']))

    def test_deletion_and_new_payments_in_one_page(self):
        paid, new = self.make_move(), self.make_move()
        self.push()
        deleted = self.xero_pay_on(paid, paid.amount_total)
        self.env['xero.payment.register']._register_batch(self.org, self.pulled())
        self.assertIn(paid.payment_state, ('paid', 'in_payment'))
        self.org._xero().delete_payment(deleted, 'test-delete')
        fresh = self.xero_pay_on(new, 25.0)
        outcomes = self.env['xero.payment.register']._register_batch(self.org, self.pulled())
        self.assertEqual((outcomes[deleted], outcomes[fresh]), ('updated', 'created'))
        self.assertEqual(self.env['xero.payment.link'].search([('xero_id', '=', deleted)]).payment_id.state,
                         'canceled')
        self.assertBooksAgree(paid | new)

    def test_unmapped_account_is_held_and_odoo_own_payments_skipped(self):
        move, other = self.make_move(), self.make_move()
        self.push()
        self.pay(other)
        self.push()
        self.env['xero.journal.mapping'].search([('organisation_id', '=', self.org.id)]).unlink()
        xero_id = self.xero_pay_on(move, 10.0)
        count = self.env['account.payment'].search_count([])
        outcomes = self.env['xero.payment.register']._register_batch(self.org, self.pulled())
        self.assertEqual(outcomes[xero_id], 'held')
        self.assertIn('no Odoo journal maps to it', self.env['xero.review'].search([('xero_id', '=', xero_id)]).reason)
        self.assertEqual(self.env['account.payment'].search_count([]), count, "Odoo's own payment not again")


class TestPaymentPollVolume(RegisterCase):
    """A poll of 2,500 payments made in Xero, through Odoo's cron runner under its time limit."""

    INVOICES = 500
    PAYMENTS_PER_INVOICE = 5

    @contextmanager
    def odoo_time_limit(self):
        """Odoo's real-time limit on a cron thread (``limit_time_real``, 120 s by default, or
        ``limit_time_real_cron``): the server stops a thread past it. Here the run is stopped the
        same way, by an exception in the middle of whatever it is doing."""
        limit = config['limit_time_real_cron'] if (config['limit_time_real_cron'] or 0) > 0 else \
            config['limit_time_real'] or 120

        def killed(_signum, _frame):
            raise CronKilled(f'cron run killed: over limit_time_real ({limit} s)')

        previous = signal.signal(signal.SIGALRM, killed)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def run_poll_cron(self):
        """One run of the poll cron by Odoo's runner (its progress API, commits as savepoints)."""
        cron = self.env.ref('xero_integration.ir_cron_xero_poll')
        with self.odoo_time_limit(), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()
        triggered = self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)])
        triggered.unlink()
        return bool(triggered)

    def test_2500_payments_between_two_polls(self):
        moves = self.env['account.move'].create([{
            'move_type': 'out_invoice', 'partner_id': self.customer.id, 'invoice_date': fields.Date.today(),
            'invoice_line_ids': [Command.create({'name': f'Line {n}', 'price_unit': 100.0 + n % 7, 'quantity': 1,
                                                 'account_id': self.income.id,
                                                 'tax_ids': [Command.set(self.sale15.ids)]})],
        } for n in range(self.INVOICES)])
        moves.action_post()
        self.push()
        links = self.env['xero.move.link'].search([('move_id', 'in', moves.ids)])
        self.assertEqual(set(links.mapped('sync_state')), {'synced'})
        self.run_poll_cron()  # the poll before: nothing to register

        # 2,500 payments made in Xero over several seconds: five parts of each invoice.
        payments = []
        for link in links:
            total = link.move_id.amount_total
            part = round(total / self.PAYMENTS_PER_INVOICE, 2)
            rest = round(total - part * (self.PAYMENTS_PER_INVOICE - 1), 2)
            amounts = [part] * (self.PAYMENTS_PER_INVOICE - 1) + [rest]
            payments += [{'Invoice': {'InvoiceID': link.xero_id}, 'Account': {'Code': '090'}, 'Amount': amount,
                          'Reference': f'Xero {link.move_id.name} {n}'} for n, amount in enumerate(amounts)]
        token = self.org.token_id._get_access_token()
        headers = {'Authorization': f'Bearer {token}', 'xero-tenant-id': NZ_TENANT_ID, 'Accept': 'application/json'}
        made = []
        for first in range(0, len(payments), 100):
            self.sim.clock.advance(1)
            self.sim.ratelimiter.reset()  # these are not Odoo's calls
            response = requests.put(self.sim.url + '/api.xro/2.0/Payments', headers=headers, timeout=120,
                                    json={'Payments': payments[first:first + 100]})
            response.raise_for_status()
            made += [p['PaymentID'].lower() for p in response.json()['Payments']]
        self.assertEqual(len(set(made)), 2500)
        self.sim.ratelimiter.reset()

        cron = self.env.ref('xero_integration.ir_cron_xero_poll')
        Link = self.env['xero.payment.link']
        runs, registered = 0, -1
        while True:
            triggered = self.run_poll_cron()
            count = Link.search_count([('from_xero', '=', True), ('move_id', 'in', moves.ids)])
            if count == registered and not triggered:
                break
            registered, runs = count, runs + 1
            self.assertLess(runs, 60, 'the polls make progress')
        self.assertEqual(cron.failure_count, 0, 'no cron run failed or was killed')
        self.assertTrue(cron.active)
        pulled = self.env['xero.payment.link'].search([('from_xero', '=', True), ('move_id', 'in', moves.ids)])
        self.assertEqual(len(pulled), 2500, 'all registered by the polls alone')
        self.assertEqual({x.lower() for x in pulled.mapped('xero_id')}, set(made), 'each Xero payment once')
        self.assertEqual(len(pulled.payment_id), 2500, 'one Odoo payment each, none twice')
        self.assertEqual(set(pulled.payment_id.mapped('state')) - {'in_process', 'paid'}, set())
        self.assertBooksAgree(moves)
        self.assertEqual(set(moves.mapped('payment_state')) - {'paid', 'in_payment'}, set())
