import threading

from odoo import api, fields
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import TransactionCase

from ..models.sync_run import count, current_run, end_run, start_run
from ..xero_sim.seed import NZ_TENANT_ID
from .common import XeroTransactionCase


class TestSyncRunRollback(XeroTransactionCase):
    """The sync log counts through the run its ``_start`` hangs on the cursor; what is counted
    in a savepoint that is rolled back is not in the log."""

    def setUp(self):
        super().setUp()
        self.org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.Log = self.env['xero.sync.log']

    def test_count_in_rolled_back_savepoint_is_not_in_the_log(self):
        run = self.Log._start(self.org, 'invoices', 'push')
        count(self.env, 'sent', 2)
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            count(self.env, 'failed', error='INV/1: rolled back')
            count(self.env, 'calls', 4)
            _ = 1 / 0
        count(self.env, 'created')
        log = self.Log._finish(run)
        self.assertRecordValues(log, [{'organisation_id': self.org.id, 'kind': 'invoices', 'direction': 'push',
                                       'sent': 2, 'created': 1, 'failed': 0, 'calls': 0, 'errors': False}])

    def test_nested_savepoints(self):
        """A savepoint released inside one rolled back goes with it; one released in the run's
        transaction stays, and a count made after a rollback takes the place of those dropped."""
        run = self.Log._start(self.org, 'contacts', 'push')
        with self.env.cr.savepoint():
            count(self.env, 'created', error='kept')
        savepoint = self.env.cr.savepoint()
        with self.env.cr.savepoint():
            count(self.env, 'failed', 3, error='dropped')
        savepoint.close(rollback=True)
        count(self.env, 'failed', error='counted after the rollback')
        log = self.Log._finish(run)
        self.assertRecordValues(log, [{'created': 1, 'failed': 1}])
        self.assertEqual(log.errors.splitlines(), ['kept', 'counted after the rollback'])

    def test_engine_savepoint_keeps_the_error_count_only(self):
        """A record the engine fails on: what its hook counted is rolled back with its savepoint;
        the failure itself, recorded after, is counted once."""
        Engine = self.env['xero.sync.engine']
        partner = self.env['res.partner'].create({'name': 'Rolled Back Ltd'})
        link = self.env['xero.partner.link']._ensure_links(self.org, partner)
        run = self.Log._start(self.org, 'contacts', 'push')

        def hook(_links):
            count(self.env, 'created', 5)
            raise ValueError('broken record')
        with self.assertLogs('odoo.addons.xero_integration.models.xero_sync_engine', 'WARNING'):
            Engine._per_record(link, hook, 'payload')
        log = self.Log._finish(run)
        self.assertEqual(link.sync_state, 'error')
        self.assertRecordValues(log, [{'created': 0, 'failed': 1}])
        self.assertIn('Rolled Back Ltd', log.errors)

    def test_no_run_no_count_and_an_empty_run_writes_no_row(self):
        self.assertIsNone(current_run(self.env))
        count(self.env, 'sent')  # no run: nothing to count, nothing fails
        run = self.Log._start(self.org, 'items', 'push')
        self.assertIs(current_run(self.env), run)
        with self.env.cr.savepoint() as savepoint:
            count(self.env, 'sent')
            savepoint.rollback()
        self.assertFalse(self.Log._finish(run), 'only a rolled-back count: an empty run')
        self.assertIsNone(current_run(self.env))
        count(self.env, 'sent')
        self.assertEqual(run.totals()[0]['sent'], 0, 'a finished run counts no more')


class TestSyncRunTransactions(TransactionCase):
    """Runs on real cursors, as the crons have them: what is committed stands, what is rolled
    back does not, and two workers count apart. Nothing is left committed: these cursors commit
    only the run's own bookkeeping, and end rolled back."""

    def setUp(self):
        super().setUp()
        # The test runner holds the registry lock, which the workers' environments need
        # (as in test_tokens.TestConcurrentRefresh).
        self.patch(Registry, '_lock', DummyRLock())

    def test_committed_counts_stand_rolled_back_ones_do_not(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            Log = env['xero.sync.log']
            company = env['res.company'].search([], limit=1)
            run = Log._start(env['xero.organisation'], 'invoices', 'push')
            count(env, 'sent', 3)
            count(env, 'calls', error='committed')
            # A cursor of the test's own: what a commit keeps is what this test is about.
            cr.commit()  # pylint: disable=invalid-commit
            count(env, 'failed', 2, error='rolled back')
            cr.rollback()
            count(env, 'created')
            # The log row needs an organisation; it is made here, and rolled back at the end.
            org = env['xero.organisation'].create({'name': 'Run test', 'tenant_id': 'run-test',
                                                   'company_id': company.id})
            run.organisation_id = org.id
            log = Log._finish(run)
            values = log.read(['sent', 'calls', 'created', 'failed', 'errors'])[0]
            cr.rollback()
        self.assertEqual({key: values[key] for key in ('sent', 'calls', 'created', 'failed', 'errors')},
                         {'sent': 3, 'calls': 1, 'created': 1, 'failed': 0, 'errors': 'committed'})

    def test_two_workers_count_apart(self):
        barrier = threading.Barrier(2)
        results, errors = {}, []
        plan = {'a': ('sent', 3), 'b': ('failed', 2)}

        def worker(name):
            key, times = plan[name]
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    run = start_run(env, False, 'invoices', 'push', fields.Datetime.now())
                    barrier.wait(timeout=10)  # both runs started before either counts
                    for _step in range(times):
                        count(env, key, error=f'{name}: {key}')
                        barrier.wait(timeout=10)  # the other worker counts in between
                    for _step in range(times, 3):
                        barrier.wait(timeout=10)
                    results[name] = run.totals()
                    end_run(env, run)
                    cr.rollback()
            except Exception as e:  # noqa: BLE001 - reported below
                barrier.abort()
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(name,)) for name in plan]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertFalse(errors, errors)
        self.assertEqual(results['a'], ({'sent': 3}, ['a: sent'] * 3))
        self.assertEqual(results['b'], ({'failed': 2}, ['b: failed'] * 2))

    def test_a_run_belongs_to_its_cursor_not_to_its_thread(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, api.SUPERUSER_ID, {})
            env2 = api.Environment(cr2, api.SUPERUSER_ID, {})
            run = start_run(env1, False, 'items', 'push', fields.Datetime.now())
            self.assertIsNone(current_run(env2))
            count(env2, 'sent')
            count(env1, 'created')
            self.assertEqual(run.totals()[0], {'created': 1})
            end_run(env1, run)
            cr1.rollback()
            cr2.rollback()
