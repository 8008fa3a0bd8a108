from datetime import timedelta

from odoo import Command, SUPERUSER_ID, api, fields
from odoo.tests import freeze_time
from odoo.modules.registry import DummyRLock, Registry
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from . import test_sync_workers
from .common import XeroTransactionCase
from .sync_common import ENGINE_LOGGER, INVOICES

INVOICE_COUNT = 260
WORKERS = 5


class TestPushPool(XeroTransactionCase):
    """The push cron's pool: several workers of one run push one organisation, each in its own
    real transaction. Needs committed data, as ``TestTwoWorkers``, whose set-up and clean-up
    it shares."""
    configure_hosts_in_test_transaction = False

    _committed_setup = test_sync_workers.TestTwoWorkers._committed_setup
    _disconnect = test_sync_workers.TestTwoWorkers._disconnect

    def setUp(self):
        super().setUp()
        # The test runner holds the registry lock, which the workers' environments need.
        self.patch(Registry, '_lock', DummyRLock())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.org_id = self._committed_setup(env)
            org = env['xero.organisation'].browse(self.org_id)
            # More than the shared set-up's 60: enough batches for every worker to have some.
            line = env['account.move'].search([('company_id', '=', org.company_id.id),
                                               ('move_type', '=', 'out_invoice')], limit=1).invoice_line_ids[:1]
            env['account.move'].with_company(org.company_id).create([{
                'move_type': 'out_invoice', 'partner_id': line.move_id.partner_id.id,
                'company_id': org.company_id.id,
                'invoice_line_ids': [Command.create({'name': 'More work', 'price_unit': 5 + n,
                                                     'account_id': line.account_id.id,
                                                     'tax_ids': [Command.set(line.tax_ids.ids)]})],
            } for n in range(INVOICE_COUNT - test_sync_workers.INVOICE_COUNT)]).action_post()
        self.addCleanup(self._disconnect, self.org_id)

    def _run_pool(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            engine = env['xero.sync.engine']
            return engine._push_pool(env['xero.organisation'].browse(self.org_id), WORKERS)

    def _admitted_calls(self):
        """Calls the organisation's governor admitted (its day counter)."""
        with self.registry.cursor() as cr:
            cr.execute("SELECT day_calls FROM xero_organisation_runtime WHERE key = %s",
                       (f'org:{self.org_id}',))
            row = cr.fetchone()
            return row[0] if row else 0

    @mute_logger(ENGINE_LOGGER)
    def test_pool_sends_each_invoice_once_and_every_call_through_the_governor(self):
        # Slow answers keep the workers' calls overlapping for real.
        self.sim.faults.add('slow', path=INVOICES, method='POST', delay=0.3, count=None)
        admitted_before = self._admitted_calls()
        calls_before = self.sim.counters.count(tenant_id=NZ_TENANT_ID)
        done = self._run_pool()
        # Documents whose contact another worker was sending wait for the next run.
        with freeze_time(fields.Datetime.now() + timedelta(minutes=1)):
            done += self._run_pool()

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            links = env['xero.move.link'].search([('organisation_id', '=', self.org_id)])
            self.assertEqual(len(links), INVOICE_COUNT)
            self.assertEqual(set(links.mapped('sync_state')), {'synced'})
            self.assertEqual(len(set(links.mapped('xero_id'))), INVOICE_COUNT)
            partner_links = env['xero.partner.link'].search([('organisation_id', '=', self.org_id)])
            self.assertEqual(set(partner_links.mapped('sync_state')), {'synced'})
        self.assertGreaterEqual(done, INVOICE_COUNT + len(partner_links),
                                'the pool reports the links its workers handled')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), INVOICE_COUNT)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)
        self.assertEqual(self.sim.counters.rate_limited_count(NZ_TENANT_ID), 0)
        # The workers did run at once, and never more at once than Xero allows.
        self.assertGreaterEqual(self.sim.counters.max_concurrent(NZ_TENANT_ID), 2)
        self.assertLessEqual(self.sim.counters.max_concurrent(NZ_TENANT_ID), 5)
        # Every call Xero received for the organisation was admitted by its governor.
        self.assertEqual(self._admitted_calls() - admitted_before,
                         self.sim.counters.count(tenant_id=NZ_TENANT_ID) - calls_before)

    def test_worker_error_fails_the_run_after_every_worker_ended(self):
        """A worker's exception is raised by the pool's own thread, as a single worker's would
        be (the run is not reported as a success), and only once the others have ended."""
        calls = []
        origin = type(self.env['xero.sync.engine'])._push_model

        def push_model(engine, organisation, model):
            calls.append(model)
            if len(calls) == 1:
                raise RuntimeError('one worker broke')
            return origin(engine, organisation, model)

        self.patch(type(self.env['xero.sync.engine']), '_push_model', push_model)
        with mute_logger(ENGINE_LOGGER), self.assertRaisesRegex(RuntimeError, 'one worker broke'):
            self._run_pool()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            links = env['xero.move.link'].search([('organisation_id', '=', self.org_id)])
            self.assertFalse(links.filtered(lambda l: l.sync_state == 'in_flight'),
                             'no worker was left sending when the error was raised')
