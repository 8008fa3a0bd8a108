"""Several workers on one budget: threads and processes, each with connections of its own,
against a real PostgreSQL (a scratch database of this module's own)."""
import datetime
import multiprocessing
import os
import threading

import pytest

from xero_client import governor as gov_module
from xero_client.governor import Governor, Limits, Wait
from xero_client.tests.governor_db import (Clock, dbname, fresh, held_slots, org_id,  # noqa: F401
                                           row)

# How long a test waits on another worker before it calls the run broken (never reached when
# the governor works: every wait below ends on an event the other side sets).
PATIENCE = 60


def _run_threads(count, target):
    errors = []

    def guarded(index):
        try:
            target(index)
        except Exception as e:  # noqa: BLE001 - reported to the test below
            errors.append(e)
    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)
        assert not thread.is_alive()
    assert errors == []


def test_threads_never_hold_more_slots_than_the_limit(dbname, org_id, monkeypatch):
    """Five threads, two slots: two get in and hold them; the three others are told to wait
    (concurrent calls) while the slots stay held, and nothing is counted for them."""
    monkeypatch.setattr(gov_module, 'SLOT_WAIT_SECONDS', 0.3)
    governor = Governor(fresh(dbname), org_id, limits=Limits(concurrent=2))
    inside, refused, release = [], [], threading.Event()
    all_refused = threading.Event()
    lock = threading.Lock()

    def worker(index):
        try:
            with governor.call():
                with lock:
                    inside.append(index)
                assert release.wait(PATIENCE)
        except Wait as wait:
            with lock:
                refused.append(wait.reason)
                if len(refused) == 3:
                    all_refused.set()

    def main(index):
        if index == 5:  # the referee: lets the holders go once the others gave up
            assert all_refused.wait(PATIENCE)
            assert held_slots(dbname) == 2
            release.set()
        else:
            worker(index)
    _run_threads(6, main)
    assert len(inside) == 2 and refused == ['concurrent calls'] * 3
    assert governor.state()['minute_calls'] == 2
    assert held_slots(dbname) == 0


def test_threads_share_the_minute_budget_exactly(dbname, org_id):
    limit = 25
    governor_limits = Limits(minute=limit)
    admitted, lock = [], threading.Lock()
    clock = Clock()

    def worker(index):
        governor = Governor(fresh(dbname), org_id, limits=governor_limits, clock=clock)
        while True:
            try:
                with governor.call():
                    with lock:
                        admitted.append(index)
            except Wait as wait:
                if wait.reason == 'minute limit':
                    return
    _run_threads(4, worker)
    assert len(admitted) == limit
    assert Governor(fresh(dbname), org_id).state()['minute_calls'] == limit
    assert held_slots(dbname) == 0


def test_the_app_budget_is_shared_by_threads_of_several_organisations(dbname, org_id):
    clock = Clock(datetime.datetime(2031, 1, 1))  # a new app window, after the other tests'
    limits = Limits(app_minute=12)
    admitted, lock = [], threading.Lock()

    def worker(index):
        governor = Governor(fresh(dbname), org_id * 10 + index, limits=limits, clock=clock)
        while True:
            try:
                with governor.call():
                    with lock:
                        admitted.append(index)
            except Wait as wait:
                assert wait.reason == 'app minute limit'
                return
    try:
        _run_threads(3, worker)
        assert len(admitted) == 12
        assert row(dbname, 'app')['minute_calls'] == 12
        assert sum(row(dbname, f'org:{org_id * 10 + i}')['minute_calls'] for i in range(3)) == 12
    finally:
        with fresh(dbname)() as cr:  # the other tests' clocks are earlier: give them a new app row
            cr.execute(f"DELETE FROM {gov_module.TABLE} WHERE key = 'app'")


# --- processes ------------------------------------------------------------------------------------

def _until_parked(dbname, organisation_id, day, start, results):
    governor = Governor(fresh(dbname), organisation_id, limits=Limits(day=day, minute=10_000))
    admitted, parked = 0, None
    start.wait()
    while parked is None:
        try:
            with governor.call():
                admitted += 1
        except Wait as wait:
            if wait.park:
                parked = wait.reason
    results.put((admitted, parked))


def test_processes_share_the_day_budget_and_all_park(dbname, org_id):
    day = 30
    context = multiprocessing.get_context('fork')
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_until_parked, args=(dbname, org_id, day, start, results))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [results.get(timeout=PATIENCE) for _ in workers]
    for worker in workers:
        worker.join(PATIENCE)
        assert worker.exitcode == 0
    assert sum(admitted for admitted, _ in outcomes) == day
    assert {reason for _, reason in outcomes} == {'daily limit'}
    assert Governor(fresh(dbname), org_id).state()['day_calls'] == day
    assert held_slots(dbname) == 0


def _die_holding_a_slot(dbname, organisation_id, holding):
    governor = Governor(fresh(dbname), organisation_id, limits=Limits(concurrent=1))
    with governor.call():
        holding.set()
        os._exit(3)  # a worker killed mid-call: no finally runs, no unlock is sent


def test_a_crashed_workers_slot_is_freed_with_its_connection(dbname, org_id):
    """The slot is a session advisory lock: when the process dies, PostgreSQL ends its session
    and the lock with it, and the organisation's only slot is free for the next worker."""
    context = multiprocessing.get_context('fork')
    holding = context.Event()
    worker = context.Process(target=_die_holding_a_slot, args=(dbname, org_id, holding))
    worker.start()
    assert holding.wait(PATIENCE)
    worker.join(PATIENCE)
    assert worker.exitcode == 3
    governor = Governor(fresh(dbname), org_id, limits=Limits(concurrent=1))
    with governor.call():  # waits (up to SLOT_WAIT_SECONDS) for the server to notice the death
        pass
    assert governor.state()['minute_calls'] == 2
    assert held_slots(dbname) == 0


def _hold_until(dbname, organisation_id, holding, release, results):
    governor = Governor(fresh(dbname), organisation_id, limits=Limits(concurrent=1))
    with governor.call():
        holding.set()
        results.put(release.wait(PATIENCE))


def test_a_slot_held_by_another_process_refuses_then_admits(dbname, org_id, monkeypatch):
    monkeypatch.setattr(gov_module, 'SLOT_WAIT_SECONDS', 0.2)
    context = multiprocessing.get_context('fork')
    holding, release, results = context.Event(), context.Event(), context.Queue()
    worker = context.Process(target=_hold_until, args=(dbname, org_id, holding, release, results))
    worker.start()
    assert holding.wait(PATIENCE)
    governor = Governor(fresh(dbname), org_id, limits=Limits(concurrent=1))
    with pytest.raises(Wait) as caught:
        with governor.call():
            pytest.fail('two calls at once with one slot')
    assert caught.value.reason == 'concurrent calls'
    release.set()
    assert results.get(timeout=PATIENCE) is True
    worker.join(PATIENCE)
    assert worker.exitcode == 0
    with governor.call():
        pass
    assert governor.state()['minute_calls'] == 2
