"""The client layer between the addon and Xero. Imports nothing from odoo.

By job: ``kinds`` (the document kinds, ``Element``, the request ceilings), ``where`` (where
clauses, no quote in a literal), ``converters`` (Xero's answers as plain values: the one place
that walks SDK objects), ``sdk`` (plain values into SDK request models), ``writes`` and
``reads`` (the typed operations, with ``batch_payments`` and ``credit``), ``api`` (``XeroApi``
and the raw call under them), ``oauth`` (Xero's identity service), ``governor`` (the call
budget) and ``exceptions``. Only ``api`` and ``sdk`` import xero_python; no module imports
another inside a function.
"""
from .exceptions import (XeroAuthError, XeroClientCredentialsError, XeroDecodeError,  # noqa: F401
                         XeroError, XeroFatalError, XeroNotFound, XeroRateLimited, XeroRetryableError,
                         XeroTokenExpired, XeroValidationError)
from .oauth import OAuthClient, authorize_url, jwt_claims, make_pkce_pair  # noqa: F401
from .kinds import KINDS, MAX_BATCH, MAX_IDS_PER_GET, MAX_PAGE_SIZE, Element  # noqa: F401
from .where import any_equal, any_guid, equal, guid, quote  # noqa: F401
from .sdk import to_sdk  # noqa: F401
from .api import OPERATIONS, RateLimits, XeroApi, XeroResult  # noqa: F401
from .governor import Governor, Limits, Wait  # noqa: F401
