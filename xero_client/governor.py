"""The rate governor: one per Xero organisation, shared by every Odoo worker through PostgreSQL.

Xero allows an organisation 5 calls at once, 60 a minute and 5,000 a day, and an app 10,000 a
minute across all organisations (XERO_API.md §1). Workers are separate processes, so the
budget lives in the database:

- the 5 concurrent slots are session advisory locks, held on a connection of the governor's own
  for the length of one call (a crashed worker's connection closes and frees its slot);
- the minute and day counters, what Xero's last answer said is left, and when a parked
  organisation may call again live in one row per organisation (and one for the app) of
  ``xero_organisation_runtime``. Business code never writes that table, so counting a call can
  never collide with a user editing the organisation.

Nothing here sleeps for long: when the budget is spent the governor raises ``Wait`` with the
time at which calling makes sense again, and the caller reschedules itself for then.
This module imports nothing from Odoo: ``cursor_factory()`` returns a context-managed cursor
with ``execute``, ``fetchone``, ``fetchall``, ``commit`` and ``rollback`` (an Odoo ``registry.cursor``
does).
"""
import datetime
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

_logger = logging.getLogger(__name__)

TABLE = 'xero_organisation_runtime'
# Namespace of the advisory locks (the first key of pg_try_advisory_lock(int, int)): "XE".
LOCK_NAMESPACE = 0x5845
MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)
# How long a worker may poll for a free concurrent slot before it gives up for now.
SLOT_WAIT_SECONDS = 3.0
SLOT_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Limits:
    concurrent: int = 5
    minute: int = 60
    day: int = 5000
    app_minute: int = 10000


class Wait(Exception):
    """No call now. ``until`` (naive UTC) is when to try again; ``park`` means the daily budget
    is spent: the organisation's work waits, and nothing is marked failed."""

    def __init__(self, until, reason, park=False):
        super().__init__(f'Xero budget: {reason}; wait until {until:%Y-%m-%d %H:%M:%S} UTC')
        self.until = until
        self.reason = reason
        self.park = park


def utcnow():
    # Naive UTC, as Odoo stores datetimes; through datetime.now so that freezegun moves it.
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Governor:

    def __init__(self, cursor_factory, organisation_id, limits=Limits(), clock=utcnow):
        self.cursor_factory = cursor_factory
        self.organisation_id = organisation_id
        self.key = f'org:{organisation_id}'
        self.limits = limits
        self.clock = clock

    # --- admission ---------------------------------------------------------------------------

    @contextmanager
    def call(self):
        """Admit one call: ``with governor.call() as slot: ...; slot.record(status, rate)``.

        Raises ``Wait`` when the organisation is parked, the minute's or the day's budget is
        spent, or all concurrent slots stay taken for a few seconds. The slot is taken first,
        so that no row lock is held while polling for it, and given back whatever happens
        after: an advisory lock left on a pooled connection would hold a slot for good.
        """
        with self.cursor_factory() as cr:
            slot = self._take_slot(cr)
            try:
                self._admit(cr)
                recorder = _Recorder(self, cr)
                try:
                    yield recorder
                finally:
                    # Also after a 429, which reaches here as an exception: its orders must be kept.
                    recorder.flush()
            finally:
                cr.rollback()  # whatever a failed admission or recording left open
                cr.execute('SELECT pg_advisory_unlock(%s, %s)', (LOCK_NAMESPACE, slot))
                cr.commit()

    def _admit(self, cr):
        """Check the budgets and count the call in one transaction, under the rows' locks.

        Checked, then counted, without a lock, N workers could all see the 60th call free and
        all take it. Every admission locks the app's row, then the organisation's (``ORDER BY
        key``: 'app' sorts first), always in that order, so two admissions never deadlock; the
        lock is held for two statements.
        """
        rows = self._lock_rows(cr)
        if len(rows) < 2:
            # First call of this organisation (or of the app): create the rows in a transaction
            # of their own, so that no insert's lock is held while waiting for the others'.
            cr.rollback()
            self._ensure_rows(cr)
            cr.commit()
            rows = self._lock_rows(cr)
        now = self.clock()  # after the lock: a wait for it must not count in an older window
        try:
            self._check_budget(rows, now)
        except Wait:
            cr.rollback()
            raise
        self._count(cr, now)
        cr.commit()

    def _lock_rows(self, cr):
        cr.execute(f"""SELECT key, paused_until, retry_at, minute_window_start, minute_calls,
                              minute_remaining, day_window_start, day_calls, day_remaining
                         FROM {TABLE} WHERE key IN (%s, 'app') ORDER BY key FOR UPDATE""", (self.key,))
        return {row[0]: row[1:] for row in cr.fetchall()}

    def _ensure_rows(self, cr):
        cr.execute(f"""INSERT INTO {TABLE} (key, organisation_id, minute_calls, day_calls)
                       VALUES (%s, %s, 0, 0), ('app', NULL, 0, 0)
                       ON CONFLICT (key) DO NOTHING""", (self.key, self.organisation_id))

    def _check_budget(self, rows, now):
        paused, retry_at, m_start, m_calls, m_left, d_start, d_calls, d_left = rows[self.key]
        if paused and paused > now:
            raise Wait(paused, 'daily limit', park=True)
        if retry_at and retry_at > now:
            raise Wait(retry_at, 'Xero asked to retry later')
        if m_start and now - m_start < MINUTE and (
                m_calls >= self.limits.minute or (m_left is not None and m_left <= 0)):
            raise Wait(m_start + MINUTE, 'minute limit')
        if d_start and now - d_start < DAY and (
                d_calls >= self.limits.day or (d_left is not None and d_left <= 0)):
            raise Wait(d_start + DAY, 'daily limit', park=True)
        app = rows['app']
        if app[2] and now - app[2] < MINUTE and app[3] >= self.limits.app_minute:
            raise Wait(app[2] + MINUTE, 'app minute limit')

    def _take_slot(self, cr):
        base = self.organisation_id * 8
        deadline = time.monotonic() + SLOT_WAIT_SECONDS
        while True:
            for slot in range(base, base + self.limits.concurrent):
                cr.execute('SELECT pg_try_advisory_lock(%s, %s)', (LOCK_NAMESPACE, slot))
                if cr.fetchone()[0]:
                    return slot
            if time.monotonic() > deadline:
                raise Wait(self.clock() + datetime.timedelta(seconds=5), 'concurrent calls')
            time.sleep(SLOT_POLL_SECONDS)

    def _count(self, cr, now):
        # A window that has run out starts again with this call.
        cr.execute(f"""
            UPDATE {TABLE} SET
                minute_calls = CASE WHEN minute_window_start IS NULL OR minute_window_start <= %(m)s
                                    THEN 1 ELSE minute_calls + 1 END,
                minute_remaining = CASE WHEN minute_window_start IS NULL OR minute_window_start <= %(m)s
                                    THEN NULL ELSE minute_remaining END,
                minute_window_start = CASE WHEN minute_window_start IS NULL OR minute_window_start <= %(m)s
                                    THEN %(now)s ELSE minute_window_start END,
                day_calls = CASE WHEN day_window_start IS NULL OR day_window_start <= %(d)s
                                 THEN 1 ELSE day_calls + 1 END,
                day_remaining = CASE WHEN day_window_start IS NULL OR day_window_start <= %(d)s
                                 THEN NULL ELSE day_remaining END,
                day_window_start = CASE WHEN day_window_start IS NULL OR day_window_start <= %(d)s
                                 THEN %(now)s ELSE day_window_start END,
                last_call_date = %(now)s
            WHERE key IN (%(key)s, 'app')""",
                   {'m': now - MINUTE, 'd': now - DAY, 'now': now, 'key': self.key})

    # --- reading -------------------------------------------------------------------------------

    def state(self):
        """The organisation's row as a dict (None before its first call)."""
        with self.cursor_factory() as cr:
            return read_state(cr, self.key)


