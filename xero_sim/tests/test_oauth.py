"""OAuth2 identity: consent, code + PKCE, refresh rotation, revocation,
connections, and API authentication."""
import pytest
import requests

from xero_sim.tests import helpers
from xero_sim.tests.helpers import (CLIENT_ID, REDIRECT_URI, SCOPE, api_headers, connect,
                                    consent, exchange, jwt_payload, pkce_pair, refresh)


def test_consent_page_lists_organisations(sim):
    resp = requests.get(sim.url + '/identity/connect/authorize', params={
        'response_type': 'code', 'client_id': CLIENT_ID, 'redirect_uri': REDIRECT_URI,
        'scope': SCOPE, 'state': 'abc', 'code_challenge': 'x' * 43,
        'code_challenge_method': 'S256'}, timeout=5)
    assert resp.status_code == 200
    assert 'text/html' in resp.headers['Content-Type']
    page = resp.text
    for org in sim.organisations:
        assert org.name in page
        assert 'name="tenant" value="%s" checked' % org.tenant_id in page
    assert 'value="allow"' in page and 'value="deny"' in page
    assert 'name="state" value="abc"' in page
    assert 'name="code_challenge"' in page


@pytest.mark.parametrize('params', [
    {'client_id': 'nope'},
    {'redirect_uri': None},
    {'response_type': 'token'},
    {'scope': None},
])
def test_consent_page_rejects_bad_requests(sim, params):
    query = {'response_type': 'code', 'client_id': CLIENT_ID, 'redirect_uri': REDIRECT_URI,
             'scope': SCOPE, 'state': 's'}
    query.update(params)
    query = {k: v for k, v in query.items() if v is not None}
    resp = requests.get(sim.url + '/identity/connect/authorize', params=query, timeout=5)
    assert resp.status_code == 400
    assert 'text/html' in resp.headers['Content-Type']


def test_deny_redirects_with_access_denied(sim):
    query = consent(sim, decision='deny', state='keep-me')
    assert query == {'error': 'access_denied', 'state': 'keep-me'}


def test_code_flow_with_pkce(sim, nz, au):
    verifier, challenge = pkce_pair()
    query = consent(sim, challenge=challenge, state='s1')
    assert set(query) == {'code', 'state', 'scope', 'session_state'}
    assert query['state'] == 's1' and query['scope'] == SCOPE
    resp = exchange(sim, query['code'], verifier)
    assert resp.status_code == 200, resp.text
    tok = resp.json()
    assert set(tok) == {'id_token', 'access_token', 'expires_in', 'token_type',
                        'refresh_token', 'scope'}
    assert tok['expires_in'] == 1800 and tok['token_type'] == 'Bearer'
    assert tok['scope'] == SCOPE
    claims = jwt_payload(tok['access_token'])
    for claim in ('nbf', 'exp', 'iss', 'aud', 'client_id', 'sub', 'auth_time',
                  'xero_userid', 'global_session_id', 'sid', 'jti',
                  'authentication_event_id', 'scope'):
        assert claim in claims, claim
    assert claims['exp'] - claims['nbf'] == 1800
    assert claims['client_id'] == CLIENT_ID
    assert jwt_payload(tok['id_token'])['email']
    conns = requests.get(sim.url + '/connections', headers=api_headers(tok), timeout=5).json()
    assert {c['tenantId'] for c in conns} == {nz, au}
    assert {c['authEventId'] for c in conns} == {claims['authentication_event_id']}


def test_client_auth_by_form_fields_too(sim):
    verifier, challenge = pkce_pair()
    code = consent(sim, challenge=challenge)['code']
    assert exchange(sim, code, verifier, basic=False).status_code == 200


def test_bad_verifier_reused_code_wrong_redirect(sim):
    verifier, challenge = pkce_pair()
    code = consent(sim, challenge=challenge)['code']
    bad = exchange(sim, code, 'x' * 50)
    assert (bad.status_code, bad.json()) == (400, {'error': 'invalid_grant'})
    missing = exchange(sim, code, None)
    assert missing.json() == {'error': 'invalid_grant'}
    wrong_redirect = exchange(sim, code, verifier, redirect_uri='http://evil/cb')
    assert (wrong_redirect.status_code, wrong_redirect.json()['error']) == (400, 'invalid_grant')
    assert exchange(sim, code, verifier).status_code == 200
    reused = exchange(sim, code, verifier)
    assert (reused.status_code, reused.json()) == (400, {'error': 'invalid_grant'})


def test_wrong_secret_is_invalid_client(sim):
    verifier, challenge = pkce_pair()
    code = consent(sim, challenge=challenge)['code']
    resp = exchange(sim, code, verifier, client_secret='wrong')
    assert (resp.status_code, resp.json()) == (401, {'error': 'invalid_client'})
    resp = exchange(sim, code, verifier, client_id='unknown')
    assert (resp.status_code, resp.json()) == (401, {'error': 'invalid_client'})


