from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import CONTACTS, CREDIT_NOTES, ENGINE_LOGGER, INVOICES, SyncCase


class TestSyncPush(SyncCase):
    """Invoices, bills, credit notes and their contacts on their way to Xero."""

    def test_post_queues_without_calling_xero_then_contact_goes_first(self):
        move = self.make_move()
        link = self.link(move)
        self.assertEqual(link.sync_state, 'pending', 'posting queues the document')
        self.assertTrue(link.idempotency_key, 'its key is made when the change is queued')
        self.assertFalse(self.sim.requests, 'nothing called Xero in the user\'s transaction')
        self.assertTrue(self.env['ir.cron.trigger'].search(
            [('cron_id', '=', self.env.ref('xero_integration.ir_cron_xero_push').id)]), 'the push cron is woken')
        self.push()
        writes = [r.endpoint for r in self.sim.requests if r.method in ('PUT', 'POST')]
        self.assertEqual(writes, [CONTACTS, INVOICES], 'the contact goes before the invoice that needs it')
        doc = self.assertInXeroToTheCent(move)
        self.assertEqual(doc['InvoiceNumber'], move.name)
        self.assertEqual(doc['Status'], 'AUTHORISED')
        self.assertEqual(link.xero_number, move.name)
        self.assertFalse(link.idempotency_key, 'cleared once Xero has answered')
        self.assertEqual(self.link(self.customer).sync_state, 'synced')
        self.assertTrue(any(move.name in (m.body or '') and 'Sent to Xero' in m.body for m in move.message_ids))
        self.assertEqual(move.xero_state, 'synced')

    def test_120_invoices_go_in_3_requests(self):
        moves = self.env['account.move']
        for n in range(120):
            moves |= self.make_move(lines=[(10.0 + n, 1, self.sale15, 0.0)])
        self.push()
        self.assertEqual(self.calls(INVOICES), 3)
        self.assertEqual(self.calls(CONTACTS), 1)
        self.assertEqual(set(self.env['xero.move.link'].search([('move_id', 'in', moves.ids)]).mapped('sync_state')),
                         {'synced'})
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)

    @mute_logger(ENGINE_LOGGER)
    def test_one_invalid_invoice_in_a_batch_then_fixed(self):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today() - timedelta(days=30))
        moves = self.env['account.move']
        for n in range(49):
            moves |= self.make_move(lines=[(10.0 + n, 1, self.sale15, 0.0)])
        bad = self.make_move(invoice_date=fields.Date.today() - timedelta(days=40))
        self.push()
        self.assertEqual(self.calls(INVOICES), 1, 'one request for the 50')
        self.assertEqual(set(self.env['xero.move.link'].search([('move_id', 'in', moves.ids)]).mapped('sync_state')),
                         {'synced'}, 'the 49 others landed')
        link = self.link(bad)
        self.assertEqual(link.sync_state, 'error')
        self.assertIn('period lock date', link.last_error, "Xero's own message, for the accountant")
        self.assertIn('period lock date', bad.xero_error)
        # The accountant fixes the date; the document goes again.
        bad.button_draft()
        bad.invoice_date = fields.Date.today()
        bad.action_post()
        self.assertEqual(link.sync_state, 'pending')
        self.push()
        self.assertInXeroToTheCent(bad)

    @mute_logger(ENGINE_LOGGER)
    def test_dropped_answer_inside_the_key_window_creates_nothing_twice(self):
        move = self.make_move()
        self.push()  # the contact first
        self.sim.faults.add('drop', method='POST', path=INVOICES, count=1)
        move2 = self.make_move()
        self.push()
        link = self.link(move2)
        self.assertEqual(link.sync_state, 'in_flight', 'outcome unknown: Xero may have it')
        self.assertTrue(link.maybe_sent)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=2)):
            self.push()
        self.assertEqual(self.sim.counters.idempotent_replays, 1, 'the same key: Xero replays its answer')
        self.assertInXeroToTheCent(move2)
        self.assertInXeroToTheCent(move)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 2)

    @mute_logger(ENGINE_LOGGER)
    def test_dropped_answer_after_the_key_window_creates_nothing_twice(self):
        """Xero forgets an Idempotency-Key after about 6 minutes: a bill, whose number is not
        unique in Xero, must be found by contact, number, date and total, not re-sent."""
        self.sim.faults.add('drop', method='POST', path=INVOICES, count=1)
        bill = self.make_move('in_invoice')
        self.push()
        link = self.link(bill)
        self.assertEqual(link.sync_state, 'in_flight')
        self.sim.clock.advance(400)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=7)):
            self.push()
        self.assertInXeroToTheCent(bill)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)
        self.assertEqual(self.calls(INVOICES), 1, 'found by a look-up, never sent again')

    @mute_logger(ENGINE_LOGGER)
    def test_429_burst_is_waited_out_and_nothing_fails(self):
        moves = self.make_move() | self.make_move()
        self.sim.faults.add('rate_limit', path=INVOICES, method='POST', problem='minute', retry_after=20, count=2)
        self.push()
        links = self.env['xero.move.link'].search([('move_id', 'in', moves.ids)])
        self.assertEqual(set(links.mapped('sync_state')), {'pending'}, 'postponed, not failed')
        self.assertTrue(self.env['ir.cron.trigger'].search([
            ('cron_id', '=', self.env.ref('xero_integration.ir_cron_xero_push').id),
            ('call_at', '>', fields.Datetime.now())]), 'the push wakes itself for after the wait')
        for minutes in (1, 2):
            with freeze_time(fields.Datetime.now() + timedelta(minutes=minutes)):
                self.push()
        self.assertEqual(set(links.mapped('sync_state')), {'synced'})
        self.assertFalse(links.filtered(lambda l: l.sync_state == 'error'))

    @mute_logger(ENGINE_LOGGER)
    def test_daily_limit_parks_then_resumes(self):
        move = self.make_move()
        # Xero's Retry-After says when the day resets (kept short here: the test's access token
        # must stay valid across the frozen clock).
        self.sim.faults.add('rate_limit', path=CONTACTS, method='POST', problem='day', retry_after=600, count=1)
        self.push()
        self.org.invalidate_recordset()
        self.assertTrue(self.org.paused_until, 'the form says until when')
        self.assertEqual(self.link(move).sync_state, 'pending')
        calls = len(self.sim.requests)
        self.push()
        self.assertEqual(len(self.sim.requests), calls, 'parked: no call at all')
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            self.env['xero.sync.engine']._cron_resume()
            self.push()
        self.assertInXeroToTheCent(move)

    def test_contact_name_clash_same_party_links_to_it(self):
        twin = self.env['res.partner'].create({'name': 'Bayside Club', 'email': 'BOB.partridge@bayside.example'})
        move = self.make_move(partner=twin)
        self.push()
        link = self.link(twin)
        bayside = next(c for c in self.sim.organisation(NZ_TENANT_ID).contacts.values() if c['Name'] == 'Bayside Club')
        self.assertEqual(link.xero_id, bayside['ContactID'])
        self.assertInXeroToTheCent(move)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Contacts'), 0)

    def test_contact_name_clash_other_party_gets_its_own_name(self):
        other = self.env['res.partner'].create({'name': 'Bayside Club', 'email': 'someone@else.example',
                                                'ref': 'BC2'})
        move = self.make_move(partner=other)
        self.push()
        link = self.link(other)
        self.assertEqual(link.sync_state, 'synced')
        contact = self.sim.organisation(NZ_TENANT_ID).contacts[link.xero_id.lower()]
        self.assertEqual(contact['Name'], 'Bayside Club (BC2)')
        self.assertTrue(any('Bayside Club (BC2)' in (m.body or '') for m in other.message_ids))
        self.assertInXeroToTheCent(move)

    def test_taxes_discounts_currency_and_credit_notes_to_the_cent(self):
        eur = self.env.ref('base.EUR')
        eur.active = True
        moves = [
            self.make_move(lines=[(99.99, 3, self.included, 0.0), (10.01, 7, self.included, 0.0)]),
            self.make_move(lines=[(100.03, 1, self.levy_group, 0.0), (33.33, 3, self.levy_group, 0.0)]),
            self.make_move(lines=[(49.95, 2, self.included, 0.0), (19.99, 3, self.sale15, 0.0)]),
            self.make_move(lines=[(80.0, 3, self.sale15, 12.5), (15.55, 1, self.sale15, 7.0)]),
            self.make_move('in_invoice', lines=[(80.0, 3, self.purchase15, 12.5), (9.99, 7, self.purchase15, 3.0)]),
            self.make_move(lines=[(250.0, 1, self.sale15, 0.0)], currency_id=eur.id),
            self.make_move('out_refund', lines=[(40.0, 2, self.sale15, 0.0)]),
            self.make_move('in_refund', lines=[(12.34, 5, self.purchase15, 0.0)]),
        ]
        self.push()
        for move in moves:
            doc = self.assertInXeroToTheCent(move)
            self.assertEqual(doc['CurrencyCode'], move.currency_id.name)
        self.assertEqual(self.calls(CREDIT_NOTES), 1)

    def test_company_that_rounds_globally_has_no_drift(self):
        self.env.company.tax_calculation_rounding_method = 'round_globally'
        move = self.make_move(lines=[(25.06, 1, self.sale15, 0.0), (25.61, 1, self.sale15, 0.0),
                                     (25.63, 1, self.sale15, 0.0)])
        self.assertAlmostEqual(move.amount_tax, 11.45, places=2, msg='Odoo rounds the total tax')
        self.push()
        doc = self.assertInXeroToTheCent(move)
        self.assertEqual(str(doc['TotalTax']), '11.45')

    def test_cancel_voids_an_approved_invoice(self):
        move = self.make_move()
        self.push()
        move.button_draft()
        move.button_cancel()
        self.assertEqual(self.link(move).sync_state, 'pending')
        self.push()
        self.assertEqual(self.sim_doc(self.link(move))['Status'], 'VOIDED')
        self.assertEqual(self.link(move).xero_status, 'VOIDED')

    def test_cancel_deletes_a_draft_invoice(self):
        self.org.invoice_status = 'DRAFT'
        move = self.make_move()
        self.push()
        self.assertEqual(self.sim_doc(self.link(move))['Status'], 'DRAFT')
        move.button_draft()
        move.button_cancel()
        self.push()
        self.assertEqual(self.link(move).xero_status, 'DELETED')

    def test_refused_cancel_says_why(self):
        move = self.make_move()
        self.push()
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        move.button_draft()
        move.button_cancel()
        self.push()
        self.assertEqual(self.link(move).sync_state, 'error')
        self.assertIn('lock date', self.link(move).last_error)

    def test_sync_now_and_list_action_make_no_call(self):
        moves = self.make_move() | self.make_move()
        self.push()
        del self.sim.requests[:]
        self.sim.counters.reset()
        user = new_test_user(self.env, login='xero_sync_user',
                             groups='account.group_account_invoice,xero_integration.group_xero_user')
        action = moves[0].with_user(user).action_xero_sync()
        self.assertEqual(action['params']['type'], 'info')
        self.assertEqual(self.link(moves[0]).sync_state, 'pending')
        list_action = self.env.ref('xero_integration.action_account_move_xero_sync')
        list_action.with_user(user).with_context(active_model='account.move', active_ids=moves.ids).run()
        self.assertEqual(self.link(moves[1]).sync_state, 'pending')
        self.assertFalse(self.sim.requests, 'no Xero call in the user\'s transaction')
        self.push()
        self.assertEqual(self.calls(INVOICES), 0, 'unchanged since Xero took them: nothing to send')

    def test_plain_user_cannot_write_link_internals(self):
        move = self.make_move()
        link = self.link(move)
        user = new_test_user(self.env, login='xero_plain', groups='base.group_user,xero_integration.group_xero_user')
        for values in ({'xero_id': 'x'}, {'pushed_hash': 'x'}, {'sync_state': 'synced'}):
            with self.assertRaises(AccessError):
                link.with_user(user).write(values)
        with self.assertRaises(AccessError):
            self.env['xero.move.link'].with_user(user).create({'move_id': move.id, 'organisation_id': self.org.id})

    def test_synced_document_cannot_be_deleted(self):
        move = self.make_move()
        self.push()
        with self.assertRaisesRegex(UserError, 'is in Xero'):
            move.with_context(force_delete=True).unlink()
        with self.assertRaisesRegex(UserError, 'archive it instead'):
            self.customer.unlink()

    def test_changed_synced_field_sends_an_update(self):
        move = self.make_move()
        self.push()
        move.ref = 'PO-7'
        self.assertEqual(self.link(move).sync_state, 'pending')
        self.push()
        self.assertEqual(self.sim_doc(self.link(move))['Reference'], 'PO-7')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)

    def test_routing_with_two_organisations_goes_by_journal(self):
        au = self.connect_organisations(tenants=[self.sim.organisation('Demo Company (AU)').tenant_id])
        move = self.make_move()
        self.assertFalse(self.link(move), 'two organisations and no journal choice: not sent')
        self.assertIn('several Xero organisations', move.xero_error)
        move.journal_id.xero_organisation_id = au
        move.button_draft()
        move.action_post()
        links = self.env['xero.move.link'].search([('move_id', '=', move.id)])
        self.assertEqual(links.organisation_id, au, 'one document, one organisation')


