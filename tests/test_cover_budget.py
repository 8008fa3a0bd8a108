"""Xero's call budget as the push meets it: Xero saying no call is left today parks the
organisation before Xero has to refuse anything, Xero's 429s postpone without failing, the resume cron wakes
the push only when a park is lifted, and the form shows the day's calls."""
from datetime import timedelta

from odoo import fields
from odoo.tests import freeze_time

from ..xero_client import RateLimits
from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import CONTACTS, INVOICES, SyncCase

PUSH = 'xero_integration.ir_cron_xero_push'


class TestCoverBudget(SyncCase):

    def setUp(self):
        super().setUp()
        self.push_cron = self.env.ref(PUSH)
        self.clear_triggers()

    def clear_triggers(self):
        self.env['ir.cron.trigger'].search([('cron_id', '=', self.push_cron.id)]).unlink()

    def push_triggers(self):
        return self.env['ir.cron.trigger'].search([('cron_id', '=', self.push_cron.id)])

    def api_requests(self):
        return [r for r in self.sim.requests if r.path.startswith('/api.xro/')]

    def links(self, moves):
        return self.env['xero.move.link'].search([('move_id', 'in', moves.ids)])

    def test_xero_saying_no_call_left_today_parks_before_it_must_refuse(self):
        self.org.invalidate_recordset()
        used_in_xero = 5000 - self.org.calls_left_today  # what Xero's last answer said
        self.sim.set_rate_limits(day=used_in_xero + 1)
        moves = self.make_move() | self.make_move()
        self.push()
        self.assertEqual([r.path for r in self.api_requests()], ['/api.xro/2.0/Contacts'],
                         'Xero said none was left after the contact: the invoices stay home')
        self.assertEqual(self.sim.counters.rate_limited, 0, 'Xero never had to refuse one')
        self.assertEqual(self.link(self.customer).sync_state, 'synced')
        for link in self.links(moves):
            self.assertEqual(link.sync_state, 'pending', 'postponed, not failed')
            self.assertIn('daily limit', link.last_error)
        self.org.invalidate_recordset()
        self.assertEqual(self.org.calls_left_today, 0)
        wake = self.push_triggers()
        self.assertTrue(wake, 'the push is woken again for when the day ends')
        self.assertGreater(max(wake.mapped('call_at')), fields.Datetime.now() + timedelta(hours=23))
        # Pushing again the same day calls nothing.
        self.push()
        self.assertEqual(len(self.api_requests()), 1)

    def test_a_minute_429_postpones_and_wakes_the_push_at_retry_after(self):
        move = self.make_move()
        self.sim.faults.add('rate_limit', path=CONTACTS, method='POST', problem='minute', retry_after=120)
        before = fields.Datetime.now()
        self.push()
        link = self.link(self.customer)
        self.assertEqual(link.sync_state, 'pending')
        self.assertIn('minute', link.last_error)
        self.assertEqual(self.link(move).sync_state, 'pending')
        self.org.invalidate_recordset()
        self.assertFalse(self.org.paused_until, 'a minute limit does not park the organisation')
        wake = self.push_triggers()
        self.assertTrue(wake)
        self.assertGreaterEqual(max(wake.mapped('call_at')), before + timedelta(seconds=119))
        # Until then the governor keeps every call home.
        sent = len(self.api_requests())
        self.push()
        self.assertEqual(len(self.api_requests()), sent)

    def test_a_day_429_parks_and_the_resume_cron_wakes_the_push_once_lifted(self):
        move = self.make_move()
        self.sim.faults.add('rate_limit', path=INVOICES, method='POST', problem='day', retry_after=600)
        self.push()
        self.org.invalidate_recordset()
        self.assertTrue(self.org.paused_until)
        self.assertEqual(self.link(move).sync_state, 'pending')
        self.clear_triggers()
        self.env['xero.sync.engine']._cron_resume()
        self.assertFalse(self.push_triggers(), 'nothing lifted yet: the push is not woken')
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            self.env['xero.sync.engine']._cron_resume()
            self.assertTrue(self.push_triggers(), 'lifted: the push is woken')
            self.org.invalidate_recordset()
            self.assertFalse(self.org.paused_until)
            self.push()
        self.assertInXeroToTheCent(move)

    def test_the_resume_cron_leaves_other_organisations_parked(self):
        au = self.connect_organisations(tenants=[self.sim.organisations[1].tenant_id])
        self.sim.faults.add('rate_limit', path=CONTACTS, method='POST', problem='day', retry_after=600,
                            tenant_id=NZ_TENANT_ID)
        self.make_move()
        self.push()
        au_governor = au._governor()
        with au_governor.call() as slot:  # AU parked for longer, by Xero's answer to one of its calls
            slot.record(429, RateLimits(retry_after=7200, problem='day'))
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            self.env['xero.sync.engine']._cron_resume()
            (self.org | au).invalidate_recordset()
            self.assertFalse(self.org.paused_until)
            self.assertTrue(au.paused_until, 'its day has not reset yet')

    def test_the_form_counts_the_days_calls_as_xero_does(self):
        self.make_move()
        self.push()
        self.org.invalidate_recordset()
        self.assertGreater(self.org.calls_today, 0)
        self.assertEqual(self.org.calls_left_today, 5000 - self.org.calls_today,
                         "Xero's own count of what is left, read from its last answer")
        self.assertTrue(self.org.last_call_date)
