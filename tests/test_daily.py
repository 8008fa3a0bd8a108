from datetime import timedelta

from odoo import fields
from odoo.tests import freeze_time, new_test_user
from odoo.tools import mute_logger

from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .sync_common import CONTACTS, ENGINE_LOGGER, INVOICES, SyncCase


class TestAutoSync(SyncCase):

    def test_invoices_switch(self):
        self.org.auto_sync_invoices = False
        move = self.make_move()
        self.push()
        self.assertEqual(self.link(move).sync_state, 'pending', 'switch off: it waits for a user')
        self.assertEqual(self.calls(INVOICES), 0)
        move.action_xero_sync()
        self.push()
        self.assertEqual(self.link(move).sync_state, 'synced', 'a user asked: it goes')

    def test_contacts_switch_on_the_pull(self):
        self.org.auto_sync_contacts = False
        cron = self.env.ref('xero_integration.ir_cron_xero_pull')
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertFalse([r for r in self.sim.requests if r.endpoint == CONTACTS], 'no pull with the switch off')
        self.org.action_sync_now()
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertTrue([r for r in self.sim.requests if r.endpoint == CONTACTS], 'Sync now pulls anyway')

    def test_payments_switch(self):
        self.org.auto_sync_payments = False
        move = self.make_move()
        self.push()
        bank = self.env['account.journal'].search([('company_id', '=', self.env.company.id), ('type', '=', 'bank')], limit=1)
        self.env['xero.journal.mapping'].search([('journal_id', '=', bank.id)]).unlink()
        self.env['xero.journal.mapping'].create({'organisation_id': self.org.id, 'journal_id': bank.id,
                                                 'xero_account_id': self.xero_account(self.org, '090').id})
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=move.ids).create(
            {'journal_id': bank.id})._create_payments()
        self.push()
        link = self.env['xero.payment.link'].search([('move_id', '=', move.id)])
        self.assertEqual(link.sync_state, 'pending')
        self.org.action_sync_now()
        self.push()
        self.assertEqual(link.sync_state, 'synced')

    def test_items_switch(self):
        self.org.sync_items = True
        product = self.env['product.product'].create({'name': 'Auto widget', 'default_code': 'AUTO-1'})
        crons = self.env.ref('xero_integration.ir_cron_xero_queue_items') | self.env.ref('xero_integration.ir_cron_xero_push')
        with self.enter_registry_test_mode():
            for cron in crons:
                cron.method_direct_trigger()
        self.assertFalse(product.id in self.org.product_link_ids.product_id.ids, 'auto items off: nothing')
        self.org.auto_sync_items = True
        with self.enter_registry_test_mode():
            for cron in crons:
                cron.method_direct_trigger()
        link = self.org.product_link_ids.filtered(lambda l: l.product_id == product)
        self.assertEqual(link.sync_state, 'synced')

    def test_switches_on_several_organisations_at_once(self):
        au = self.connect_organisations(tenants=[AU_TENANT_ID])
        (self.org | au).write({'auto_sync_items': True, 'auto_sync_bank_feed': True})
        self.assertTrue(all((self.org | au).mapped('auto_sync_items')))


class TestSyncLog(SyncCase):

    @mute_logger(ENGINE_LOGGER)
    def test_log_counts_a_run_with_failures(self):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today() - timedelta(days=30))
        self.make_move()
        self.make_move()
        bad = self.make_move(invoice_date=fields.Date.today() - timedelta(days=40))
        self.push()
        log = self.env['xero.sync.log'].search([('organisation_id', '=', self.org.id), ('kind', '=', 'invoices')])
        self.assertEqual(len(log), 1, 'one row per run and kind')
        self.assertRecordValues(log, [{'direction': 'push', 'sent': 3, 'created': 2, 'failed': 1}])
        self.assertGreaterEqual(log.calls, 1)
        self.assertIn(bad.name, log.errors)
        self.assertIn('lock date', log.errors)
        contacts = self.env['xero.sync.log'].search([('organisation_id', '=', self.org.id), ('kind', '=', 'contacts')])
        self.assertEqual(contacts.created, 1)

    @mute_logger(ENGINE_LOGGER)
    def test_error_list_retry_and_retry_all(self):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        moves = self.make_move() | self.make_move() | self.make_move()
        self.push()
        errors = self.env['xero.sync.error'].search([('organisation_id', '=', self.org.id)])
        self.assertEqual(len(errors), 3)
        self.assertEqual(set(errors.mapped('kind')), {'invoices'})
        self.assertIn('lock date', errors[0].last_error)
        self.assertIn(errors[0].record_name, moves.mapped('name'))
        self.sim.set_lock_dates(NZ_TENANT_ID, period=None)
        errors[0].action_retry()
        self.push()
        self.assertEqual(self.env['xero.sync.error'].search_count([('organisation_id', '=', self.org.id)]), 2)
        self.env['xero.sync.error'].search([('organisation_id', '=', self.org.id)]).action_retry()
        self.push()
        self.assertFalse(self.env['xero.sync.error'].search([('organisation_id', '=', self.org.id)]))
        self.assertEqual({self.link(m).sync_state for m in moves}, {'synced'})

    def test_old_log_rows_are_pruned(self):
        Log = self.env['xero.sync.log']
        old = Log.create({'organisation_id': self.org.id, 'kind': 'invoices', 'direction': 'push', 'sent': 1,
                          'start_date': fields.Datetime.now() - timedelta(days=91)})
        recent = Log.create({'organisation_id': self.org.id, 'kind': 'invoices', 'direction': 'push', 'sent': 1,
                             'start_date': fields.Datetime.now() - timedelta(days=89)})
        Log._cron_prune()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())


