"""XeroApi: the SDK bound to one token and tenant, and the one raw ``call`` under every typed
operation. With ``sdk`` (which builds request models), the only module that imports xero_python.

It builds the SDK clients on the configured hosts, turns off urllib3's silent retries, passes
explicit timeouts, reads the rate-limit headers, and turns every SDK, HTTP and network error
into one of the addon's own exceptions (``exceptions.py``).
"""
import json
import logging
from contextlib import nullcontext
from dataclasses import dataclass, field

import certifi
import urllib3
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.exceptions import ApiException, HTTPStatusException
from xero_python.identity import IdentityApi

from .exceptions import (XeroAuthError, XeroDecodeError, XeroError, XeroFatalError, XeroNotFound,
                         XeroRateLimited, XeroRetryableError, XeroTokenExpired,
                         XeroValidationError)
from .batch_payments import BatchPaymentOperations
from .compare_reads import CompareReads
from .converters import reads_answer
from .credit import CreditOperations
from .reads import Reads
from .writes import Writes

_logger = logging.getLogger(__name__)

# (connect, read) in seconds. Must be ints or a 2-tuple: the SDK silently ignores a float.
DEFAULT_TIMEOUT = (10, 60)
ACCOUNTING_PATH = '/api.xro/2.0'


@dataclass
class RateLimits:
    """What Xero's last answer said is left of the tenant's and the app's budgets."""

    minute_remaining: int = None
    day_remaining: int = None
    app_minute_remaining: int = None
    retry_after: int = None
    problem: str = None

    @classmethod
    def from_headers(cls, headers):
        def _int(name):
            value = headers.get(name) if headers else None
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
        return cls(
            minute_remaining=_int('X-MinLimit-Remaining'),
            day_remaining=_int('X-DayLimit-Remaining'),
            app_minute_remaining=_int('X-AppMinLimit-Remaining'),
            retry_after=_int('Retry-After'),
            problem=headers.get('X-Rate-Limit-Problem') if headers else None,
        )


@dataclass
class XeroResult:
    data: object
    status: int
    rate: RateLimits = field(default_factory=RateLimits)


def _pool_manager():
    # urllib3's default Retry(total=3) re-sends a PUT after a read timeout or a dropped
    # connection, which creates the same invoice twice in Xero (XERO_API.md §7). The addon
    # retries itself, with the same Idempotency-Key.
    return urllib3.PoolManager(num_pools=4, maxsize=4, retries=False,
                               cert_reqs='CERT_REQUIRED', ca_certs=certifi.where())


def _admit_always():
    return nullcontext()


