"""What comes back from Xero about money: Xero's CurrencyRate and Odoo's lock dates when a
payment made in Xero is registered, documents voided in Xero, and the payment direction of an
organisation. Every test ends by comparing both books."""
from datetime import timedelta

from odoo import fields
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER
from .test_payment_register import RegisterCase


class PullbackCase(RegisterCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The company books in the organisation's base currency (NZD), as a real set-up does:
        # Xero's CurrencyRate is per NZD, and so are Odoo's rates here.
        nzd = cls.env.ref('base.NZD')
        nzd.active = True
        if cls.env.company.currency_id != nzd:
            cls.env.company.currency_id = nzd

    def setUp(self):
        super().setUp()
        self.eur = self.env.ref('base.EUR')
        self.eur.active = True

    def set_eur_rate(self, rate, day=None):
        """Odoo's rate of the day: EUR per NZD, the direction of Xero's CurrencyRate."""
        self.env['res.currency.rate'].create({'name': day or fields.Date.today(), 'rate': rate,
                                              'currency_id': self.eur.id, 'company_id': self.env.company.id})

    def xero_pay_rate(self, move, amount, rate=None, date=None):
        """A payment entered in Xero, at Xero's CurrencyRate when given."""
        values = {'invoice': {'invoice_id': self.link(move).xero_id}, 'account': {'code': '090'},
                  'date': date or fields.Date.today(), 'amount': amount, 'reference': 'Paid in Xero'}
        if rate:
            values['currency_rate'] = rate
        element, = self.org._xero().save('payments', [values], f'test-pay-{move.id}-{amount}-{rate}-{date}')
        self.assertTrue(element.ok, element.errors)
        return element.xero_id

    def writes(self):
        """Writes Odoo sent to Xero so far (every POST, PUT and DELETE the simulator received)."""
        return sum(n for (method, _endpoint, tenant), n in self.sim.counters.calls.items()
                   if method in ('POST', 'PUT', 'DELETE') and tenant == NZ_TENANT_ID)

    def exchange_difference(self, move):
        """Odoo's exchange difference on ``move`` (company currency; a gain is positive)."""
        lines = move.line_ids.filtered(lambda line: line.account_type == 'asset_receivable')
        partials = lines.matched_debit_ids | lines.matched_credit_ids
        company = self.env.company
        gain = 0.0
        for entry in partials.exchange_move_id:
            gain -= sum(entry.line_ids.filtered(
                lambda line: line.account_id in (company.income_currency_exchange_account_id,
                                           company.expense_currency_exchange_account_id)).mapped('balance'))
        return round(gain, 2)

    def assertXeroHoldsEachPaymentOnce(self, moves):
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Payments']), 0)
        for move in moves:
            links = self.env['xero.payment.link'].search([('move_id', '=', move.id), ('xero_id', '!=', False)])
            held = [p['PaymentID'] for p in self.sim_org().payments.values()
                    if p['_doc'][1] == self.link(move).xero_id.lower()]
            self.assertEqual(sorted(x.lower() for x in links.mapped('xero_id')), sorted(held),
                             f'{move.name}: each Xero payment linked once')

    def assertGoneAgree(self, moves):
        """A document voided in Xero and cancelled in Odoo: both books say so, with the same
        amount due."""
        for move in moves:
            doc = self.sim_doc(self.link(move))
            self.assertEqual(move.state, 'cancel')
            self.assertIn(doc['Status'], ('VOIDED', 'DELETED'))
            self.assertAlmostEqual(move.amount_residual, float(doc['AmountDue']), places=2, msg=move.name)
            self.assertNotIn(move.payment_state, ('paid', 'in_payment'))


class TestPullbackCurrencyRate(PullbackCase):

    def test_eur_invoice_paid_in_xero_at_xero_rate(self):
        self.assertEqual(self.env.company.currency_id.name, self.org.base_currency)
        self.set_eur_rate(0.5)
        move = self.make_move(currency_id=self.eur.id)  # 115 EUR = 230 NZD at 0.5
        self.push()
        self.assertAlmostEqual(float(self.sim_doc(self.link(move))['CurrencyRate']), 0.5, places=6)
        self.assertAlmostEqual(move.amount_total_signed, 230.0, places=2)
        xero_id = self.xero_pay_rate(move, 115.0, rate=0.4)
        pulled = {p['xero_id']: p for p in self.pulled()}
        self.assertEqual(pulled[xero_id]['currency_rate'], 0.4, "Xero's rate, as the poll reads it")
        self.poll()
        payment = self.env['xero.payment.link'].search([('xero_id', '=', xero_id)]).payment_id
        self.assertEqual((payment.currency_id, payment.amount), (self.eur, 115.0))
        liquidity = payment.move_id.line_ids.filtered(lambda line: line.account_id == payment.outstanding_account_id)
        self.assertAlmostEqual(liquidity.balance, 287.5, places=2, msg='115 EUR at 0.4 (not at Odoo\'s 0.5)')
        # Xero: 115 / 0.4 - 115 / 0.5 = 57.50 of exchange gain; Odoo books the same.
        self.assertAlmostEqual(self.exchange_difference(move), round(115 / 0.4 - 115 / 0.5, 2), places=2)
        self.assertIn(move.payment_state, ('paid', 'in_payment'))
        self.assertBooksAgree(move)
        self.assertXeroHoldsEachPaymentOnce(move)

    def test_two_parts_at_two_rates_and_a_bill(self):
        self.set_eur_rate(0.5)
        invoice = self.make_move(currency_id=self.eur.id)
        bill = self.make_move('in_invoice', currency_id=self.eur.id)
        self.push()
        first = self.xero_pay_rate(invoice, 50.0, rate=0.4)
        second = self.xero_pay_rate(invoice, 65.0, rate=0.625)
        on_bill = self.xero_pay_rate(bill, 115.0, rate=0.46)
        self.poll()
        links = self.env['xero.payment.link'].search([('xero_id', 'in', [first, second, on_bill])])
        self.assertEqual(len(links), 3)
        balance = {link.xero_id: abs(link.payment_id.move_id.line_ids.filtered(
            lambda line, p=link.payment_id: line.account_id == p.outstanding_account_id).balance) for link in links}
        self.assertAlmostEqual(balance[first], 125.0, places=2)
        self.assertAlmostEqual(balance[second], 104.0, places=2)
        self.assertAlmostEqual(balance[on_bill], 250.0, places=2)
        # Xero's gain and loss on the invoice: +25.00 on the first part, -26.00 on the second.
        xero_difference = round((50 / 0.4 - 50 / 0.5) + (65 / 0.625 - 65 / 0.5), 2)
        self.assertAlmostEqual(self.exchange_difference(invoice), xero_difference, places=2)
        self.assertAlmostEqual(xero_difference, -1.0, places=2)
        # The bill: 250.00 paid for 230.00 owed, a loss of 20.00 in both books.
        payable = bill.line_ids.filtered(lambda line: line.account_type == 'liability_payable')
        company = self.env.company
        loss = sum((payable.matched_debit_ids | payable.matched_credit_ids).exchange_move_id.line_ids.filtered(
            lambda line: line.account_id == company.expense_currency_exchange_account_id).mapped('balance'))
        self.assertAlmostEqual(loss, round(115 / 0.46 - 115 / 0.5, 2), places=2)
        self.assertBooksAgree(invoice | bill)
        self.assertXeroHoldsEachPaymentOnce(invoice | bill)

    def test_base_currency_invoice_keeps_its_amount(self):
        move = self.make_move()
        self.push()
        xero_id = self.xero_pay_rate(move, 40.0)
        self.poll()
        payment = self.env['xero.payment.link'].search([('xero_id', '=', xero_id)]).payment_id
        self.assertAlmostEqual(payment.move_id.amount_total_signed, 40.0, places=2)
        self.assertFalse(self.exchange_difference(move))
        self.assertBooksAgree(move)
        self.assertXeroHoldsEachPaymentOnce(move)


class TestPullbackLockDate(PullbackCase):

    def test_payment_in_a_locked_period_is_registered_after_it_and_says_so(self):
        today = fields.Date.today()
        move = self.make_move(invoice_date=today - timedelta(days=60))
        self.push()
        lock = today - timedelta(days=20)
        self.env.company.fiscalyear_lock_date = lock
        paid_on = today - timedelta(days=40)
        xero_id = self.xero_pay_rate(move, move.amount_total, date=paid_on)
        self.poll()
        link = self.env['xero.payment.link'].search([('xero_id', '=', xero_id)])
        entry = link.payment_id.move_id
        self.assertEqual(link.date, paid_on, "the link keeps Xero's date")
        self.assertGreater(entry.date, lock, 'the entry is where Odoo allows, after the lock date')
        self.assertEqual(entry.state, 'posted')
        odoo_date, xero_date = (fields.Date.to_string(d) for d in (entry.date, paid_on))
        for record in (move, link.payment_id):
            notes = record.message_ids.filtered(lambda m: 'a date Odoo has locked' in (m.body or ''))
            self.assertEqual(len(notes), 1, record.display_name)
            body = notes.body
            self.assertTrue(any(d in body for d in (xero_date, paid_on.strftime('%m/%d/%Y'))), body)
            self.assertTrue(any(d in body for d in (odoo_date, entry.date.strftime('%m/%d/%Y'))), body)
        # An unlocked payment gets no such note.
        other = self.make_move()
        self.push()
        self.xero_pay_rate(other, 10.0)
        self.poll()
        self.assertFalse(other.message_ids.filtered(lambda m: 'a date Odoo has locked' in (m.body or '')))
        self.assertBooksAgree(move | other)
        self.assertXeroHoldsEachPaymentOnce(move | other)


class TestPullbackVoided(PullbackCase):

    def void_in_xero(self, move):
        link = self.link(move)
        self.org._xero().save('invoices', [{'invoice_id': link.xero_id, 'status': 'VOIDED'}],
                              f'test-void-{move.id}')
        self.assertEqual(self.sim_doc(link)['Status'], 'VOIDED')

    def test_default_review_list_with_a_payment_in_odoo(self):
        self.assertEqual(self.org.gone_policy, 'review', 'the default')
        move = self.make_move()
        self.push()
        payment = self.pay(move, amount=40.0)
        self.push()
        sent = self.payment_links(move)
        self.assertEqual(sent.sync_state, 'synced')
        # In Xero: the payment is deleted (Xero voids only documents with no payment), then the invoice.
        self.org._xero().delete_payment(sent.xero_id, 'test-delete')
        self.void_in_xero(move)
        writes = self.writes()
        self.poll()
        self.assertEqual(self.writes(), writes, 'nothing sent back to Xero')
        self.assertEqual(move.state, 'posted', 'left as it is in Odoo')
        self.assertEqual(move.payment_state, 'partial')
        review = self.env['xero.review'].search([('xero_id', '=', self.link(move).xero_id)])
        self.assertEqual(review.state, 'open')
        self.assertIn('VOIDED in Xero', review.reason)
        self.assertIn('posted in Odoo', review.reason)
        self.assertIn('paid', review.reason)
        self.assertTrue(move.message_ids.filtered(lambda m: 'VOIDED in Xero' in (m.body or '')))
        payment_review = self.env['xero.review'].search([('xero_id', '=', sent.xero_id)])
        self.assertIn('deleted in Xero', payment_review.reason, 'the payment too')
        # Retry while it is still open in Odoo: it stays on the list; the same poll again: no new note.
        review.action_retry()
        self.assertEqual(review.state, 'open')
        notes = len(move.message_ids)
        self.poll()
        self.assertEqual(len(move.message_ids), notes)
        # The accountant decides: cancel in Odoo (the organisation's choice changed, then Retry).
        self.org.gone_policy = 'cancel'
        review.action_retry()
        self.assertEqual(review.state, 'done')
        self.assertEqual(move.state, 'cancel')
        receivable = payment.move_id.line_ids.filtered(lambda line: line.account_type == 'asset_receivable')
        self.assertFalse(receivable.reconciled,
                         "Odoo's payment is unreconciled, as Odoo's own cancel does")
        self.assertEqual(self.writes(), writes, 'nothing sent back to Xero')
        self.assertGoneAgree(move)
        self.assertEqual(self.sim_payments(), [], 'Xero holds no payment of it')
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Payments']), 0)

    def test_review_then_cancelled_by_hand_in_odoo(self):
        move = self.make_move()
        self.push()
        self.void_in_xero(move)
        self.poll()
        review = self.env['xero.review'].search([('xero_id', '=', self.link(move).xero_id)])
        self.assertEqual(review.state, 'open')
        writes = self.writes()
        move.button_cancel()  # the accountant agrees with Xero
        self.push()
        self.assertEqual(self.writes(), writes, 'void in Xero already: nothing to send')
        self.assertEqual((self.link(move).sync_state, self.link(move).xero_status), ('synced', 'VOIDED'))
        review.action_retry()
        self.assertEqual(review.state, 'done')
        self.assertGoneAgree(move)
        self.assertXeroHoldsEachPaymentOnce(move)

    def test_cancel_with_a_payment_made_in_xero(self):
        self.org.gone_policy = 'cancel'
        move, untouched = self.make_move(), self.make_move()
        self.push()
        xero_id = self.xero_pay_rate(move, 40.0)
        self.poll()
        link = self.env['xero.payment.link'].search([('xero_id', '=', xero_id)])
        self.assertEqual(move.payment_state, 'partial')
        self.org._xero().delete_payment(xero_id, 'test-delete')
        self.void_in_xero(move)
        writes = self.writes()
        self.poll()
        self.assertEqual(self.writes(), writes, 'nothing sent back to Xero')
        self.assertEqual(move.state, 'cancel')
        self.assertEqual(link.payment_id.state, 'canceled', "Xero's deleted payment is reversed in Odoo")
        self.assertTrue(move.message_ids.filtered(lambda m: 'cancelled in Odoo as well' in (m.body or '')))
        self.assertFalse(self.env['xero.review'].search([('organisation_id', '=', self.org.id),
                                                         ('state', '=', 'open')]), 'nothing left to review')
        self.assertEqual(untouched.state, 'posted')
        self.push()
        self.assertEqual(self.writes(), writes, 'the push sends nothing for it either')
        self.assertGoneAgree(move)
        self.assertBooksAgree(untouched)
        self.assertXeroHoldsEachPaymentOnce(move | untouched)

    def test_cancel_a_document_deleted_in_xero(self):
        self.org.write({'gone_policy': 'cancel', 'invoice_status': 'DRAFT'})
        move = self.make_move('in_invoice')
        self.push()
        link = self.link(move)
        self.assertEqual(link.xero_status, 'DRAFT')
        self.org._xero().save('invoices', [{'invoice_id': link.xero_id, 'status': 'DELETED'}],
                              f'test-delete-{move.id}')
        writes = self.writes()
        self.poll()
        self.assertEqual(self.writes(), writes, 'nothing sent back to Xero')
        self.assertEqual((link.xero_status, move.state), ('DELETED', 'cancel'))
        self.assertTrue(move.message_ids.filtered(lambda m: 'DELETED in Xero' in (m.body or '')))
        self.assertGoneAgree(move)
        self.assertXeroHoldsEachPaymentOnce(move)

    @mute_logger(ENGINE_LOGGER)
    def test_cancel_refused_by_odoo_goes_to_the_review_list(self):
        self.org.gone_policy = 'cancel'
        today = fields.Date.today()
        move = self.make_move(invoice_date=today - timedelta(days=60))
        self.push()
        self.env.company.fiscalyear_lock_date = today - timedelta(days=20)
        self.void_in_xero(move)
        self.poll()
        self.assertEqual(move.state, 'posted')
        review = self.env['xero.review'].search([('xero_id', '=', self.link(move).xero_id)])
        self.assertEqual(review.state, 'open')
        self.assertIn('could not cancel', review.reason)
        self.assertEqual(self.link(move).xero_status, 'VOIDED')
        doc = self.sim_doc(self.link(move))
        self.assertAlmostEqual(move.amount_residual, float(doc['AmountDue']), places=2)
        self.assertXeroHoldsEachPaymentOnce(move)


class TestPullbackDirection(PullbackCase):

    def test_choices_on_the_organisation_form(self):
        arch = self.env['xero.organisation'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('name="payment_direction"', arch)
        self.assertIn('name="gone_policy"', arch)
        self.assertEqual((self.org.payment_direction, self.org.gone_policy), ('both', 'review'), 'the defaults')

    def test_xero_to_odoo_only(self):
        self.org.payment_direction = 'xero_to_odoo'
        paid_in_odoo, paid_in_xero = self.make_move(), self.make_move()
        self.push()
        payment = self.pay(paid_in_odoo)
        link = self.payment_links(paid_in_odoo)
        self.assertEqual(link.sync_state, 'skipped')
        self.assertIn('from Xero to Odoo only', link.last_error)
        writes = self.writes()
        self.push()
        link.with_user(self.env.user)._retry()
        self.push()
        self.assertEqual(self.writes(), writes, 'nothing sent, even on Retry')
        self.assertEqual(link.sync_state, 'skipped')
        # The difference is visible: paid in Odoo, open in Xero, and the link says why.
        self.assertIn(paid_in_odoo.payment_state, ('paid', 'in_payment'))
        self.assertEqual(self.sim_doc(self.link(paid_in_odoo))['Status'], 'AUTHORISED')
        # Undone in Odoo: nothing sent either.
        payment.action_draft()
        payment.action_cancel()
        self.push()
        self.assertEqual(self.writes(), writes)
        # The way in works.
        xero_id = self.xero_pay_rate(paid_in_xero, paid_in_xero.amount_total)
        self.poll()
        self.assertTrue(self.env['xero.payment.link'].search([('xero_id', '=', xero_id)]).payment_id)
        self.assertBooksAgree(paid_in_odoo | paid_in_xero)
        self.assertXeroHoldsEachPaymentOnce(paid_in_odoo | paid_in_xero)

    def test_odoo_to_xero_only(self):
        self.org.payment_direction = 'odoo_to_xero'
        paid_in_xero, paid_in_odoo = self.make_move(), self.make_move()
        self.push()
        xero_id = self.xero_pay_rate(paid_in_xero, paid_in_xero.amount_total)
        self.pay(paid_in_odoo)
        self.push()
        self.assertEqual(self.payment_links(paid_in_odoo).sync_state, 'synced', 'the way out works')
        count = self.env['account.payment'].search_count([])
        self.poll()
        self.assertEqual(self.env['account.payment'].search_count([]), count, 'nothing registered')
        self.assertEqual(paid_in_xero.payment_state, 'not_paid')
        review = self.env['xero.review'].search([('xero_id', '=', xero_id)])
        self.assertEqual((review.state, review.kind), ('open', 'payment'))
        self.assertIn('from Odoo to Xero only', review.reason)
        self.assertEqual(self.sim_doc(self.link(paid_in_xero))['Status'], 'PAID')
        self.assertEqual(self.link(paid_in_xero).xero_status, 'PAID', "the document's Xero status shows it")
        # Retry while the choice stands: still held.
        review.action_retry()
        self.assertEqual(review.state, 'open')
        # Both ways again: Retry registers it.
        self.org.payment_direction = 'both'
        review.action_retry()
        self.assertEqual(review.state, 'done')
        self.assertIn(paid_in_xero.payment_state, ('paid', 'in_payment'))
        self.assertBooksAgree(paid_in_xero | paid_in_odoo)
        self.assertXeroHoldsEachPaymentOnce(paid_in_xero | paid_in_odoo)