class TestFailureEmails(SyncCase):

    def digests(self):
        return self.env['mail.mail'].search([('subject', 'like', 'could not sync')])

    @mute_logger(ENGINE_LOGGER)
    def test_digest_once_for_many_failures_then_again_after_the_hour(self):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        for _n in range(4):
            self.make_move()
        self.push()
        self.env['xero.organisation.health']._cron_failure_digest()
        self.env['xero.organisation.health']._cron_failure_digest()
        self.assertEqual(len(self.digests()), 1, 'a digest, not a storm')
        self.assertIn('lock date', self.digests().body_html)
        self.assertTrue(any('Failure digest sent' in (m.body or '') for m in self.org.message_ids), 'chatter trace')
        with freeze_time(fields.Datetime.now() + timedelta(minutes=30)), self.enter_registry_test_mode():
            self.make_move()
            self.push()
            self.env['xero.organisation.health']._cron_failure_digest()
        self.assertEqual(len(self.digests()), 1, 'not within the hour')
        with freeze_time(fields.Datetime.now() + timedelta(minutes=61)):
            self.env['xero.organisation.health']._cron_failure_digest()
        self.assertEqual(len(self.digests()), 2)

    @mute_logger(ENGINE_LOGGER, 'odoo.addons.xero_integration.models.xero_token')
    def test_connection_loss_email_goes_at_once(self):
        self.sim.invalidate_refresh_tokens()
        self.org.sudo().token_id.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.make_move()
        with self.enter_registry_test_mode():
            self.push()
        self.assertEqual(self.org.state, 'needs_reconnect')
        self.assertTrue(self.env['mail.mail'].search([('subject', 'like', f'reconnect {self.org.name}')]))


class TestInactivity(SyncCase):

    def mails(self, text):
        return self.env['mail.mail'].search([('subject', 'like', text)])

    def test_warning_then_disconnect_on_a_frozen_clock(self):
        move = self.make_move()
        self.push()
        start = fields.Datetime.now()
        with freeze_time(start + timedelta(days=54)):
            self.env['xero.organisation.health']._cron_inactivity()
            self.assertEqual(self.org.state, 'connected')
            self.assertTrue(self.mails('will be disconnected on'), '7 days before: a warning')
            self.assertTrue(self.org.activity_ids, 'and an activity')
        with freeze_time(start + timedelta(days=61)), mute_logger('odoo.addons.xero_integration.models.xero_health'):
            self.env['xero.organisation.health']._cron_inactivity()
        self.assertEqual(self.org.state, 'inactive')
        self.assertTrue(self.mails('was disconnected after a period without syncing'))
        self.assertTrue(self.link(move).xero_id, 'every link is kept')
        # Reconnecting resumes where it stopped, with no duplicates.
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.assertEqual(org, self.org)
        self.assertEqual(org.state, 'connected')
        move.ref = 'after reconnect'
        self.push()
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)

    def test_activity_resets_the_clock(self):
        self.make_move()
        self.push()
        start = fields.Datetime.now()
        with freeze_time(start + timedelta(days=50)), self.enter_registry_test_mode():
            self.make_move()
            self.push()  # something sent: activity (the token is refreshed in the test's transaction)
        with freeze_time(start + timedelta(days=61)):
            self.env['xero.organisation.health']._cron_inactivity()
        self.assertEqual(self.org.state, 'connected')
        self.assertFalse(self.mails('will be disconnected on'))


class TestTwoCompanies(SyncCase):

    def test_no_leak_between_companies(self):
        other = self.env['res.company'].create({'name': 'Second Company Ltd'})
        au = self.connect_organisations(tenants=[AU_TENANT_ID], company=other)
        orgs = self.org | au
        self.assertEqual(len(orgs.company_id), 2)
        self.make_move()
        self.push()
        user = new_test_user(self.env, login='xero_company_a', groups='base.group_user,xero_integration.group_xero_user',
                             company_id=self.env.company.id, company_ids=[self.env.company.id])
        env = self.env(user=user)
        self.assertEqual(env['xero.organisation'].search([]), self.org)
        self.assertFalse(env['xero.move.link'].search([('organisation_id', '=', au.id)]))
        self.assertFalse(env['xero.sync.log'].search([('organisation_id', '=', au.id)]))
        self.assertFalse(env['xero.sync.error'].search([('organisation_id', '=', au.id)]))
        self.assertTrue(env['xero.sync.log'].search([('organisation_id', '=', self.org.id)]))
