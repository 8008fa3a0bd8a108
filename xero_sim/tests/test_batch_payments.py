"""Batch payments through the SDK: one batch, one Payment per member, deleted as one; each
response checked against the spec."""
import datetime as dt
from decimal import Decimal

import pytest
from xero_python.accounting import (Account, BatchPayment, BatchPaymentDeleteByUrlParam, BatchPayments,
                                    BatchPaymentDelete, Invoice, Payment)
from xero_python.exceptions import AccountingBadRequestException

from xero_sim import duplicates
from xero_sim.tests.helpers import raw
from xero_sim.tests.test_invoices import TODAY, create, invoice, line

D = Decimal


def batch(*members, account='090', reference='DEP-1', date=TODAY):
    return BatchPayments(batch_payments=[BatchPayment(
        account=Account(code=account), date=date, reference=reference,
        payments=[Payment(invoice=Invoice(invoice_id=inv_id), amount=amount) for inv_id, amount in members])])


def test_batch_creates_member_payments_and_settles(sim, api, client, nz, spec):
    a, b, c = create(api, nz, invoice([line(100)]), invoice([line(200)]), invoice([line(40)]))
    made = api.create_batch_payment(nz, batch((a.invoice_id, 115), (b.invoice_id, 230),
                                              (c.invoice_id, 20)), summarize_errors='false').batch_payments[0]
    spec('BatchPayments', raw(client[2]))
    assert (made.status, made.type, made.total_amount, made.reference) == \
        ('AUTHORISED', 'RECBATCH', D('365.00'), 'DEP-1')
    assert len(made.payments) == 3 and all(p.payment_id for p in made.payments)
    statuses = {i.invoice_id: (i.status, i.amount_due) for i in api.get_invoices(
        nz, i_ds=[a.invoice_id, b.invoice_id, c.invoice_id]).invoices}
    assert statuses == {a.invoice_id: ('PAID', D('0.00')), b.invoice_id: ('PAID', D('0.00')),
                        c.invoice_id: ('AUTHORISED', D('26.00'))}
    # Each member is a payment of its own in /Payments, with its batch.
    listed = api.get_payments(nz, where=f'BatchPaymentID==Guid("{made.batch_payment_id}")').payments
    spec('Payments', raw(client[2]))
    assert sorted(p.payment_id for p in listed) == sorted(p.payment_id for p in made.payments)
    assert all(p.batch_payment_id == made.batch_payment_id and p.reference == 'DEP-1' for p in listed)
    assert listed[0].batch_payment.status == 'AUTHORISED'
    assert sim.counters.created(nz, 'BatchPayments') == 1 and sim.counters.created(nz, 'Payments') == 3
    # Read back: by id, by where on the reference, by If-Modified-Since.
    one = api.get_batch_payment(nz, made.batch_payment_id).batch_payments[0]
    spec('BatchPayments', raw(client[2]))
    assert [p.payment_id for p in one.payments] == [p.payment_id for p in made.payments]
    assert [x.batch_payment_id for x in api.get_batch_payments(nz, where='Reference=="DEP-1"').batch_payments] \
        == [made.batch_payment_id]
    assert api.get_batch_payments(nz, where='Reference=="other"').batch_payments == []
    sim.clock.advance(60)
    assert api.get_batch_payments(nz, if_modified_since=sim.clock.now()).batch_payments == []


def test_batch_is_made_whole_or_not_at_all(sim, api, nz):
    a, b = create(api, nz, invoice([line(100)]), invoice([line(10)]))
    out = api.create_batch_payment(nz, batch((a.invoice_id, 50), (b.invoice_id, 99)),
                                   summarize_errors='false').batch_payments[0]
    assert out.validation_errors[0].message == 'Payment amount exceeds the amount outstanding on this document'
    with pytest.raises(AccountingBadRequestException):
        api.create_batch_payment(nz, batch((a.invoice_id, 50), (a.invoice_id, 70)))
    assert api.get_invoice(nz, a.invoice_id).invoices[0].amount_due == D('115.00')
    assert sim.counters.created(nz, 'Payments') == 0 and not api.get_batch_payments(nz).batch_payments
    bill = create(api, nz, invoice([line(10, tax='INPUT2')], type='ACCPAY'))[0]
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_batch_payment(nz, batch((a.invoice_id, 5), (bill.invoice_id, 5)))
    assert 'not both' in err.value.reason


