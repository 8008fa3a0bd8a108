"""Small helpers shared by the simulator: ids, MS-JSON dates, Decimal
rounding, JSON encoding and a case-insensitive header mapping."""
import datetime as dt
import json
import re
import uuid
from collections.abc import MutableMapping
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP
from email.utils import parsedate_to_datetime

UTC = dt.timezone.utc
TWO = Decimal('0.01')
FOUR = Decimal('0.0001')
ZERO = Decimal('0')


def new_id():
    return str(uuid.uuid4())


def is_uuid(value):
    try:
        uuid.UUID(str(value))
        return True
    except (ValueError, TypeError, AttributeError):
        return False


# -- Decimal ---------------------------------------------------------------

def dec(value, default=None):
    """Parse a JSON number/string into Decimal without passing through
    binary floats more than once (json already gave us a float or str)."""
    if value is None or value == '':
        return default
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError('boolean is not a number')
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError('not a number: %r' % (value,))


def round2(value):
    return Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP)


def round4(value):
    return Decimal(value).quantize(FOUR, rounding=ROUND_HALF_UP)


# -- dates -----------------------------------------------------------------

_MS_DATE = re.compile(r'^/Date\((-?\d+)([+-]\d{2,4})?\)/$')


def to_ms(value):
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(round(value.timestamp() * 1000))
    if isinstance(value, dt.date):
        return int(dt.datetime(value.year, value.month, value.day,
                               tzinfo=UTC).timestamp() * 1000)
    raise TypeError(value)


def ms_date(value):
    """Xero's MS-JSON form, e.g. /Date(1518685950940+0000)/."""
    if value is None:
        return None
    return '/Date(%d+0000)/' % to_ms(value)


def iso_date_string(value):
    """Xero's companion *String fields (DateString: 2018-02-15T00:00:00)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')
    return value.strftime('%Y-%m-%dT00:00:00')


def parse_date(value):
    """Accept what clients actually send for a date: MS-JSON (the SDK),
    ISO date, ISO datetime. Returns a date or raises ValueError."""
    if value is None or value == '':
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = _MS_DATE.match(text)
    if m:
        ms = int(m.group(1))
        return dt.datetime.fromtimestamp(ms / 1000.0, tz=UTC).date()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError('Invalid date %r' % (value,))


def parse_http_datetime(value):
    """If-Modified-Since as sent by the SDK (datetime.isoformat(), naive =
    UTC) or as an RFC 1123 HTTP date. Truncated to the second."""
    if not value:
        return None
    text = value.strip()
    parsed = None
    try:
        parsed = dt.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)


def fmt_lock_date(value):
    """30-Nov-2018, as quoted in Xero's lock date messages."""
    return value.strftime('%d-%b-%Y')


# -- JSON ------------------------------------------------------------------

_DEC_MARK = '\u0000dec:'
_DEC_RE = re.compile(r'"\\u0000dec:([-0-9.E+]+)"')


def _default(obj):
    if isinstance(obj, Decimal):
        # Exact decimal text in the output (11.44, 100.00) instead of floats.
        return _DEC_MARK + str(obj)
    if isinstance(obj, dt.datetime):
        return ms_date(obj)
    if isinstance(obj, dt.date):
        return ms_date(obj)
    raise TypeError('not JSON serialisable: %r' % (obj,))


def dumps(obj):
    text = json.dumps(obj, default=_default, ensure_ascii=False)
    return _DEC_RE.sub(lambda m: m.group(1), text)


def loads(raw):
    if isinstance(raw, bytes):
        raw = raw.decode('utf-8')
    return json.loads(raw, parse_float=Decimal)


class CIDict(MutableMapping):
    """Case-insensitive mapping that keeps the original key spelling."""

    def __init__(self, data=None):
        self._store = {}
        if data:
            for key, value in (data.items() if hasattr(data, 'items') else data):
                self[key] = value

    def __setitem__(self, key, value):
        self._store[key.lower()] = (key, value)

    def __getitem__(self, key):
        return self._store[key.lower()][1]

    def __delitem__(self, key):
        del self._store[key.lower()]

    def __iter__(self):
        return (k for k, _ in self._store.values())

    def __len__(self):
        return len(self._store)

    def __repr__(self):
        return 'CIDict(%r)' % dict(self.items())
