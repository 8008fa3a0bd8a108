"""Every way a call to Xero can fail leaves the client as one of the addon's own exceptions,
with its status, its operation and what the caller needs to decide: through real HTTP to the
simulator (its answers, or its fault injection), and the SDK in between."""
import pytest

from xero_client import (XeroApi, XeroAuthError, XeroDecodeError, XeroError, XeroFatalError,
                         XeroNotFound, XeroRateLimited, XeroRetryableError, XeroTokenExpired,
                         XeroValidationError, to_sdk)
from xero_client.tests.sim_auth import api, oauth, token  # noqa: F401
from xero_sim.seed import NZ_TENANT_ID

ORGANISATION = '/api.xro/2.0/Organisation'
NO_SUCH_ID = '00000000-0000-0000-0000-000000000000'


@pytest.fixture
def answers(sim, token):
    """An API client whose answers (status, rate) are kept, as the addon's sync log keeps them."""
    seen = []
    client = XeroApi(sim.url, token['access_token'], tenant_id=NZ_TENANT_ID,
                     on_response=lambda status, rate: seen.append((status, rate)))
    client.seen = seen
    return client


def failure(api, method='get_organisations', *args, **kwargs):
    with pytest.raises(XeroError) as caught:
        api.call('accounting', method, *args, **kwargs)
    return caught.value


# --- 400 ---------------------------------------------------------------------------------------------

def test_a_400_is_a_validation_error_with_xeros_words(sim, api):
    sim.faults.add('status', path=ORGANISATION, status=400, body='Organisation is archived')
    error = failure(api)
    assert type(error) is XeroValidationError
    assert (error.message, error.status, error.operation, error.elements) == (
        'Organisation is archived', 400, 'get_organisations', [])
    assert error.body['Detail'] == 'Organisation is archived'
    assert not error.retryable


def test_a_summarised_400_gives_one_list_of_messages_per_element(sim, api):
    from xero_python.accounting import Contact, Contacts  # noqa: PLC0415 - building the request
    api.call('accounting', 'create_contacts', Contacts(contacts=[Contact(name='Taken Ltd')]))
    contacts = Contacts(contacts=[Contact(name='Fresh Ltd'), Contact(name='Taken Ltd')])
    error = failure(api, 'create_contacts', contacts, summarize_errors=True)
    assert type(error) is XeroValidationError
    # Xero answers the refused elements only, each with its own messages.
    (message,), = error.elements
    assert 'Taken Ltd' in message and 'unique' in message
    assert error.message == message


def test_per_element_errors_of_a_batch_are_answers_not_exceptions(sim, api):
    """summarizeErrors=false: the valid element lands, the refused one says why."""
    good, duplicate = api.save('contacts', [{'name': 'Twin Ltd'}, {'name': 'Twin Ltd'}], key='twins')
    assert good.ok and good.xero_id
    assert not duplicate.ok and duplicate.xero_id is None
    assert 'Twin Ltd' in duplicate.errors[0]
    assert duplicate.echo == {'name': 'Twin Ltd'}


def test_a_value_the_sdk_refuses_is_a_validation_error_before_any_request(sim, api):
    with pytest.raises(XeroValidationError, match='255'):
        api.save('contacts', [{'name': 'x' * 300}], key='too-long')
    with pytest.raises(XeroValidationError, match='AccountType'):
        to_sdk('Account', {'code': '999', 'name': 'No type', 'type': 'NOPE'})
    assert not [r for r in sim.requests if r.endpoint == '/api.xro/2.0/Contacts']


def test_a_batch_over_fifty_is_refused_before_any_request(sim, api):
    with pytest.raises(ValueError, match='At most 50'):
        api.save('contacts', [{'name': f'C{i}'} for i in range(51)], key='too-many')
    assert not sim.requests or all(r.endpoint != '/api.xro/2.0/Contacts' for r in sim.requests)


# --- 401 and 403 -------------------------------------------------------------------------------------------

