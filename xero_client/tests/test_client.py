"""The client layer against the simulator, over real HTTP, through the real SDK."""
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from xero_client import (OAuthClient, XeroApi, XeroAuthError, XeroClientCredentialsError, XeroDecodeError,
                         XeroFatalError, XeroNotFound, XeroRateLimited, XeroRetryableError,
                         XeroTokenExpired, XeroValidationError, authorize_url, jwt_claims,
                         make_pkce_pair)
from xero_sim.seed import NZ_TENANT_ID

CLIENT_ID, CLIENT_SECRET = 'demo-client-id', 'demo-client-secret'
REDIRECT = 'http://localhost/admin/xero_integration/connect'


def consent(sim, verifier_challenge=None):
    verifier, challenge = verifier_challenge or make_pkce_pair()
    url = authorize_url(sim.url, CLIENT_ID, REDIRECT, 'openid offline_access accounting.settings',
                        'state-1', challenge)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    response = requests.post(sim.url + '/identity/connect/authorize', allow_redirects=False,
                             data=dict(query, decision='allow'), timeout=10)
    code = parse_qs(urlsplit(response.headers['Location']).query)['code'][0]
    return code, verifier


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


# --- OAuth ----------------------------------------------------------------------------------

def test_pkce_pair_is_s256():
    verifier, challenge = make_pkce_pair()
    assert 43 <= len(verifier) <= 128
    assert '=' not in challenge and len(challenge) == 43


def test_exchange_refresh_and_claims(sim, oauth, token):
    claims = jwt_claims(token['access_token'])
    assert claims['authentication_event_id']
    refreshed = oauth.refresh(token['refresh_token'])
    assert refreshed['refresh_token'] != token['refresh_token']
    assert jwt_claims(refreshed['access_token'])['authentication_event_id'] == claims['authentication_event_id']
    with pytest.raises(XeroAuthError, match='invalid_grant'):
        oauth.refresh(token['refresh_token'])  # single use


def test_wrong_verifier_is_refused(sim, oauth):
    code, _verifier = consent(sim)
    with pytest.raises(XeroAuthError, match='invalid_grant'):
        oauth.exchange_code(code, REDIRECT, 'x' * 64)


def test_wrong_secret_is_refused(sim):
    code, verifier = consent(sim)
    with pytest.raises(XeroClientCredentialsError, match='check the Client ID and Secret'):
        OAuthClient(sim.url, CLIENT_ID, 'wrong').exchange_code(code, REDIRECT, verifier)


def test_identity_server_errors_are_retryable(sim, oauth, token):
    sim.faults.add('status', path='/connect/token', status=503)
    with pytest.raises(XeroRetryableError):
        oauth.refresh(token['refresh_token'])
    with pytest.raises(XeroRetryableError):
        OAuthClient('http://127.0.0.1:9', CLIENT_ID, CLIENT_SECRET).refresh('x')


def test_revoke_removes_connections(sim, oauth, token, api):
    assert len(api.get_connections()) == 2
    oauth.revoke(token['refresh_token'])
    with pytest.raises(XeroAuthError):
        api.get_connections()


def test_jwt_claims_rejects_garbage():
    with pytest.raises(XeroFatalError):
        jwt_claims('not-a-jwt')


# --- API calls ------------------------------------------------------------------------------

def test_connections_by_auth_event(sim, oauth, token, api):
    event = jwt_claims(token['access_token'])['authentication_event_id']
    connections = api.get_connections(auth_event_id=event)
    assert {c['tenant_name'] for c in connections} == {'Demo Company (NZ)', 'Demo Company (AU)'}
    assert all(c['auth_event_id'] == event for c in connections)
    api.delete_connection(connections[0]['id'])
    assert len(api.get_connections(auth_event_id=event)) == 1


def test_rate_headers_are_read_and_reported(sim, token):
    seen = []
    api = XeroApi(sim.url, lambda: token['access_token'], tenant_id=NZ_TENANT_ID,
                  on_response=lambda status, rate: seen.append((status, rate)))
    result = api.call('accounting', 'get_organisations')
    assert result.data.organisations[0].name == 'Demo Company (NZ)'
    assert result.rate.minute_remaining == 59
    assert result.rate.day_remaining == 4999
    assert result.rate.app_minute_remaining is not None
    assert seen[0][0] == 200


