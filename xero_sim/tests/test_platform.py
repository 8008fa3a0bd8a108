"""Platform behaviour: fault injection, rate limits (virtual clock),
Idempotency-Key, duplicates, counters, control API, CLI."""
import datetime as dt
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import urllib3
from xero_python.accounting import (Account, Allocation, Allocations, BankTransactions, CreditNote,
                                    CreditNotes, Invoice, Invoices, Item, Items, Payment, PaymentDelete)
from xero_python.accounting import models as sdk_models
from xero_python.api_client import ModelFinder
from xero_python.api_client.deserializer import deserialize
from xero_python.exceptions import (AccountingBadRequestException, HTTPStatusException,
                                   RateLimitException)

from xero_sim import XeroSimulator
from xero_sim.tests.helpers import api_headers, connect, refresh, sdk
from xero_sim.tests.test_invoices import TODAY, create, invoice, line
from xero_sim.tests.test_payments import bank_txn, credit_note

ORG_URL = '/api.xro/2.0/Organisation'


def get(sim, token, tenant, path=ORG_URL, **kw):
    return requests.get(sim.url + path, headers=api_headers(token, tenant), timeout=5, **kw)


def test_rate_limit_headers_on_every_accounting_response(sim, token, nz):
    first = get(sim, token, nz)
    assert first.headers['X-MinLimit-Remaining'] == '59'
    assert first.headers['X-DayLimit-Remaining'] == '4999'
    assert first.headers['X-AppMinLimit-Remaining'] == '9999'
    second = get(sim, token, nz, path='/api.xro/2.0/Nope')
    assert second.status_code == 404 and second.headers['X-MinLimit-Remaining'] == '58'
    denied = requests.get(sim.url + ORG_URL, headers={'Xero-Tenant-Id': nz}, timeout=5)
    assert denied.status_code == 401 and 'X-MinLimit-Remaining' in denied.headers


def test_minute_limit_and_reset(sim, token, nz, au):
    sim.set_rate_limits(minute=3)
    remaining = [get(sim, token, nz).headers['X-MinLimit-Remaining'] for _ in range(3)]
    assert remaining == ['2', '1', '0']
    blocked = get(sim, token, nz)
    assert blocked.status_code == 429
    assert blocked.headers['X-Rate-Limit-Problem'] == 'minute'
    assert 0 < int(blocked.headers['Retry-After']) <= 60
    assert get(sim, token, au).status_code == 200  # limits are per tenant
    sim.clock.advance(60)
    assert get(sim, token, nz).status_code == 200
    assert sim.counters.rate_limited == 1


def test_day_limit_through_sdk(sim, token, nz):
    sim.set_rate_limits(day=4, minute=100)
    api = sdk(sim, token)[0]
    for _ in range(4):
        api.get_organisations(nz)
    with pytest.raises(RateLimitException) as err:
        api.get_organisations(nz)
    assert err.value.rate_limit == 'day'
    assert int(err.value.headers['Retry-After']) > 80000
    sim.clock.advance(86400)
    fresh = refresh(sim, token['refresh_token']).json()  # the old one expired meanwhile
    assert sdk(sim, fresh)[0].get_organisations(nz).organisations


def test_app_minute_limit(sim, token, nz, au):
    sim.set_rate_limits(app_minute=3)
    assert [get(sim, token, t).status_code for t in (nz, au, nz)] == [200, 200, 200]
    blocked = get(sim, token, au)
    assert (blocked.status_code, blocked.headers['X-Rate-Limit-Problem']) == (429, 'appminute')


def test_concurrent_limit(sim, token, nz):
    sim.set_rate_limits(concurrent=2)
    sim.faults.add('slow', method='GET', path=ORG_URL, count=2, delay=0.4)
    results = []
    threads = [threading.Thread(target=lambda: results.append(get(sim, token, nz).status_code))
               for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.15)
    third = get(sim, token, nz)
    for t in threads:
        t.join()
    assert sorted(results) == [200, 200]
    assert third.status_code == 429 and third.headers['X-Rate-Limit-Problem'] == 'concurrent'
    assert get(sim, token, nz).status_code == 200


