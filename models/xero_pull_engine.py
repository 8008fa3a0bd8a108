import logging
import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..xero_client import XeroError, XeroRateLimited
from ..xero_client.governor import Wait
from ..xero_client.kinds import MAX_PAGE_SIZE
from .xero_sync_exceptions import CONCURRENCY_ERRORS, LockLost

_logger = logging.getLogger(__name__)

# What is read from Xero, and how. ``model`` implements the kind's hooks:
#   _pull_fetch(organisation, stream, since, page, page_size) -> (records, more), one page of
#       plain dicts in UpdatedDateUTC order, each with 'xero_id' and 'updated';
#   _pull_records(organisation, records, run) -> one outcome per record ('created', 'matched',
#       'updated', 'held' or None), each record in a savepoint of its own (``_each``); ``run`` is
#       a dict the kind may keep things in for the length of one pass;
#   _pull_hold(organisation, record, reason) puts a record Odoo refused on the review list.
# ``streams`` are read one after the other under one watermark (None: the kind has one).
# A kind with ``whole`` is one Xero lists in full in one answer, with no paging and no
# If-Modified-Since (Accounts, TaxRates, Items): it has no watermark, and is read by
# ``_read_whole``, which matches each record with what Odoo has, in ``_each``. Its model provides
#   _pull_fetch(organisation) -> every record, as plain dicts with 'xero_id';
#   _pull_existing(organisation) -> {xero_id: Odoo record} of what Odoo has of it;
#   _pull_one(organisation, record, existing_record or None) -> (outcome, the Odoo record);
#   _pull_hold as above.
# ``whole: 'archive'``: Xero is the master, and what it no longer lists is archived in Odoo.
PULL_KINDS = {
    'contacts': {'model': 'xero.contact.pull', 'streams': (None,), 'log': 'contacts'},
    # Invoices and credit notes: those made in Xero, and the status of Odoo's own.
    'documents': {'model': 'xero.document.pull', 'streams': ('invoices', 'credit_notes'), 'log': None},
    'payments': {'model': 'xero.payment.pull', 'streams': (None,), 'log': None},
    # Overpayments and prepayments made in Xero, and allocations of them (xero.overpayment.pull).
    'credits': {'model': 'xero.overpayment.pull', 'streams': ('overpayments', 'prepayments'), 'log': None},
    'accounts': {'model': 'xero.account', 'whole': 'archive', 'review': 'account'},
    'tax_rates': {'model': 'xero.tax.rate', 'whole': 'archive', 'review': 'tax_rate'},
    'items': {'model': 'xero.product.link', 'whole': 'keep', 'review': 'item'},
}
PAGE_SIZE = MAX_PAGE_SIZE
# Each batch is committed. Batches start at FIRST_BATCH records, then take as many as fit in
# BATCH_SECONDS at the pace of the previous one (at most BATCH_RECORDS): a cron invocation
# overruns its time budget by one short batch at most, far from Odoo's limit_time_real (120 s
# by default), however slow one record is.
FIRST_BATCH = 10
BATCH_RECORDS = 100
BATCH_SECONDS = 2.0


