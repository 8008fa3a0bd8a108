"""The rate governor against a real PostgreSQL, with real processes competing for one budget.

Each test module run gets a database of its own holding only the governor's table, with the
columns Odoo creates for ``xero.organisation.runtime``. The server and role are the ones
``scripts/test.sh`` sets up (PGHOST, PGPORT, XERO_DB_USER, XERO_DB_PASSWORD / PGPASSWORD).
"""
import datetime
import logging
import multiprocessing

import pytest
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from xero_client import governor as gov_module
from xero_client.api import RateLimits
from xero_client.governor import Governor, Limits, Wait, read_state
from xero_client.tests.governor_db import (T0, Clock, Cursor, dbname, fresh, held_slots,  # noqa: F401
                                           org_id)
from xero_client.tests.governor_db import connect as _connect

PROCESSES = 6
ROUNDS = 3


def pooled(dbname):
    """Cursors on one connection that outlives them, as Odoo's connection pool hands back: a
    session advisory lock not released stays held on it."""
    connection = _connect(dbname)
    connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)

    def factory():
        return Cursor(connection, close=False)
    factory.connection = connection
    return factory


# --- several processes, one budget --------------------------------------------------------------

def _hammer(dbname, organisation_id, start, results):
    """One worker: call until the minute's budget is refused; report when each call was admitted."""
    governor = Governor(fresh(dbname), organisation_id)
    admitted = []
    start.wait()
    while True:
        try:
            with governor.call():
                admitted.append(gov_module.utcnow())
        except Wait as wait:
            if wait.reason == 'minute limit':
                break  # all slots busy is only a pause: try again
    results.put(admitted)


def test_processes_never_share_more_than_the_minute_budget(dbname, org_id):
    """Six processes (not threads: separate connections, separate interpreters) on one
    organisation. Checked, then counted, they were admitted 61 to 64 calls in one 60-call
    window; each round must admit exactly the limit."""
    limit = Limits().minute
    context = multiprocessing.get_context('fork')
    for round_ in range(ROUNDS):
        organisation_id = org_id * 10 + round_
        start, results = context.Event(), context.Queue()
        workers = [context.Process(target=_hammer, args=(dbname, organisation_id, start, results))
                   for _ in range(PROCESSES)]
        for worker in workers:
            worker.start()
        start.set()
        admitted = sorted(t for _ in workers for t in results.get(timeout=120))
        for worker in workers:
            worker.join(timeout=30)
            assert worker.exitcode == 0
        assert admitted[-1] - admitted[0] < gov_module.MINUTE, 'the round outlasted one window'
        assert len(admitted) == limit, f'round {round_}: {len(admitted)} calls admitted in one window'
        assert held_slots(dbname) == 0


# --- one process: the other paths -------------------------------------------------------------

def test_minute_limit_waits_until_the_window_ends(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, limits=Limits(minute=2), clock=clock)
    for _ in range(2):
        with governor.call():
            clock.advance(seconds=10)
    with pytest.raises(Wait) as caught:
        with governor.call():
            pytest.fail('a third call was admitted in a 2-call minute')
    assert (caught.value.until, caught.value.reason, caught.value.park) == (
        T0 + datetime.timedelta(minutes=1), 'minute limit', False)
    assert governor.state()['minute_calls'] == 2  # a refused call is not counted
    clock.now = T0 + datetime.timedelta(minutes=1)
    with governor.call():
        pass
    assert governor.state()['minute_calls'] == 1  # a new window


def test_day_limit_parks_the_organisation_until_the_day_ends(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, limits=Limits(day=3), clock=clock)
    for _ in range(3):
        with governor.call():
            clock.advance(minutes=5)
    with pytest.raises(Wait) as caught:
        with governor.call():
            pytest.fail('a fourth call was admitted in a 3-call day')
    assert (caught.value.until, caught.value.reason, caught.value.park) == (
        T0 + datetime.timedelta(days=1), 'daily limit', True)
    clock.now = T0 + datetime.timedelta(days=1)
    with governor.call():
        pass
    assert governor.state()['day_calls'] == 1


