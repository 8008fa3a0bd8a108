"""The client layer between the addon and Xero. Imports nothing from odoo.

``api`` is the only module that imports xero_python; ``oauth`` speaks to Xero's identity
service; ``exceptions`` holds the few errors everything else has to understand.
"""
from .exceptions import (XeroAuthError, XeroClientCredentialsError, XeroDecodeError,  # noqa: F401
                         XeroError, XeroFatalError, XeroNotFound, XeroRateLimited, XeroRetryableError,
                         XeroTokenExpired, XeroValidationError)
from .oauth import OAuthClient, authorize_url, jwt_claims, make_pkce_pair  # noqa: F401
from .api import RateLimits, XeroApi, XeroResult, to_sdk  # noqa: F401
from .operations import Element, KINDS  # noqa: F401
from .governor import Governor, Limits, Wait  # noqa: F401
