"""OAuth against the simulator's identity service over real HTTP: PKCE, the authorize URL, the
code exchange, refresh and revocation, and every way the token endpoint can refuse."""
import base64
import hashlib
import json
import logging
import string
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from xero_client import (OAuthClient, XeroAuthError, XeroClientCredentialsError, XeroError,
                         XeroFatalError, XeroRetryableError, authorize_url, jwt_claims,
                         make_pkce_pair)
from xero_client.oauth import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH
from xero_client.tests.sim_auth import (CLIENT_ID, CLIENT_SECRET, REDIRECT, consent,  # noqa: F401
                                        consent_response, oauth, redirect_query, token)

UNRESERVED = set(string.ascii_letters + string.digits + '-._~')


def form_of(request):
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


def token_requests(sim):
    return [r for r in sim.requests if r.endpoint == TOKEN_PATH]


# --- PKCE and the authorize URL ----------------------------------------------------------------------

def test_pkce_challenge_is_the_s256_of_the_verifier():
    verifier, challenge = make_pkce_pair()
    digest = hashlib.sha256(verifier.encode('ascii')).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b'=').decode()
    assert set(verifier) <= UNRESERVED  # RFC 7636 §4.1
    assert 43 <= len(verifier) <= 128


def test_pkce_pairs_are_never_reused():
    pairs = {make_pkce_pair() for _ in range(20)}
    assert len(pairs) == 20
    assert len({verifier for verifier, _ in pairs}) == 20


def test_authorize_url_carries_every_parameter():
    url = authorize_url('https://login.example/', 'the-client', 'https://odoo.example/cb?x=1',
                        'openid offline_access', 'st@te/1', 'CHALLENGE')
    parts = urlsplit(url)
    assert f'{parts.scheme}://{parts.netloc}{parts.path}' == 'https://login.example' + AUTHORIZE_PATH
    assert {k: v for k, v in parse_qs(parts.query).items()} == {
        'response_type': ['code'], 'client_id': ['the-client'],
        'redirect_uri': ['https://odoo.example/cb?x=1'], 'scope': ['openid offline_access'],
        'state': ['st@te/1'], 'code_challenge': ['CHALLENGE'], 'code_challenge_method': ['S256']}


def test_the_simulators_consent_answers_the_state_and_a_code(sim):
    _verifier, challenge = make_pkce_pair()
    response = consent_response(sim, challenge, state='state-xyz')
    assert response.status_code in (302, 303)
    query = redirect_query(response)
    assert query['state'] == 'state-xyz' and query['code']
    assert response.headers['Location'].startswith(REDIRECT)


def test_a_denied_consent_gives_no_code(sim):
    _verifier, challenge = make_pkce_pair()
    query = redirect_query(consent_response(sim, challenge, state='s', decision='deny'))
    assert query == {'error': 'access_denied', 'state': 's'}


# --- the code exchange ----------------------------------------------------------------------------

def test_exchange_sends_the_verifier_with_the_app_credentials_in_basic_auth(sim, oauth):
    code, verifier = consent(sim)
    token = oauth.exchange_code(code, REDIRECT, verifier)
    assert token['access_token'] and token['refresh_token'] and token['token_type'] == 'Bearer'
    request, = token_requests(sim)
    assert form_of(request) == {'grant_type': 'authorization_code', 'code': code,
                                'redirect_uri': REDIRECT, 'code_verifier': verifier}
    expected = base64.b64encode(f'{CLIENT_ID}:{CLIENT_SECRET}'.encode()).decode()
    assert request.headers['Authorization'] == f'Basic {expected}'
    assert CLIENT_SECRET not in request.body.decode()  # never in the form


def test_a_code_is_single_use(sim, oauth):
    code, verifier = consent(sim)
    oauth.exchange_code(code, REDIRECT, verifier)
    with pytest.raises(XeroAuthError) as caught:
        oauth.exchange_code(code, REDIRECT, verifier)
    assert (caught.value.status, caught.value.body) == (400, {'error': 'invalid_grant'})