def test_a_token_xero_never_issued_is_a_401(sim):
    error = failure(XeroApi(sim.url, 'not-a-token', tenant_id=NZ_TENANT_ID))
    assert type(error) is XeroTokenExpired
    assert isinstance(error, XeroAuthError) and error.status == 401 and not error.retryable


def test_an_expired_token_is_a_401_on_identity_calls_too(sim, api):
    sim.expire_access_tokens()
    with pytest.raises(XeroTokenExpired) as caught:
        api.get_connections()
    assert caught.value.operation == 'get_connections'


def test_a_disconnected_organisation_is_a_403_not_a_token_problem(sim, api):
    connection, = [c for c in api.get_connections() if c['tenant_id'] == NZ_TENANT_ID]
    api.delete_connection(connection['id'])
    error = failure(api)
    assert type(error) is XeroAuthError  # connect again: a refresh would not help
    assert (error.status, error.operation) == (403, 'get_organisations')


def test_an_injected_403(sim, api):
    sim.faults.add('status', path='/Invoices', status=403)
    error = failure(api, 'get_invoices')
    assert type(error) is XeroAuthError and error.status == 403 and error.operation == 'get_invoices'


# --- 404 -------------------------------------------------------------------------------------------------

def test_a_missing_document_is_not_found_and_fatal(sim, api):
    error = failure(api, 'get_contact', NO_SUCH_ID)
    assert type(error) is XeroNotFound
    assert isinstance(error, XeroFatalError) and not error.retryable
    assert (error.status, error.operation) == (404, 'get_contact')
    assert 'get_contact' in error.message


def test_deleting_an_unknown_connection_is_not_found(sim, api):
    with pytest.raises(XeroNotFound) as caught:
        api.delete_connection(NO_SUCH_ID)
    assert caught.value.operation == 'delete_connection'
    assert len(api.get_connections()) == 2


# --- 429 -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('problem,retry_after', [('minute', 17), ('day', 43200), ('concurrent', 1),
                                                 ('appminute', 40)])
def test_a_429_carries_retry_after_and_the_problem(sim, answers, problem, retry_after):
    sim.faults.add('rate_limit', path=ORGANISATION, problem=problem, retry_after=retry_after)
    error = failure(answers)
    assert type(error) is XeroRateLimited
    assert (error.retry_after, error.problem, error.status, error.retryable) == (retry_after, problem, 429, True)
    assert problem in error.message and str(retry_after) in error.message
    # The answer was reported, with its headers: the governor and the log see the 429.
    status, rate = answers.seen[-1]
    assert (status, rate.retry_after, rate.problem) == (429, retry_after, problem)
    assert answers.last_rate.retry_after == retry_after


def test_the_simulators_own_minute_limit_is_a_429(sim, api):
    sim.set_rate_limits(minute=1)
    api.call('accounting', 'get_organisations')
    error = failure(api)
    assert type(error) is XeroRateLimited
    assert error.problem == 'minute' and error.retry_after >= 1
    assert sim.counters.count(method='GET', endpoint=ORGANISATION) == 2  # sent once each, no retry


# --- 5xx and no answer ---------------------------------------------------------------------------------

@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_server_errors_are_retryable(sim, answers, status):
    sim.faults.add('status', path=ORGANISATION, status=status, retry_after=5)
    error = failure(answers)
    assert type(error) is XeroRetryableError
    assert (error.status, error.retryable, error.operation) == (status, True, 'get_organisations')
    assert str(status) in error.message
    assert answers.seen[-1][0] == status and answers.seen[-1][1].retry_after == 5
    assert sim.counters.count(method='GET', endpoint=ORGANISATION) == 1  # urllib3 did not retry


@pytest.mark.parametrize('status', [405, 409, 418, 501])
def test_other_statuses_are_fatal_with_xeros_body(sim, api, status):
    sim.faults.add('status', path=ORGANISATION, status=status, body='Something else')
    error = failure(api)
    assert type(error) is XeroFatalError and not error.retryable
    assert (error.status, error.body['Detail']) == (status, 'Something else')


