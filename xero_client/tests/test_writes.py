"""The typed writes against the simulator, over real HTTP through the real SDK: plain payloads
in, Elements out; every write a request of its own with its Idempotency-Key, errors per element."""
import datetime as dt

import pytest

from xero_client import MAX_BATCH, Element, XeroValidationError
from xero_sim.seed import NZ_TENANT_ID

from .test_find import api  # noqa: F401 - the fixture

TODAY = dt.date(2026, 1, 15)


def _contact_id(sim, name='Bayside Club'):
    return next(c['ContactID'] for c in sim.organisation(NZ_TENANT_ID).contacts.values() if c['Name'] == name)


def _invoice(contact_id, number, amount=100, status='AUTHORISED'):
    return {'type': 'ACCREC', 'contact': {'contact_id': contact_id}, 'status': status, 'date': TODAY,
            'due_date': TODAY, 'invoice_number': number, 'line_amount_types': 'NoTax',
            'line_items': [{'description': 'x', 'quantity': 1, 'unit_amount': amount, 'account_code': '200'}]}


def _last(sim, method, endpoint):
    return [r for r in sim.requests if r.method == method and r.path.endswith(endpoint)][-1]


def test_more_than_a_batch_is_refused_before_any_request(sim, api):  # noqa: F811
    before = len(sim.requests)
    with pytest.raises(ValueError, match='At most 50'):
        api.save('contacts', [{'name': f'C{n}'} for n in range(MAX_BATCH + 1)], key='too-many')
    assert len(sim.requests) == before


def test_a_batch_answers_per_element_and_the_valid_ones_land(sim, api):  # noqa: F811
    contact_id = _contact_id(sim)
    good, bad = api.save_invoices([_invoice(contact_id, 'INV-W-1', 100),
                                   dict(_invoice(contact_id, 'INV-W-2'), contact={})], key='writes-mixed')
    assert isinstance(good, Element) and good.ok
    assert (good.number, good.status, good.total, good.amount_due) == ('INV-W-1', 'AUTHORISED', 100.0, 100.0)
    assert good.echo['contact_id'] == contact_id and good.echo['type'] == 'ACCREC'
    assert not bad.ok and bad.errors
    request = _last(sim, 'POST', '/Invoices')
    assert request.query['summarizeErrors'] == 'false' and request.query['unitdp'] == '4'
    assert request.headers.get('Idempotency-Key') == 'writes-mixed'
    assert [el.number for el in api.find('invoices', numbers=['INV-W-1', 'INV-W-2'])] == ['INV-W-1']


def test_the_same_key_is_answered_once(sim, api):  # noqa: F811
    first = api.save_contacts([{'name': 'Once Ltd', 'contact_number': 'ONCE-1'}], key='writes-once')
    again = api.save_contacts([{'name': 'Once Ltd', 'contact_number': 'ONCE-1'}], key='writes-once')
    assert [el.xero_id for el in again] == [el.xero_id for el in first]
    assert len([c for c in sim.organisation(NZ_TENANT_ID).contacts.values() if c['Name'] == 'Once Ltd']) == 1


def test_contacts_echo_what_identifies_them(sim, api):  # noqa: F811
    made, = api.save_contacts([{'name': 'Echo "Co"', 'contact_number': 'ECHO-1', 'email_address': 'e@co.example',
                                'tax_number': '12-345'}], key='writes-echo')
    assert made.ok and made.status == 'ACTIVE' and made.number == 'ECHO-1'
    assert (made.echo['name'], made.echo['email'], made.echo['tax_number']) == ('Echo "Co"', 'e@co.example', '12-345')
    assert 'unitdp' not in _last(sim, 'POST', '/Contacts').query


def test_items_are_saved_and_read_back_by_code(sim, api):  # noqa: F811
    item, = api.save_items([{'code': 'W-ITEM', 'name': 'Written item', 'is_sold': True,
                             'sales_details': {'unit_price': 12.3456, 'account_code': '200'}}], key='writes-item')
    assert item.ok and item.number == 'W-ITEM'
    back, = api.items(codes=['W-ITEM'])
    assert (back['xero_id'], back['sales']['unit_price']) == (item.xero_id, 12.3456)


def test_credit_note_allocations_are_made_listed_and_deleted(sim, api):  # noqa: F811
    contact_id = _contact_id(sim)
    invoice, = api.save_invoices([_invoice(contact_id, 'INV-W-ALLOC', 100)], key='writes-alloc-inv')
    note, = api.save_credit_notes([{
        'type': 'ACCRECCREDIT', 'contact': {'contact_id': contact_id}, 'status': 'AUTHORISED', 'date': TODAY,
        'credit_note_number': 'CN-W-ALLOC', 'line_amount_types': 'NoTax',
        'line_items': [{'description': 'x', 'quantity': 1, 'unit_amount': 30, 'account_code': '200'}]}],
        key='writes-alloc-cn')
    assert note.ok and note.total == 30.0
    made, = api.allocate_credit_note(note.xero_id, [{'invoice': {'invoice_id': invoice.xero_id}, 'amount': 20,
                                                     'date': TODAY}], key='writes-alloc')
    assert (made.status, made.total, made.echo['invoice_id'], made.echo['date']) == \
        ('AUTHORISED', 20.0, invoice.xero_id, TODAY)
    listed = api.credit_note_allocations(note.xero_id)
    assert [(a.xero_id, a.status, a.total) for a in listed] == [(made.xero_id, 'AUTHORISED', 20.0)]
    assert api.find('invoices', ids=[invoice.xero_id])[0].amount_due == 80.0
    api.delete_allocation(note.xero_id, made.xero_id)
    statuses = {a.xero_id: a.status for a in api.credit_note_allocations(note.xero_id)}
    assert statuses.get(made.xero_id, 'DELETED') == 'DELETED'
    assert api.find('invoices', ids=[invoice.xero_id])[0].amount_due == 100.0


def test_an_allocation_over_what_is_left_is_refused(sim, api):  # noqa: F811
    contact_id = _contact_id(sim)
    invoice, = api.save_invoices([_invoice(contact_id, 'INV-W-OVER', 10)], key='writes-over-inv')
    note, = api.save_credit_notes([{
        'type': 'ACCRECCREDIT', 'contact': {'contact_id': contact_id}, 'status': 'AUTHORISED', 'date': TODAY,
        'credit_note_number': 'CN-W-OVER', 'line_amount_types': 'NoTax',
        'line_items': [{'description': 'x', 'quantity': 1, 'unit_amount': 30, 'account_code': '200'}]}],
        key='writes-over-cn')
    with pytest.raises(XeroValidationError, match='exceeds the amount outstanding'):
        api.allocate_credit_note(note.xero_id, [{'invoice': {'invoice_id': invoice.xero_id}, 'amount': 25,
                                                 'date': TODAY}], key='writes-over')
    assert api.credit_note_allocations(note.xero_id) == []
    assert api.find('invoices', ids=[invoice.xero_id])[0].amount_due == 10.0