def test_rate_limit_burst_fault(sim, token, nz):
    sim.faults.add('rate_limit', path=ORG_URL, count=2, problem='minute', retry_after=17)
    first, second, third = (get(sim, token, nz) for _ in range(3))
    assert [r.status_code for r in (first, second, third)] == [429, 429, 200]
    assert first.headers['Retry-After'] == '17'
    assert first.headers['X-Rate-Limit-Problem'] == 'minute'
    assert 'X-DayLimit-Remaining' in first.headers
    assert sim.counters.rate_limited == 2


def test_status_500_and_slow_faults(sim, token, nz, client):
    sim.faults.add('status', tenant_id=nz, status=500)
    failed = get(sim, token, nz)
    assert failed.status_code == 500 and 'X-MinLimit-Remaining' in failed.headers
    sim.faults.add('slow', method='GET', path='/Organisation', delay=0.3)
    started = time.monotonic()
    assert get(sim, token, nz).status_code == 200
    assert time.monotonic() - started >= 0.3
    api = client[0]
    sim.faults.add('slow', path='/Organisation', delay=1.0)
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        api.get_organisations(nz, _request_timeout=(1, 0.2))
    sim.faults.add('status', status=503, retry_after=30, path='/connect/token')
    resp = requests.post(sim.url + '/connect/token', data={'grant_type': 'refresh_token'},
                         timeout=5)
    assert resp.status_code == 503 and resp.headers['Retry-After'] == '30'


def test_drop_fault_with_idempotency_key_is_safe(sim, api, nz):
    sim.faults.add('drop', method='PUT', path='/Invoices')
    payload = Invoices(invoices=[invoice([line(40)], reference='IDEM-1')])
    with pytest.raises(urllib3.exceptions.HTTPError):
        api.create_invoices(nz, payload, idempotency_key='odoo-move-7-v1')
    # The retry with the same key gets the committed answer, nothing new.
    again = api.create_invoices(nz, payload, idempotency_key='odoo-move-7-v1').invoices[0]
    assert again.reference == 'IDEM-1'
    assert [i.invoice_id for i in api.get_invoices(nz).invoices] == [again.invoice_id]
    assert sim.counters.idempotent_replays == 1 and sim.counters.duplicates == 0
    # Without the key, the blind retry duplicates.
    api.create_invoices(nz, payload)
    assert sim.counters.duplicates == 1


def test_idempotency_key_rules(sim, api, token, nz, au):
    payload = Invoices(invoices=[invoice([line(5)])])
    first = api.create_invoices(nz, payload, idempotency_key='k-1').invoices[0]
    replay = api.create_invoices(nz, payload, idempotency_key='k-1').invoices[0]
    assert replay.invoice_id == first.invoice_id and replay.invoice_number == 'INV-0001'
    other = api.create_invoices(au, Invoices(invoices=[invoice([line(5, tax='OUTPUT')])]),
                                idempotency_key='k-1').invoices[0]
    assert other.invoice_id != first.invoice_id  # keys are per tenant
    resp = requests.put(sim.api_url + '/Invoices', json={'Invoices': []},
                        headers=api_headers(token, nz, **{'Idempotency-Key': 'x' * 129}),
                        timeout=5)
    assert resp.status_code == 400
    assert sim.counters.idempotent_replays == 1


def test_counters(sim, api, token, nz, au):
    api.get_organisations(nz)
    api.get_organisations(nz)
    api.get_accounts(au)
    get(sim, token, nz, path='/api.xro/2.0/Invoices/' + '1' * 8 + '-1111-1111-1111-' + '1' * 12)
    c = sim.counters
    assert c.calls[('GET', '/api.xro/2.0/Organisation', nz)] == 2
    assert c.count(endpoint='/api.xro/2.0/Organisation') == 2
    assert c.count('GET', '/api.xro/2.0/Invoices/{id}', nz) == 1
    assert c.count(tenant_id=au) == 1
    assert c.count('POST', '/connect/token') == 1
    assert c.count('GET', '/api.xro/2.0/accounts') == 1  # case-insensitive
    data = c.as_dict()
    assert data['rate_limited'] == 0 and 'idempotent_replays' in data and 'duplicates' in data
    last = sim.requests[-1]
    assert (last.method, last.tenant_id, last['status']) == ('GET', nz, 404)
    assert last.headers['xero-tenant-id'] == nz and last.query == {}


