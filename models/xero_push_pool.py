import itertools
import math
import threading
import time

from odoo import api, models
from odoo.modules import module

from ..xero_client.governor import Limits
from .xero_sync_engine import BATCH_SIZE, LINK_MODELS
from .xero_sync_exceptions import Stop

# Context keys of a cron run that belong to the cron's own thread: a pool worker commits its
# progress itself, and writing the run's progress row from five threads would only collide.
CRON_KEYS = ('cron_id', 'ir_cron_progress_id', 'xero_push_pool')
# Pools of this process whose workers must end after their batch (Xero's budget is spent for
# now), by the pool's number in the context (``xero_pool``).
STOPPED_POOLS = set()
POOL_NUMBERS = itertools.count(1)


class XeroSyncEngine(models.AbstractModel):
    """Several workers for one organisation's push, inside one run of the push cron.

    Xero allows an organisation 5 calls at once. At about a second per call, one worker sends
    60 batches of 50 in a minute at best, and less once Odoo's own time per batch is counted;
    five workers fill Xero's minute budget (60 calls) in a quarter of the minute, so a first
    sync of 10,000 invoices is bound by Xero's limit, not by the round trips.

    The workers are threads of the cron's run, each with its own cursor and transaction. They
    share nothing but the database: the engine's claim (``FOR NO KEY UPDATE SKIP LOCKED``)
    gives each batch to one worker, and the organisation's governor, shared through
    PostgreSQL, admits each call. So no setting needs more cron threads than Odoo's default.
    """
    _inherit = 'xero.sync.engine'

    @api.model
    def _cron_push(self):
        return super(XeroSyncEngine, self.with_context(xero_push_pool=True))._cron_push()

    @api.model
    def _push_organisation(self, organisation, models_=LINK_MODELS):
        if self.env.context.get('xero_push_pool'):
            workers = self._push_workers(organisation)
            if workers > 1:
                if not self._pool_time_left():
                    # Odoo's cron runner calls a job again up to 10 times, even when its time
                    # is up; a round of a pool's batches per call would take the job past
                    # Odoo's time limit (limit_time_real, which kills it). Nothing more in
                    # this job: the next one starts at once, with time of its own. (One
                    # worker is bounded by the engine's own budget in _cron_push.)
                    self.env.ref('xero_integration.ir_cron_xero_push').sudo()._trigger()
                    return 0
                return self._push_pool(organisation, workers, models_)
        return super()._push_organisation(organisation, models_)

    @api.model
    def _push_workers(self, organisation):
        """How many workers this organisation's backlog is worth: one per batch due, at most
        the configured number (``xero_integration.push_workers``), never more than Xero's
        concurrent calls. One in a caller that owns the transaction (the workers would not
        see its work), and under Odoo's test runner, where new cursors may be the test's own."""
        if self.env.context.get('xero_no_commit') or module.current_test:
            return 1
        configured = self.env['ir.config_parameter'].sudo().get_param('xero_integration.push_workers')
        try:
            configured = int(configured or Limits.concurrent)
        except ValueError:
            configured = 1
        batches = math.ceil(self._pending_count(organisation.sudo()) / BATCH_SIZE)
        return max(1, min(configured, Limits.concurrent, batches))

    @api.model
    def _push_pool(self, organisation, workers, models_=LINK_MODELS):
        """Push one organisation with ``workers`` workers: this thread and ``workers - 1``
        others, each committing per batch. Returns the links they handled between them.

        One kind at a time, all workers on it, and the next kind once they all have ended:
        contacts are in Xero before any worker sends the documents that name them (a document
        whose contact another worker is still sending would wait for a later run). The pool
        ends when Xero's budget is spent for now (a worker was stopped) or the cron's time is
        up. An exception in a worker is raised here once all have ended, as it would have been
        in a single worker, so the run's outcome is the same as without the pool.
        """
        pool = next(POOL_NUMBERS)
        context = {key: value for key, value in self.env.context.items() if key not in CRON_KEYS}
        context.update(xero_pool_end=self.env.context.get('cron_end_time'), xero_pool=pool)
        engine = self.with_context(xero_pool=pool)
        try:
            return engine._push_pool_kinds(organisation, workers, context, models_)
        finally:
            STOPPED_POOLS.discard(pool)

    @api.model
    def _push_pool_kinds(self, organisation, workers, context, models_):
        done = 0
        for model in models_:
            if model not in self.env:
                continue
            due = self.env[model].sudo().search_count(self._due_domain(organisation, model))
            if not due:
                continue
            try:
                # Once, before any worker claims; committed, so that the workers read it.
                self.env[model].sudo()._xero_prepare(organisation)
            except Stop:
                break
            self._commit(0)
            results, errors = [], []
            threads = [threading.Thread(
                target=self._push_pool_worker, name=f'xero-push-{organisation.id}-{number}',
                args=(self.env.cr.dbname, self.env.uid, context, organisation.id, model, results, errors),
            ) for number in range(1, min(workers, math.ceil(due / BATCH_SIZE)))]
            for thread in threads:
                thread.start()
            try:
                done += self._push_pool_share(organisation, model)
            finally:
                for thread in threads:
                    thread.join()
            others = sum(results)
            if others:
                # The others' links count in this run's progress, so the cron does not run
                # again for work already done.
                self._commit(others)
            done += others
            if errors:
                raise errors[0]
            if self.env.context['xero_pool'] in STOPPED_POOLS or not self._pool_time_left():
                break
        return done

    @api.model
    def _push_pool_worker(self, dbname, uid, context, organisation_id, model, results, errors):
        thread = threading.current_thread()
        thread.dbname, thread.uid = dbname, uid
        try:
            with self.env.registry.cursor() as cr:
                env = api.Environment(cr, uid, context)
                # The organisation may not be committed yet (a caller inside a transaction of
                # its own): then there is nothing for this worker.
                organisation = env['xero.organisation'].browse(organisation_id).exists()
                if organisation:
                    results.append(env['xero.sync.engine']._push_pool_share(organisation, model))
        except Exception as e:  # noqa: BLE001 - raised again by the pool's own thread
            errors.append(e)

    @api.model
    def _push_pool_share(self, organisation, model):
        """One worker's part of one kind: batches until none is left for it.

        A claim that met another worker's fresh commit comes back empty although work is left
        (the engine rolls back and stops that kind): so the worker claims again until a round
        handles nothing, unless Xero's budget or the cron's time is spent.
        """
        done = 0
        while True:
            handled = super()._push_organisation(organisation, (model,))
            done += handled
            if not handled or self.env.context['xero_pool'] in STOPPED_POOLS or not self._pool_time_left():
                return done

    @api.model
    def _pool_time_left(self):
        context = self.env.context
        end = context['xero_pool_end'] if 'xero_pool_end' in context else context.get('cron_end_time')
        return end is None or time.monotonic() < end

    @api.model
    def _claim(self, Link, organisation):
        if 'xero_pool' in self.env.context:
            # Claim in a transaction that starts with the claim: its snapshot then holds the
            # other workers' latest claims, which it skips, instead of rows they changed since
            # an older snapshot, which PostgreSQL refuses to lock (could not serialize access).
            # Nothing but this run's sync-log entry is pending here. (A commit on purpose.)
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return super()._claim(Link, organisation)

    @api.model
    def _push_links(self, organisation, links):
        try:
            return super()._push_links(organisation, links)
        except Stop:
            # Nothing more can be sent now (Xero's budget, a lost grant...): the other
            # workers of the pool end after their current batch.
            if self.env.context.get('xero_pool'):
                STOPPED_POOLS.add(self.env.context['xero_pool'])
            raise

    @api.model
    def _commit(self, processed):
        """In a pool worker: commit, and tell whether the cron's time is left."""
        if 'xero_pool_end' not in self.env.context:
            return super()._commit(processed)
        # The engine's own commit (the state before a request leaves), in a pool worker.
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return self._pool_time_left()