class XeroPullEngine(models.AbstractModel):
    """The one engine every kind of record goes through on its way from Xero, the pull
    counterpart of ``xero.sync.engine``.

    Per organisation and kind it reads pages of Xero's maximum size in ``UpdatedDateUTC`` order,
    all with the ``since`` fixed when the run began, and hands them to the kind in batches
    committed with the cron's progress, so a large backlog goes on in the next invocation from
    where it stopped. A record Odoo refuses is rolled back alone (``_each``) and put on the
    review list with the reason; the rest of the page goes on.
    Whatever Xero answers (a wait, a 429, a 5xx, a lost authorisation, an answer that cannot be
    read) stops that organisation's run only: the next organisation always runs, and the cron
    never fails.
    """
    _name = 'xero.pull.engine'
    _description = 'Xero pull engine'

    # --- crons --------------------------------------------------------------------------------

    @api.model
    def _cron(self, kinds, cron_xmlid, after=None):
        """Pull ``kinds`` for every connected organisation; ``after(organisation)`` runs once an
        organisation's kinds are all read to the end."""
        cron = self.env['ir.cron']
        organisations = self.env['xero.organisation'].search([('state', '=', 'connected')])
        States = self.env['xero.pull.state'].sudo()
        busy = States.search([('organisation_id', 'in', organisations.ids), ('kind', 'in', list(kinds)),
                              ('run_page', '>', 0)])
        kinds_of = dict.fromkeys(organisations.ids, kinds)
        if busy and self._continuing():
            # The cron's previous invocation stopped at its time with runs cut short: this one
            # goes on with those only. Everything else was read at the start of the cycle, and
            # reading it again on every invocation would spend the organisations' call budgets.
            # A run stops at its kind, so the kinds after it were not reached in this cycle:
            # they go on from the first kind cut short.
            cut_short = {}
            for state in busy:
                cut_short.setdefault(state.organisation_id.id, set()).add(state.kind)
            kinds_of = {org_id: kinds[min(kinds.index(kind) for kind in found):]
                        for org_id, found in cut_short.items()}
        # An organisation whose backlog was cut short goes last: the others are not starved.
        organisations = organisations.filtered(lambda org: org.id in kinds_of).sorted(
            lambda org: (org in busy.organisation_id, org.id))
        cron._commit_progress(remaining=len(organisations))
        cut = 0
        for index, organisation in enumerate(organisations):
            following = len(organisations) - index - 1
            finished = self._pull_organisation(organisation, kinds_of[organisation.id], cron_xmlid, following)
            if finished is None:
                # The cron's time is up: this organisation resumes in the next invocation. The
                # next organisation still goes on to its first batch: every invocation makes
                # progress on every backlog, and none waits for the next cycle.
                cut += 1
            elif finished and after:
                after(organisation)
            self._commit(0, following + cut)
        self._commit(0, cut)

    @api.model
    def _continuing(self):
        """Whether this cron's previous invocation stopped at its time limit with work left."""
        progress_id = self.env.context.get('ir_cron_progress_id')
        if not progress_id:
            return False
        previous = self.env['ir.cron.progress'].sudo().search(
            [('cron_id', '=', self.env.context.get('cron_id')), ('id', '<', progress_id)], order='id desc', limit=1)
        return bool(previous.remaining)

    @api.model
    def _pull_organisation(self, organisation, kinds, cron_xmlid, following):
        """Pull the due ``kinds`` of one organisation. Returns True when all were read to the
        end, False when one stopped (it resumes in a later run), None when the cron's time is
        up."""
        States = self.env['xero.pull.state']

        def pull():
            for kind in kinds:
                if not States._due(organisation, kind):
                    continue
                counts = self._pull(organisation, kind, following=following)
                if counts is None:
                    return False  # another worker is on it
                if counts.get('stopped'):
                    return None
            return True
        return self._guarded(organisation, cron_xmlid, pull, default=False)

    @api.model
    def _guarded(self, organisation, cron_xmlid, fn, default=None):
        """``fn()`` for one organisation, with whatever Xero answers (and any error outside a
        record's savepoint) stopping that organisation only; ``default`` when it stopped."""
        cron = self.env.ref(cron_xmlid).sudo()
        try:
            return fn()
        except Wait as wait:
            self._stopped(organisation, str(wait), rollback=False)
            cron._trigger(at=wait.until)
        except XeroRateLimited as e:
            self._stopped(organisation, e.message, rollback=False)
            cron._trigger(at=organisation._governor_state_until())
        except XeroError as e:
            # A 5xx, a timeout, a refusal; a lost authorisation (the organisation is marked for
            # reconnection by _xero_call). A pull resumes at its page in the next run.
            self._stopped(organisation, e.message, rollback=False)
        except LockLost:
            _logger.debug('Xero organisation %s: another worker goes on with the pull', organisation.id)
        except CONCURRENCY_ERRORS as e:
            self._stopped(organisation, type(e).__name__, rollback=True)
        except Exception as e:  # noqa: BLE001 - every other organisation must go on
            _logger.warning('Xero organisation %s: pull stopped by an unexpected error', organisation.id,
                            exc_info=True)
            self._stopped(organisation, str(e) or type(e).__name__, rollback=True)
        return default

    @api.model
    def _stopped(self, organisation, reason, rollback):
        """Drop what this organisation's batch left uncommitted (nothing of a page is half
        done: Xero is called between batches) and let the next organisation run."""
        _logger.info('Xero organisation %s: pull stopped (%s)', organisation.id, reason)
        if rollback:
            self.env.cr.rollback()
        else:
            self._commit(0)

    @api.model
    def _commit(self, processed, remaining=None):
        """Commit progress; return False when the cron's time is up."""
        if self.env.context.get('xero_no_commit'):
            self.env.flush_all()
            return True
        cron = self.env['ir.cron']
        if remaining is None:
            return bool(cron._commit_progress(processed))
        return bool(cron._commit_progress(processed, remaining=remaining))

    # --- one organisation and kind ------------------------------------------------------------

    @api.model
    def _pull(self, organisation, kind, page_size=None, following=0):
        """Read what changed in Xero since the last run of ``kind`` and hand it to the kind.

        Returns the counts ('created', 'matched', 'updated', 'held', 'calls'; 'stopped' when the
        cron's time ran out before the last page), or None when another worker holds the
        organisation's pull of this kind.
        """
        organisation = organisation.sudo()
        spec = PULL_KINDS[kind]
        handler = self.env[spec['model']]
        state = self.env['xero.pull.state']._for(organisation, kind)
        if not state.try_lock_for_update():
            return None
        streams = spec['streams']
        if not state.run_page:
            state.write({'run_since': state.watermark, 'run_stream': streams[0] or False, 'run_page': 1,
                         'run_offset': 0, 'run_watermark': state.watermark})
        Log = self.env['xero.sync.log']
        log = Log._start(organisation, spec['log'], 'pull') if spec['log'] else None
        counts = dict.fromkeys(('created', 'matched', 'updated', 'held', 'calls'), 0)
        run = {}
        try:
            stream_index = streams.index(state.run_stream or None)
            for stream in streams[stream_index:]:
                if not self._pull_stream(organisation, handler, state, stream, page_size or PAGE_SIZE,
                                         counts, run, following):
                    counts['stopped'] = True
                    return counts
                later = streams[streams.index(stream) + 1:]
                if later:
                    state.write({'run_stream': later[0], 'run_page': 1, 'run_offset': 0})
            state.write({'watermark': state.run_watermark, 'run_since': False, 'run_stream': False,
                         'run_page': 0, 'run_offset': 0, 'run_watermark': False,
                         'last_pull_date': fields.Datetime.now(), 'last_created': counts['created'],
                         'last_matched': counts['matched'], 'last_updated': counts['updated'],
                         'last_held': counts['held'], 'last_calls': counts['calls'], 'requested': False})
            self._commit(0)
            return counts
        finally:
            organisation._progress_clear()
            if log is not None:
                log.add('created', counts['created'])
                log.add('updated', counts['matched'] + counts['updated'])
                log.add('skipped', counts['held'])
                Log._finish(log)

    @api.model
    def _pull_stream(self, organisation, handler, state, stream, page_size, counts, run, following):
        """Read one stream page by page from the run's page on; False when the cron's time ran
        out with work left (the state says where to resume)."""
        size = FIRST_BATCH
        while True:
            records, more = handler._pull_fetch(organisation, stream, state.run_since, state.run_page, page_size)
            counts['calls'] += 1
            offset = state.run_offset
            while offset < len(records):
                batch = records[offset:offset + size]
                started = time.monotonic()
                self._handle(organisation, handler, state, batch, counts, run)
                # The next batch is as large as fits in BATCH_SECONDS at this batch's pace.
                per_record = (time.monotonic() - started) / len(batch)
                size = max(1, min(BATCH_RECORDS, int(BATCH_SECONDS / per_record) if per_record else BATCH_RECORDS))
                offset += len(batch)
                state.run_offset = offset
                read = (state.run_page - 1) * page_size  # the progress: records of this stream read so far
                organisation._progress(read + offset, read + len(records) + (page_size if more else 0),
                                       _('Reading from Xero'))
                left = len(records) - offset + (1 if more else 0) + following
                if not self._commit(len(batch), left) and (offset < len(records) or more):
                    return False
                self._after_commit(state)
            if not more:
                return True
            state.write({'run_page': state.run_page + 1, 'run_offset': 0})

    @api.model
    def _handle(self, organisation, handler, state, records, counts, run):
        outcomes = handler._pull_records(organisation, records, run)
        for record, outcome in zip(records, outcomes):
            if outcome:
                counts[outcome] += 1
            if record.get('updated') and (not state.run_watermark or record['updated'] > state.run_watermark):
                state.run_watermark = record['updated']

    @api.model
    def _after_commit(self, state):
        """The records of a committed batch leave the cache with it; the state is locked again
        for the next batch (the commit released it), and a worker that took it meanwhile keeps
        it."""
        if self.env.context.get('xero_no_commit'):
            return
        self.env.invalidate_all()
        if not state.try_lock_for_update():
            raise LockLost()

    # --- kinds Xero lists whole ---------------------------------------------------------------

    @api.model
    def _read_whole(self, organisation, kind):
        """Read every record of ``kind`` from Xero and bring each into Odoo, on its own should
        Odoo refuse it (held for review with the reason). Returns the Odoo records Xero listed,
        those held excepted. Xero's errors are raised: the caller says what
        stops with them (an administrator's button, waiting for the answer)."""
        spec = PULL_KINDS[kind]
        handler = self.env[spec['model']]
        records = handler._pull_fetch(organisation)
        existing = handler._pull_existing(organisation)
        seen = []

        def handle(record):
            outcome, odoo_record = handler._pull_one(organisation, record, existing.get(record['xero_id']))
            seen.append(odoo_record)
            return outcome
        outcomes = self._each(organisation, kind, records, handle, reset=seen.clear)
        if spec['whole'] == 'archive':
            # A record held for review is still listed by Xero: it is not archived.
            listed = {record['xero_id'] for record in records}
            stale = handler.browse([found.id for key, found in existing.items() if key not in listed])
            stale.filtered('active').write({'active': False})
        # What went in this time is no longer to review.
        went_in = [record['xero_id'] for record, outcome in zip(records, outcomes) if outcome != 'held']
        self.env['xero.review'].sudo().search([
            ('organisation_id', '=', organisation.id), ('kind', '=', spec['review']),
            ('xero_id', 'in', went_in), ('state', '=', 'open')]).write({'state': 'done'})
        return handler.browse([record.id for record in seen])

    # --- one record ---------------------------------------------------------------------------

    @api.model
    def _each(self, organisation, kind, records, handle, reset=None, batch=None):
        """One outcome per record: ``batch(records)`` (by default ``handle`` of each) in one
        savepoint, as a savepoint per record would double the queries of a healthy pull. Should
        Odoo refuse one, the batch is rolled back, ``reset()`` forgets what the attempt left in
        memory, and ``handle(record)`` runs for each in a savepoint of its own: the one Odoo
        refuses is put on the review list with the reason, the others go in. Xero's answers and
        concurrency errors stop the organisation's run (they concern more than one record)."""
        try:
            with self.env.cr.savepoint():
                return batch(records) if batch else [handle(record) for record in records]
        except (Wait, XeroError, LockLost, *CONCURRENCY_ERRORS):
            raise
        except Exception as error:  # noqa: BLE001 - one record never stops the others
            if len(records) == 1:
                return [self._hold_failed(organisation, kind, records[0], error)]
            _logger.info('Xero organisation %s: a batch of %s %s failed (%s); each goes on its own',
                         organisation.id, len(records), kind, error)
        if reset:
            reset()
        outcomes = []
        for record in records:
            try:
                with self.env.cr.savepoint():
                    outcomes.append(handle(record))
            except (Wait, XeroError, LockLost, *CONCURRENCY_ERRORS):
                raise
            except Exception as error:  # noqa: BLE001 - one record never stops the others
                outcomes.append(self._hold_failed(organisation, kind, record, error))
        return outcomes

    @api.model
    def _hold_failed(self, organisation, kind, record, error):
        if isinstance(error, UserError):
            reason = _('Odoo refused it: %s', error.args[0] if error.args else error)
            _logger.info('Xero organisation %s: %s %s held for review (%s)', organisation.id, kind,
                         record.get('xero_id'), reason)
        else:
            reason = _('Odoo could not record it because of an unexpected error (%s). Your administrator '
                       'finds the details in the server log; once it is fixed, retry it from here.',
                       type(error).__name__)
            _logger.warning('Xero organisation %s: %s %s could not be recorded', organisation.id, kind,
                            record.get('xero_id'), exc_info=True)
        self.env[PULL_KINDS[kind]['model']]._pull_hold(organisation, record, reason)
        return 'held'