def test_overview_marks_what_arrived_through_the_api(sim, token, nz):
    """/_sim/ lists every kind an app sends, items and allocations included, and says which
    records an app sent (with its Client ID) and which are the simulator's own."""
    api = sdk(sim, token)[0]
    inv = create(api, nz, invoice([line(30)], contact='Ridgeway Bakery'))[0]
    note = api.create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(5)], contact='Ridgeway Bakery')])).credit_notes[0]
    api.create_credit_note_allocation(nz, note.credit_note_id, Allocations(allocations=[
        Allocation(invoice=Invoice(invoice_id=inv.invoice_id), amount=5, date=TODAY)]))
    api.create_items(nz, Items(items=[Item(code='ODOO-WIDGET', name='Widget')]))
    org = sim.organisation(nz)
    sent = [c for c in org.contacts.values() if c['Name'] == 'Ridgeway Bakery']
    assert sent and sent[0]['_client'] == 'demo-client-id'
    seeded = [c for c in org.contacts.values() if c['Name'] == 'Bayside Club']
    assert '_client' not in seeded[0]
    page = requests.get(sim.url + '/_sim/', timeout=5).text
    for table in ('Contacts', 'Items', 'Invoices and bills', 'Credit notes',
                  'Credit note allocations (1)', 'Payments', 'Bank transactions'):
        assert table in page, table
    assert 'ODOO-WIDGET' in page and 'DevD' in page
    # The contact, invoice, credit note, allocation and item sent: five rows marked.
    assert page.count('\u2605 demo-client-id') == 5
    # Nothing private leaks into Xero's answers.
    assert '_client' not in requests.get(
        sim.url + '/api.xro/2.0/Contacts', headers=api_headers(token, nz), timeout=5).text


def test_control_api(sim, token, nz):
    url = sim.url + '/_sim/'
    api = sdk(sim, token)[0]
    inv = create(api, nz, invoice([line(12)], reference='SHOW-ME'))[0]
    api.create_payment(nz, Payment(invoice=Invoice(invoice_id=inv.invoice_id),
                                   account=Account(code='090'), amount=1, date=TODAY))
    note = api.create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(1)])])).credit_notes[0]
    api.create_payment(nz, Payment(credit_note=CreditNote(credit_note_id=note.credit_note_id),
                                   account=Account(code='090'), amount=1, date=TODAY))
    api.create_bank_transactions(nz, BankTransactions(bank_transactions=[bank_txn()]))
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and 'text/html' in page.headers['Content-Type']
    assert 'Demo Company (NZ)' in page.text and 'INV-0001' in page.text
    assert 'Bayside Club' in page.text and 'CN-0001' in page.text
    assert 'Payments (2)' in page.text and 'Bank transactions (1)' in page.text
    counters = requests.get(url + 'counters', timeout=5).json()
    assert counters['total_calls'] >= 3
    assert requests.post(url + 'faults', json={'kind': 'status', 'status': 503,
                                               'path': ORG_URL}, timeout=5).status_code == 200
    assert get(sim, token, nz).status_code == 503
    assert requests.post(url + 'faults', json={'kind': 'bogus'}, timeout=5).status_code == 400
    assert requests.post(url + 'clients', json={'client_id': 'ci', 'client_secret': 'cs'},
                         timeout=5).status_code == 200
    assert sim.clients['ci'] == 'cs'
    assert requests.post(url + 'reset', timeout=5).json() == {'ok': True}
    assert sim.clients['ci'] == 'cs'  # registered clients survive a reset
    assert get(sim, token, nz).status_code == 401  # tokens were cleared
    orgs = requests.get(url + 'organisations', timeout=5).json()
    assert [o['name'] for o in orgs] == ['Demo Company (NZ)', 'Demo Company (AU)']


def test_reset_restores_seed_and_state(sim, api, nz):
    create(api, nz, invoice([line(1)]))
    sim.faults.add('drop')
    sim.reset()
    assert len(sim.faults) == 0
    assert sim.counters.count() == 0 and sim.requests == []
    assert not sim.organisation(nz).invoices and len(sim.organisation(nz).contacts) == 4


