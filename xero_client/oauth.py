"""OAuth 2.0 against Xero's identity service: authorize URL with PKCE, code exchange, refresh and
revocation.

xero-python has no authorization-code exchange and no PKCE (XERO_API.md §7), and its own
refresh rotates the token without any lock, so the addon does these few form posts itself.
"""
import base64
import hashlib
import json
import logging
import secrets
from urllib.parse import urlencode

import requests

from .exceptions import XeroAuthError, XeroClientCredentialsError, XeroFatalError, XeroRetryableError

_logger = logging.getLogger(__name__)

AUTHORIZE_PATH = '/identity/connect/authorize'
TOKEN_PATH = '/connect/token'
REVOKE_PATH = '/connect/revocation'
# One number: Odoo's test harness wraps requests and cannot compare a (connect, read) tuple.
DEFAULT_TIMEOUT = 30


def make_pkce_pair():
    """Return ``(verifier, challenge)`` for PKCE S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode('ascii')).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')
    return verifier, challenge


def authorize_url(login_url, client_id, redirect_uri, scopes, state, code_challenge):
    query = urlencode({
        'response_type': 'code',
        'client_id': client_id,
        'redirect_uri': redirect_uri,
        'scope': scopes,
        'state': state,
        'code_challenge': code_challenge,
        'code_challenge_method': 'S256',
    })
    return f"{login_url.rstrip('/')}{AUTHORIZE_PATH}?{query}"


def jwt_claims(token):
    """Claims of a JWT, without checking its signature.

    The token comes straight from Xero's token endpoint over TLS; we only read which
    authorisation event it belongs to, we do not trust it for anything else.
    """
    try:
        payload = token.split('.')[1]
        payload += '=' * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError, AttributeError) as e:
        raise XeroFatalError('The access token from Xero is not a JWT') from e


class OAuthClient:
    """Token endpoint calls for one Xero app (client id + secret)."""

    def __init__(self, identity_url, client_id, client_secret, timeout=DEFAULT_TIMEOUT):
        self.identity_url = identity_url.rstrip('/')
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout

    def exchange_code(self, code, redirect_uri, code_verifier):
        return self._token_request({
            'grant_type': 'authorization_code',
            'code': code,
            'redirect_uri': redirect_uri,
            'code_verifier': code_verifier,
        })

    def refresh(self, refresh_token):
        return self._token_request({'grant_type': 'refresh_token', 'refresh_token': refresh_token})

    def revoke(self, refresh_token):
        self._post(REVOKE_PATH, {'token': refresh_token})

    def _token_request(self, data):
        token = self._post(TOKEN_PATH, data).json()
        if not token.get('access_token'):
            raise XeroFatalError('Xero answered the token request without an access token')
        return token

    def _post(self, path, data):
        url = self.identity_url + path
        try:
            response = requests.post(url, data=data, auth=(self.client_id, self.client_secret),
                                     timeout=self.timeout)
        except requests.RequestException as e:
            raise XeroRetryableError(f'Xero identity service unreachable: {type(e).__name__}') from e
        # Never log the body: it holds tokens.
        _logger.debug('POST %s -> %s', url, response.status_code)
        if response.status_code >= 500:
            raise XeroRetryableError(f'Xero identity service error {response.status_code}',
                                     status=response.status_code)
        if response.status_code >= 400:
            try:
                error = response.json().get('error') or 'unknown_error'
            except ValueError:
                error = 'unknown_error'
            if error == 'invalid_grant':
                raise XeroAuthError(f'Xero refused the authorisation: {error}',
                                    status=response.status_code, body={'error': error})
            if error in ('invalid_client', 'unauthorized_client'):
                # The app's credentials, not the user's grant: the grant must survive this.
                raise XeroClientCredentialsError(
                    f'Xero refused the app credentials ({error}): check the Client ID and Secret '
                    'in Settings', status=response.status_code, body={'error': error})
            raise XeroFatalError(f'Xero identity service refused the request: {error}',
                                 status=response.status_code, body={'error': error})
        return response
