import json
import logging
import time
from contextlib import contextmanager
from datetime import timedelta

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..xero_client import (XeroAuthError, XeroError, XeroRateLimited, XeroRetryableError,
                           XeroValidationError)
from ..xero_client.governor import Wait
from ..xero_mappers.keys import KEY_WINDOW, batch_key, payload_hash, request_digest, split_batches
from .xero_link_mixin import IN_FLIGHT_GRACE, KEY_CLEARED
from .sync_run import MODEL_KIND, count
from .xero_sync_exceptions import CONCURRENCY_ERRORS, NOT_ODOO_ERRORS, Stop

_logger = logging.getLogger(__name__)

# Dependencies first: contacts and items before the documents and transactions that name them,
# documents before the payments made on them.
LINK_MODELS = ('xero.partner.link', 'xero.product.link', 'xero.move.link',
               'xero.statement.line.link', 'xero.payment.link', 'xero.allocation.link',
               'xero.feed.payment.link')
BATCH_SIZE = 50
DEPENDENCY_WAIT = timedelta(seconds=30)


# What a send records, and what is put back when the request never reached Xero.
SENT_FIELDS = ('maybe_sent', 'key_sent_date', 'request_key', 'request_digest', 'sent_hash')


class XeroSyncEngine(models.AbstractModel):
    """The one engine every kind of record goes through on its way to Xero.

    It claims pending links with a row lock (two workers never send the same record), sends
    their dependencies first, batches (at most 50 elements, under 3.5 MB), keys each request
    with an Idempotency-Key derived from the links' stored keys, lets the organisation's
    governor admit each call, and binds each element of Xero's answer to its link by what Xero
    echoes. Progress is committed per batch.

    A request whose answer was lost is sent again, the same members with the same payloads and
    so the same key, while Xero still keeps the key (``KEY_WINDOW``); after that it is looked
    up by its natural key, and sent with a fresh key only when Xero does not have it.

    One record's trouble is that record's only: every hook runs in a savepoint, and an Odoo
    error in it marks that link in error, in words, while the rest goes on. Xero's answers
    (a 5xx, a 429, a budget to wait for, a lost authorisation), on a send or a look-up, stop
    that organisation's run only; the cron goes on with the next one.

    Kinds plug in through the link models' hooks (see ``xero.link.mixin``):
    ``_xero_prepare`` reads or makes in Xero what the kind's payloads need, before its links
    are claimed; ``_xero_payloads`` builds the payloads (without calling Xero),
    ``_xero_dependencies`` names what must be in Xero first, ``_xero_match_key`` /
    ``_xero_find`` find a document by its natural key, and ``_xero_bind_extra`` records what
    else a kind keeps.
    """
    _name = 'xero.sync.engine'
    _description = 'Xero sync engine'

    # --- crons --------------------------------------------------------------------------------

    @api.model
    def _cron_push(self):
        """Push every connected organisation's outbox, committing per batch.

        The cron re-runs itself while work remains (``_commit_progress`` keeps count), and
        wakes itself for when a waiting organisation may call again. Once its time budget is
        spent it takes no further organisation; nothing from one organisation stops the next.
        """
        cron = self.env['ir.cron']
        organisations = self._push_order(self.env['xero.organisation'].search([('state', '=', 'connected')]))
        cron._commit_progress(remaining=sum(self._pending_count(org) for org in organisations))
        for index, organisation in enumerate(organisations):
            if index and not self._time_left():
                # The rest goes in the next run, at once, those not reached first (_push_order):
                # the remaining count keeps the cron "partially done", and the trigger wakes it
                # should that count be spent. Each run takes one organisation at least.
                cron._commit_progress(remaining=sum(self._pending_count(org) for org in organisations))
                self.env.ref('xero_integration.ir_cron_xero_push')._trigger()
                return
            with self._organisation_net(organisation):
                self._push_organisation(organisation)

    @contextmanager
    def _organisation_net(self, organisation):
        """A cron's net around one organisation: nothing from it stops the next one.

        Records' data and Xero's answers are settled per record and per organisation before
        this; what reaches it is a bug of the engine or of a kind. The organisation's batch in
        progress is rolled back (what was sent is committed as "Sending", so it is looked up
        next time), and the cron goes on with the next organisation.
        """
        try:
            yield
        except Exception:  # noqa: BLE001 - logged with its traceback, the run goes on
            self.env.cr.rollback()
            _logger.exception('Xero organisation %s: push failed', organisation.id)

    @api.model
    def _push_order(self, organisations):
        """The organisations whose last push is the oldest first, so that when the time budget
        ends a run, the next run starts with those this one did not reach."""
        last = dict(self.env['xero.sync.log'].sudo()._read_group(
            [('organisation_id', 'in', organisations.ids), ('direction', '=', 'push')],
            ['organisation_id'], ['start_date:max']))
        return organisations.sorted(lambda org: (org in last, last.get(org), org.id))

    @api.model
    def _time_left(self):
        """Whether the cron's run has time left (always outside a cron)."""
        end = self.env.context.get('cron_end_time')
        return end is None or time.monotonic() < end

    @api.model
    def _cron_resume(self):
        """Lift the park of organisations whose daily limit has reset, and wake the push."""
        woken = self.env['xero.organisation'].search([('state', '=', 'connected')])._resume_if_due()
        if woken:
            self.env.ref('xero_integration.ir_cron_xero_push')._trigger()

    # --- one organisation ---------------------------------------------------------------------

    @api.model
    def _pending_count(self, organisation):
        return sum(self.env[model].sudo().search_count(self._due_domain(organisation, model))
                   for model in LINK_MODELS if model in self.env)

    @api.model
    def _due_domain(self, organisation, model=None):
        domain = [('organisation_id', '=', organisation.id),
                  ('sync_state', 'in', ('pending', 'in_flight')),
                  '|', ('next_attempt_date', '=', False),
                  ('next_attempt_date', '<=', fields.Datetime.now())]
        if model and not organisation._auto_sync(MODEL_KIND.get(model)):
            # Auto-sync off for this kind: only what a user asked for, and what is already on
            # its way (a request that may have reached Xero must be settled).
            domain += ['|', ('requested', '=', True), ('sync_state', '=', 'in_flight')]
        return domain

    @api.model
    def _push_organisation(self, organisation, models_=LINK_MODELS):
        """Send what is due for one organisation, one kind after the other, each run written to
        the sync log; return the number of links handled."""
        organisation = organisation.sudo()
        done = 0
        if organisation.state != 'connected':
            return done
        Log = self.env['xero.sync.log']
        for model in models_:
            if model not in self.env:
                continue
            run = Log._start(organisation, MODEL_KIND[model], 'push')
            try:
                # What this kind needs from Xero before its links are claimed (once per run;
                # a pool's workers find it done by the pool, see xero_push_pool).
                if 'xero_pool' not in self.env.context:
                    self.env[model].sudo()._xero_prepare(organisation)
                handled, time_left = self._push_model(organisation, model)
            except Stop as stop:
                _logger.info('Xero organisation %s: push stopped (%s)', organisation.id, stop)
                organisation._progress_clear()
                Log._finish(run)
                self._commit(0)
                return done
            Log._finish(run)
            done += handled
            if not time_left:
                break
        return done

    @api.model
    def _push_model(self, organisation, model):
        """Push what is due of one kind: (links handled, whether the cron has time left)."""
        done = collisions = 0
        # A large push shows its progress on the dashboard, per batch.
        total = self.env[model].sudo().search_count(self._due_domain(organisation, model))
        while True:
            links = self._claim(self.env[model].sudo(), organisation)
            if not links:
                if done or total > BATCH_SIZE:  # a run cut short by the cron's time may have left some
                    organisation._progress_clear()
                return done, True
            try:
                self._push_links(organisation, links)
            except CONCURRENCY_ERRORS:
                # Another worker holds or just changed a record this batch needs (a shared
                # contact). What was sent is committed as "Sending", so nothing is lost: drop
                # this batch's uncommitted work and claim again.
                self.env.cr.rollback()
                collisions += 1
                if collisions > 3:
                    return done, True
                continue
            done += len(links)
            if total > BATCH_SIZE:
                organisation._progress(done, max(done, total), _('Sending to Xero'))
            if not self._commit(len(links)):
                return done, False

    @api.model
    def _push_now(self, organisation, links):
        """Send these links now, whatever their next attempt date (a caller that owns the
        transaction, e.g. a test or a script); links another worker holds are left to it."""
        organisation = organisation.sudo()
        links = links.sudo().filtered(lambda link: link.sync_state in ('pending', 'in_flight'))
        try:
            links._xero_prepare(organisation)
            for start in range(0, len(links), BATCH_SIZE):
                batch = self._try_lock(links[start:start + BATCH_SIZE])
                if batch:
                    self._push_links(organisation, batch)
                    self._commit(len(batch))
        except Stop as stop:
            _logger.info('Xero organisation %s: push stopped (%s)', organisation.id, stop)

    @api.model
    def _claim(self, Link, organisation):
        """Lock the next due links of one model, skipping those another worker holds.

        The lock lasts until the batch is committed; a link being sent is also marked with a
        next attempt date past its request's timeout, so no one else claims it meanwhile.
        """
        query = Link._search(self._due_domain(organisation, Link._name), order='id', limit=BATCH_SIZE)
        ids = self._lock_rows(SQL('%s FOR NO KEY UPDATE SKIP LOCKED', query.select()))
        if ids is None:
            # One of them changed since this transaction began: take the others one by one.
            ids = self._try_lock(Link.browse(row[0] for row in self.env.execute_query(query.select()))).ids
        return Link.browse(ids)

    @api.model
    def _try_lock(self, links):
        """The links of ``links`` now locked for this transaction: those another worker holds,
        or changed since this transaction began, are skipped (they are that worker's)."""
        if not links:
            return links
        table = SQL.identifier(links._table)
        ids = self._lock_rows(SQL('SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED',
                                  table, tuple(links.ids)))
        if ids is None:
            ids = [link.id for link in links if self._lock_rows(SQL(
                'SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED', table, link.id))]
        return links.filtered(lambda link: link.id in ids)

    @api.model
    def _lock_rows(self, query):
        """The ids the locking ``query`` returns, or None when one of its rows changed since this
        transaction began.

        Odoo's transactions are REPEATABLE READ: locking a row another worker committed after
        this transaction's snapshot fails with a serialization error, even with SKIP LOCKED.
        That is expected concurrency, not an error: it is settled in a savepoint, without the
        ERROR line the cursor would log for a failed query.
        """
        cr = self.env.cr
        try:
            with cr.savepoint():
                cr.execute(query, log_exceptions=False)
                return [row[0] for row in cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            _logger.debug('Xero push: rows changed by another worker since this transaction began')
            return None

    @api.model
    def _commit(self, processed):
        """Commit progress; return False when the cron's time is up."""
        if self.env.context.get('xero_no_commit'):
            self.env.flush_all()
            return True
        return bool(self.env['ir.cron']._commit_progress(processed))

    @api.model
    def _push_links(self, organisation, links):
        """Dependencies, payloads, look-ups, then batches of one kind each."""
        links = self._push_dependencies(organisation, links)
        for kind in dict.fromkeys(link._xero_kind() for link in links):
            kind_links = links.filtered(lambda link: link._xero_kind() == kind)
            prepared = [pair for pairs in self._per_record(kind_links, lambda link: link._xero_payloads(), 'payload')
                        for pair in pairs]
            replays, prepared = self._replays_in_window(kind, prepared)
            for batch in replays:
                self._send_batch(organisation, kind, batch)
            prepared = self._look_up_in_flight(organisation, kind, prepared)
            to_send = []
            for link, payload in prepared:
                digest = payload_hash(payload)
                if link.xero_id and link.pushed_hash == digest and not link.maybe_sent:
                    link.write({'sync_state': 'synced', 'last_error': False, 'idempotency_key': False,
                                'next_attempt_date': False, 'requested': False})
                    count(self.env, 'skipped')
                    continue
                to_send.append((link, payload, digest))
            sizes = {id(entry): len(json.dumps(entry[1], default=str)) for entry in to_send}
            requests = {}
            for entry in to_send:
                requests.setdefault(entry[0]._xero_request_group(entry[1]), []).append(entry)
            for entries in requests.values():
                for batch in split_batches(entries, lambda entry: sizes[id(entry)]):
                    self._send_batch(organisation, kind, batch)

    @api.model
    def _push_dependencies(self, organisation, links):
        """Send what these links need first; hold those whose dependency Xero refused."""
        needed = {}
        for part in self._per_record(links, lambda link: link._xero_dependencies(), 'dependencies'):
            for model, deps in part.items():
                needed[model] = needed.get(model, self.env[model]) | deps
        # Those Odoo failed on just now are in error: they wait for their record to be fixed.
        links = links.filtered(lambda link: link.sync_state in ('pending', 'in_flight'))
        for model in LINK_MODELS:
            deps = needed.get(model)
            if not deps:
                continue
            # A dependency refused for a reason the engine can mend (a contact name taken in
            # Xero) is queued again at once: give it a second and third go in this run.
            for _attempt in range(3):
                due = self._try_lock(deps.filtered(lambda d: d.sync_state == 'pending' or (
                    d.sync_state == 'in_flight' and not d.next_attempt_date)))
                if not due:
                    break
                self._push_links(organisation, due)
        held = links.browse()
        for link in links:
            missing, refused = None, False
            with self._record_guard(link, 'dependencies') as outcome:
                missing, refused = link._xero_missing_dependencies()
            if outcome:
                held |= link
            elif missing and refused:
                # Xero refused what it needs: an error until that is fixed, then it follows.
                link.write({'sync_state': 'error', 'waiting_dependency': True,
                            'last_error': missing, 'next_attempt_date': False})
                held |= link
            elif missing:
                # Another worker is sending it right now: try again shortly.
                link.write({'last_error': missing,
                            'next_attempt_date': fields.Datetime.now() + DEPENDENCY_WAIT})
                held |= link
        return links - held

    @api.model
    def _replays_in_window(self, kind, prepared):
        """(requests to send again as they were, the rest of ``prepared``).

        A request that may have reached Xero, first sent less than ``KEY_WINDOW`` ago, goes
        again with its key: Xero answers it from its store, so nothing is done twice. It must
        be the very same request (Xero answers 400 to a known key with another body): when a
        member changed since, or is not due with the others, the request waits for the window
        to pass and the look-up decides.
        """
        now = fields.Datetime.now()
        requests, rest = {}, []
        for link, payload in prepared:
            if not (link.maybe_sent and link.request_key):
                rest.append((link, payload))
            elif link._xero_keyed(kind) and now - link.key_sent_date < KEY_WINDOW:
                requests.setdefault(link.request_key, []).append((link, payload, payload_hash(payload)))
            else:
                # Past the window (Xero may keep the old key a little longer), or a request
                # Xero keeps no key for: whatever is sent after the look-up gets a fresh key.
                link.write({**KEY_CLEARED, 'idempotency_key': link._xero_new_key()})
                rest.append((link, payload))
        replays = []
        for members in requests.values():
            members.sort(key=lambda member: member[0].id)
            if request_digest([(link.idempotency_key, digest) for link, _p, digest in members]) \
                    == members[0][0].request_digest:
                replays.append(members)
                continue
            for link, _payload, _digest in members:
                link.write({'next_attempt_date': link.key_sent_date + KEY_WINDOW,
                            'last_error': _('Its request to Xero went unanswered and cannot be sent again '
                                            'unchanged: it is checked in Xero once Xero has forgotten '
                                            'that request, within minutes.')})
        return replays, rest

    @api.model
    def _look_up_in_flight(self, organisation, kind, prepared):
        """Before sending again what may already be in Xero, find it there by its natural key.

        Xero keeps an Idempotency-Key only about 6 minutes: after that, the key alone cannot
        prevent a second document. A document found is bound with the digest of what was sent
        (what Xero holds), and queued again when Odoo changed since; one not found is sent
        with a fresh key.
        """
        unsure = [(link, payload) for link, payload in prepared
                  if link.maybe_sent and link._xero_looks_up(payload)]
        if not unsure:
            return prepared
        Link = unsure[0][0]
        found = {}
        settled = Link.browse()
        for start in range(0, len(unsure), BATCH_SIZE):
            chunk = unsure[start:start + BATCH_SIZE]
            chunk_links = Link.browse([link.id for link, _payload in chunk])
            try:
                with self._record_guard(chunk_links, 'look-up') as outcome:
                    found.update(Link._xero_find(organisation, kind, chunk))
            except (Wait, XeroError) as error:
                self._settle_call_error(organisation, chunk_links, error)
                outcome = True
            if outcome:
                settled |= chunk_links
        result = []
        for link, payload in prepared:
            if link in settled:
                continue
            element = found.get(link.id)
            if link.maybe_sent and link._xero_looks_up(payload):
                if element:
                    with self._record_guard(link, 'bind', element):
                        link._record_bound(element, link.sent_hash)
                        link._xero_bind_extra(element, payload)
                        link._xero_note_sent(element)
                        if link.withdrawn:
                            self._withdrawn_bound(link)
                        elif link.sync_state == 'synced' and link.sent_hash != payload_hash(payload):
                            link._mark_pending()
                    continue
                link.write({'maybe_sent': False})
                if link.withdrawn:
                    # Undone in Odoo, and Xero never got it: nothing to send, nothing to remove.
                    link.write({'withdrawn': False})
                    link._record_refusal(_('Undone in Odoo; Xero does not hold it: nothing to send.'),
                                         state='skipped')
                    continue
                link._mark_pending()
            result.append((link, payload))
        return result

    @api.model
    def _send_batch(self, organisation, kind, batch):
        # Members in id order: a resend of the same members is the same request, same key.
        batch = sorted(batch, key=lambda entry: entry[0].id)
        links = self.env[batch[0][0]._name].browse([link.id for link, _p, _d in batch])
        # Persist that these requests may reach Xero before they leave: a crash after Xero took
        # them must lead to a replay or a look-up, never to a blind second create.
        before = {link.id: {name: link[name] for name in SENT_FIELDS} for link in links}
        for link, _payload, digest in batch:
            if link.maybe_sent and link.xero_id and link.sent_hash != digest:
                # Changed since a request that may have landed: Xero refuses a key again with
                # another body, and an update by Xero id cannot duplicate under a fresh one.
                link.idempotency_key = link._xero_new_key()
            link.sent_hash = digest
        for link in links.filtered(lambda link: not link.idempotency_key):
            link.idempotency_key = link._xero_new_key()
        key = batch_key(links.mapped('idempotency_key'))
        now = fields.Datetime.now()
        digest = request_digest([(link.idempotency_key, d) for link, _p, d in batch])
        first_sends = links.filtered(lambda link: link.request_key != key)  # a resend keeps its date
        first_sends.write({'key_sent_date': now, 'request_key': key, 'request_digest': digest})
        # The payloads are built from the records as they are now: a change from here on sets
        # need_sync again, and goes once this request is settled.
        links.write({'sync_state': 'in_flight', 'maybe_sent': True, 'need_sync': False,
                     'next_attempt_date': now + IN_FLIGHT_GRACE})
        # Counted with what records the send: the count stands, as the send does, whatever
        # becomes of the transaction that binds the answer.
        count(self.env, 'sent', len(batch))
        self._commit(0)
        payloads = [payload for _link, payload, _digest in batch]
        try:
            elements = links._xero_send(organisation, kind, payloads, key)
        except Wait as wait:
            self._restore(links, before)
            links._record_postponed(wait.until, str(wait))
            organisation._wake_push_at(wait.until)
            raise Stop(str(wait)) from None
        except XeroRateLimited as e:
            # Refused before any processing: nothing landed.
            self._restore(links, before)
            until = organisation._governor_state_until()
            links._record_postponed(until, e.message)
            organisation._wake_push_at(until)
            raise Stop(e.message) from None
        except XeroValidationError as e:
            # The whole request was refused; Xero lists the messages per element sent.
            for index, link in enumerate(links):
                messages = e.elements[index] if index < len(e.elements) else []
                link._record_refusal('\n'.join(messages) or e.message)
                link._xero_note_refused()
            return
        except XeroAuthError as e:
            self._restore(links, before)
            links._record_postponed(False, e.message)
            raise Stop(e.message) from None
        except XeroRetryableError as e:
            # Timeout, dropped connection, 5xx: the request may have landed. Look up first.
            links._record_retry(e.message, unknown_outcome=True)
            raise Stop(e.message) from None
        except XeroError as e:
            self._restore(links, before)
            links._record_refusal(e.message)
            return
        self._bind_results(links, batch, elements)

    @api.model
    def _withdrawn_bound(self, link):
        """A record undone in Odoo while its create had no answer is in Xero after all (found by
        the look-up, or answered by a replay of its key): bound now, its removal is queued."""
        link.write({'withdrawn': False})
        link._xero_withdrawn_found()

    @api.model
    def _restore(self, links, before):
        """The request did not leave (or Xero refused it before reading it): as before it."""
        for link in links:
            link.write(before[link.id])

    @api.model
    def _bind_results(self, links, batch, elements):
        """Each element of Xero's answer goes to the link whose natural key it echoes."""
        by_key = {}
        for element in elements:
            by_key.setdefault(links._xero_match_key_of_element(element), []).append(element)
        sent = []
        for link, payload, digest in batch:
            candidates = by_key.get(link._xero_match_key(payload))
            element = candidates.pop(0) if candidates else None
            if element is None:
                # Xero did not answer for it: the outcome is unknown, look it up next time.
                link._record_retry('Xero returned no result for this record.', unknown_outcome=True)
            elif element.errors:
                link._record_refusal('\n'.join(element.errors))
                with self._record_guard(link, 'refusal', element):
                    link._xero_handle_refusal(element, payload)
            else:
                with self._record_guard(link, 'bind', element) as failed:
                    link._record_bound(element, digest)
                    link._xero_bind_extra(element, payload)
                    if link.withdrawn:
                        self._withdrawn_bound(link)
                if not failed:
                    sent.append((link, element))
        if sent:
            with self._record_guard(links.browse(), 'bind'):
                # Only the records' chatters: each document is bound already, whatever happens here.
                links._xero_notes_sent(sent)

    # --- isolation: one record's trouble is that record's only -----------------------------------

    @api.model
    def _settle_call_error(self, organisation, links, error):
        """A call Xero failed for these links besides their send (a look-up): back in the queue
        as Xero's answer says, as ``_send_batch`` does for a send. Xero cannot take more from
        this organisation now (a budget to wait for, a 429, a 5xx, lost authorisation): Stop.
        Anything else (a 404, an answer it refused) waits for the next attempt, later each time;
        the other links go on. A request that may have landed is still looked up first."""
        if isinstance(error, Wait):
            links._record_postponed(error.until, str(error))
            organisation._wake_push_at(error.until)
            raise Stop(str(error)) from None
        if isinstance(error, XeroRateLimited):
            until = organisation._governor_state_until()
            links._record_postponed(until, error.message)
            organisation._wake_push_at(until)
            raise Stop(error.message) from None
        if isinstance(error, XeroAuthError):
            links._record_postponed(False, error.message)
            raise Stop(error.message) from None
        links._record_retry(error.message, unknown_outcome=False)
        if isinstance(error, XeroRetryableError):
            raise Stop(error.message) from None

    @contextmanager
    def _odoo_savepoint(self):
        """Run the block in a savepoint; an Odoo error in it rolls back what it did and is put in
        the yielded list instead of going up. The engine's stops and Xero's errors go up
        untouched, with what they recorded before leaving; a concurrency error goes up too,
        rolled back, for the batch to be claimed again."""
        failed = []
        savepoint = self.env.cr.savepoint()
        try:
            yield failed
            self.env.flush_all()
        except NOT_ODOO_ERRORS:
            savepoint.close(rollback=False)
            raise
        except CONCURRENCY_ERRORS:
            savepoint.close(rollback=True)
            raise
        except Exception as error:  # noqa: BLE001 - whatever Odoo raised, the caller settles it
            savepoint.close(rollback=True)
            failed.append(error)
        else:
            savepoint.close(rollback=False)

    @contextmanager
    def _record_guard(self, links, stage, element=None):
        """Run the block in a savepoint; an Odoo error in it (a record's data, or a bug of a kind)
        rolls back what it did and marks ``links`` in error with the reason, and the caller goes
        on with the next record. Yields a list that holds the error once it happened."""
        with self._odoo_savepoint() as failed:
            yield failed
        if failed:
            self._record_odoo_error(links, failed[0], stage, element)

    @api.model
    def _per_record(self, links, hook, stage):
        """[``hook(links)``]; when Odoo fails on it, [``hook(link)``] for each link alone, so that
        only the records at fault are marked in error and the others go on."""
        if len(links) > 1:
            result = []
            with self._odoo_savepoint() as failed:
                result.append(hook(links))
            if not failed:
                return result
        results = []
        for link in links:
            with self._record_guard(link, stage):
                results.append(hook(link))
        return results

    @api.model
    def _record_odoo_error(self, links, error, stage, element=None):
        """Odoo failed on these links' records: each goes to the errors list, in words. Whether a
        request may have reached Xero (``maybe_sent``) is kept, so the next attempt, once the
        record is fixed or Retry pressed, finds the document in Xero instead of creating it
        again."""
        if not links:
            _logger.warning('Xero push: %s failed: %s', stage, error, exc_info=error)
            return
        if isinstance(error, UserError):
            text = error.args[0]
            _logger.info('Xero push: %s of %s refused by Odoo: %s', stage, links, text)
        else:
            diag = getattr(error, 'diag', None)
            text = (diag and diag.message_primary) or str(error) or type(error).__name__
            _logger.warning('Xero push: %s of %s failed', stage, links, exc_info=error)
        if stage == 'bind':
            message = _('This record is in Xero (%(number)s), but Odoo could not record it: %(error)s. '
                        'Once that is fixed, press Retry: Odoo finds it in Xero, it is not sent twice.',
                        number=(element and element.number) or _('no number'), error=text)
        elif stage == 'refusal':
            message = _('%(refusal)s\nOdoo could not act on this refusal: %(error)s',
                        refusal='\n'.join(element.errors), error=text)
        elif stage == 'look-up':
            message = _('Odoo could not look for this record in Xero: %s. Once that is fixed, press Retry.', text)
        else:
            message = _('Odoo could not prepare this record for Xero: %s. Correct the record, then '
                        'press Retry (a change to the record sends it again too).', text)
        links.write({'sync_state': 'error', 'last_error': message, 'error_notified': False,
                     'next_attempt_date': False, 'requested': False})
        if stage == 'refusal':
            return  # counted as refused by Xero already
        for link in links:
            count(self.env, 'failed', error=f'{link[link._xero_record_field].display_name}: {message}')
