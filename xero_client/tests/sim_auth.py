"""Consent, tokens and an API client on the simulator, over real HTTP, for the client's tests."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from xero_client import OAuthClient, XeroApi, authorize_url, make_pkce_pair
from xero_sim.seed import NZ_TENANT_ID

CLIENT_ID, CLIENT_SECRET = 'demo-client-id', 'demo-client-secret'
REDIRECT = 'http://localhost/admin/xero_integration/connect'
SCOPES = 'openid offline_access accounting.settings accounting.transactions accounting.contacts'


def consent_response(sim, challenge, state='state-1', decision='allow', scopes=SCOPES, **override):
    """The simulator's answer to the consent form, as the browser posts it."""
    url = authorize_url(sim.url, CLIENT_ID, REDIRECT, scopes, state, challenge)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    query.update(override)
    return requests.post(sim.url + '/identity/connect/authorize', allow_redirects=False,
                         data=dict(query, decision=decision), timeout=10)


def redirect_query(response):
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers['Location']).query).items()}


def consent(sim, scopes=SCOPES):
    """(code, verifier) of a consent given in the simulator's consent page."""
    verifier, challenge = make_pkce_pair()
    return redirect_query(consent_response(sim, challenge, scopes=scopes))['code'], verifier


@pytest.fixture
def oauth(sim):
    return OAuthClient(sim.url, CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
def token(sim, oauth):
    code, verifier = consent(sim)
    return oauth.exchange_code(code, REDIRECT, verifier)


@pytest.fixture
def api(sim, token):
    return XeroApi(sim.url, token['access_token'], tenant_id=NZ_TENANT_ID)