def test_code_expires_after_five_minutes(sim):
    verifier, challenge = pkce_pair()
    code = consent(sim, challenge=challenge)['code']
    sim.clock.advance(301)
    assert exchange(sim, code, verifier).json() == {'error': 'invalid_grant'}


def test_added_client(sim):
    sim.add_client('other-app', 'other-secret')
    assert sim.clients['other-app'] == 'other-secret'
    verifier, challenge = pkce_pair()
    code = consent(sim, client_id='other-app', challenge=challenge)['code']
    resp = exchange(sim, code, verifier, client_id='other-app', client_secret='other-secret')
    assert resp.status_code == 200
    assert jwt_payload(resp.json()['access_token'])['client_id'] == 'other-app'


def test_refresh_rotation_and_reuse(sim, nz):
    tok = connect(sim)
    event = jwt_payload(tok['access_token'])['authentication_event_id']
    first = refresh(sim, tok['refresh_token'])
    assert first.status_code == 200
    new = first.json()
    assert new['refresh_token'] != tok['refresh_token']
    assert new['access_token'] != tok['access_token']
    assert jwt_payload(new['access_token'])['authentication_event_id'] == event
    again = refresh(sim, tok['refresh_token'])
    assert (again.status_code, again.json()) == (400, {'error': 'invalid_grant'})
    assert refresh(sim, new['refresh_token']).status_code == 200
    bad_secret = refresh(sim, 'whatever', client_secret='nope')
    assert (bad_secret.status_code, bad_secret.json()) == (401, {'error': 'invalid_client'})


def test_invalidate_refresh_tokens(sim):
    tok = connect(sim)
    sim.invalidate_refresh_tokens()
    resp = refresh(sim, tok['refresh_token'])
    assert (resp.status_code, resp.json()) == (400, {'error': 'invalid_grant'})


def test_refresh_token_expires_after_60_days_unused(sim):
    tok = connect(sim)
    sim.clock.advance(59 * 86400)
    tok = refresh(sim, tok['refresh_token']).json()
    sim.clock.advance(60 * 86400 + 1)
    assert refresh(sim, tok['refresh_token']).json() == {'error': 'invalid_grant'}


def test_no_refresh_token_without_offline_access(sim):
    tok = connect(sim, scope='openid accounting.settings')
    assert 'refresh_token' not in tok


def test_revocation_removes_connections(sim, nz):
    tok = connect(sim)
    resp = requests.post(sim.url + '/connect/revocation', data={'token': tok['refresh_token']},
                         auth=(CLIENT_ID, helpers.CLIENT_SECRET), timeout=5)
    assert resp.status_code == 200
    assert refresh(sim, tok['refresh_token']).json() == {'error': 'invalid_grant'}
    # The revoked grant's access token no longer works either.
    api = requests.get(sim.url + '/api.xro/2.0/Organisation',
                       headers=api_headers(tok, nz), timeout=5)
    assert api.status_code == 401
    fresh = connect(sim, tenants=[nz])
    conns = requests.get(sim.url + '/connections', headers=api_headers(fresh), timeout=5).json()
    assert [c['tenantId'] for c in conns] == [nz]
    bad = requests.post(sim.url + '/connect/revocation', data={'token': 'x'},
                        auth=(CLIENT_ID, 'wrong'), timeout=5)
    assert bad.status_code == 401


def test_connections_filter_and_delete(sim, nz, au):
    first = connect(sim, tenants=[nz])
    second = connect(sim, tenants=[au])
    ev1 = jwt_payload(first['access_token'])['authentication_event_id']
    ev2 = jwt_payload(second['access_token'])['authentication_event_id']
    url = sim.url + '/connections'
    everything = requests.get(url, headers=api_headers(second), timeout=5).json()
    assert {c['tenantId'] for c in everything} == {nz, au}
    only1 = requests.get(url, params={'authEventId': ev1}, headers=api_headers(second),
                         timeout=5).json()
    assert [(c['tenantId'], c['authEventId']) for c in only1] == [(nz, ev1)]
    only2 = requests.get(url, params={'authEventId': ev2}, headers=api_headers(first),
                         timeout=5).json()
    assert [c['tenantId'] for c in only2] == [au]
    for conn in everything:
        assert conn['tenantType'] == 'ORGANISATION'
        assert set(conn) == {'id', 'authEventId', 'tenantId', 'tenantType', 'tenantName',
                             'createdDateUtc', 'updatedDateUtc'}
    au_conn = [c for c in everything if c['tenantId'] == au][0]
    resp = requests.delete(url + '/' + au_conn['id'], headers=api_headers(first), timeout=5)
    assert resp.status_code == 204
    resp = requests.delete(url + '/' + au_conn['id'], headers=api_headers(first), timeout=5)
    assert resp.status_code == 404
    org = requests.get(sim.url + '/api.xro/2.0/Organisation',
                       headers=api_headers(second, au), timeout=5)
    assert org.status_code == 403
    assert requests.get(url, timeout=5).status_code == 401