def test_no_answer_at_all_is_retryable_and_reports_nothing(sim, answers):
    sim.faults.add('drop', method='GET', path=ORGANISATION)
    error = failure(answers)
    assert type(error) is XeroRetryableError
    assert error.status is None and 'got no answer' in error.message
    assert answers.seen == []
    assert answers.answered == 0


def test_a_server_that_is_not_there_is_retryable(token):
    error = failure(XeroApi('http://127.0.0.1:9', token['access_token'], tenant_id=NZ_TENANT_ID))
    assert type(error) is XeroRetryableError and error.operation == 'get_organisations'


# --- decoding ------------------------------------------------------------------------------------------

def test_an_unreadable_answer_is_a_decode_error_that_still_reports_its_answer(sim, answers):
    sim.faults.add('garbled', method='GET', path='/Accounts')
    error = failure(answers, 'get_accounts')
    assert type(error) is XeroDecodeError
    assert (error.status, error.operation, error.retryable) == (200, 'get_accounts', True)
    assert answers.seen[-1][0] == 200
    assert answers.answered == 0  # not an answer the caller could use
    answers.call('accounting', 'get_accounts')
    assert answers.answered == 1


def test_an_unreadable_answer_to_a_typed_read_names_the_read(sim, api):
    sim.faults.add('garbled', method='GET', path=ORGANISATION)
    with pytest.raises(XeroDecodeError) as caught:
        api.lock_dates()
    assert caught.value.operation == 'get_organisations'
    assert isinstance(api.lock_dates(), dict)  # read again, it is there


# --- what is not Xero's --------------------------------------------------------------------------------

def test_the_callers_token_error_leaves_unchanged_and_nothing_is_sent(sim):
    class Lost(Exception):
        pass
    lost = Lost('the refresh lost the authorisation')

    def access_token():
        raise lost
    with pytest.raises(Lost) as caught:
        XeroApi(sim.url, access_token, tenant_id=NZ_TENANT_ID).call('accounting', 'get_organisations')
    assert caught.value is lost
    assert sim.counters.count(method='GET', endpoint=ORGANISATION) == 0


def test_a_token_error_of_the_addons_own_kind_leaves_unchanged(sim):
    def access_token():
        raise XeroAuthError('refresh refused')
    with pytest.raises(XeroAuthError) as caught:
        XeroApi(sim.url, access_token, tenant_id=NZ_TENANT_ID).call('accounting', 'get_organisations')
    assert caught.value.message == 'refresh refused' and caught.value.status is None


def test_the_sdks_own_refresh_is_refused_with_the_operation(sim, api, monkeypatch):
    """Were the SDK ever to try its own, unlocked, refresh in the middle of a call, the call
    fails naming its operation, instead of rotating the token behind the addon's back."""
    def refreshing_getter():
        api._refuse_sdk_refresh({'access_token': 'new'})
    monkeypatch.setattr(api.api_client, 'oauth2_token_getter', refreshing_getter)
    monkeypatch.setattr(api.api_client, 'get_oauth2_token', lambda: refreshing_getter())
    with pytest.raises(XeroFatalError) as caught:
        api.call('accounting', 'get_organisations')
    assert caught.value.operation == 'get_organisations'
    assert 'refresh the token itself' in caught.value.message


def test_the_class_says_what_to_do():
    """Callers decide from the class alone (exceptions.py): the properties they rely on."""
    assert XeroRetryableError('x').retryable and XeroDecodeError('x').retryable
    assert XeroRateLimited('x').retryable
    assert not XeroFatalError('x').retryable and not XeroNotFound('x').retryable
    assert not XeroAuthError('x').retryable and not XeroTokenExpired('x').retryable
    assert not XeroValidationError('x').retryable
    assert XeroValidationError('x').elements == []
