"""What a sync run counts as it goes; the log row is written once at its end (xero.sync.log).

Plain Python: imported by the engine and the links before any model of the log exists.

A run (``SyncRun``) is started by the sync log (``xero.sync.log._start``) on the cursor that
does the run's work, and hangs on that cursor until the log's ``_finish``: whatever counts
through an environment of that cursor (the engine, the links, the organisation's calls to Xero)
reaches it with ``count(env, ...)``, without the run being handed through every call. Another
worker, on another cursor, has a run of its own.

Its counts belong to the transaction, like the rows the run writes: a count made in a savepoint
that is rolled back, or in a transaction that is rolled back, is dropped with it; a count made
before a commit stays. Odoo gives savepoints no hook, so the transaction keeps the count for the
run: each count bumps a session setting of the database connection (``set_config``), which
PostgreSQL rolls back with the savepoint or transaction that set it and keeps once committed.
The setting holds how many of the run's counts are standing; the run keeps the counts
themselves, in order, and reads the setting back to know which stand.
"""
import time
import uuid
from collections import Counter

from odoo.tools import SQL

# What each kind of link is called in the log, and the organisation's switch for it.
LOG_KINDS = [
    ('contacts', 'Contacts'), ('invoices', 'Invoices and credit notes'), ('payments', 'Payments'),
    ('bank_feed', 'Bank feed'), ('items', 'Items'), ('request', 'Sync asked by a user'),
]
MODEL_KIND = {
    'xero.partner.link': 'contacts', 'xero.move.link': 'invoices', 'xero.payment.link': 'payments',
    'xero.product.link': 'items', 'xero.statement.line.link': 'bank_feed',
    'xero.feed.payment.link': 'bank_feed', 'xero.allocation.link': 'payments',
}
COUNTS = ('sent', 'created', 'updated', 'failed', 'skipped', 'calls')
MAX_ERRORS = 5
DEFAULT_RETENTION_DAYS = 90

# The connection's setting that holds "<run token>:<counts standing>", and the cursor's
# attribute that holds the run.
SETTING = 'xero_integration.sync_run'
CURSOR_ATTRIBUTE = '_xero_sync_run'


class SyncRun:
    """One sync run of one kind for one organisation, being counted."""

    def __init__(self, cr, organisation_id, kind, direction, start):
        self.organisation_id = organisation_id
        self.kind = kind
        self.direction = direction
        self.start = start
        self.started = time.monotonic()  # the duration to the millisecond (start has whole seconds)
        self._cr = cr
        self._token = uuid.uuid4().hex
        self._entries = []  # (key, n, error), in the order counted; the first ones stand

    def add(self, key, n=1, error=None):
        """Count ``n`` of ``key`` (and one error's text), in the current transaction."""
        if not (n or error):
            return
        self._cr.execute(SQL(
            """SELECT set_config(%(setting)s, %(token)s || ':' || (1 + CASE
                   WHEN split_part(current_setting(%(setting)s, true), ':', 1) = %(token)s
                   THEN split_part(current_setting(%(setting)s, true), ':', 2)::int ELSE 0 END), false)""",
            setting=SETTING, token=self._token))
        standing = int(self._cr.fetchone()[0].rpartition(':')[2])
        # Counts past what stands were rolled back since: the new one takes their place.
        del self._entries[standing - 1:]
        self._entries.append((key, n, error))

    def _standing(self):
        if not self._entries:
            return []
        self._cr.execute(SQL('SELECT current_setting(%s, true)', SETTING))
        token, _sep, standing = (self._cr.fetchone()[0] or '').partition(':')
        return self._entries[:int(standing)] if token == self._token else []

    def totals(self):
        """(Counter of what stands, the first ``MAX_ERRORS`` errors of it)."""
        counts, errors = Counter(), []
        for key, n, error in self._standing():
            counts[key] += n
            if error and len(errors) < MAX_ERRORS:
                errors.append(error)
        return counts, errors


def start_run(env, organisation_id, kind, direction, start):
    """Begin counting a run on ``env``'s cursor; it replaces any run left on it."""
    run = SyncRun(env.cr, organisation_id, kind, direction, start)
    setattr(env.cr, CURSOR_ATTRIBUTE, run)
    return run


def end_run(env, run):
    """Stop counting ``run`` on ``env``'s cursor."""
    if getattr(env.cr, CURSOR_ATTRIBUTE, None) is run:
        setattr(env.cr, CURSOR_ATTRIBUTE, None)


def current_run(env):
    return getattr(env.cr, CURSOR_ATTRIBUTE, None)


def count(env, key, n=1, error=None):
    """Count for the run of ``env``'s cursor, if one is being counted."""
    run = current_run(env)
    if run is not None:
        run.add(key, n, error)
