"""The governor around real calls: ``XeroApi(admit=governor.call)`` against the simulator over
HTTP, as ``xero.organisation._api`` builds it, with the budget in a scratch PostgreSQL."""
import datetime

import pytest

from xero_client import (XeroApi, XeroDecodeError, XeroRateLimited, XeroRetryableError,
                         XeroTokenExpired)
from xero_client.governor import Governor, Limits, Wait, resume
from xero_client.tests.governor_db import Clock, dbname, fresh, held_slots, org_id, row  # noqa: F401
from xero_client.tests.sim_auth import oauth, token  # noqa: F401
from xero_sim.seed import NZ_TENANT_ID

ORGANISATION = '/api.xro/2.0/Organisation'


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def governor(dbname, org_id, clock):
    return Governor(fresh(dbname), org_id, clock=clock)


@pytest.fixture
def governed(sim, token, governor):
    return XeroApi(sim.url, token['access_token'], tenant_id=NZ_TENANT_ID, admit=governor.call)


def sent(sim, endpoint=ORGANISATION):
    return sim.counters.count(method='GET', endpoint=endpoint)


def test_xeros_rate_headers_land_in_the_budget_row(sim, governed, governor):
    governed.call('accounting', 'get_organisations')
    governed.call('accounting', 'get_organisations')
    state = governor.state()
    assert (state['minute_calls'], state['day_calls']) == (2, 2)
    # The simulator's own count, read from its headers: 60 - 2 and 5000 - 2.
    assert (state['minute_remaining'], state['day_remaining']) == (58, 4998)


def test_xero_saying_none_left_stops_the_next_call_before_it_is_sent(sim, governed, governor, dbname):
    sim.set_rate_limits(minute=2)
    governed.call('accounting', 'get_organisations')
    governed.call('accounting', 'get_organisations')
    assert governor.state()['minute_remaining'] == 0
    with pytest.raises(Wait) as caught:
        governed.call('accounting', 'get_organisations')
    assert caught.value.reason == 'minute limit'
    assert sent(sim) == 2  # Xero never saw the third call
    assert sim.counters.rate_limited == 0  # nor answered a 429
    assert held_slots(dbname) == 0


def test_a_429_sets_retry_at_and_the_next_call_waits_without_being_sent(sim, governed, governor, clock):
    sim.faults.add('rate_limit', path=ORGANISATION, problem='minute', retry_after=25)
    with pytest.raises(XeroRateLimited) as caught:
        governed.call('accounting', 'get_organisations')
    assert (caught.value.retry_after, caught.value.problem) == (25, 'minute')
    assert governor.state()['retry_at'] == clock.now + datetime.timedelta(seconds=25)
    with pytest.raises(Wait) as caught:
        governed.call('accounting', 'get_accounts')
    assert (caught.value.reason, caught.value.park) == ('Xero asked to retry later', False)
    assert sent(sim) == 1 and sent(sim, '/api.xro/2.0/Accounts') == 0
    clock.advance(seconds=25)
    result = governed.call('accounting', 'get_organisations')
    assert result.status == 200
    assert sent(sim) == 2


def test_a_429_for_the_day_parks_until_resume(sim, governed, governor, clock, dbname, org_id):
    sim.faults.add('rate_limit', path=ORGANISATION, problem='day', retry_after=3600)
    with pytest.raises(XeroRateLimited):
        governed.call('accounting', 'get_organisations')
    with pytest.raises(Wait) as caught:
        governed.call('accounting', 'get_organisations')
    assert (caught.value.park, caught.value.until) == (True, clock.now + datetime.timedelta(hours=1))
    clock.advance(hours=1)
    assert resume(fresh(dbname), org_id, clock=clock) is True
    assert governed.call('accounting', 'get_organisations').status == 200
    assert sent(sim) == 2


def test_the_governors_day_limit_parks_before_xeros(sim, dbname, org_id, token, clock):
    governor = Governor(fresh(dbname), org_id, limits=Limits(day=3), clock=clock)
    api = XeroApi(sim.url, token['access_token'], tenant_id=NZ_TENANT_ID, admit=governor.call)
    for _ in range(3):
        api.call('accounting', 'get_organisations')
    with pytest.raises(Wait) as caught:
        api.call('accounting', 'get_organisations')
    assert caught.value.park
    assert sent(sim) == 3


@pytest.mark.parametrize('status', [500, 503])
def test_a_server_error_counts_and_gives_its_slot_back(sim, governed, governor, dbname, status):
    sim.faults.add('status', path=ORGANISATION, status=status)
    with pytest.raises(XeroRetryableError) as caught:
        governed.call('accounting', 'get_organisations')
    assert caught.value.status == status
    assert held_slots(dbname) == 0
    state = governor.state()
    assert state['minute_calls'] == 1
    # The error's answer carried Xero's budget headers: they were recorded too.
    assert state['minute_remaining'] == governed.last_rate.minute_remaining is not None


def test_a_dropped_connection_counts_and_gives_its_slot_back(sim, governed, governor, dbname):
    sim.faults.add('drop', method='GET', path=ORGANISATION)
    with pytest.raises(XeroRetryableError):
        governed.call('accounting', 'get_organisations')
    assert held_slots(dbname) == 0
    state = governor.state()
    assert (state['minute_calls'], state['minute_remaining']) == (1, None)  # no answer, no figure
    assert governed.call('accounting', 'get_organisations').status == 200


def test_an_unreadable_answer_still_records_its_budget(sim, governed, governor, dbname):
    sim.faults.add('garbled', method='GET', path='/Accounts')
    with pytest.raises(XeroDecodeError):
        governed.call('accounting', 'get_accounts')
    assert held_slots(dbname) == 0
    assert governor.state()['minute_remaining'] == 59


def test_an_expired_token_counts_as_a_call(sim, governed, governor, dbname):
    sim.expire_access_tokens()
    with pytest.raises(XeroTokenExpired):
        governed.call('accounting', 'get_organisations')
    assert governor.state()['minute_calls'] == 1
    assert held_slots(dbname) == 0


def test_identity_calls_are_not_governed(sim, governed, dbname, org_id):
    """The connections endpoint is the identity service's, outside an organisation's budget."""
    assert len(governed.get_connections()) == 2
    assert row(dbname, f'org:{org_id}') is None


def test_a_refused_call_does_not_fetch_the_token(sim, token, governor, clock):
    """A parked organisation must not refresh its token (a refresh is a call of its own, and
    rotates the refresh token) only to be refused."""
    fetched = []

    def access_token():
        fetched.append(1)
        return token['access_token']
    api = XeroApi(sim.url, access_token, tenant_id=NZ_TENANT_ID, admit=governor.call)
    api.call('accounting', 'get_organisations')
    sim.faults.add('rate_limit', path=ORGANISATION, problem='day', retry_after=600)
    with pytest.raises(XeroRateLimited):
        api.call('accounting', 'get_organisations')
    assert len(fetched) == 2
    with pytest.raises(Wait):
        api.call('accounting', 'get_organisations')
    assert len(fetched) == 2


def test_every_call_of_one_client_is_governed(sim, governed, governor):
    """The typed operations go through the same door as ``call``."""
    governed.currencies()
    governed.lock_dates()
    assert governor.state()['minute_calls'] == 2