class TestCallBookkeeping(SyncCase):
    """Repairs: a call never writes the organisation row; one client per job."""

    def test_call_writes_no_organisation_row(self):
        Org = type(self.org)
        with patch.object(Org, 'write', autospec=True, side_effect=Org.write) as write:
            self.org._xero().organisation()
        self.assertFalse(write.called, 'volatile state lives in xero.organisation.runtime')
        self.org.invalidate_recordset()
        self.assertTrue(self.org.last_call_date)
        self.assertGreaterEqual(self.org.calls_today, 1)

    def test_one_client_per_job(self):
        self.assertIs(self.org._api(), self.org._api())


class TestSyncStops(SyncCase):
    """What stops a run: a lost authorisation stops it once, with a clear status."""

    @mute_logger(ENGINE_LOGGER, 'odoo.addons.xero_integration.models.xero_token')
    def test_lost_authorisation_stops_the_run_without_looping(self):
        move = self.make_move()
        self.sim.invalidate_refresh_tokens()
        self.sim.expire_access_tokens()
        self.org.sudo().token_id.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        # The refresh runs in a transaction of its own: in test mode it shares the test's.
        with self.enter_registry_test_mode():
            self.push()
        self.assertEqual(self.org.state, 'needs_reconnect')
        self.assertEqual(self.link(move).sync_state, 'pending', 'kept for after the reconnection')
        self.assertLessEqual(self.token_calls(), 2, 'one refresh attempt, no loop')
        calls = len(self.sim.requests)
        self.push()
        self.assertEqual(len(self.sim.requests), calls, 'a disconnected organisation is not called again')


class TestRoundingLine(SyncCase):

    def test_untaxed_total_a_cent_off_the_sum_of_lines_gets_a_rounding_line(self):
        """Odoo rounding globally can make the untaxed total differ from the sum of the rounded
        line subtotals, which is what Xero adds up: a rounding line carries the cent."""
        self.env.company.tax_calculation_rounding_method = 'round_globally'
        found = None
        for price in (1.005, 2.335, 0.125, 10.045, 3.015, 7.125, 0.335):
            move = self.make_move(lines=[(price, 1, self.sale15, 0.0)] * 3, post=False)
            if round(sum(move.invoice_line_ids.mapped('price_subtotal')), 2) != round(move.amount_untaxed, 2):
                found = move
                break
            move.unlink()
        self.assertTrue(found, 'a document whose untaxed total is not the sum of its lines')
        found.action_post()
        self.push()
        doc = self.assertInXeroToTheCent(found)
        self.assertAlmostEqual(float(doc['SubTotal']), found.amount_untaxed, places=2)
        rounding = [line for line in doc['LineItems'] if line.get('Description') == 'Rounding']
        self.assertEqual(len(rounding), 1)
        self.assertEqual(rounding[0]['AccountCode'], self.org.xero_rounding_account_id.code)