def read_state(cr, key):
    cr.execute(f"""SELECT last_call_date, paused_until, retry_at, minute_calls, minute_remaining,
                          day_calls, day_remaining, day_window_start
                     FROM {TABLE} WHERE key = %s""", (key,))
    row = cr.fetchone()
    if not row:
        return None
    names = ('last_call_date', 'paused_until', 'retry_at', 'minute_calls', 'minute_remaining',
             'day_calls', 'day_remaining', 'day_window_start')
    return dict(zip(names, row))


class _Recorder:
    """What one admitted call learnt: Xero's remaining budgets and any 429's orders."""

    def __init__(self, governor, cr):
        self.governor = governor
        self.cr = cr
        self.rate = None
        self.status = None

    def record(self, status, rate):
        self.status, self.rate = status, rate

    def flush(self):
        """Store what Xero said. A failure here is logged, not raised: the call itself is done,
        and its own outcome (a created invoice, a 503) must reach the caller unchanged; Xero
        repeats its budgets and orders on the next answer."""
        if self.rate is None:
            return
        try:
            self._store(self.rate)
        except Exception:
            _logger.warning('Xero governor: could not record the answer of a call for %s',
                            self.governor.key, exc_info=True)

    def _store(self, rate):
        gov = self.governor
        now = gov.clock()
        values = {'key': gov.key, 'm_left': rate.minute_remaining, 'd_left': rate.day_remaining,
                  'retry_at': None, 'paused': None}
        if self.status == 429:
            retry = now + datetime.timedelta(seconds=rate.retry_after or 60)
            if (rate.problem or '').lower() == 'day':
                values['paused'] = retry
            else:
                values['retry_at'] = retry
        self.cr.execute(f"""
            UPDATE {TABLE} SET
                minute_remaining = COALESCE(%(m_left)s, minute_remaining),
                day_remaining = COALESCE(%(d_left)s, day_remaining),
                retry_at = COALESCE(%(retry_at)s, retry_at),
                paused_until = COALESCE(%(paused)s, paused_until)
            WHERE key = %(key)s""", values)
        self.cr.commit()


def resume(cursor_factory, organisation_id, clock=utcnow):
    """Lift a park whose time has come; True when the organisation was parked until now."""
    with cursor_factory() as cr:
        cr.execute(f"""UPDATE {TABLE} SET paused_until = NULL, day_calls = 0, day_remaining = NULL,
                              day_window_start = NULL
                        WHERE key = %s AND paused_until IS NOT NULL AND paused_until <= %s
                    RETURNING key""", (f'org:{organisation_id}', clock()))
        lifted = bool(cr.fetchone())
        cr.commit()
        return lifted