def test_batch_deleted_as_one(sim, api, client, nz, spec):
    a, b = create(api, nz, invoice([line(100)]), invoice([line(200)]))
    made = api.create_batch_payment(nz, batch((a.invoice_id, 115), (b.invoice_id, 230))).batch_payments[0]
    gone = api.delete_batch_payment_by_url_param(
        nz, made.batch_payment_id, BatchPaymentDeleteByUrlParam(status='DELETED')).batch_payments[0]
    spec('BatchPayments', raw(client[2]))
    assert gone.status == 'DELETED' and gone.payments == []
    for inv in api.get_invoices(nz, i_ds=[a.invoice_id, b.invoice_id]).invoices:
        assert (inv.status, inv.amount_due, inv.payments) == ('AUTHORISED', inv.total, [])
    members = api.get_payments(nz, where=f'BatchPaymentID==Guid("{made.batch_payment_id}")').payments
    assert {p.status for p in members} == {'DELETED'} and len(members) == 2
    assert members[0].batch_payment.status == 'DELETED'
    with pytest.raises(AccountingBadRequestException) as err:
        api.delete_batch_payment_by_url_param(nz, made.batch_payment_id,
                                              BatchPaymentDeleteByUrlParam(status='DELETED'))
    assert 'already been deleted' in err.value.reason
    # The body form (BatchPaymentDelete) deletes too; a locked date refuses it.
    again = api.create_batch_payment(nz, batch((a.invoice_id, 115), (b.invoice_id, 230),
                                               date=TODAY - dt.timedelta(days=40))).batch_payments[0]
    sim.get_organisation(nz).period_lock_date = TODAY - dt.timedelta(days=30)
    with pytest.raises(AccountingBadRequestException) as err:
        api.delete_batch_payment_by_url_param(nz, again.batch_payment_id,
                                              BatchPaymentDeleteByUrlParam(status='DELETED'))
    assert 'lock date' in err.value.reason
    sim.get_organisation(nz).period_lock_date = None
    api.delete_batch_payment(nz, BatchPaymentDelete(batch_payment_id=again.batch_payment_id, status='DELETED'))
    assert api.get_invoice(nz, a.invoice_id).invoices[0].status == 'AUTHORISED'


def test_batch_sent_twice_counts_duplicates(sim, api, nz):
    a, b = create(api, nz, invoice([line(100)]), invoice([line(200)]))
    api.create_batch_payment(nz, batch((a.invoice_id, 50), (b.invoice_id, 60)))
    api.create_batch_payment(nz, batch((a.invoice_id, 50), (b.invoice_id, 60)))
    org = sim.get_organisation(nz)
    assert duplicates.count(org, ('Payments',)) == 2
    assert [d['kind'] for d in sim.counters.duplicate_details].count('BatchPayments') == 1
    # A drop after the commit, retried with the same Idempotency-Key, makes nothing twice.
    c, d = create(api, nz, invoice([line(10)]), invoice([line(20)]))
    before = sim.counters.duplicates
    sim.faults.add('drop', method='PUT', path='/BatchPayments')
    with pytest.raises(Exception):
        api.create_batch_payment(nz, batch((c.invoice_id, 5), (d.invoice_id, 6), reference='DEP-2'),
                                 idempotency_key='batch-key-1')
    api.create_batch_payment(nz, batch((c.invoice_id, 5), (d.invoice_id, 6), reference='DEP-2'),
                             idempotency_key='batch-key-1')
    assert sim.counters.duplicates == before
    assert len(api.get_batch_payments(nz, where='Reference=="DEP-2"').batch_payments) == 1
