import base64
import hashlib
import hmac
import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, freeze_time, tagged
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from ..xero_sim.webhooks import sign
from .sync_common import ENGINE_LOGGER, SyncCase

PAYMENTS = '/api.xro/2.0/Payments'


class PaymentCase(SyncCase):

    def setUp(self):
        super().setUp()
        self.bank = self.env['account.journal'].search([*self.env['account.journal']._check_company_domain(self.env.company),
                                                        ('type', '=', 'bank')], limit=1)
        mapping = self.org.journal_mapping_ids.filtered(lambda m: m.journal_id == self.bank)
        values = {'xero_account_id': self.xero_account(self.org, '090').id}
        mapping.write(values) if mapping else self.env['xero.journal.mapping'].create(
            dict(values, organisation_id=self.org.id, journal_id=self.bank.id))

    def pay(self, moves, amount=None, **values):
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=moves.ids).create(dict(
                {'journal_id': self.bank.id, 'payment_date': fields.Date.today()},
                **({'amount': amount, 'payment_difference_handling': 'open'} if amount else {}), **values))
        return wizard._create_payments()

    def sim_org(self):
        return self.sim.organisation(NZ_TENANT_ID)

    def sim_payments(self, status='AUTHORISED'):
        return [p for p in self.sim_org().payments.values() if p['Status'] == status]

    def poll(self):
        self.env['xero.document.pull'].with_context(xero_no_commit=True)._pull(self.org)
        return self.env['xero.payment.pull'].with_context(xero_no_commit=True)._pull(self.org)

    def payment_links(self, moves):
        return self.env['xero.payment.link'].search([('move_id', 'in', moves.ids)])

    def credit_note_allocations(self, moves):
        """The allocation links of these documents (a link model of their own)."""
        return self.env['xero.allocation.link'].search([('move_id', 'in', moves.ids)])

    def xero_pay(self, move, amount):
        """A payment entered in Xero (through the API, as Xero's own screens would)."""
        link = self.link(move)
        element, = self.org._xero().save('payments', [{
                                         'invoice': {'invoice_id': link.xero_id}, 'account': {'code': '090'},
                                         'date': fields.Date.today(), 'amount': amount, 'reference': 'Paid in Xero'}],
                                         f'test-pay-{move.id}-{amount}')
        self.assertTrue(element.ok, element.errors)
        return element


