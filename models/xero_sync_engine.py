import json
import logging
from datetime import timedelta

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..xero_client import (XeroAuthError, XeroError, XeroRateLimited, XeroRetryableError,
                           XeroValidationError)
from ..xero_client.governor import Wait
from ..xero_mappers.keys import KEY_WINDOW, batch_key, payload_hash, request_digest, split_batches
from .xero_link_mixin import IN_FLIGHT_GRACE, KEY_CLEARED
from .sync_run import MODEL_KIND, count

_logger = logging.getLogger(__name__)

# Dependencies first: contacts and items before the documents and transactions that name them,
# documents before the payments made on them.
LINK_MODELS = ('xero.partner.link', 'xero.product.link', 'xero.move.link',
               'xero.statement.line.link', 'xero.payment.link')
BATCH_SIZE = 50
DEPENDENCY_WAIT = timedelta(seconds=30)


CONCURRENCY_ERRORS = (psycopg2.errors.SerializationFailure, psycopg2.errors.DeadlockDetected,
                      psycopg2.errors.LockNotAvailable)


# What a send records, and what is put back when the request never reached Xero.
SENT_FIELDS = ('maybe_sent', 'key_sent_date', 'request_key', 'request_digest', 'sent_hash')


class Stop(Exception):
    """This organisation's run ends here: nothing more can be sent now."""


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

    Kinds plug in through the link models' hooks (see ``xero.link.mixin``):
    ``_xero_payloads`` builds the payloads, ``_xero_dependencies`` names what must be in Xero
    first, ``_xero_match_key`` / ``_xero_find`` find a document by its natural key, and
    ``_xero_bind_extra`` records what else a kind keeps.
    """
    _name = 'xero.sync.engine'
    _description = 'Xero sync engine'

    # --- crons --------------------------------------------------------------------------------

    @api.model
    def _cron_push(self):
        """Push every connected organisation's outbox, committing per batch.

        The cron re-runs itself while work remains (``_commit_progress`` keeps count), and
        wakes itself for when a waiting organisation may call again.
        """
        cron = self.env['ir.cron']
        organisations = self.env['xero.organisation'].search([('state', '=', 'connected')])
        cron._commit_progress(remaining=sum(self._pending_count(org) for org in organisations))
        for organisation in organisations:
            self._push_organisation(organisation)

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
                handled, time_left = self._push_model(organisation, model)
            except Stop as stop:
                _logger.info('Xero organisation %s: push stopped (%s)', organisation.id, stop)
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
        while True:
            links = self._claim(self.env[model].sudo(), organisation)
            if not links:
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
            if not self._commit(len(links)):
                return done, False

    @api.model
    def _push_now(self, organisation, links):
        """Send these links now, whatever their next attempt date (a caller that owns the
        transaction, e.g. a test or a script); links another worker holds are left to it."""
        organisation = organisation.sudo()
        links = links.sudo().filtered(lambda l: l.sync_state in ('pending', 'in_flight'))
        try:
            for start in range(0, len(links), BATCH_SIZE):
                batch = links[start:start + BATCH_SIZE].try_lock_for_update(allow_referencing=True)
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
        try:
            rows = self.env.execute_query(SQL('%s FOR NO KEY UPDATE SKIP LOCKED', query.select()))
        except psycopg2.errors.SerializationFailure:
            # Another worker committed these rows after our snapshot: they are its, not ours.
            self.env.cr.rollback()
            return Link.browse()
        return Link.browse([row[0] for row in rows])

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
            kind_links = links.filtered(lambda l: l._xero_kind() == kind)
            prepared = kind_links._xero_payloads()
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
        needed = links._xero_dependencies()
        for model in LINK_MODELS:
            deps = needed.get(model)
            if not deps:
                continue
            # A dependency refused for a reason the engine can mend (a contact name taken in
            # Xero) is queued again at once: give it a second and third go in this run.
            for _attempt in range(3):
                due = deps.filtered(lambda d: d.sync_state == 'pending' or (
                    d.sync_state == 'in_flight' and not d.next_attempt_date)).try_lock_for_update(
                    allow_referencing=True)
                if not due:
                    break
                self._push_links(organisation, due)
        held = links.browse()
        for link in links:
            missing, refused = link._xero_missing_dependencies()
            if missing and refused:
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
        for start in range(0, len(unsure), BATCH_SIZE):
            chunk = unsure[start:start + BATCH_SIZE]
            found.update(Link._xero_find(organisation, kind, chunk))
        result = []
        for link, payload in prepared:
            element = found.get(link.id)
            if link.maybe_sent and link._xero_looks_up(payload):
                if element:
                    digest = payload_hash(payload)
                    held = link.sent_hash or digest
                    link._record_bound(element, held)
                    link._xero_bind_extra(element, payload)
                    link._xero_note_sent(element)
                    if held != digest:
                        link._mark_pending()  # Odoo changed since: the change goes as an update
                    continue
                link.write({'maybe_sent': False})
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
        for link in links.filtered(lambda l: not l.idempotency_key):
            link.idempotency_key = link._xero_new_key()
        key = batch_key(links.mapped('idempotency_key'))
        now = fields.Datetime.now()
        digest = request_digest([(link.idempotency_key, d) for link, _p, d in batch])
        first_sends = links.filtered(lambda l: l.request_key != key)  # a resend keeps its date
        first_sends.write({'key_sent_date': now, 'request_key': key, 'request_digest': digest})
        for link, _payload, payload_digest in batch:
            if link in first_sends:
                link.sent_hash = payload_digest
        links.write({'sync_state': 'in_flight', 'maybe_sent': True,
                     'next_attempt_date': now + IN_FLIGHT_GRACE})
        self._commit(0)
        payloads = [payload for _link, payload, _digest in batch]
        count(self.env, 'sent', len(batch))
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
                link._xero_handle_refusal(element, payload)
            else:
                link._record_bound(element, digest)
                link._xero_bind_extra(element, payload)
                sent.append((link, element))
        if sent:
            links._xero_notes_sent(sent)
