"""The addon's own exceptions for everything that can go wrong talking to Xero.

Callers decide what to do from the class alone: re-authorise, wait, fix the record, retry
later, or give up. Nothing above the client layer ever sees an SDK or urllib3 exception.
"""


class XeroError(Exception):
    """Base class. ``status`` is the HTTP status when there was a response; ``operation`` the
    client's call that failed (e.g. 'get_payments'), for the log and the record's error."""

    retryable = False

    def __init__(self, message, status=None, body=None, operation=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.operation = operation


class XeroAuthError(XeroError):
    """The authorisation is gone (invalid_grant, revoked, tenant disconnected).

    Only a person can fix it, by connecting again: never retry in a loop.
    """


class XeroClientCredentialsError(XeroError):
    """invalid_client / unauthorized_client: Xero refused the app's own Client ID or Secret.

    Not an XeroAuthError: the grants are fine, the app's configuration is wrong (a mistyped or
    rotated secret). Nothing may be forgotten for it; once the secret is fixed, the same refresh
    token works again.
    """


class XeroTokenExpired(XeroAuthError):
    """401 on an API call: the access token is no longer accepted; a refresh may fix it."""


class XeroRateLimited(XeroError):
    """429. ``retry_after`` is in seconds; ``problem`` is Xero's X-Rate-Limit-Problem."""

    retryable = True

    def __init__(self, message, retry_after=None, problem=None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.problem = problem


class XeroValidationError(XeroError):
    """400 ValidationException. ``elements`` holds one list of messages per element sent."""

    def __init__(self, message, elements=None, **kw):
        super().__init__(message, **kw)
        self.elements = elements or []


class XeroRetryableError(XeroError):
    """A 5xx answer, a timeout or a dropped connection: the same request may be tried again,
    with the same Idempotency-Key."""

    retryable = True


class XeroDecodeError(XeroRetryableError):
    """Xero answered, but the answer could not be read: a value of another type than the SDK
    declares (Xero's own spec examples give some booleans as strings), or a document missing
    what every answer holds. The request may have landed: retry it as after a lost answer, with
    the same Idempotency-Key."""


class XeroFatalError(XeroError):
    """Anything else: a bug, a 404, a refused request. Retrying will not help."""


class XeroNotFound(XeroFatalError):
    """404."""
