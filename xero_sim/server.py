"""HTTP layer: routing, request log and counters, fault injection, bearer
and tenant checks, rate limits, Idempotency-Key replay."""
import hashlib
import socket
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import accounting, control, deep_link, identity_http
from .accounting.base import ApiError, check_boolean_query
from .faults import garble
from .messages import Response, json_response
from .observability import RecordedRequest
from .util import CIDict, is_uuid

API = accounting.API_PREFIX.lower()
IDEMPOTENT_METHODS = ('PUT', 'POST', 'PATCH')


def classify(method, path):
    """(area, canonical endpoint) of a request path."""
    low = path.lower().rstrip('/') or '/'
    if low == '/_sim' or low.startswith('/_sim/'):
        return 'control', path
    if low == '/identity/connect/authorize':
        return 'authorize', '/identity/connect/authorize'
    if low in ('/connect/token', '/connect/revocation'):
        return 'token', low
    if low == '/connections':
        return 'connections', '/connections'
    if low.startswith('/connections/'):
        return 'connections', '/connections/{id}'
    if low == API or low.startswith(API + '/'):
        return 'api', accounting.canonical_endpoint(method, path[len(API):])
    if low == deep_link.DEEP_LINK_PATH:
        return 'deep_link', deep_link.DEEP_LINK_PATH
    return 'unknown', path


def _problem(status, title, detail):
    return json_response(status, {'Type': None, 'Title': title, 'Status': status,
                                  'Detail': detail, 'Instance': str(uuid.uuid4()),
                                  'Extensions': {}})


def unauthorized(detail='AuthenticationUnsuccessful'):
    resp = _problem(401, 'Unauthorized', detail)
    resp.headers['WWW-Authenticate'] = 'Bearer error="invalid_token"' if detail == 'TokenExpired' \
        else 'Bearer'
    return resp


def forbidden():
    return _problem(403, 'Forbidden', 'AuthenticationUnsuccessful')


def rate_limited(sim, problem, retry_after, tenant_id):
    sim.counters.record_rate_limited(problem, tenant_id)
    resp = json_response(429, {'Title': 'Too Many Requests', 'Status': 429,
                               'Detail': "You've exceeded the per %s rate limit" % problem})
    resp.headers['Retry-After'] = str(int(retry_after))
    resp.headers['X-Rate-Limit-Problem'] = problem
    return resp


def fault_status(fault):
    status = int(fault.opts.get('status', 500))
    detail = {500: 'An error occurred in Xero. Check the API Status page '
                   'http://status.developer.xero.com for current service status.',
              503: 'The Xero API is temporarily unavailable'}.get(status, 'Injected fault')
    resp = _problem(status, 'Simulated fault', fault.opts.get('body') or detail)
    if fault.opts.get('retry_after') is not None:
        resp.headers['Retry-After'] = str(fault.opts['retry_after'])
    return resp


def _bearer(req):
    auth = req.headers.get('Authorization') or ''
    if auth[:7].lower() == 'bearer ':
        return auth[7:].strip()
    return None


def handle_api(sim, req, slow_delay):
    grant, reason = sim.identity.check_access_token(_bearer(req))
    if grant is None:
        return unauthorized(reason)
    tenant_id = req.tenant_id
    org = sim.get_organisation(tenant_id) if tenant_id else None
    if org is None or not sim.identity.is_connected(grant, tenant_id):
        return forbidden()
    # Calls that reach the limiter count as in flight, refused ones too, so
    # the peak shows what the client attempted, not what the limit let in.
    sim.counters.enter_call(tenant_id)
    try:
        return _limited_call(sim, req, org, slow_delay, grant)
    finally:
        sim.counters.leave_call(tenant_id)


# The collections a client can add to, and the key of each object's id.
API_COLLECTIONS = ('contacts', 'contact_groups', 'items', 'invoices', 'credit_notes', 'payments',
                   'bank_transactions', 'accounts', 'tax_rates')


def _mark_new_objects(org, before, client_id):
    """Say which app created what: /_sim/ shows it (e.g. "from Odoo" in the demo)."""
    for name in API_COLLECTIONS:
        for key, obj in getattr(org, name).items():
            if key not in before[name] and isinstance(obj, dict):
                obj.setdefault('_client', client_id)
        if name == 'credit_notes':
            for note in org.credit_notes.values():
                for allocation in note.get('Allocations') or ():
                    if allocation.get('AllocationID') not in before['allocations']:
                        allocation.setdefault('_client', client_id)


def _object_keys(org):
    keys = {name: set(getattr(org, name)) for name in API_COLLECTIONS}
    keys['allocations'] = {a.get('AllocationID') for note in org.credit_notes.values()
                           for a in note.get('Allocations') or ()}
    return keys


