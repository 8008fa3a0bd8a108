from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..xero_mappers.keys import new_idempotency_key
from .sync_run import count

# Retries after an unknown outcome or a server error wait longer each time, up to a few hours.
BACKOFF_MINUTES = (1, 5, 15, 60, 180)
# A request still unanswered after this long has surely ended (read timeout: 60 s); until then
# no other worker claims its links.
IN_FLIGHT_GRACE = timedelta(minutes=3)

SYNC_STATES = [
    ('pending', 'To sync'),
    ('in_flight', 'Sending'),
    ('synced', 'Synced'),
    ('error', 'Error'),
    ('skipped', 'Not sent'),
]


# What ends when a change's key ends: a new change is a new request.
KEY_CLEARED = {'idempotency_key': False, 'key_sent_date': False, 'request_key': False,
               'request_digest': False}


def _link_nouns(env, diagnostics):
    """(Xero noun, Odoo noun) of the link model whose table refused a row."""
    table = diagnostics.table_name if diagnostics else None
    for name, model_class in env.registry.items():
        if model_class._table == table and not model_class._abstract:
            return env[name]._xero_unique_nouns
    return XeroLinkMixin._xero_unique_nouns


def _organisation_xero_message(env, diagnostics):
    xero, odoo = _link_nouns(env, diagnostics)
    return env._('A %(xero)s links to one %(odoo)s per organisation.', xero=xero, odoo=odoo)


def _legacy_xero_message(env, diagnostics):
    return env._('A %s has one legacy link.', _link_nouns(env, diagnostics)[0])