def test_add_organisation_and_seed(sim, token):
    tenant = sim.add_organisation('Sim Ltd (AU)', base_currency='AUD', country_code='AU')
    sim.seed(tenant, contacts=[{'Name': 'Seeded Contact', 'ContactNumber': 'S-1'}],
             items=[{'Code': 'SEED', 'Name': 'Seeded item'}])
    tok = connect(sim)
    api = sdk(sim, tok)[0]
    org = api.get_organisations(tenant).organisations[0]
    assert org.name == 'Sim Ltd (AU)' and org.base_currency.value == 'AUD'
    assert [c.name for c in api.get_contacts(tenant).contacts] == ['Seeded Contact']
    assert 'OUTPUT' in [r.tax_type for r in api.get_tax_rates(tenant).tax_rates]
    with pytest.raises(ValueError):
        sim.seed(tenant, contacts=[{'Name': 'Seeded Contact'}])


def test_virtual_clock_off_uses_real_time():
    sim = XeroSimulator(virtual_clock=False)
    before = time.time()
    assert abs(sim.clock.time() - before) < 1
    sim.clock.advance(10)
    assert sim.clock.time() - time.time() > 9


def test_cli_runs_standalone():
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, '-m', 'xero_sim', '--port', '0', '--virtual-clock'],
                            cwd=str(repo), stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith('http://127.0.0.1:')
        assert requests.get(url + '/_sim/counters', timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_server_survives_garbage(sim, token, nz):
    resp = requests.put(sim.api_url + '/Invoices', data=b'{not json',
                        headers=api_headers(token, nz), timeout=5)
    assert resp.status_code == 400 and resp.json()['Type'] == 'PostDataInvalidException'
    resp = requests.post(sim.api_url + '/Organisation', headers=api_headers(token, nz), timeout=5)
    assert resp.status_code == 405
    assert get(sim, token, nz).status_code == 200 and sim.errors == []


def test_sdk_http_errors_are_plain_status_exceptions(sim, client, nz):
    sim.faults.add('status', status=500)
    with pytest.raises(HTTPStatusException) as err:
        client[0].get_organisations(nz)
    assert err.value.status == 500


def test_slow_fault_through_control_api(sim, token, nz):
    # JSON numbers arrive as Decimal; the fault must still sleep, not answer 500.
    url = sim.url + '/_sim/faults'
    added = requests.post(url, json={'kind': 'slow', 'delay': 0.3, 'path': '/Organisation',
                                     'count': 1}, timeout=5)
    assert added.status_code == 200 and added.json()['delay'] == 0.3
    started = time.monotonic()
    resp = get(sim, token, nz)
    elapsed = time.monotonic() - started
    assert resp.status_code == 200 and 0.3 <= elapsed < 1.5
    assert sim.errors == []
    started = time.monotonic()
    assert get(sim, token, nz).status_code == 200  # count=1 ran out
    assert time.monotonic() - started < 0.3
    bad = requests.post(url, json={'kind': 'slow', 'delay': 'soon'}, timeout=5)
    assert bad.status_code == 400


def _bill(number='BILL-IDEM-1', amount=40):
    return Invoices(invoices=[invoice([line(amount, tax='INPUT2', account='300')], type='ACCPAY',
                                      invoice_number=number, due_date=None)])


def test_idempotency_key_window_on_the_sim_clock(sim, api, nz):
    assert sim.idempotency_retention_seconds == 360
    first = api.create_invoices(nz, _bill(), idempotency_key='K').invoices[0]
    sim.clock.advance(300)
    replay = api.create_invoices(nz, _bill(), idempotency_key='K').invoices[0]
    assert replay.invoice_id == first.invoice_id
    assert len(api.get_invoices(nz).invoices) == 1
    assert sim.counters.idempotent_replays == 1
    assert sim.counters.idempotent_replays_by_tenant[nz] == 1
    # The window runs from the first use, not from the replay.
    sim.clock.advance(100)
    second = api.create_invoices(nz, _bill(), idempotency_key='K').invoices[0]
    assert second.invoice_id != first.invoice_id  # ACCPAY numbers are not unique
    assert len(api.get_invoices(nz).invoices) == 2
    assert sim.counters.idempotent_expired == 1 and sim.counters.duplicates == 1
    # The resend stored a fresh answer with a fresh window.
    again = api.create_invoices(nz, _bill(), idempotency_key='K').invoices[0]
    assert again.invoice_id == second.invoice_id and sim.counters.idempotent_replays == 2


def test_idempotency_key_with_a_different_request_is_refused(sim, api, nz):
    first = api.create_invoices(nz, _bill(amount=40), idempotency_key='K2').invoices[0]
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_invoices(nz, _bill(amount=41), idempotency_key='K2')
    assert 'already been used with a different request' in err.value.reason
    with pytest.raises(AccountingBadRequestException):  # another endpoint is another request
        api.update_or_create_invoices(nz, _bill(amount=40), idempotency_key='K2')
    assert [i.invoice_id for i in api.get_invoices(nz).invoices] == [first.invoice_id]
    assert sim.counters.idempotent_conflicts == 2 and sim.counters.idempotent_replays == 0
    sim.clock.advance(360)  # after the window the key is free for any request
    redone = api.create_invoices(nz, _bill(amount=41), idempotency_key='K2').invoices[0]
    assert str(redone.total) == '47.15'


def test_idempotency_retention_is_configurable(sim, token, api, nz):
    url = sim.url + '/_sim/idempotency'
    assert requests.get(url, timeout=5).json() == {'retention': 360}
    assert requests.post(url, json={'retention': 30}, timeout=5).json() == {'retention': 30}
    first = api.create_invoices(nz, _bill(), idempotency_key='K3').invoices[0]
    sim.clock.advance(29)
    assert api.create_invoices(nz, _bill(), idempotency_key='K3').invoices[0].invoice_id \
        == first.invoice_id
    sim.clock.advance(1)
    assert api.create_invoices(nz, _bill(), idempotency_key='K3').invoices[0].invoice_id \
        != first.invoice_id
    assert requests.post(url, json={'retention': -1}, timeout=5).status_code == 400
    sim.set_idempotency_retention(600)
    assert sim.idempotency_retention_seconds == 600
    sim.reset()  # back to the constructor's value
    assert sim.idempotency_retention_seconds == 360
    short = XeroSimulator(idempotency_retention_seconds=5)
    assert short.idempotency_retention_seconds == 5


def _together(n, call):
    """Run call() in n threads released at the same moment; their results."""
    barrier = threading.Barrier(n)
    results = []

    def run():
        barrier.wait()
        results.append(call())
    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_max_concurrent_calls_observed(sim, token, nz, au):
    for _ in range(2):
        assert get(sim, token, nz).status_code == 200
    assert sim.counters.max_concurrent(nz) == 1  # one after the other
    sim.faults.add('slow', method='GET', path=ORG_URL, count=None, delay=0.3)
    codes = _together(3, lambda: get(sim, token, nz).status_code)
    assert codes == [200, 200, 200]
    assert sim.counters.max_concurrent(nz) == 3 and sim.counters.max_concurrent(au) == 0
    # Over the limit: the peak shows the attempt, the 429 shows the refusal.
    sim.set_rate_limits(concurrent=2)
    codes = _together(3, lambda: get(sim, token, nz).status_code)
    assert sorted(codes) == [200, 200, 429]
    assert sim.counters.max_concurrent(nz) == 3
    assert sim.counters.rate_limited_count(nz, 'concurrent') == 1
    data = requests.get(sim.url + '/_sim/counters', timeout=5).json()
    assert data['max_concurrent'] == {nz: 3}
    assert data['rate_limited_by_tenant'] == [
        {'tenant_id': nz, 'problem': 'concurrent', 'count': 1}]


def test_rate_limited_per_tenant(sim, token, nz, au):
    sim.faults.add('rate_limit', tenant_id=nz, count=2)
    sim.faults.add('rate_limit', tenant_id=au, count=1, problem='day')
    assert [get(sim, token, t).status_code for t in (nz, nz, au, au)] == [429, 429, 429, 200]
    c = sim.counters
    assert (c.rate_limited_count(nz), c.rate_limited_count(au), c.rate_limited_count()) == (2, 1, 3)
    assert c.rate_limited_count(problem='day') == 1
    assert c.rate_limited_count(au, 'minute') == 0


def test_created_counts_and_duplicates(sim, api, token, nz, au):
    from xero_python.accounting import Contact, Contacts
    sales = create(api, nz, invoice([line(10)]), invoice([line(10)]))
    bill = _bill('SUP-1')
    api.create_invoices(nz, bill)
    api.update_invoice(nz, sales[0].invoice_id, Invoices(invoices=[Invoice(
        due_date=TODAY + dt.timedelta(days=40))]))  # an update, not a creation
    api.create_contacts(nz, Contacts(contacts=[Contact(name='Fresh Ltd')]))
    create(api, nz, invoice([line(3)], contact='Auto Created Ltd'))
    api.create_payment(nz, Payment(invoice=Invoice(invoice_id=sales[1].invoice_id),
                                   account=Account(code='090'), amount=1, date=TODAY))
    c = sim.counters
    assert c.created(nz, 'Invoices') == 4 and c.created(nz, 'invoices', 'ACCPAY') == 1
    assert c.created(nz, 'Contacts') == 2 and c.created(nz, 'Payments') == 1
    assert c.created(au) == 0 and c.created() == 7
    # Two ACCREC invoices without numbers for the same contact, date and total:
    # the simulator cannot tell them from a blind resend, so they count.
    assert sim.duplicates(nz) == 1
    api.create_invoices(nz, bill)  # blind resend of a bill
    api.create_invoices(nz, bill)
    assert sim.duplicates(nz) == 3
    groups = sim.duplicate_groups(nz)
    assert sorted(len(g['ids']) for g in groups) == [2, 3]
    third = [g for g in groups if len(g['ids']) == 3][0]['ids'][2]
    api.update_invoice(nz, third, Invoices(invoices=[Invoice(status='VOIDED')]))
    assert sim.duplicates(nz) == 3 and sim.duplicates(nz, include_cancelled=False) == 2
    # A contact recreated next to an archived one of the same name.
    power = api.get_contacts(nz, where='Name=="PowerDirect"').contacts[0]
    api.update_contact(nz, power.contact_id, Contacts(contacts=[Contact(contact_status='ARCHIVED')]))
    api.create_contacts(nz, Contacts(contacts=[Contact(name='powerdirect')]))
    assert sim.duplicates(nz, kinds=['Contacts']) == 1
    assert sim.duplicates(nz, kinds=['Contacts'], include_cancelled=False) == 0
    assert sim.duplicates(au) == 0
    data = requests.get(sim.url + '/_sim/duplicates?kinds=Contacts', timeout=5).json()
    assert [(o['tenant_id'], o['count']) for o in data] == [(nz, 1), (au, 0)]
    counted = requests.get(sim.url + '/_sim/counters', timeout=5).json()['created']
    assert {'tenant_id': nz, 'endpoint': 'Invoices', 'type': 'ACCPAY', 'count': 3} in counted


def test_garbled_fault_is_refused_by_the_sdk_after_the_request_is_performed(sim, token, nz, client):
    sim.faults.add('garbled', method='GET', path='/Organisation')
    garbled = get(sim, token, nz)
    assert garbled.status_code == 200 and sim.faults.fired[-1][0] == 'garbled'
    assert garbled.json()['Organisations'][0]['PaysTax'] == 'true'
    with pytest.raises(ValueError, match='bool value expected'):
        deserialize('Organisations', garbled.json(), ModelFinder(sdk_models))
    # Used up: the next answer decodes.
    assert client[0].get_organisations(nz).organisations


def test_answer_lost_after_commit_is_replayed_inside_the_window_only(sim, api, nz):
    """A 5xx after the commit or a dropped connection: the first answer never arrived, yet Xero
    kept it against the key. Inside the window the same request gets it; after, it runs again."""
    sim.faults.add('status', method='PUT', path='/Invoices', status=500, after=True)
    with pytest.raises(HTTPStatusException):
        api.create_invoices(nz, _bill('BILL-LOST-1'), idempotency_key='LOST-1')
    assert len(api.get_invoices(nz).invoices) == 1, 'committed before the 500'
    sim.clock.advance(300)
    replay = api.create_invoices(nz, _bill('BILL-LOST-1'), idempotency_key='LOST-1').invoices[0]
    assert [i.invoice_id for i in api.get_invoices(nz).invoices] == [replay.invoice_id]
    assert sim.counters.idempotent_replays == 1
    # Dropped connection, then past the window (from the first use): the key is forgotten.
    sim.faults.add('drop', method='PUT', path='/Invoices')
    with pytest.raises(urllib3.exceptions.HTTPError):
        api.create_invoices(nz, _bill('BILL-LOST-2'), idempotency_key='LOST-2')
    sim.clock.advance(359)
    api.create_invoices(nz, _bill('BILL-LOST-2'), idempotency_key='LOST-2')
    assert sim.counters.idempotent_replays == 2 and len(api.get_invoices(nz).invoices) == 2
    sim.clock.advance(1)
    api.create_invoices(nz, _bill('BILL-LOST-2'), idempotency_key='LOST-2')
    assert sim.counters.idempotent_expired == 1 and len(api.get_invoices(nz).invoices) == 3


def test_allocation_and_payment_deletion_replayed_by_key(sim, api, nz):
    """Allocations and payment deletions are keyed writes too: a replay inside the window
    allocates (or deletes) once; the credit note's own GET shows what Xero holds."""
    inv = create(api, nz, invoice([line(100)]))[0]
    note = api.create_credit_notes(nz, CreditNotes(credit_notes=[credit_note([line(20)])])).credit_notes[0]
    allocation = Allocations(allocations=[Allocation(invoice=Invoice(invoice_id=inv.invoice_id),
                                                     amount=10, date=TODAY)])
    sim.faults.add('drop', method='PUT', path='/CreditNotes')
    with pytest.raises(urllib3.exceptions.HTTPError):
        api.create_credit_note_allocation(nz, note.credit_note_id, allocation, idempotency_key='A-1')
    sim.clock.advance(200)
    again = api.create_credit_note_allocation(nz, note.credit_note_id, allocation,
                                              idempotency_key='A-1').allocations[0]
    held = api.get_credit_note(nz, note.credit_note_id).credit_notes[0].allocations
    assert [a.allocation_id for a in held] == [again.allocation_id]
    assert api.get_invoice(nz, inv.invoice_id).invoices[0].amount_due == 105
    payment = api.create_payment(nz, Payment(invoice=Invoice(invoice_id=inv.invoice_id),
                                             account=Account(code='090'), amount=5, date=TODAY))
    payment_id = payment.payments[0].payment_id
    sim.faults.add('status', method='POST', path='/Payments', status=503, after=True)
    with pytest.raises(HTTPStatusException):
        api.delete_payment(nz, payment_id, PaymentDelete(status='DELETED'), idempotency_key='D-1')
    assert api.get_payment(nz, payment_id).payments[0].status == 'DELETED'
    replay = api.delete_payment(nz, payment_id, PaymentDelete(status='DELETED'), idempotency_key='D-1')
    assert replay.payments[0].status == 'DELETED' and sim.counters.idempotent_replays == 2


def test_internal_error_is_stored_against_the_key(sim, api, nz):
    """Xero keeps an internal error against the key: a replay within the window gets the same
    error (nothing is created); a new key, or the same one after the window, runs it."""
    sim.faults.add('status', method='PUT', path='/Invoices', status=500, stored=True)
    for _attempt in range(2):
        with pytest.raises(HTTPStatusException) as err:
            api.create_invoices(nz, _bill('BILL-500'), idempotency_key='ERR-1')
        assert err.value.status == 500
        sim.clock.advance(200)
    assert api.get_invoices(nz).invoices == [] and sim.counters.idempotent_replays == 1
    created = api.create_invoices(nz, _bill('BILL-500'), idempotency_key='ERR-1').invoices[0]
    assert created.invoice_number == 'BILL-500' and sim.counters.idempotent_expired == 1


def test_boolean_query_parameters_as_the_spec_writes_them(sim, token, nz):
    contacts = '/api.xro/2.0/Contacts'
    assert get(sim, token, nz, contacts, params={'includeArchived': 'true'}).status_code == 200
    refused = get(sim, token, nz, contacts, params={'includeArchived': 'True'})
    assert refused.status_code == 422 and 'includeArchived' in refused.json()['Detail']
    before = len(sim.organisation(nz).contacts)
    written = requests.post(sim.url + contacts, params={'summarizeErrors': 'False'}, timeout=5,
                            json={'Contacts': [{'Name': 'Refused before anything is done'}]},
                            headers=api_headers(token, nz))
    assert written.status_code == 422
    assert len(sim.organisation(nz).contacts) == before, 'nothing written'