def _limited_call(sim, req, org, slow_delay, grant=None):
    tenant_id = org.tenant_id
    limited = sim.ratelimiter.acquire(tenant_id)
    if limited:
        return rate_limited(sim, limited[0], limited[1], tenant_id)
    try:
        if slow_delay:
            time.sleep(slow_delay)
        handler, params, _canon, exists = accounting.resolve(
            req.method, req.path[len(API):])
        if handler is None:
            if exists:
                return _problem(405, 'Method Not Allowed', 'The method is not allowed')
            return _problem(404, 'NotFound', "The resource you're looking for cannot be found")
        with sim.lock:
            # Lock dates depend on who posts (advisers may post into a locked period).
            org.acting_role = org.role_of(grant['user']) if grant else None
            before = _object_keys(org) if req.method in ('PUT', 'POST') else None
            try:
                return _with_idempotency(sim, req, org, handler, params)
            finally:
                org.acting_role = None
                if before is not None:
                    _mark_new_objects(org, before, grant['client_id'] if grant else None)
    finally:
        sim.ratelimiter.release(tenant_id)


def _request_digest(req):
    # "The same key with a different request gives 400" (XERO_API.md section 9):
    # the request is its method, path, query and body.
    query = sorted((k, tuple(v)) for k, v in req.query_lists.items())
    text = '%s %s %r ' % (req.method, req.path.lower(), query)
    return hashlib.sha256(text.encode('utf-8') + (req.body or b'')).hexdigest()


def _forget_old_keys(sim, org):
    """Drop keys nobody can use any more. They stay a day (or the retention,
    if longer) so that a re-use after the window can still be counted."""
    keep = max(sim.idempotency_retention_seconds, 86400)
    cutoff = sim.clock.time() - keep
    store = org.idempotency
    # Keys sit in first-use order, so the oldest are at the front.
    while store:
        oldest = next(iter(store))
        if store[oldest][4] > cutoff:
            break
        del store[oldest]


def _key_error(message):
    return json_response(400, {
        'ErrorNumber': 10, 'Type': 'ValidationException', 'Message': message,
        'Elements': [{'ValidationErrors': [{'Message': message}]}]})


def _replay(sim, req, org, key):
    """The answer for a key seen within the retention window: the stored
    response, or 400 if the request differs. None = process the request."""
    stored = org.idempotency.get(key)
    if stored is None:
        return None
    status, body, headers, stored_digest, first_used = stored
    if sim.clock.time() - first_used >= sim.idempotency_retention_seconds:
        # Xero forgot the key: the request runs again (and may duplicate).
        del org.idempotency[key]
        sim.counters.add('idempotent_expired')
        return None
    if stored_digest != _request_digest(req):
        sim.counters.add('idempotent_conflicts')
        return _key_error('The Idempotency-Key %s has already been used with a different '
                          'request.' % key)
    sim.counters.record_replay(org.tenant_id)
    resp = Response(status, body, headers)
    resp.headers['Idempotent-Replayed'] = 'true'
    return resp


def _remember(sim, req, resp):
    """Keep an internal error against the request's key, as Xero does (XERO_API.md section
    9): replays within the window get the same error, and only a new key runs the request."""
    org = sim.get_organisation(req.tenant_id or '')
    key = req.headers.get('Idempotency-Key')
    if org is None or key is None or req.method not in IDEMPOTENT_METHODS:
        return
    with sim.lock:
        known = org.idempotency.get(key)
        if known is None or sim.clock.time() - known[4] >= sim.idempotency_retention_seconds:
            org.idempotency.pop(key, None)  # a re-use after the window starts a new window
            _forget_old_keys(sim, org)
            org.idempotency[key] = (resp.status, resp.body, dict(resp.headers),
                                    _request_digest(req), sim.clock.time())


def _with_idempotency(sim, req, org, handler, params):
    try:
        check_boolean_query(req)
    except ApiError as exc:
        return json_response(exc.status, exc.body)
    key = req.headers.get('Idempotency-Key')
    if req.method not in IDEMPOTENT_METHODS:
        key = None
    if key is not None:
        if len(key) > 128:
            return _key_error('Idempotency-Key must be 128 characters or fewer')
        replayed = _replay(sim, req, org, key)
        if replayed is not None:
            return replayed
    try:
        resp = handler(sim, req, org, **params)
        sim.webhooks.flush()
    except ApiError as exc:
        resp = json_response(exc.status, exc.body)
        # Summarised batches commit valid elements, so keep their events.
        sim.webhooks.flush()
    except Exception:
        sim.webhooks.discard_pending()
        raise
    if key is not None and resp.status < 500:
        _forget_old_keys(sim, org)
        org.idempotency[key] = (resp.status, resp.body, dict(resp.headers),
                                _request_digest(req), sim.clock.time())
    return resp