def test_api_requires_valid_bearer(sim, nz):
    url = sim.url + '/api.xro/2.0/Organisation'
    resp = requests.get(url, headers={'Xero-Tenant-Id': nz}, timeout=5)
    assert resp.status_code == 401
    body = resp.json()
    assert body['Title'] == 'Unauthorized' and body['Status'] == 401
    assert 'Type' in body and 'Detail' in body
    assert requests.get(url, headers={'Xero-Tenant-Id': nz, 'Authorization': 'Bearer a.b.c'},
                        timeout=5).status_code == 401
    tok = connect(sim)
    assert requests.get(url, headers=api_headers(tok, nz), timeout=5).status_code == 200
    sim.expire_access_tokens()
    expired = requests.get(url, headers=api_headers(tok, nz), timeout=5)
    assert expired.status_code == 401 and expired.json()['Detail'] == 'TokenExpired'
    tok = refresh(sim, tok['refresh_token']).json()
    assert requests.get(url, headers=api_headers(tok, nz), timeout=5).status_code == 200
    sim.clock.advance(1801)
    assert requests.get(url, headers=api_headers(tok, nz), timeout=5).status_code == 401


def test_api_requires_connected_tenant(sim, nz, au):
    url = sim.url + '/api.xro/2.0/Organisation'
    tok = connect(sim, tenants=[nz])
    for headers in (api_headers(tok), api_headers(tok, au),
                    api_headers(tok, '00000000-0000-0000-0000-000000000000'),
                    api_headers(tok, 'not-a-uuid')):
        resp = requests.get(url, headers=headers, timeout=5)
        assert resp.status_code == 403
        body = resp.json()
        assert body['Title'] == 'Forbidden' and body['Status'] == 403
        assert body['Detail'] == 'AuthenticationUnsuccessful' and body['Type'] is None
    assert requests.get(url, headers=api_headers(tok, nz), timeout=5).status_code == 200


def test_lost_refresh_response(sim):
    """A dropped refresh answer: strict single use by default, Xero's
    30-minute grace period when enabled."""
    tok = connect(sim)
    sim.faults.add('drop', method='POST', path='/connect/token')
    with pytest.raises(requests.ConnectionError):
        refresh(sim, tok['refresh_token'])
    assert refresh(sim, tok['refresh_token']).json() == {'error': 'invalid_grant'}
    sim.identity.refresh_grace_seconds = 1800
    try:
        tok = connect(sim)
        sim.faults.add('drop', method='POST', path='/connect/token')
        with pytest.raises(requests.ConnectionError):
            refresh(sim, tok['refresh_token'])
        retry = refresh(sim, tok['refresh_token'])
        assert retry.status_code == 200 and retry.json()['refresh_token'] != tok['refresh_token']
        assert refresh(sim, retry.json()['refresh_token']).status_code == 200
        sim.clock.advance(1801)
        assert refresh(sim, tok['refresh_token']).json() == {'error': 'invalid_grant'}
    finally:
        sim.identity.refresh_grace_seconds = 0


def test_organisations_are_records(sim, nz):
    assert sim.organisations[0]['tenant_id'] == nz
    assert sim.organisations[0].base_currency == 'NZD'
    assert sim.organisations[1]['name'] == 'Demo Company (AU)'


def test_consent_form_round_trip_like_a_browser(sim, nz):
    """Submit the consent page's own form, unticking the AU organisation."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        fields, action = [], None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == 'form':
                Form.action = a['action']
            if tag == 'input' and a.get('type') == 'hidden':
                Form.fields.append((a['name'], a['value']))
            if tag == 'input' and a.get('type') == 'checkbox' and a['value'] == nz:
                Form.fields.append((a['name'], a['value']))

    verifier, challenge = pkce_pair()
    page = requests.get(sim.url + '/identity/connect/authorize', timeout=5, params={
        'response_type': 'code', 'client_id': CLIENT_ID, 'redirect_uri': REDIRECT_URI,
        'scope': SCOPE, 'state': 'b', 'code_challenge': challenge,
        'code_challenge_method': 'S256'})
    Form.fields = []
    Form().feed(page.text)
    resp = requests.post(sim.url + Form.action, data=Form.fields + [('decision', 'allow')],
                         allow_redirects=False, timeout=5)
    assert resp.status_code == 302
    from urllib.parse import parse_qs, urlsplit
    code = parse_qs(urlsplit(resp.headers['Location']).query)['code'][0]
    tok = exchange(sim, code, verifier).json()
    conns = requests.get(sim.url + '/connections', headers=api_headers(tok), timeout=5).json()
    assert [c['tenantId'] for c in conns] == [nz]