def test_a_code_for_another_redirect_is_refused(sim, oauth):
    code, verifier = consent(sim)
    with pytest.raises(XeroAuthError, match='invalid_grant'):
        oauth.exchange_code(code, REDIRECT + '/elsewhere', verifier)


def test_an_unknown_code_is_refused(sim, oauth):
    with pytest.raises(XeroAuthError, match='invalid_grant'):
        oauth.exchange_code('no-such-code', REDIRECT, make_pkce_pair()[0])


def test_an_unknown_app_is_a_credentials_error_not_a_lost_grant(sim):
    code, verifier = consent(sim)
    with pytest.raises(XeroClientCredentialsError) as caught:
        OAuthClient(sim.url, 'nobody', CLIENT_SECRET).exchange_code(code, REDIRECT, verifier)
    error = caught.value
    assert not isinstance(error, XeroAuthError)
    assert (error.status, error.body) == (401, {'error': 'invalid_client'})
    assert CLIENT_SECRET not in str(error)


def test_a_consent_without_offline_access_gives_no_refresh_token(sim, oauth):
    code, verifier = consent(sim, scopes='openid accounting.settings')
    token = oauth.exchange_code(code, REDIRECT, verifier)
    assert token['access_token'] and 'refresh_token' not in token


def test_an_answer_without_an_access_token_is_fatal(sim, oauth):
    code, verifier = consent(sim)
    sim.faults.add('status', path=TOKEN_PATH, status=200)
    with pytest.raises(XeroFatalError, match='without an access token'):
        oauth.exchange_code(code, REDIRECT, verifier)


# --- refresh ------------------------------------------------------------------------------------------

def test_refresh_rotates_and_the_new_refresh_token_works(sim, oauth, token):
    first = oauth.refresh(token['refresh_token'])
    second = oauth.refresh(first['refresh_token'])
    assert len({token['refresh_token'], first['refresh_token'], second['refresh_token']}) == 3
    assert form_of(token_requests(sim)[-1]) == {'grant_type': 'refresh_token',
                                                'refresh_token': first['refresh_token']}


def test_a_revoked_grant_cannot_be_refreshed(sim, oauth, token):
    sim.invalidate_refresh_tokens()
    with pytest.raises(XeroAuthError) as caught:
        oauth.refresh(token['refresh_token'])
    assert caught.value.status == 400 and not caught.value.retryable


def test_a_wrong_secret_on_refresh_leaves_the_grant_usable(sim, token):
    """A mistyped secret must not cost the user the grant: fixed, the same token refreshes."""
    with pytest.raises(XeroClientCredentialsError, match='check the Client ID and Secret'):
        OAuthClient(sim.url, CLIENT_ID, 'mistyped').refresh(token['refresh_token'])
    refreshed = OAuthClient(sim.url, CLIENT_ID, CLIENT_SECRET).refresh(token['refresh_token'])
    assert refreshed['access_token']


def test_an_empty_refresh_token_is_an_invalid_request(sim, oauth):
    with pytest.raises(XeroFatalError) as caught:
        oauth.refresh('')
    error = caught.value
    assert not isinstance(error, (XeroAuthError, XeroClientCredentialsError))
    assert (error.status, error.body) == (400, {'error': 'invalid_request'})
    assert 'invalid_request' in error.message


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_identity_server_errors_are_retryable_with_their_status(sim, oauth, token, status):
    sim.faults.add('status', path=TOKEN_PATH, status=status)
    with pytest.raises(XeroRetryableError) as caught:
        oauth.refresh(token['refresh_token'])
    assert caught.value.status == status and caught.value.retryable
    # The refused attempt did not use the token up.
    assert oauth.refresh(token['refresh_token'])['access_token']


def test_a_4xx_without_an_oauth_error_is_fatal_as_unknown(sim, oauth, token):
    sim.faults.add('status', path=TOKEN_PATH, status=409)
    with pytest.raises(XeroFatalError) as caught:
        oauth.refresh(token['refresh_token'])
    assert (caught.value.status, caught.value.body) == (409, {'error': 'unknown_error'})


