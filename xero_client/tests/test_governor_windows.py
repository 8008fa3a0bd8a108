"""The governor's windows and Xero's orders, one process, a clock moved by hand, a real
PostgreSQL (a scratch database of this module's own, dropped after it)."""
import datetime

import pytest

from xero_client import governor as gov_module
from xero_client.api import RateLimits
from xero_client.governor import Governor, Limits, Wait, resume
from xero_client.tests.governor_db import (T0, Clock, dbname, fresh, held_slots, org_id,  # noqa: F401
                                           row, set_row)

SECOND = datetime.timedelta(seconds=1)


def refused(governor):
    """The Wait a call gets; fails the test when the call is admitted."""
    with pytest.raises(Wait) as caught:
        with governor.call():
            pytest.fail('the call was admitted')
    return caught.value


def admit(governor, status=None, rate=None):
    with governor.call() as slot:
        if rate is not None:
            slot.record(status, rate)


# --- the rows -----------------------------------------------------------------------------------

def test_first_call_creates_the_organisations_row_and_the_apps(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    assert governor.state() is None
    admit(governor)
    mine = row(dbname, f'org:{org_id}')
    assert (mine['organisation_id'], mine['minute_calls'], mine['day_calls']) == (org_id, 1, 1)
    assert (mine['minute_window_start'], mine['day_window_start'], mine['last_call_date']) == (T0, T0, T0)
    assert (mine['retry_at'], mine['paused_until']) == (None, None)
    app = row(dbname, 'app')
    assert app['organisation_id'] is None and app['minute_calls'] >= 1


def test_organisations_have_budgets_of_their_own(dbname, org_id):
    clock = Clock()
    limits = Limits(minute=1)
    first = Governor(fresh(dbname), org_id * 10 + 1, limits=limits, clock=clock)
    second = Governor(fresh(dbname), org_id * 10 + 2, limits=limits, clock=clock)
    admit(first)
    assert refused(first).reason == 'minute limit'
    admit(second)  # the first one's spent minute is not the second one's
    assert second.state()['minute_calls'] == 1
    assert first.state()['minute_calls'] == 1


# --- the minute window ----------------------------------------------------------------------------

def test_minute_window_rolls_over_while_the_day_window_goes_on(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    for seconds in (0, 30, 59):
        clock.now = T0 + seconds * SECOND
        admit(governor)
    assert (governor.state()['minute_calls'], governor.state()['day_calls']) == (3, 3)
    clock.now = T0 + gov_module.MINUTE
    admit(governor)
    mine = row(dbname, f'org:{org_id}')
    assert (mine['minute_calls'], mine['minute_window_start']) == (1, T0 + gov_module.MINUTE)
    assert (mine['day_calls'], mine['day_window_start']) == (4, T0)


def test_minute_window_starts_at_the_first_call_not_on_the_clocks_minute(dbname, org_id):
    """Xero's windows start with the first call of the window, so each organisation resets at
    its own time: a window opened at :45 runs to :45 of the next minute."""
    clock = Clock(T0 + 45 * SECOND)
    governor = Governor(fresh(dbname), org_id, limits=Limits(minute=2), clock=clock)
    admit(governor)
    clock.advance(seconds=5)
    admit(governor)
    clock.now = T0 + 104 * SECOND  # 59 s after the window opened
    wait = refused(governor)
    assert (wait.until, wait.reason, wait.park) == (T0 + 105 * SECOND, 'minute limit', False)
    clock.now = wait.until
    admit(governor)
    assert governor.state()['minute_calls'] == 1


def test_xeros_minute_remaining_is_obeyed_then_forgotten_with_its_window(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    admit(governor, 200, RateLimits(minute_remaining=1, day_remaining=4000))
    assert governor.state()['minute_remaining'] == 1
    admit(governor)  # one left, by Xero's count
    admit(governor, 200, RateLimits(minute_remaining=0))
    wait = refused(governor)
    assert (wait.until, wait.reason) == (T0 + gov_module.MINUTE, 'minute limit')
    assert governor.state()['minute_calls'] == 3  # our own count is far from 60
    clock.advance(minutes=1)
    admit(governor)
    state = governor.state()
    # A new window: Xero's "0 left" belonged to the old one; the day's figure is kept.
    assert (state['minute_calls'], state['minute_remaining'], state['day_remaining']) == (1, None, 4000)


def test_an_answer_without_a_figure_keeps_the_last_one(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    admit(governor, 200, RateLimits(minute_remaining=10, day_remaining=100))
    admit(governor, 200, RateLimits(day_remaining=99))
    state = governor.state()
    assert (state['minute_remaining'], state['day_remaining']) == (10, 99)


def test_a_call_whose_answer_is_not_recorded_changes_no_remaining_budget(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    admit(governor, 200, RateLimits(minute_remaining=7))
    with governor.call():
        pass  # no answer (the request got none): nothing recorded
    state = governor.state()
    assert (state['minute_calls'], state['minute_remaining']) == (2, 7)


# --- the day window -------------------------------------------------------------------------------

def test_xeros_day_remaining_at_zero_parks_until_the_day_window_ends(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    admit(governor)
    clock.advance(hours=3)
    admit(governor, 200, RateLimits(minute_remaining=59, day_remaining=0))
    clock.advance(minutes=1)
    wait = refused(governor)
    assert (wait.until, wait.reason, wait.park) == (T0 + gov_module.DAY, 'daily limit', True)
    assert governor.state()['day_calls'] == 2


def test_day_window_rolls_over_with_its_counters(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, limits=Limits(day=2), clock=clock)
    admit(governor, 200, RateLimits(day_remaining=3))
    clock.advance(hours=23, minutes=59)
    admit(governor)
    assert refused(governor).park
    clock.now = T0 + gov_module.DAY
    admit(governor)
    state = governor.state()
    assert (state['day_calls'], state['day_remaining'], state['day_window_start']) == (1, None, T0 + gov_module.DAY)


def test_the_park_is_checked_before_everything_else(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    admit(governor)
    set_row(dbname, f'org:{org_id}', paused_until=T0 + datetime.timedelta(hours=5),
            retry_at=T0 + datetime.timedelta(minutes=2), minute_remaining=0)
    wait = refused(governor)
    assert (wait.until, wait.reason, wait.park) == (T0 + datetime.timedelta(hours=5), 'daily limit', True)
    set_row(dbname, f'org:{org_id}', paused_until=None)
    wait = refused(governor)
    assert (wait.until, wait.reason, wait.park) == (T0 + datetime.timedelta(minutes=2),
                                                    'Xero asked to retry later', False)


def test_a_park_in_the_past_no_longer_holds(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    admit(governor)
    set_row(dbname, f'org:{org_id}', paused_until=T0 - SECOND, retry_at=T0 - SECOND)
    admit(governor)
    assert governor.state()['minute_calls'] == 2


# --- 429 and Retry-After ----------------------------------------------------------------------------

@pytest.mark.parametrize('problem', ['minute', 'concurrent', 'appminute', None])
def test_a_429_other_than_the_days_waits_retry_after_without_parking(dbname, org_id, problem):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    admit(governor, 429, RateLimits(retry_after=12, problem=problem))
    state = governor.state()
    assert (state['retry_at'], state['paused_until']) == (T0 + 12 * SECOND, None)
    clock.advance(seconds=11)
    wait = refused(governor)
    assert (wait.until, wait.reason, wait.park) == (T0 + 12 * SECOND, 'Xero asked to retry later', False)
    clock.advance(seconds=1)
    admit(governor)


def test_a_429_without_retry_after_waits_a_minute(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    admit(governor, 429, RateLimits(problem='minute'))
    assert refused(governor).until == T0 + gov_module.MINUTE


@pytest.mark.parametrize('problem', ['day', 'Day', 'DAY'])
def test_a_429_for_the_day_parks_until_retry_after(dbname, org_id, problem):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    admit(governor, 429, RateLimits(retry_after=7200, problem=problem))
    state = governor.state()
    assert (state['paused_until'], state['retry_at']) == (T0 + datetime.timedelta(hours=2), None)
    wait = refused(governor)
    assert (wait.park, wait.reason) == (True, 'daily limit')


def test_a_200_after_a_429_does_not_lift_the_wait(dbname, org_id):
    """Two calls were in flight when Xero said 429: the other's 200 arrives after it and must
    not undo Xero's order (retry_at is only ever set, never cleared, by an answer)."""
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    with governor.call() as late, governor.call() as early:
        early.record(429, RateLimits(retry_after=30, problem='minute'))
        late.record(200, RateLimits(minute_remaining=40))
    assert governor.state()['retry_at'] == T0 + 30 * SECOND
    assert refused(governor).reason == 'Xero asked to retry later'


def test_wait_says_why_and_until_when():
    wait = Wait(datetime.datetime(2026, 3, 2, 9, 1, 30), 'minute limit')
    assert str(wait) == 'Xero budget: minute limit; wait until 2026-03-02 09:01:30 UTC'
    assert wait.park is False
    assert Wait(T0, 'daily limit', park=True).park is True


# --- resume ---------------------------------------------------------------------------------------

def test_resume_lifts_a_due_park_and_starts_a_new_day(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, limits=Limits(day=1), clock=clock)
    admit(governor, 429, RateLimits(retry_after=3600, problem='day', day_remaining=0))
    assert resume(fresh(dbname), org_id, clock=clock) is False
    assert governor.state()['paused_until'] == T0 + datetime.timedelta(hours=1)
    clock.advance(hours=1)
    assert resume(fresh(dbname), org_id, clock=clock) is True
    state = governor.state()
    assert (state['paused_until'], state['day_calls'], state['day_remaining'], state['day_window_start']) == (
        None, 0, None, None)
    admit(governor)  # the day's own limit of 1 counts again from this call
    assert governor.state()['day_calls'] == 1
    assert resume(fresh(dbname), org_id, clock=clock) is False  # nothing left to lift


def test_resume_touches_no_other_organisation(dbname, org_id):
    clock = Clock()
    parked = Governor(fresh(dbname), org_id * 10 + 1, clock=clock)
    other = Governor(fresh(dbname), org_id * 10 + 2, clock=clock)
    admit(parked, 429, RateLimits(retry_after=60, problem='day'))
    admit(other, 429, RateLimits(retry_after=60, problem='day'))
    clock.advance(minutes=1)
    assert resume(fresh(dbname), org_id * 10 + 1, clock=clock) is True
    assert parked.state()['paused_until'] is None
    assert other.state()['paused_until'] == T0 + gov_module.MINUTE


def test_resume_of_an_organisation_that_never_called(dbname, org_id):
    assert resume(fresh(dbname), org_id, clock=Clock()) is False
    assert row(dbname, f'org:{org_id}') is None


# --- what leaves the call ---------------------------------------------------------------------------

def test_the_calls_own_error_leaves_unchanged_counted_and_without_its_slot(dbname, org_id):
    """The request may have reached Xero: it counts. The slot is given back."""
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)

    class Boom(Exception):
        pass
    error = Boom('the call failed')
    with pytest.raises(Boom) as caught:
        with governor.call():
            assert held_slots(dbname) == 1
            raise error
    assert caught.value is error
    assert held_slots(dbname) == 0
    assert governor.state()['minute_calls'] == 1


def test_a_refused_call_counts_nowhere(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, limits=Limits(minute=1), clock=clock)
    admit(governor)
    app_before = row(dbname, 'app')['minute_calls']
    for _ in range(3):
        refused(governor)
    assert governor.state()['minute_calls'] == 1
    assert row(dbname, 'app')['minute_calls'] == app_before
    assert governor.state()['last_call_date'] == T0


def test_slots_are_per_organisation(dbname, org_id, monkeypatch):
    monkeypatch.setattr(gov_module, 'SLOT_WAIT_SECONDS', 0.1)
    clock = Clock()
    limits = Limits(concurrent=1)
    first = Governor(fresh(dbname), org_id * 10 + 1, limits=limits, clock=clock)
    second = Governor(fresh(dbname), org_id * 10 + 2, limits=limits, clock=clock)
    with first.call():
        assert refused(first).reason == 'concurrent calls'
        with second.call():  # the first one's only slot is not the second one's
            assert held_slots(dbname) == 2
    assert held_slots(dbname) == 0