class TestPaymentsToXero(PaymentCase):

    def test_full_and_partial_payments(self):
        full, part = self.make_move(), self.make_move(lines=[(200.0, 1, self.sale15, 0.0)])
        self.push()
        self.pay(full)
        self.pay(part, amount=50.0)
        links = self.payment_links(full | part)
        self.assertEqual(set(links.mapped('sync_state')), {'pending'}, 'queued, no call')
        self.push()
        self.assertEqual(set(links.mapped('sync_state')), {'synced'})
        self.assertEqual(self.sim_doc(self.link(full))['Status'], 'PAID')
        self.assertEqual(float(self.sim_doc(self.link(part))['AmountDue']), part.amount_total - 50.0)
        self.assertEqual(sorted(float(p['Amount']) for p in self.sim_payments()), sorted([full.amount_total, 50.0]))

    @mute_logger(ENGINE_LOGGER)
    def test_overpayment_refused_with_a_clear_message_and_the_rest_lands(self):
        paid_in_xero, other = self.make_move(), self.make_move()
        self.push()
        self.xero_pay(paid_in_xero, 60.0)
        self.pay(paid_in_xero)
        self.pay(other)
        self.push()
        refused = self.payment_links(paid_in_xero).filtered(lambda l: not l.from_xero)
        self.assertEqual(refused.sync_state, 'error')
        self.assertIn('exceeds the amount outstanding', refused.last_error.lower())
        self.assertEqual(self.payment_links(other).sync_state, 'synced', 'the rest of the batch landed')

    def test_one_payment_across_two_invoices(self):
        moves = self.make_move() | self.make_move(lines=[(30.0, 1, self.sale15, 0.0)])
        self.push()
        payment = self.pay(moves, group_payment=True)
        self.assertEqual(len(payment), 1)
        self.push()
        links = self.payment_links(moves)
        self.assertEqual(len(links), 2, 'one Xero payment per invoice')
        self.assertEqual(links.payment_id, payment)
        self.assertEqual(set(links.mapped('sync_state')), {'synced'})
        self.assertEqual({self.sim_doc(self.link(m))['Status'] for m in moves}, {'PAID'})

    def test_foreign_currency_payment(self):
        eur = self.env.ref('base.EUR')
        eur.active = True
        move = self.make_move(currency_id=eur.id)
        self.push()
        self.pay(move, currency_id=eur.id)
        self.push()
        payment, = self.sim_payments()
        self.assertEqual(float(payment['Amount']), move.amount_total)
        self.assertEqual(self.sim_doc(self.link(move))['Status'], 'PAID')

    def test_deleting_a_payment_in_odoo_deletes_it_in_xero(self):
        move = self.make_move()
        self.push()
        payment = self.pay(move)
        self.push()
        link = self.payment_links(move)
        payment.action_draft()
        payment.action_cancel()
        self.assertTrue(link.to_delete)
        self.push()
        self.assertEqual(link.xero_status, 'DELETED')
        self.assertFalse(self.sim_payments(), 'deleted in Xero')
        self.assertEqual(self.sim_doc(self.link(move))['Status'], 'AUTHORISED')

    def test_credit_note_allocation(self):
        invoice = self.make_move()
        refund = self.make_move('out_refund', lines=[(40.0, 1, self.sale15, 0.0)])
        self.push()
        lines = (invoice | refund).line_ids.filtered(lambda l: l.account_id.account_type == 'asset_receivable')
        lines.reconcile()
        link = self.credit_note_allocations(invoice)
        self.assertEqual(link.kind, 'allocations')
        self.push()
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        note = self.sim_doc(self.link(refund))
        self.assertEqual(float(note['Allocations'][0]['Amount']), refund.amount_total)
        self.assertEqual(float(self.sim_doc(self.link(invoice))['AmountDue']),
                         round(invoice.amount_total - refund.amount_total, 2))

    @mute_logger(ENGINE_LOGGER)
    def test_dropped_answer_on_a_payment_batch_no_duplicate_after_the_key_window(self):
        move = self.make_move()
        self.push()
        self.pay(move)
        self.sim.faults.add('drop', method='PUT', path=PAYMENTS, count=1)
        self.push()
        link = self.payment_links(move)
        self.assertEqual(link.sync_state, 'in_flight')
        self.sim.clock.advance(400)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=7)):
            self.push()
        self.assertEqual(link.sync_state, 'synced')
        self.assertEqual(len(self.sim_payments()), 1, '0 duplicates')
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['Payments']), 0)


class TestPaymentsFromXero(PaymentCase):

    def test_payment_made_in_xero_is_registered_and_reconciled(self):
        move = self.make_move()
        self.push()
        element = self.xero_pay(move, move.amount_total)
        self.poll()
        self.assertIn(move.payment_state, ('paid', 'in_payment'))
        link = self.env['xero.payment.link'].search([('xero_id', '=', element.xero_id)])
        self.assertTrue(link.from_xero)
        self.assertEqual(link.payment_id.journal_id, self.bank, 'in the journal mapped to that Xero account')
        self.assertEqual(self.link(move).xero_status, 'PAID', 'PAID mirrored')
        # Deleted in Xero: the Odoo payment it created is reversed.
        self.org._xero().delete_payment(element.xero_id, 'test-delete')
        self.poll()
        self.assertEqual(link.payment_id.state, 'canceled')
        self.assertEqual(move.payment_state, 'not_paid')

    def test_partial_payment_from_xero(self):
        move = self.make_move()
        self.push()
        self.xero_pay(move, 40.0)
        self.poll()
        self.assertEqual(move.payment_state, 'partial')
        self.assertAlmostEqual(move.amount_residual, move.amount_total - 40.0)

    def test_voided_in_xero_is_mirrored(self):
        move = self.make_move()
        self.push()
        link = self.link(move)
        self.org._xero().save('invoices', [{'invoice_id': link.xero_id, 'status': 'VOIDED'}], 'test-void')
        self.poll()
        self.assertEqual(link.xero_status, 'VOIDED')
        self.assertIn('VOIDED', move.xero_status)

    def test_payments_odoo_pushed_do_not_come_back(self):
        move = self.make_move()
        self.push()
        self.pay(move)
        self.push()
        count = self.env['account.payment'].search_count([])
        self.poll()
        self.assertEqual(self.env['account.payment'].search_count([]), count)
        self.assertEqual(len(self.payment_links(move)), 1)

    def test_nightly_pass_catches_what_updated_date_missed(self):
        move = self.make_move()
        self.push()
        self.xero_pay(move, move.amount_total)
        # The poll's watermark is already past this payment (as when Xero did not bump it).
        for kind in ('payments', 'documents'):
            self.env['xero.pull.state']._for(self.org, kind).watermark = fields.Datetime.now() + timedelta(days=1)
        self.env['xero.payment.pull'].with_context(xero_no_commit=True)._reconcile(self.org)
        self.assertIn(move.payment_state, ('paid', 'in_payment'))
        self.assertEqual(self.link(move).xero_status, 'PAID')