def dispatch(sim, req, area, slow_delay):
    if area == 'control':
        return control.handle(sim, req)
    if slow_delay and area != 'api':
        time.sleep(slow_delay)
    if area == 'deep_link':
        if req.method != 'GET':
            return _problem(405, 'Method Not Allowed', '')
        return deep_link.deep_link(sim, req)
    if area == 'authorize':
        if req.method not in ('GET', 'POST'):
            return _problem(405, 'Method Not Allowed', '')
        return identity_http.authorize(sim, req)
    if area == 'token':
        if req.method != 'POST':
            return _problem(405, 'Method Not Allowed', '')
        if req.endpoint == '/connect/token':
            return identity_http.token(sim, req)
        return identity_http.revocation(sim, req)
    if area == 'connections':
        grant, reason = sim.identity.check_access_token(_bearer(req))
        if grant is None:
            return unauthorized(reason)
        conn_id = req.path.rstrip('/').split('/')[-1] if req.endpoint.endswith('{id}') else None
        return identity_http.connections(sim, req, grant, conn_id)
    if area == 'api':
        resp = handle_api(sim, req, slow_delay)
        resp.headers.update(sim.ratelimiter.headers(
            req.tenant_id if sim.get_organisation(req.tenant_id or '') else None))
        return resp
    return _problem(404, 'NotFound', 'No such endpoint in the Xero simulator')


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    # An idle keep-alive connection is closed after this long, as real servers do.
    timeout = 60
    server_version = 'XeroSimulator/1.0'

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def setup(self):
        super().setup()
        # Headers and body go out as separate writes; without NODELAY,
        # Nagle + delayed ACK add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _handle(self):
        sim = self.server.sim
        parts = urlsplit(self.path)
        query_lists = parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        headers = CIDict(self.headers.items())
        tenant_id = headers.get('Xero-Tenant-Id')
        tenant_id = tenant_id.strip().lower() if tenant_id and is_uuid(tenant_id.strip()) \
            else (tenant_id or None)
        area, endpoint = classify(self.command, parts.path)
        req = RecordedRequest(self.command, parts.path,
                              {k: v[0] for k, v in query_lists.items()}, headers, body,
                              tenant_id, endpoint, sim.clock.now(), query_lists)
        fault = None
        if area != 'control':
            sim.requests.append(req)
            sim.counters.record_call(self.command, endpoint, tenant_id)
            fault = sim.faults.take(self.command, parts.path, endpoint, tenant_id)
        try:
            if fault and fault.kind == 'status' and fault.opts.get('after'):
                # The request is performed (and its answer kept against its key), then the
                # answer is lost behind a server error.
                dispatch(sim, req, area, 0)
                resp = fault_status(fault)
            elif fault and fault.kind in ('status', 'rate_limit'):
                resp = fault_status(fault) if fault.kind == 'status' else rate_limited(
                    sim, fault.opts['problem'], fault.opts['retry_after'], tenant_id)
                if fault.kind == 'status' and fault.opts.get('stored'):
                    _remember(sim, req, resp)
                if area == 'api':
                    resp.headers.update(sim.ratelimiter.headers(
                        tenant_id if sim.get_organisation(tenant_id or '') else None))
            else:
                delay = fault.opts['delay'] if fault and fault.kind == 'slow' else 0
                resp = dispatch(sim, req, area, delay)
        except Exception:  # a simulator bug must not kill the server
            sim.errors.append(traceback.format_exc())
            resp = _problem(500, 'Simulator error', traceback.format_exc(limit=3))
        if fault and fault.kind == 'garbled' and resp.status == 200:
            resp.body = garble(resp.body)
        if fault and fault.kind == 'drop':
            sim.counters.add('dropped')
            hang = float(fault.opts.get('hang', 0) or 0)
            if hang:
                time.sleep(hang)
            self._drop()
            return
        req.status = resp.status
        if area != 'control':
            sim.counters.record_status(self.command, endpoint, resp.status)
        self._send(resp)

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, resp):
        self.send_response(resp.status)
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(resp.body)))
        self.end_headers()
        if self.command != 'HEAD' and resp.body:
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._connections = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        """Hang up on clients that keep their connections alive: each holds a thread here, and
        a test run that starts many simulators would otherwise run out of threads."""
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def handle_error(self, request, client_address):
        # Client hang-ups are expected (drops, timeouts); stay silent.
        pass


def make_server(sim, host, port):
    server = SimHTTPServer((host, port), Handler)
    server.sim = sim
    return server
