"""Batch payments through the client: plain values in, Elements out."""
import datetime as dt

import pytest

from xero_client import XeroNotFound
from xero_sim.seed import NZ_TENANT_ID

from .test_find import UNKNOWN, api  # noqa: F401 - the fixture

TODAY = dt.date(2026, 1, 15)


def _invoice(client, contact_id, n, amount):
    return client.save('invoices', [{
        'type': 'ACCREC', 'contact': {'contact_id': contact_id}, 'status': 'AUTHORISED', 'date': TODAY,
        'due_date': TODAY, 'invoice_number': f'INV-BATCH-{n}', 'line_amount_types': 'NoTax',
        'line_items': [{'description': 'x', 'quantity': 1, 'unit_amount': amount, 'account_code': '200'}],
    }], key=f'batch-inv-{n}')[0]


def test_save_find_read_and_delete(sim, api):  # noqa: F811
    contact = next(iter(sim.organisation(NZ_TENANT_ID).contacts.values()))
    a, b = _invoice(api, contact['ContactID'], 1, 100), _invoice(api, contact['ContactID'], 2, 50)
    batch, = api.save_batch_payments([{
        'account': {'code': '090'}, 'date': TODAY, 'reference': 'DEP-CLIENT',
        'payments': [{'invoice': {'invoice_id': a.xero_id}, 'amount': 100, 'reference': 'm-1'},
                     {'invoice': {'invoice_id': b.xero_id}, 'amount': 20, 'reference': 'm-2'}]}], 'batch-key-1')
    assert batch.ok and (batch.number, batch.status, batch.total) == ('DEP-CLIENT', 'AUTHORISED', 120.0)
    members = batch.echo['payments']
    assert [(m['invoice_id'], m['amount'], m['reference']) for m in members] == [
        (a.xero_id, 100.0, 'm-1'), (b.xero_id, 20.0, 'm-2')]
    assert all(m['xero_id'] for m in members) and batch.echo['date'] == TODAY
    assert [e.xero_id for e in api.find_batch_payments(references=['DEP-CLIENT', 'other'])] == [batch.xero_id]
    assert [e.xero_id for e in api.find_batch_payments(ids=[batch.xero_id, UNKNOWN])] == [batch.xero_id]
    assert api.read_batch_payment(batch.xero_id).echo['payments'] == members
    payments, _more = api.pull_payments(where=f'BatchPaymentID==Guid("{batch.xero_id}")')
    assert {p['batch_payment_id'] for p in payments} == {batch.xero_id} and len(payments) == 2
    gone, = api.delete_batch_payment(batch.xero_id, 'batch-key-2')
    assert (gone.status, gone.echo['payments']) == ('DELETED', [])
    assert api.find_batch_payments(references=['DEP-CLIENT'])[0].status == 'DELETED'


def test_a_refused_batch_answers_with_its_messages(sim, api):  # noqa: F811
    contact = next(iter(sim.organisation(NZ_TENANT_ID).contacts.values()))
    a = _invoice(api, contact['ContactID'], 3, 10)
    refused, = api.save_batch_payments([{
        'account': {'code': '090'}, 'date': TODAY, 'reference': 'DEP-BAD',
        'payments': [{'invoice': {'invoice_id': a.xero_id}, 'amount': 11}]}], 'batch-key-3')
    assert not refused.ok and refused.errors == ['Payment amount exceeds the amount outstanding on this document']
    with pytest.raises(XeroNotFound):
        api.read_batch_payment(UNKNOWN)