def test_xero_remaining_budget_and_429_orders_are_obeyed(dbname, org_id):
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, clock=clock)
    with governor.call() as slot:
        slot.record(200, RateLimits(minute_remaining=0, day_remaining=4000))
    with pytest.raises(Wait) as caught:
        with governor.call():
            pass
    assert (caught.value.until, caught.value.reason) == (T0 + datetime.timedelta(minutes=1), 'minute limit')

    clock.advance(minutes=1)
    with pytest.raises(ValueError):  # a 429 reaches the governor as the call's exception
        with governor.call() as slot:
            slot.record(429, RateLimits(retry_after=17, problem='minute'))
            raise ValueError('429')
    with pytest.raises(Wait) as caught:
        with governor.call():
            pass
    assert (caught.value.until, caught.value.reason, caught.value.park) == (
        clock.now + datetime.timedelta(seconds=17), 'Xero asked to retry later', False)

    clock.advance(seconds=17)
    with governor.call() as slot:
        slot.record(429, RateLimits(retry_after=3600, problem='day'))
    with pytest.raises(Wait) as caught:
        with governor.call():
            pass
    assert (caught.value.until, caught.value.park) == (clock.now + datetime.timedelta(hours=1), True)
    assert gov_module.resume(fresh(dbname), org_id, clock=clock) is False  # not yet
    clock.advance(hours=1)
    assert gov_module.resume(fresh(dbname), org_id, clock=clock) is True
    with governor.call():
        pass


def test_app_minute_budget_is_shared_by_every_organisation(dbname, org_id):
    clock = Clock(datetime.datetime(2030, 1, 1))  # after every other test's app window
    limits = Limits(app_minute=2)
    try:
        for organisation_id in (org_id * 10 + 1, org_id * 10 + 2):
            with Governor(fresh(dbname), organisation_id, limits=limits, clock=clock).call():
                pass
        with pytest.raises(Wait) as caught:
            with Governor(fresh(dbname), org_id * 10 + 3, limits=limits, clock=clock).call():
                pass
        assert (caught.value.reason, caught.value.until) == ('app minute limit', clock.now + gov_module.MINUTE)
    finally:
        with fresh(dbname)() as cr:  # the other tests' clocks are earlier: give them a new app row
            cr.execute(f"DELETE FROM {gov_module.TABLE} WHERE key = 'app'")


def test_concurrent_slots(dbname, org_id, monkeypatch):
    monkeypatch.setattr(gov_module, 'SLOT_WAIT_SECONDS', 0.2)
    clock = Clock()
    governor = Governor(fresh(dbname), org_id, limits=Limits(concurrent=2), clock=clock)
    with governor.call(), governor.call():
        assert held_slots(dbname) == 2
        with pytest.raises(Wait) as caught:
            with governor.call():
                pytest.fail('a third call ran with two slots')
        assert (caught.value.until, caught.value.reason) == (
            T0 + datetime.timedelta(seconds=5), 'concurrent calls')
    assert governor.state()['minute_calls'] == 2
    with governor.call():
        assert held_slots(dbname) == 1
    assert held_slots(dbname) == 0


def test_slot_is_released_when_recording_fails(dbname, org_id, caplog):
    """On a pooled connection a slot not released stays taken until the worker restarts."""
    factory = pooled(dbname)
    governor = Governor(factory, org_id, limits=Limits(concurrent=1))
    try:
        with caplog.at_level(logging.WARNING, logger=gov_module.__name__):
            with governor.call() as slot:
                # Not an integer: the UPDATE that records it fails.
                slot.record(200, RateLimits(minute_remaining='many'))
        assert 'could not record' in caplog.text
        assert held_slots(dbname) == 0
        with governor.call():  # the only slot is free, and the pooled connection usable
            pass
        assert governor.state()['minute_calls'] == 2
    finally:
        factory.connection.close()


def test_slot_is_released_when_the_budget_refuses(dbname, org_id):
    factory = pooled(dbname)
    governor = Governor(factory, org_id, limits=Limits(concurrent=1, minute=1))
    try:
        with governor.call():
            pass
        with pytest.raises(Wait):
            with governor.call():
                pass
        assert held_slots(dbname) == 0
        with factory() as cr:
            assert read_state(cr, f'org:{org_id}')['minute_calls'] == 1
    finally:
        factory.connection.close()