class XeroApi(Writes, Reads, BatchPaymentOperations, CreditOperations, CompareReads):
    """The SDK bound to one access token and, for accounting calls, one tenant.

    Not thread-safe (neither is the SDK): build one per job, and reuse it for every call of
    that job, so its HTTP connections are reused too. ``access_token`` may be a string or a
    callable returning one, so that the caller can refresh it under its own lock. ``admit``
    returns a context manager around each accounting call that may refuse it (the rate
    governor) and is told the answer's status and rate headers through ``record``.
    """

    def __init__(self, api_url, access_token, tenant_id=None, timeout=DEFAULT_TIMEOUT,
                 on_response=None, admit=_admit_always):
        self.api_url = api_url.rstrip('/')
        self.tenant_id = tenant_id
        self.timeout = timeout
        self.on_response = on_response
        self.admit = admit
        self._slot = None
        self._access_token = access_token
        self._token = None
        # Calls that got an answer the SDK decoded: an error after one was a decoding error.
        self.answered = 0
        self.last_rate = RateLimits()
        configuration = Configuration(oauth2_token=OAuth2Token())
        self.api_client = ApiClient(configuration, pool_threads=1,
                                    oauth2_token_getter=self._token_dict,
                                    oauth2_token_saver=self._refuse_sdk_refresh)
        self.api_client.rest_client.pool_manager = _pool_manager()
        self.accounting = AccountingApi(self.api_client, base_url=self.api_url + ACCOUNTING_PATH)
        self.identity = IdentityApi(self.api_client, base_url=self.api_url)

    # --- token plumbing ---------------------------------------------------------------------

    def _token_dict(self):
        # No expires_at: the SDK then never tries its own (unlocked) refresh.
        return {'access_token': self._token, 'token_type': 'Bearer', 'expires_in': None, 'scope': ''}

    def _refuse_sdk_refresh(self, token):
        raise XeroFatalError('The SDK tried to refresh the token itself; the addon refreshes it')

    # --- calls ------------------------------------------------------------------------------

    def call(self, api, method, *args, **kwargs):
        """Call ``api.method`` (``api`` is 'accounting' or 'identity') and return a XeroResult.

        Accounting calls get the tenant id as first argument. Every failure of the SDK, the
        decoding of Xero's answer included, leaves as one of the errors of ``exceptions.py``
        naming ``method``.
        """
        fn = getattr(getattr(self, api), method)
        if api == 'accounting':
            args = (self.tenant_id, *args)
        # Xero's spec writes booleans in a query as true/false; the SDK would send Python's
        # True/False, which a validating server refuses. (Underscored arguments are the SDK's own.)
        kwargs = {key: ('true' if value else 'false') if isinstance(value, bool) and key[0] != '_' else value
                  for key, value in kwargs.items()}
        kwargs.setdefault('_request_timeout', self.timeout)
        kwargs['_return_http_data_only'] = False
        with self.admit() if api == 'accounting' else nullcontext() as slot:
            # Before the SDK runs: the errors of the caller's own token code (a refresh that
            # lost the authorisation) go up as they are, not as the SDK's.
            self._token = self._access_token() if callable(self._access_token) else self._access_token
            self._slot = slot
            self.api_client.last_response = None
            try:
                data, status, headers = fn(*args, **kwargs)
            except HTTPStatusException as e:
                raise self._translate(e, method) from None
            except XeroError as e:  # _refuse_sdk_refresh
                e.operation = method
                raise
            except (urllib3.exceptions.HTTPError, OSError) as e:
                # Timeouts, resets, refused connections: the request may or may not have landed.
                raise XeroRetryableError(f'Xero call {method} got no answer: {type(e).__name__}',
                                         operation=method) from None
            except Exception as e:  # the deserializer's ValueError, TypeError, KeyError...
                raise self._unreadable(e, method) from e
            else:
                self._record(headers, status)
                self.answered += 1
            finally:
                self._slot = None
        return XeroResult(data=data, status=status, rate=self.last_rate)

    def _unreadable(self, error, method):
        """What an SDK error other than an HTTP status means: after Xero's answer arrived, that
        the answer could not be decoded (retryable; its rate headers still count); before, that
        the SDK refused to build or send the request."""
        response = self.api_client.last_response
        if response is None:
            if isinstance(error, ApiException):  # e.g. the TLS handshake failed
                return XeroRetryableError(f'Xero call {method} failed: {error.reason}', operation=method)
            return XeroFatalError(f'The SDK refused the call {method}: {error}', operation=method)
        self._record(response.getheaders(), response.status)
        return XeroDecodeError(f"Xero's answer to {method} could not be read: {error}",
                               status=response.status, operation=method)

    def _record(self, headers, status):
        self.last_rate = RateLimits.from_headers(headers)
        if self._slot is not None:
            self._slot.record(status, self.last_rate)
        if self.on_response:
            self.on_response(status, self.last_rate)

    def _translate(self, error, method):
        status = error.status if isinstance(error.status, int) else getattr(error.http_resp, 'status', None)
        headers = error.headers or {}
        self._record(headers, status)
        body = _json_body(error)
        if status == 429:
            rate = self.last_rate
            return XeroRateLimited(
                f'Xero rate limit reached ({rate.problem or "unknown"}); retry after {rate.retry_after}s',
                retry_after=rate.retry_after, problem=rate.problem, status=status, operation=method)
        if status == 400 and isinstance(body, dict) and body.get('error') == 'invalid_grant':
            return XeroAuthError('Xero refused the authorisation: invalid_grant', status=status,
                                 operation=method)
        if status == 400:
            return _validation_error(body, status, method)
        if status == 401:
            return XeroTokenExpired('Xero did not accept the access token', status=status,
                                    operation=method)
        if status == 403:
            return XeroAuthError('Xero refused access to this organisation; connect it again',
                                 status=status, operation=method)
        if status == 404:
            return XeroNotFound(f'Xero has no such resource ({method})', status=status, operation=method)
        if status in (500, 502, 503, 504):
            return XeroRetryableError(f'Xero server error {status} on {method}', status=status,
                                      operation=method)
        return XeroFatalError(f'Xero answered {status} on {method}', status=status, body=body,
                              operation=method)

    # --- convenience for the connection flow -------------------------------------------------

    @reads_answer
    def get_connections(self, auth_event_id=None):
        kwargs = {'auth_event_id': auth_event_id} if auth_event_id else {}
        result = self.call('identity', 'get_connections', **kwargs)
        return [{
            'id': str(c.id),
            'tenant_id': str(c.tenant_id),
            'tenant_type': c.tenant_type,
            'tenant_name': c.tenant_name,
            'auth_event_id': str(c.auth_event_id) if c.auth_event_id else None,
        } for c in result.data or []]

    def delete_connection(self, connection_id):
        self.call('identity', 'delete_connection', connection_id)


def _json_body(error):
    try:
        return json.loads(getattr(error.http_resp, 'data', b'') or b'{}')
    except (ValueError, TypeError):
        return None


def _validation_error(body, status, method):
    body = body if isinstance(body, dict) else {}
    elements = []
    for element in body.get('Elements') or []:
        elements.append([v.get('Message') for v in element.get('ValidationErrors') or []
                         if v.get('Message')])
    flat = [m for messages in elements for m in messages]
    message = '; '.join(flat) or body.get('Message') or body.get('Detail') or 'Xero refused the request'
    return XeroValidationError(message, elements=elements, status=status, body=body,
                               operation=method)


# The typed operations, in plain values: all that the addon may ask of an organisation's
# door (``organisation._xero().<operation>``). The raw ``call`` and the connection flow's
# identity calls are not among them.
OPERATIONS = frozenset(name for mixin in (Writes, Reads, BatchPaymentOperations, CreditOperations, CompareReads)
                       for name, value in vars(mixin).items() if callable(value) and not name.startswith('_'))
