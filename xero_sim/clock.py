"""Clock used for token lifetimes, rate-limit windows and UpdatedDateUTC.

In virtual mode time only moves when a test calls advance(), so tests and
benchmarks can cross a 30-minute token expiry or a daily rate limit
instantly."""
import datetime as dt
import threading
import time

UTC = dt.timezone.utc


class Clock:
    def __init__(self, virtual=False, start=None):
        self.virtual = virtual
        self._lock = threading.Lock()
        self._offset = 0.0
        if start is None:
            start = dt.datetime.now(UTC).replace(microsecond=0)
        self._virtual_now = start.timestamp()

    def time(self):
        """Seconds since the epoch, like time.time()."""
        with self._lock:
            if self.virtual:
                return self._virtual_now
            return time.time() + self._offset

    def now(self):
        return dt.datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds):
        # In real mode an offset keeps "advance" meaningful too.
        with self._lock:
            if self.virtual:
                self._virtual_now += seconds
            else:
                self._offset += seconds
        return self.now()

    def set(self, when):
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        with self._lock:
            if self.virtual:
                self._virtual_now = when.timestamp()
            else:
                self._offset = when.timestamp() - time.time()
