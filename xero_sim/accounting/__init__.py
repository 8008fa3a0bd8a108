"""Accounting API (/api.xro/2.0) route table.

Each resource module exposes ROUTES = [(method, pattern, handler)] where the
pattern's {name} segments become keyword arguments of the handler
handler(sim, req, org, **params) -> Response."""
import importlib

API_PREFIX = '/api.xro/2.0'
_MODULES = ('organisation', 'accounts', 'tax_rates', 'contacts',
            'contact_groups', 'items', 'invoices', 'credit_notes', 'payments',
            'bank_transactions', 'users', 'overpayments', 'batch_payments')


def _load_routes():
    routes = []
    for name in _MODULES:
        try:
            module = importlib.import_module('.' + name, __name__)
        except ModuleNotFoundError as exc:
            if exc.name != __name__ + '.' + name:
                raise
            continue
        for method, pattern, handler in module.ROUTES:
            segments = [s for s in pattern.split('/') if s]
            routes.append((method, segments, handler))
    # Literal segments win over placeholders at the same position.
    routes.sort(key=lambda r: tuple(s.startswith('{') for s in r[1]))
    return routes


ROUTES = _load_routes()


def resolve(method, subpath):
    """(handler, params, canonical_pattern, path_exists) for an API path
    relative to /api.xro/2.0. handler is None when nothing matches."""
    parts = [p for p in subpath.split('/') if p]
    path_exists = False
    for route_method, segments, handler in ROUTES:
        if len(segments) != len(parts):
            continue
        params = {}
        for seg, part in zip(segments, parts):
            if seg.startswith('{'):
                params[seg[1:-1]] = part
            elif seg.lower() != part.lower():
                break
        else:
            path_exists = True
            canonical = '/' + '/'.join('{id}' if s.startswith('{') else s
                                       for s in segments)
            if route_method == method:
                return handler, params, canonical, True
    return None, None, None, path_exists


def canonical_endpoint(method, subpath):
    """Normalised endpoint for counters, e.g. /api.xro/2.0/Invoices/{id}."""
    parts = [p for p in subpath.split('/') if p]
    best = None
    for _route_method, segments, _handler in ROUTES:
        if len(segments) != len(parts):
            continue
        if all(seg.startswith('{') or seg.lower() == part.lower()
               for seg, part in zip(segments, parts)):
            canonical = '/'.join('{id}' if s.startswith('{') else s for s in segments)
            # Prefer literal segments over placeholders (Contacts/{id} vs ...).
            score = sum(1 for s in segments if not s.startswith('{'))
            if best is None or score > best[0]:
                best = (score, canonical)
    if best:
        return API_PREFIX + '/' + best[1]
    return API_PREFIX + '/' + '/'.join(parts)
