"""What the simulator saw: request log and counters."""
import threading
from collections import Counter


class RecordedRequest:
    """One received request. Attribute access and dict access both work,
    so tests can write req.method or req['method']."""

    __slots__ = ('method', 'path', 'query', 'query_lists', 'headers', 'body',
                 'tenant_id', 'endpoint', 'time', 'status')

    def __init__(self, method, path, query, headers, body, tenant_id,
                 endpoint, time, query_lists=None):
        self.method = method
        self.path = path
        self.query = query
        self.query_lists = query_lists or {k: [v] for k, v in query.items()}
        self.headers = headers
        self.body = body
        self.tenant_id = tenant_id
        self.endpoint = endpoint
        self.time = time
        self.status = None  # filled in when answered; None = dropped

    def __getitem__(self, key):
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key)

    def get(self, key, default=None):
        return getattr(self, key, default)

    def json(self):
        from .util import loads
        return loads(self.body) if self.body else None

    def __repr__(self):
        return '<%s %s tenant=%s status=%s>' % (
            self.method, self.path, self.tenant_id, self.status)


class Counters:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, '_lock', threading.Lock()):
            self.calls = Counter()        # (method, endpoint, tenant_id) -> n
            self.statuses = Counter()     # (method, endpoint, status) -> n
            self.rate_limited = 0         # 429s served (real or injected)
            self.rate_limited_by_problem = Counter()
            self.rate_limited_by_tenant = Counter()  # (tenant_id, problem) -> n
            self.in_flight = Counter()      # tenant_id -> accounting calls being handled now
            self.max_in_flight = Counter()  # tenant_id -> highest in_flight seen
            self.created_objects = Counter()  # (tenant_id, endpoint, Type or None) -> n
            self.idempotent_replays = 0
            self.idempotent_replays_by_tenant = Counter()
            self.idempotent_conflicts = 0  # same key, different request: 400
            self.idempotent_expired = 0    # key re-used after its window: ran again
            self.duplicates = 0
            self.duplicate_details = []
            self.dropped = 0
            self.webhooks_sent = 0
            self.webhook_failures = []

    def record_call(self, method, endpoint, tenant_id):
        with self._lock:
            self.calls[(method, endpoint, tenant_id)] += 1

    def record_status(self, method, endpoint, status):
        with self._lock:
            self.statuses[(method, endpoint, status)] += 1

    def add(self, name, amount=1):
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def record_rate_limited(self, problem, tenant_id=None):
        with self._lock:
            self.rate_limited += 1
            self.rate_limited_by_problem[problem] += 1
            self.rate_limited_by_tenant[(tenant_id, problem)] += 1

    def rate_limited_count(self, tenant_id=None, problem=None):
        """429s sent (real or injected) to one tenant and/or for one problem
        (minute, day, concurrent, appminute); None = any."""
        with self._lock:
            return sum(n for (t, p), n in self.rate_limited_by_tenant.items()
                       if (tenant_id is None or t == tenant_id)
                       and (problem is None or p == problem))

    def enter_call(self, tenant_id):
        with self._lock:
            self.in_flight[tenant_id] += 1
            if self.in_flight[tenant_id] > self.max_in_flight[tenant_id]:
                self.max_in_flight[tenant_id] = self.in_flight[tenant_id]

    def leave_call(self, tenant_id):
        with self._lock:
            if self.in_flight[tenant_id] > 0:  # a reset() may have run meanwhile
                self.in_flight[tenant_id] -= 1

    def max_concurrent(self, tenant_id):
        """Highest number of accounting calls of the tenant handled at once
        (including calls refused with 429 concurrent)."""
        with self._lock:
            return self.max_in_flight[tenant_id]

    def record_created(self, tenant_id, endpoint, obj_type=None):
        with self._lock:
            self.created_objects[(tenant_id, endpoint, obj_type)] += 1

    def created(self, tenant_id=None, endpoint=None, obj_type=None):
        """Objects created (not updated) through the API, e.g.
        created(tenant, 'Invoices', 'ACCPAY'); None = any. endpoint is the
        collection name: Invoices, CreditNotes, Contacts, Payments,
        BankTransactions, Items, Accounts, TaxRates, ContactGroups, Allocations."""
        ep = endpoint.lower() if endpoint else None
        with self._lock:
            return sum(n for (t, e, k), n in self.created_objects.items()
                       if (tenant_id is None or t == tenant_id)
                       and (ep is None or e.lower() == ep)
                       and (obj_type is None or k == obj_type))

    def record_replay(self, tenant_id):
        with self._lock:
            self.idempotent_replays += 1
            self.idempotent_replays_by_tenant[tenant_id] += 1

    def record_duplicate(self, kind, tenant_id, detail):
        with self._lock:
            self.duplicates += 1
            self.duplicate_details.append(
                {'kind': kind, 'tenant_id': tenant_id, 'detail': detail})

    def count(self, method=None, endpoint=None, tenant_id=None):
        """Sum of calls matching every given criterion (None = any).
        endpoint matching is case-insensitive."""
        ep = endpoint.lower() if endpoint else None
        with self._lock:
            return sum(n for (m, e, t), n in self.calls.items()
                       if (method is None or m == method.upper())
                       and (ep is None or e.lower() == ep)
                       and (tenant_id is None or t == tenant_id))

    def as_dict(self):
        with self._lock:
            return {
                'calls': [{'method': m, 'endpoint': e, 'tenant_id': t,
                           'count': n}
                          for (m, e, t), n in sorted(
                              self.calls.items(),
                              key=lambda kv: tuple(str(x) for x in kv[0]))],
                'total_calls': sum(self.calls.values()),
                'statuses': [{'method': m, 'endpoint': e, 'status': s,
                              'count': n}
                             for (m, e, s), n in sorted(
                                 self.statuses.items(),
                                 key=lambda kv: tuple(str(x) for x in kv[0]))],
                'rate_limited': self.rate_limited,
                'rate_limited_by_problem': dict(self.rate_limited_by_problem),
                'rate_limited_by_tenant': [
                    {'tenant_id': t, 'problem': p, 'count': n}
                    for (t, p), n in sorted(self.rate_limited_by_tenant.items(),
                                            key=lambda kv: tuple(str(x) for x in kv[0]))],
                'max_concurrent': {str(t): n for t, n in self.max_in_flight.items()},
                'created': [{'tenant_id': t, 'endpoint': e, 'type': k, 'count': n}
                            for (t, e, k), n in sorted(
                                self.created_objects.items(),
                                key=lambda kv: tuple(str(x) for x in kv[0]))],
                'idempotent_replays': self.idempotent_replays,
                'idempotent_replays_by_tenant': dict(self.idempotent_replays_by_tenant),
                'idempotent_conflicts': self.idempotent_conflicts,
                'idempotent_expired': self.idempotent_expired,
                'duplicates': self.duplicates,
                'duplicate_details': list(self.duplicate_details),
                'dropped': self.dropped,
                'webhooks_sent': self.webhooks_sent,
                'webhook_failures': list(self.webhook_failures),
            }