def test_a_dropped_connection_is_retryable(sim, oauth, token):
    sim.faults.add('drop', path=TOKEN_PATH)
    with pytest.raises(XeroRetryableError, match='unreachable'):
        oauth.refresh(token['refresh_token'])


@pytest.fixture
def html_server():
    """A server that answers every POST with an HTML error page, as a proxy in front of Xero
    does: the client must not trip over a body that is not JSON."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get('Content-Length') or 0))
            body = b'<html><body>Bad gateway, in HTML</body></html>'
            self.send_response(self.server.status)
            self.send_header('Content-Type', 'text/html')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    server = HTTPServer(('127.0.0.1', 0), Handler)
    server.status = 400
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_an_html_error_page_is_read_as_unknown_error(html_server):
    client = OAuthClient(f'http://127.0.0.1:{html_server.server_address[1]}', CLIENT_ID, CLIENT_SECRET)
    with pytest.raises(XeroFatalError) as caught:
        client.refresh('whatever')
    assert (caught.value.status, caught.value.body) == (400, {'error': 'unknown_error'})


def test_errors_and_the_log_never_hold_tokens_or_the_secret(sim, oauth, token, caplog):
    sim.invalidate_refresh_tokens()
    with caplog.at_level(logging.DEBUG, logger='xero_client.oauth'):
        with pytest.raises(XeroError) as caught:
            oauth.refresh(token['refresh_token'])
    assert caplog.records, 'the token POST is logged at debug level'
    for text in (caplog.text, str(caught.value), json.dumps(caught.value.body)):
        assert token['refresh_token'] not in text
        assert CLIENT_SECRET not in text


# --- revocation -------------------------------------------------------------------------------------

def test_revoke_posts_the_token_and_ends_the_grant(sim, oauth, token):
    oauth.revoke(token['refresh_token'])
    request, = [r for r in sim.requests if r.endpoint == REVOKE_PATH]
    assert form_of(request) == {'token': token['refresh_token']}
    with pytest.raises(XeroAuthError):
        oauth.refresh(token['refresh_token'])


def test_revoking_an_unknown_token_succeeds(sim, oauth):
    """RFC 7009: the revocation endpoint answers 200 for a token it does not know."""
    assert oauth.revoke('never-issued') is None


def test_revoke_with_the_wrong_secret_is_a_credentials_error(sim, token):
    with pytest.raises(XeroClientCredentialsError):
        OAuthClient(sim.url, CLIENT_ID, 'mistyped').revoke(token['refresh_token'])


def test_revoke_server_error_is_retryable(sim, oauth, token):
    sim.faults.add('status', path=REVOKE_PATH, status=503)
    with pytest.raises(XeroRetryableError):
        oauth.revoke(token['refresh_token'])
    oauth.revoke(token['refresh_token'])  # tried again, it goes through
    with pytest.raises(XeroAuthError):
        oauth.refresh(token['refresh_token'])


# --- the token's claims -------------------------------------------------------------------------------

def _jwt(payload):
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b'=').decode()
    return f'eyJhbGciOiJub25lIn0.{body}.sig'


@pytest.mark.parametrize('padding', ['', 'x', 'xy', 'xyz'])
def test_jwt_claims_of_any_length(padding):
    # Base64 without padding, of every length modulo 4.
    assert jwt_claims(_jwt({'authentication_event_id': 'e', 'p': padding})) == {
        'authentication_event_id': 'e', 'p': padding}


def test_jwt_claims_of_a_real_token_name_the_consent(sim, oauth, token):
    claims = jwt_claims(token['access_token'])
    assert claims['client_id'] == CLIENT_ID
    assert claims['authentication_event_id'] == jwt_claims(oauth.refresh(token['refresh_token'])[
        'access_token'])['authentication_event_id']


@pytest.mark.parametrize('garbage', [None, '', 'one-part', 'a.!!!.c', 'a.bm90IGpzb24.c'])
def test_jwt_claims_refuse_what_is_not_a_jwt(garbage):
    with pytest.raises(XeroFatalError, match='not a JWT'):
        jwt_claims(garbage)
