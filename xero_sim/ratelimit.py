"""Xero's per-tenant and app-wide limits: fixed windows that start at the
first call of the window (so each tenant resets at its own time, as Xero
says), plus an in-flight (concurrent) cap."""
import math
import threading

DEFAULT_LIMITS = {'minute': 60, 'concurrent': 5, 'day': 5000,
                  'app_minute': 10000}


class _Window:
    __slots__ = ('length', 'start', 'count')

    def __init__(self, length):
        self.length = length
        self.start = None
        self.count = 0

    def roll(self, now):
        if self.start is None or now >= self.start + self.length:
            self.start = now
            self.count = 0

    def retry_after(self, now):
        return max(1, int(math.ceil(self.start + self.length - now)))


class RateLimiter:
    def __init__(self, clock, limits=None):
        self.clock = clock
        self._lock = threading.Lock()
        self.limits = dict(DEFAULT_LIMITS)
        if limits:
            self.set_limits(**limits)
        self.reset()

    def set_limits(self, **limits):
        unknown = set(limits) - set(DEFAULT_LIMITS)
        if unknown:
            raise ValueError('unknown rate limits: %s' % ', '.join(unknown))
        self.limits.update(limits)

    def reset(self):
        with self._lock:
            self._minute = {}
            self._day = {}
            self._inflight = {}
            self._app = _Window(60)

    def _windows(self, tenant_id):
        if tenant_id not in self._minute:
            self._minute[tenant_id] = _Window(60)
            self._day[tenant_id] = _Window(86400)
            self._inflight[tenant_id] = 0
        return self._minute[tenant_id], self._day[tenant_id]

    def acquire(self, tenant_id):
        """Count a call. Returns None when allowed (caller must release()),
        else (problem, retry_after_seconds)."""
        now = self.clock.time()
        with self._lock:
            minute, day = self._windows(tenant_id)
            for w in (minute, day, self._app):
                w.roll(now)
            lim = self.limits
            if day.count >= lim['day']:
                return 'day', day.retry_after(now)
            if minute.count >= lim['minute']:
                return 'minute', minute.retry_after(now)
            if self._app.count >= lim['app_minute']:
                return 'appminute', self._app.retry_after(now)
            if self._inflight[tenant_id] >= lim['concurrent']:
                return 'concurrent', 1
            minute.count += 1
            day.count += 1
            self._app.count += 1
            self._inflight[tenant_id] += 1
            return None

    def release(self, tenant_id):
        with self._lock:
            if self._inflight.get(tenant_id):
                self._inflight[tenant_id] -= 1

    def headers(self, tenant_id):
        now = self.clock.time()
        with self._lock:
            lim = self.limits
            if tenant_id is None:
                minute_left, day_left = lim['minute'], lim['day']
            else:
                minute, day = self._windows(tenant_id)
                minute.roll(now)
                day.roll(now)
                minute_left = lim['minute'] - minute.count
                day_left = lim['day'] - day.count
            self._app.roll(now)
            app_left = lim['app_minute'] - self._app.count
        return {'X-MinLimit-Remaining': str(max(0, minute_left)),
                'X-DayLimit-Remaining': str(max(0, day_left)),
                'X-AppMinLimit-Remaining': str(max(0, app_left))}