def test_rate_limited(sim, api):
    sim.faults.add('rate_limit', path='/api.xro/2.0/Organisation', problem='minute', retry_after=17)
    with pytest.raises(XeroRateLimited) as caught:
        api.call('accounting', 'get_organisations')
    assert caught.value.retry_after == 17
    assert caught.value.problem == 'minute'
    assert caught.value.retryable
    # urllib3 must not have waited and re-sent it by itself.
    assert sim.counters.count(method='GET', endpoint='/api.xro/2.0/Organisation') == 1


def test_validation_error_per_element(sim, api):
    from xero_python.accounting import Contact, Contacts  # noqa: PLC0415 - building the request
    contacts = Contacts(contacts=[Contact(name='Same name'), Contact(name='Same name')])
    api.call('accounting', 'create_contacts', Contacts(contacts=[Contact(name='Same name')]))
    with pytest.raises(XeroValidationError) as caught:
        api.call('accounting', 'create_contacts', contacts, summarize_errors=True)
    assert caught.value.status == 400
    assert any(caught.value.elements)
    assert 'Same name' in caught.value.message or 'unique' in caught.value.message.lower()


def test_expired_token_and_forbidden_tenant(sim, token):
    sim.expire_access_tokens()
    with pytest.raises(XeroTokenExpired):
        XeroApi(sim.url, token['access_token'], tenant_id=NZ_TENANT_ID).call('accounting', 'get_organisations')


def test_unknown_tenant_is_auth_error(sim, token):
    api = XeroApi(sim.url, token['access_token'], tenant_id='00000000-0000-0000-0000-000000000000')
    with pytest.raises(XeroAuthError) as caught:
        api.call('accounting', 'get_organisations')
    assert caught.value.status == 403


def test_not_found(sim, api):
    with pytest.raises(XeroNotFound):
        api.call('accounting', 'get_invoice', '00000000-0000-0000-0000-000000000000')


def test_server_error_is_retryable(sim, api):
    sim.faults.add('status', path='/api.xro/2.0/Organisation', status=500)
    with pytest.raises(XeroRetryableError) as caught:
        api.call('accounting', 'get_organisations')
    assert caught.value.status == 500


def test_dropped_put_is_not_resent(sim, api):
    from xero_python.accounting import Account, AccountType  # noqa: PLC0415 - building the request
    sim.faults.add('drop', method='PUT', path='/api.xro/2.0/Accounts')
    with pytest.raises(XeroRetryableError):
        api.call('accounting', 'create_account', Account(code='778', name='Dropped', type=AccountType.EXPENSE),
                 idempotency_key='client-test-drop')
    assert sim.counters.count(method='PUT', endpoint='/api.xro/2.0/Accounts') == 1
    # Sent again with the same key, Xero answers with what it did the first time: no duplicate.
    result = api.call('accounting', 'create_account',
                      Account(code='778', name='Dropped', type=AccountType.EXPENSE),
                      idempotency_key='client-test-drop')
    assert result.data.accounts[0].code == '778'
    assert sim.counters.idempotent_replays == 1


def test_sdk_is_never_allowed_to_refresh_by_itself(api):
    with pytest.raises(XeroFatalError):
        api._refuse_sdk_refresh({})


# --- answers the SDK cannot decode ------------------------------------------------------------

def _paid_invoice(sim, api):
    contact = next(iter(sim.organisation(NZ_TENANT_ID).contacts.values()))
    invoice, = api.save('invoices', [{
        'type': 'ACCREC', 'contact': {'contact_id': contact['ContactID']}, 'status': 'AUTHORISED',
        'invoice_number': 'INV-GARBLED', 'date': date(2026, 3, 2), 'due_date': date(2026, 3, 30),
        'line_items': [{'description': 'x', 'quantity': 1, 'unit_amount': 100,
                        'account_code': '200', 'tax_type': 'OUTPUT2'}]}], key='garbled-inv')
    payment, = api.save('payments', [{'invoice': {'invoice_id': invoice.xero_id},
                                      'account': {'code': '090'}, 'date': date(2026, 3, 3),
                                      'amount': 40, 'reference': 'Paid in Xero'}], key='garbled-pay')
    assert invoice.ok and payment.ok
    return payment