class XeroLinkMixin(models.AbstractModel):
    """The Xero side of one Odoo record in one organisation, and its place in the outbox.

    Concrete links add a required Many2one to their Odoo record (``_xero_record_field``), the
    partial unique indexes on it (one link per organisation and record, and one legacy link
    without an organisation per record), and the engine's hooks: ``_xero_kind``,
    ``_xero_payloads``, ``_xero_find`` and ``_xero_bind_extra``. The unique indexes on the Xero
    side (one link per organisation and Xero id, one legacy link per Xero id) are declared here,
    once: Odoo gives each link table its own, named ``<table>_organisation_xero_uniq`` and
    ``<table>_legacy_xero_uniq``.

    Links outlive a disconnection, so reconnecting resumes instead of creating everything again
    in Xero. Links made before organisations existed have none; no sync touches them until the
    migration wizard assigns one.

    The Idempotency-Key of the change being sent is made when the change is queued and kept
    until Xero has answered for it: retries of the same change reuse it. It is never derived
    from the content, since content can come back to an earlier state (A→B→A) and would then
    replay an old answer. The first send records the request (its batch key, when it left, a
    digest of its members): a resend inside ``KEY_WINDOW`` is that same request, which Xero
    answers from its store. Xero keeps keys only about 6 minutes, so after the window a link
    whose request may have reached Xero (``maybe_sent``) is looked up in Xero first.
    """
    _name = 'xero.link.mixin'
    _description = 'Xero link'
    _xero_record_field = None
    # What the unique indexes' messages call the Xero record and the Odoo record of a link.
    _xero_unique_nouns = ('Xero record', 'Odoo record')

    organisation_id = fields.Many2one('xero.organisation', index=True, ondelete='restrict', readonly=True)
    company_id = fields.Many2one(related='organisation_id.company_id', store=True, index=True)
    xero_id = fields.Char(string='Xero ID', index=True, copy=False, readonly=True)
    xero_number = fields.Char(string='Xero number', copy=False, readonly=True)
    xero_status = fields.Char(string='Xero status', copy=False, readonly=True)
    xero_updated_date = fields.Datetime(string='Updated in Xero', copy=False, readonly=True)
    sync_state = fields.Selection(SYNC_STATES, default='pending', required=True, index=True,
                                  copy=False, readonly=True)
    last_error = fields.Text(copy=False, readonly=True)
    attempt_count = fields.Integer(copy=False, readonly=True)
    next_attempt_date = fields.Datetime(copy=False, readonly=True)
    last_sync_date = fields.Datetime(copy=False, readonly=True)
    pushed_hash = fields.Char(copy=False, readonly=True, help='Hash of the payload last accepted by Xero.')
    idempotency_key = fields.Char(copy=False, readonly=True,
                                  help='Idempotency-Key of the change waiting to be sent.')
    key_sent_date = fields.Datetime(copy=False, readonly=True,
                                    help='When the request carrying this change first left for Xero.')
    request_key = fields.Char(copy=False, readonly=True,
                              help='Idempotency-Key of the request (the batch) this change went in.')
    request_digest = fields.Char(copy=False, readonly=True,
                                 help="Digest of that request's members: a resend must be the same request.")
    maybe_sent = fields.Boolean(copy=False, readonly=True,
                                help='A request for this change may have reached Xero: look it up first.')
    waiting_dependency = fields.Boolean(copy=False, readonly=True,
                                        help='Held until a record it needs is in Xero.')
    error_notified = fields.Boolean(copy=False, readonly=True,
                                    help='Its error was in a failure digest already.')
    requested = fields.Boolean(copy=False, readonly=True,
                               help='A user asked for this sync: it goes even with auto-sync off.')
    withdrawn = fields.Boolean(copy=False, readonly=True,
                               help='Undone in Odoo while a request that may have created it in Xero had no '
                                    'answer: looked up first; found, it is removed from Xero; not found, '
                                    'nothing is sent.')
    need_sync = fields.Boolean(copy=False, readonly=True,
                               help='The record changed after the request on its way was built: it '
                                    'goes again once that request is settled.')
    sent_hash = fields.Char(copy=False, readonly=True,
                            help='Hash of the payload last sent, accepted or not: what Xero holds '
                                 'when a look-up finds a create whose answer was lost.')

    _organisation_xero_uniq = models.UniqueIndex(
        '(organisation_id, xero_id) WHERE organisation_id IS NOT NULL AND xero_id IS NOT NULL',
        _organisation_xero_message)
    _legacy_xero_uniq = models.UniqueIndex(
        '(xero_id) WHERE organisation_id IS NULL AND xero_id IS NOT NULL', _legacy_xero_message)

    # --- the outbox ---------------------------------------------------------------------------

    def _mark_pending(self):
        """Queue a new change: a fresh key, a fresh attempt count. Whether an earlier request
        may have landed (``maybe_sent``) is kept: the look-up still has to happen."""
        links = self.filtered('organisation_id')
        for link in links:
            link.sudo().write({
                **KEY_CLEARED,
                'sync_state': 'pending', 'idempotency_key': new_idempotency_key(link._xero_kind()),
                'attempt_count': 0, 'next_attempt_date': False, 'last_error': False,
                'waiting_dependency': False,
            })
        return links

    def _mark_dirty(self):
        """The record changed: links at rest are queued; a link whose request is on its way
        or waiting for a retry is flagged, so that the change goes once that request settles
        (its payload was built before the change). A pending link needs nothing: its payload is
        built when it is sent."""
        links = self.filtered('organisation_id')
        at_rest = links.filtered(lambda link: link.sync_state in ('synced', 'error', 'skipped'))
        at_rest._mark_pending()
        (links - at_rest).filtered(lambda link: link.sync_state == 'in_flight').sudo().write({'need_sync': True})
        return links

    def _settle(self):
        """A request was answered: the links whose record changed meanwhile go again."""
        changed = self.filtered('need_sync')
        if changed:
            changed.write({'need_sync': False})
            changed._mark_pending()
        return changed

    @api.model
    def _ensure_links(self, organisation, records):
        """The links of ``records`` in ``organisation``, created when missing."""
        field_name = self._xero_record_field
        existing = self.sudo().search([('organisation_id', '=', organisation.id),
                                       (field_name, 'in', records.ids)])
        missing = records - existing[field_name]
        created = self.sudo().create([{'organisation_id': organisation.id, field_name: record.id,
                                       'sync_state': 'pending'} for record in missing])
        created._mark_pending()
        return existing | created

    @api.model
    def _trigger_push(self):
        self.env.ref('xero_integration.ir_cron_xero_push')._trigger()

    def action_retry(self):
        """Send again, with a fresh key: the record was refused, or waits for a retry."""
        self._check_can_sync()
        self._retry()
        return True

    def _retry(self):
        retryable = self.filtered(lambda link: link.sync_state in ('error', 'skipped', 'pending', 'synced'))
        retryable._mark_pending()._request()
        self._trigger_push()

    def _request(self):
        """A user asked for these: they go even where auto-sync is off, and that is activity."""
        self.sudo().write({'requested': True})
        if self:
            self.env['xero.sync.log']._record_request(self.organisation_id)
        return self

    def _check_can_sync(self):
        if not self.env.user.has_group('xero_integration.group_xero_user'):
            raise UserError(_('Only Xero users can send records to Xero.'))
        self.check_access('read')

    # --- what the engine records --------------------------------------------------------------

    def _xero_kind(self):
        raise NotImplementedError

    def _record_refusal(self, message, state='error'):
        """Xero (or the addon, before sending) refused this change for a reason a person must
        fix: no retry until the record changes or someone presses Retry."""
        self.write({**KEY_CLEARED, 'sync_state': state, 'last_error': message, 'maybe_sent': False,
                    'error_notified': False, 'next_attempt_date': False, 'requested': False})
        for link in self:
            count(self.env, 'failed' if state == 'error' else 'skipped',
                  error=f'{link[link._xero_record_field].display_name}: {message}' if state == 'error' else None)
        # What Xero refused is not what the record holds now: the change may mend it.
        self._settle()

    def _withdraw(self, message):
        """The record was undone in Odoo (cancelled, unreconciled) before Xero holds it. Nothing
        to send, unless a request that may have created it had no answer (``maybe_sent``): then
        it stays in flight, marked ``withdrawn``, and the engine looks it up before anything
        else. Found, it is bound and removed from Xero (``_xero_withdrawn_found``); not found,
        it is skipped with ``message``. "Undone before it reached Xero" is never assumed."""
        unsure = self.filtered('maybe_sent')
        unsure.write({'withdrawn': True, 'sync_state': 'in_flight', 'next_attempt_date': False})
        (self - unsure)._record_refusal(message, state='skipped')
        unsure._trigger_push()

    def _xero_withdrawn_found(self):
        """A withdrawn record turned out to be in Xero and is bound now: queue its removal.
        The default queues the record again, whose payload (the document cancelled in Odoo)
        is its cancellation."""
        self._mark_pending()

    def _record_retry(self, message, unknown_outcome):
        """The request failed in a way a later attempt may fix (timeout, 5xx, network)."""
        for link in self:
            attempts = link.attempt_count + 1
            delay = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
            link.write({
                'sync_state': 'in_flight' if (unknown_outcome or link.maybe_sent) else 'pending',
                'maybe_sent': unknown_outcome or link.maybe_sent,
                'attempt_count': attempts, 'last_error': message,
                'next_attempt_date': fields.Datetime.now() + timedelta(minutes=delay),
            })

    def _record_postponed(self, until, message):
        """Not sent at all (rate limit, parked organisation): back in the queue, not failed."""
        for link in self:
            link.write({'sync_state': 'in_flight' if link.maybe_sent else 'pending',
                        'next_attempt_date': until, 'last_error': message})

    def _record_bound(self, element, digest):
        """Xero holds this record now: keep its id, number and status."""
        self.ensure_one()
        count(self.env, 'updated' if self.xero_id else 'created')
        self.write({
            'requested': False,
            'xero_id': element.xero_id,
            'xero_number': element.number or self.xero_number,
            'xero_status': element.status,
            'xero_updated_date': element.updated and element.updated.replace(tzinfo=None),
            **KEY_CLEARED,
            'sync_state': 'synced', 'pushed_hash': digest, 'last_error': False,
            'maybe_sent': False, 'attempt_count': 0,
            'next_attempt_date': False, 'last_sync_date': fields.Datetime.now(),
            'waiting_dependency': False,
        })
        self._settle()

    # --- screens ------------------------------------------------------------------------------

    def _xero_url(self):
        return False

    def action_open_in_xero(self):
        self.ensure_one()
        self.check_access('read')
        return self._open_in_xero()

    def _open_in_xero(self):
        url = self._xero_url()
        if not url:
            raise UserError(_('This record is not in Xero yet.'))
        return {'type': 'ir.actions.act_url', 'url': url, 'target': 'new'}

    # --- the engine's hooks (see xero.sync.engine) -----------------------------------------------

    def _xero_new_key(self):
        return new_idempotency_key(self._xero_kind())

    def _xero_dependencies(self):
        """{link model: links} that must be in Xero before these links are sent."""
        return {}

    def _xero_missing_dependencies(self):
        """``(reason, refused)``: why this link cannot be sent yet, and whether that is because
        Xero refused a dependency (rather than it still being on its way); ``(None, False)``
        when it can go."""
        return None, False

    @api.model
    def _xero_prepare(self, organisation):
        """Read or make in Xero what this kind's payloads need, before the engine claims its
        links for ``organisation``; may raise ``Stop`` to end that organisation's run. Payload
        hooks call nothing in Xero. Nothing by default."""

    def _xero_payloads(self):
        """[(link, payload)] for the links that can be sent; the others are marked with the
        reason (a missing mapping, a refused value) and left out."""
        raise NotImplementedError

    def _xero_send(self, organisation, kind, payloads, key):
        """Send one batch; return Xero's answer as Elements. Most kinds are one batched write."""
        return organisation._xero().save(kind, payloads, key)

    def _xero_match_key(self, payload):
        """What Xero echoes of this payload, to find its element in the answer."""
        raise NotImplementedError

    def _xero_match_key_of_element(self, element):
        return element.number

    def _xero_request_group(self, payload):
        """Payloads that can share one request: a batch is one request to Xero, so that what
        the engine records of a send (landed, lost, refused) holds for all its members."""
        return None

    def _xero_keyed(self, kind):
        """Whether Xero takes an Idempotency-Key for this kind's request (not on a DELETE):
        an unkeyed request whose answer was lost is looked up even inside the key window."""
        return True

    def _xero_looks_up(self, payload):
        """Whether a lost answer for this payload is settled by ``_xero_find``: a create (no id
        yet); kinds add their status changes (a deletion, a cancellation), which are found done
        by the status Xero holds."""
        return not self.xero_id

    def _xero_find(self, organisation, kind, chunk):
        """{link id: Element} for the (link, payload) pairs of ``chunk`` found in Xero."""
        payloads = {self._xero_match_key(payload): link for link, payload in chunk}
        elements = organisation._xero().find(kind, numbers=[k for k in payloads if k])
        return {payloads[el.number].id: el for el in elements if el.number in payloads}

    def _xero_bind_extra(self, element, payload):
        """What a kind keeps besides the id, number and status."""

    def _xero_handle_refusal(self, element, payload):
        """A kind's own answer to a refusal (e.g. a contact name that is taken)."""
        self._xero_note_refused()

    def _xero_notes_sent(self, sent):
        """Tell the chatter of each record of a batch that it reached Xero: [(link, element)]."""
        for link, element in sent:
            link._xero_note_sent(element)

    def _xero_note_sent(self, element):
        """Tell the record's chatter that it reached Xero."""

    def _xero_note_refused(self):
        """Tell the record's chatter why Xero refused it."""