@tagged('post_install', '-at_install')
class TestWebhook(PaymentCase, HttpCase):
    KEY = 'webhook-signing-key-for-tests'

    def setUp(self):
        super().setUp()
        settings = self.env['res.config.settings'].create({'xero_webhook_key': self.KEY})
        settings.set_values()

    def post(self, payload, key=None):
        body = json.dumps(payload).encode()
        signature = base64.b64encode(hmac.new((key or self.KEY).encode(), body, hashlib.sha256).digest()).decode()
        return self.url_open('/xero_integration/webhook', data=body,
                             headers={'Content-Type': 'application/json', 'x-xero-signature': signature})

    def event(self, category='INVOICE', tenant=NZ_TENANT_ID, resource='5f0c7b8a-1111-4f7e-9d55-0123456789ab'):
        return {'events': [{'resourceUrl': 'x', 'resourceId': resource, 'eventDateUtc': '2026-11-22T01:00:00.000',
                            'eventType': 'UPDATE', 'eventCategory': category, 'tenantId': tenant,
                            'tenantType': 'ORGANISATION'}],
                'firstEventSequence': 1, 'lastEventSequence': 1, 'entropy': 'x'}

    def test_good_and_bad_signatures(self):
        self.assertEqual(self.post(self.event()).status_code, 200)
        self.assertEqual(self.post(self.event(), key='wrong').status_code, 401)
        response = self.url_open('/xero_integration/webhook', data=b'{}', headers={'Content-Type': 'application/json'})
        self.assertEqual(response.status_code, 401, 'no signature')

    def test_intent_to_receive(self):
        """Xero's check: empty payloads, correctly signed → 200, wrongly signed → 401. The
        simulator builds and signs them; Odoo's test server only takes requests made through
        the test's own HTTP client, so they are posted with it."""
        self.sim.configure_webhooks(self.base_url() + '/xero_integration/webhook', self.KEY)
        for good in (True, False, True, False):
            body = json.dumps(self.sim.webhooks.build_payload([]), separators=(',', ':')).encode()
            signature = sign(self.KEY if good else self.KEY + 'x', body)
            response = self.url_open('/xero_integration/webhook', data=body,
                                     headers={'Content-Type': 'application/json', 'x-xero-signature': signature})
            self.assertEqual(response.status_code, 200 if good else 401)
            self.assertEqual(response.text, '', 'an empty body, as Xero requires')

    def test_same_event_twice_is_stored_once_and_wakes_the_poll(self):
        cron = self.env.ref('xero_integration.ir_cron_xero_poll')
        self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]).unlink()
        self.post(self.event())
        self.post(self.event())
        events = self.env['xero.webhook.event'].search([('tenant_id', '=', NZ_TENANT_ID)])
        self.assertEqual(len(events), 1)
        self.assertEqual(events.organisation_id, self.org)
        self.assertTrue(self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]), 'the poll is woken at once')

    def test_event_for_another_tenant_is_acknowledged_and_ignored(self):
        response = self.post(self.event(tenant='00000000-0000-0000-0000-000000000000'))
        self.assertEqual(response.status_code, 200)
        event = self.env['xero.webhook.event'].search([('tenant_id', '=', '00000000-0000-0000-0000-000000000000')])
        self.assertEqual(event.state, 'ignored')

    def test_webhook_event_then_poll_brings_the_payment(self):
        move = self.make_move()
        self.push()
        link = self.link(move)
        self.xero_pay(move, move.amount_total)
        self.post(self.event(resource=link.xero_id))
        self.env.ref('xero_integration.ir_cron_xero_poll')  # the event woke it; run it as the worker would
        self.poll()
        self.assertIn(move.payment_state, ('paid', 'in_payment'))