def test_garbled_page_is_a_retryable_decode_error_naming_the_operation(sim, api):
    """Xero's spec examples give some booleans as strings: the SDK's deserializer raises
    ValueError('Json parsed bool value expected'), which must not leave the client as such."""
    payment = _paid_invoice(sim, api)
    sim.faults.add('garbled', method='GET', path='/Payments')
    with pytest.raises(XeroDecodeError) as caught:
        api.pull_payments()
    error = caught.value
    assert sim.faults.fired[-1][0] == 'garbled'
    assert error.retryable and isinstance(error, XeroRetryableError)
    assert (error.operation, error.status) == ('get_payments', 200)
    assert isinstance(error.__cause__, ValueError)
    # The answer counted: its rate headers were read as for any other answer.
    assert api.last_rate.minute_remaining is not None
    # Retried, the same page is read.
    payments, more = api.pull_payments()
    assert [p['xero_id'] for p in payments] == [payment.xero_id] and not more


def test_garbled_answer_to_a_write_is_retryable_with_the_same_key(sim, api):
    """The write landed before its answer was garbled: resent with the same Idempotency-Key,
    Xero answers what it did, and nothing is created twice."""
    contact = {'name': 'Garbled Ltd', 'contact_number': 'GARBLED-1'}
    sim.faults.add('garbled', method='POST', path='/Contacts')
    with pytest.raises(XeroDecodeError) as caught:
        api.save('contacts', [contact], key='garbled-contact')
    assert caught.value.operation == 'update_or_create_contacts'
    element, = api.save('contacts', [contact], key='garbled-contact')
    assert element.ok
    assert [c['Name'] for c in sim.organisation(NZ_TENANT_ID).contacts.values()].count('Garbled Ltd') == 1


def test_errors_name_their_operation(sim, api):
    sim.faults.add('status', path='/api.xro/2.0/Organisation', status=503)
    with pytest.raises(XeroRetryableError) as caught:
        api.lock_dates()
    assert (caught.value.operation, caught.value.status) == ('get_organisations', 503)
    sim.faults.add('drop', method='GET', path='/api.xro/2.0/Currencies')
    with pytest.raises(XeroRetryableError) as caught:
        api.currencies()
    assert caught.value.operation == 'get_currencies'


def test_an_answer_missing_what_every_answer_holds_is_a_decode_error(sim, api, monkeypatch):
    """What the SDK lets through but the client cannot walk (no organisation in the answer)."""
    from xero_python.accounting import Organisations  # noqa: PLC0415 - an empty answer
    original = api.call

    def empty_organisations(*args, **kwargs):
        result = original(*args, **kwargs)
        result.data = Organisations(organisations=[])
        return result
    monkeypatch.setattr(api, 'call', empty_organisations)
    with pytest.raises(XeroDecodeError) as caught:
        api.lock_dates()
    assert caught.value.operation == 'lock_dates'
    assert isinstance(caught.value.__cause__, IndexError)


def test_a_request_the_sdk_refuses_to_build_is_fatal(sim, api):
    with pytest.raises(XeroFatalError) as caught:
        api.call('accounting', 'get_invoice')  # the invoice id is missing
    assert caught.value.operation == 'get_invoice' and not caught.value.retryable
    assert sim.counters.count(method='GET', endpoint='/api.xro/2.0/Invoices') == 0


def test_booleans_in_queries_as_xeros_spec_writes_them(sim, api):
    api.pull_contacts()
    api.save('contacts', [{'name': 'Boolean Ltd'}], key='boolean-contact')
    queries = [r.query for r in sim.requests if r.endpoint == '/api.xro/2.0/Contacts']
    assert [q.get('includeArchived') for q in queries] == ['true', None]
    assert [q.get('summarizeErrors') for q in queries] == [None, 'false']
