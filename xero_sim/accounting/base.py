"""Shared machinery of the Accounting API handlers: Xero's response
envelope, error shapes, paging, If-Modified-Since, and batch writes with
summarizeErrors."""
import datetime as dt
import math

from ..messages import json_response
from ..state import public
from ..util import dec, loads, new_id, parse_date, parse_http_datetime, to_ms
from .where import WhereError, compile_where


class ApiError(Exception):
    """Abort the request with a ready-made Xero error body."""

    def __init__(self, status, body):
        super().__init__(body)
        self.status = status
        self.body = body


class Invalid(Exception):
    """One element failed validation; messages become ValidationErrors."""

    def __init__(self, *messages):
        super().__init__(messages[0] if messages else 'invalid')
        self.messages = list(messages)


def validation_body(elements, message='A validation exception occurred'):
    return {'ErrorNumber': 10, 'Type': 'ValidationException',
            'Message': message, 'Elements': elements}


def validation_error(message):
    """400 ValidationException for a request that is not a batch."""
    return ApiError(400, validation_body([{'ValidationErrors': [{'Message': message}]}]))


def not_found(detail="The resource you're looking for cannot be found"):
    return ApiError(404, {'Type': None, 'Title': 'NotFound', 'Status': 404,
                          'Detail': detail})


def post_data_invalid(message):
    return ApiError(400, {'ErrorNumber': 14, 'Type': 'PostDataInvalidException',
                          'Message': message})


def envelope(sim, key, items, extra=None):
    body = {'Id': new_id(), 'Status': 'OK', 'ProviderName': sim.provider_name,
            'DateTimeUTC': '/Date(%d)/' % int(sim.clock.time() * 1000)}
    if extra:
        body.update(extra)
    body[key] = items
    return body


def ok(sim, key, items, extra=None, status=200):
    return json_response(status, envelope(sim, key, [public(i) for i in items], extra))


def read_body(req, key):
    """List of elements from {"Key": [...]} or a bare single element."""
    if not req.body:
        raise post_data_invalid('The request body is empty')
    try:
        data = loads(req.body)
    except ValueError as exc:
        raise post_data_invalid('Invalid JSON: %s' % exc)
    if isinstance(data, dict) and key in data:
        data = data[key]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise post_data_invalid('Expected %s as a list of objects' % key)
    # An explicit null means "not given" (the SDK omits such fields anyway).
    return [{k: v for k, v in x.items() if v is not None} for x in data]


def flag(req, name, default=None):
    """A boolean query parameter. Xero's spec types it as boolean, written `true` or `false`;
    anything else (Python's `True` included) answers 422, as a server that validates requests
    against the spec does."""
    value = req.query.get(name)
    if value is None:
        return default
    if value not in ('true', 'false'):
        raise ApiError(422, {'Title': 'Invalid request', 'Status': 422,
                             'Detail': '%s must be a boolean (true or false), got %r' % (name, value)})
    return value == 'true'


# The query parameters Xero's spec types as boolean (any endpoint).
BOOLEAN_QUERY = ('summarizeErrors', 'includeArchived', 'summaryOnly', 'createdByMyApp', 'includeDeleted',
                 'IncludeOnline', 'paymentsOnly', 'standardLayout', 'allowBackorders')


def check_boolean_query(req):
    """Refuse, before anything is done, a request whose boolean parameter is not written as
    the spec says."""
    for name in BOOLEAN_QUERY:
        flag(req, name)


def csv_param(req, name):
    value = req.query.get(name)
    if not value:
        return None
    return [v.strip() for v in value.split(',') if v.strip()]


def filter_modified_since(req, items):
    since = parse_http_datetime(req.headers.get('If-Modified-Since'))
    if since is None:
        return items
    # Xero compares to the second; equal counts as modified.
    return [i for i in items
            if i['UpdatedDateUTC'].replace(microsecond=0) >= since]


def filter_where(req, items):
    clause = req.query.get('where')
    if not clause:
        return items
    try:
        pred = compile_where(clause)
    except WhereError as exc:
        # Xero's answer to a clause it cannot parse (e.g. a backslash before a quote).
        raise ApiError(400, {'ErrorNumber': 16, 'Type': 'QueryParseException', 'Message': str(exc)})
    return [i for i in items if pred(i)]


def apply_order(req, items, default=None):
    order = req.query.get('order') or default
    if not order:
        return items
    for part in reversed([p.strip() for p in order.split(',') if p.strip()]):
        bits = part.split()
        field, desc = bits[0], len(bits) > 1 and bits[1].upper() == 'DESC'
        items = sorted(items, key=lambda i: _sort_key(i.get(field)), reverse=desc)
    return items


def _sort_key(value):
    if value is None:
        return (0, '')
    if isinstance(value, (dt.date, dt.datetime)):
        return (1, to_ms(value))  # a number: MS-JSON text sorts wrongly across digit counts
    if isinstance(value, (int, float)) or hasattr(value, 'quantize'):
        return (1, value)
    return (1, str(value).lower())


def paginate(req, items, paged=True):
    """(page_items, extra envelope fields). Without page/pageSize the
    whole list comes back, as in Xero."""
    if not paged or ('page' not in req.query and 'pageSize' not in req.query):
        return items, None
    try:
        page = max(1, int(req.query.get('page') or 1))
        size = int(req.query.get('pageSize') or 100)
    except ValueError:
        raise validation_error('page and pageSize must be integers')
    size = max(1, min(size, 1000))
    count = len(items)
    chunk = items[(page - 1) * size: page * size]
    return chunk, {'pagination': {'page': page, 'pageSize': size,
                                  'pageCount': int(math.ceil(count / size)),
                                  'itemCount': count}}


def summarize_errors(req):
    # Real Xero summarises unless told otherwise (the spec says default false).
    return flag(req, 'summarizeErrors', True)


def run_batch(sim, req, org, key, elements, apply_one, id_field):
    """Apply each element in order; collect Xero-shaped results.

    apply_one(element) -> (stored_object, warnings) or raises Invalid."""
    summarize = summarize_errors(req)
    results, failed = [], []
    for element in elements:
        try:
            stored, warnings = apply_one(element)
        except Invalid as exc:
            echo = dict(element)
            echo['HasErrors'] = True
            echo['ValidationErrors'] = [{'Message': m} for m in exc.messages]
            if not summarize:
                echo['StatusAttributeString'] = 'ERROR'
                echo.setdefault('Warnings', [])
            results.append(echo)
            failed.append(echo)
            continue
        out = public(stored)
        if not summarize:
            out['StatusAttributeString'] = 'WARNING' if warnings else 'OK'
            out['HasErrors'] = False
            out['ValidationErrors'] = []
            out['Warnings'] = [{'Message': w} for w in warnings]
        results.append(out)
    if summarize and failed:
        # Xero still commits the valid elements; their IDs are not returned.
        return json_response(400, validation_body(failed))
    return json_response(200, envelope(sim, key, results))


def amount_and_date(sim, element):
    """The Amount (None when unreadable, for the caller's own message) and the Date (today by
    default) of a payment or an allocation."""
    try:
        amount = dec(element.get('Amount'))
    except ValueError:
        amount = None
    try:
        when = parse_date(element.get('Date')) or sim.clock.now().date()
    except ValueError as exc:
        raise Invalid(str(exc))
    return amount, when


def touch(sim, obj):
    obj['UpdatedDateUTC'] = sim.clock.now()
    return obj
