"""Fault injection.

Kinds:
  drop        perform and commit the request, then close the socket without
              answering (the client sees a reset); opts: hang = seconds to
              wait before closing, so a client read timeout fires first
  status      answer `status` (500/503...) without performing the request;
              opts: retry_after, body; after=True performs and commits the request
              first (its answer is kept against its Idempotency-Key), then answers
              `status`: an answer lost after the commit; stored=True keeps the
              error against the request's Idempotency-Key without performing it
              (Xero's internal error: replays get it until the window passes)
  rate_limit  answer 429 with X-Rate-Limit-Problem=`problem`
              (minute|day|concurrent) and Retry-After=`retry_after`
  slow        sleep `delay` seconds, then answer normally
  garbled     perform the request, then answer 200 with a body whose values have the
              wrong JSON types (a boolean given as a string), as Xero's own spec examples
              do in places: the SDK's deserializer refuses it (a decoding error)

Matching: method (None = any), path (None = any; a normalised endpoint such
as /api.xro/2.0/Invoices, a raw path prefix, or an API-relative prefix such
as /Invoices), tenant_id (None = any). count=None never runs out.
"""
import json
import threading

KINDS = ('drop', 'status', 'rate_limit', 'slow', 'garbled')
# The control API parses JSON numbers as Decimal, which time.sleep() refuses.
NUMERIC_OPTS = {'delay': float, 'hang': float, 'status': int, 'retry_after': int}


class Fault:
    def __init__(self, kind, method=None, path=None, tenant_id=None, count=1,
                 **opts):
        if kind not in KINDS:
            raise ValueError('unknown fault kind %r (expected one of %s)'
                             % (kind, ', '.join(KINDS)))
        self.kind = kind
        self.method = method.upper() if method else None
        self.path = path
        self.tenant_id = tenant_id
        self.count = None if count is None else int(count)  # None = forever
        self.opts = opts
        if kind == 'status':
            opts.setdefault('status', 500)
        if kind == 'rate_limit':
            opts.setdefault('problem', 'minute')
            opts.setdefault('retry_after', 60 if opts['problem'] != 'day'
                            else 43200)
        if kind == 'slow':
            opts.setdefault('delay', 1.0)
        for name, convert in NUMERIC_OPTS.items():
            if opts.get(name) is not None:
                opts[name] = convert(opts[name])

    def matches(self, method, path, endpoint, tenant_id):
        if self.method and self.method != method:
            return False
        if self.tenant_id and self.tenant_id != tenant_id:
            return False
        if self.path:
            want = self.path.lower().rstrip('/')
            # Either the normalised endpoint, or a raw path prefix.
            if want != endpoint.lower() and not path.lower().startswith(want):
                # Allow relative API paths such as '/Accounts'.
                if not path.lower().startswith('/api.xro/2.0' + want):
                    return False
        return True

    def as_dict(self):
        return dict(kind=self.kind, method=self.method, path=self.path,
                    tenant_id=self.tenant_id, count=self.count, **self.opts)


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []
        self.fired = []  # (kind, method, path) of each fault that triggered

    def add(self, kind, method=None, path=None, tenant_id=None, count=1,
            **opts):
        fault = Fault(kind, method, path, tenant_id, count, **opts)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self):
        with self._lock:
            self._faults = []
            self.fired = []

    def __len__(self):
        return len(self._faults)

    def __iter__(self):
        return iter(list(self._faults))

    def take(self, method, path, endpoint, tenant_id):
        """First matching fault, consuming one of its uses."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, endpoint, tenant_id):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self._faults.remove(fault)
                    self.fired.append((fault.kind, method, path))
                    return fault
        return None


def garble(body):
    """The body with every boolean given as the string "true"/"false" (and, if there is none,
    a boolean field added as a string): valid JSON the SDK's typed deserializer refuses."""
    found = []

    def walk(value):
        if isinstance(value, bool):
            found.append(value)
            return 'true' if value else 'false'
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value
    try:
        data = json.loads(body or b'{}')
    except ValueError:
        return b'{"garbled'
    data = walk(data)
    if not found and isinstance(data, dict):
        for value in data.values():
            if isinstance(value, list):
                for element in value:
                    if isinstance(element, dict):
                        element['HasErrors'] = 'no'
    return json.dumps(data).encode()
