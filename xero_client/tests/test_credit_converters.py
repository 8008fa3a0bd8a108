"""Batch payments, overpayments and prepayments as plain values, from SDK objects built in memory."""
import datetime as dt
from decimal import Decimal

from xero_client import to_sdk
from xero_client.batch_payments import batch_from_sdk
from xero_client.credit import _credit_element, credit_from_sdk, credit_kind

from .test_reads import assert_plain

ID = '6f1c2a1e-6c2b-4d8e-9b6a-2f3c1e0a9b01'
OTHER = '0c6e2a55-1d7b-4f57-9a43-6c1d0a5e3b02'
AWARE = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone.utc)


def test_credit_kind():
    assert credit_kind('RECEIVE-OVERPAYMENT') == 'overpayments'
    assert credit_kind('SPEND-OVERPAYMENT') == 'overpayments'
    assert credit_kind('RECEIVE-PREPAYMENT') == 'prepayments'
    assert credit_kind(None) == 'prepayments'


def test_batch_with_its_members_and_their_errors():
    obj = to_sdk('BatchPayment', {
        'batch_payment_id': ID, 'reference': 'DEP-1', 'status': 'AUTHORISED', 'type': 'RECBATCH',
        'total_amount': Decimal('120'), 'date': dt.date(2026, 1, 15), 'account': {'account_id': OTHER},
        'payments': [{'payment_id': OTHER, 'invoice': {'invoice_id': ID}, 'amount': Decimal('100'), 'reference': 'm-1'},
                     {'credit_note': {'credit_note_id': ID}, 'amount': Decimal('20'),
                      'validation_errors': [{'message': 'Payment amount exceeds the amount outstanding'}]}]})
    batch = batch_from_sdk(obj)
    assert (batch.xero_id, batch.number, batch.status, batch.total) == (ID, 'DEP-1', 'AUTHORISED', 120.0)
    assert batch.errors == ['Payment amount exceeds the amount outstanding'] and not batch.ok
    assert_plain(batch.echo)
    assert batch.echo['payments'] == [
        {'xero_id': OTHER, 'invoice_id': ID, 'credit_note_id': None, 'amount': 100.0, 'reference': 'm-1'},
        {'xero_id': None, 'invoice_id': None, 'credit_note_id': ID, 'amount': 20.0, 'reference': None}]
    assert (batch.echo['date'], batch.echo['account_id'], batch.echo['type']) == (dt.date(2026, 1, 15), OTHER, 'RECBATCH')


def test_overpayment_with_allocations():
    obj = to_sdk('Overpayment', {
        'overpayment_id': ID, 'type': 'RECEIVE-OVERPAYMENT', 'status': 'AUTHORISED', 'contact': {'contact_id': OTHER},
        'date': AWARE, 'total': Decimal('50'), 'remaining_credit': Decimal('30'), 'currency_code': 'USD',
        'currency_rate': Decimal('1.6'), 'reference': 'OP-1', 'updated_date_utc': AWARE,
        'allocations': [{'allocation_id': OTHER, 'amount': Decimal('20'), 'invoice': {'invoice_id': ID},
                         'date': AWARE}]})
    credit = credit_from_sdk('overpayments', obj)
    assert (credit['kind'], credit['xero_id'], credit['type'], credit['contact_id']) == \
        ('overpayments', ID, 'RECEIVE-OVERPAYMENT', OTHER)
    assert (credit['date'], credit['total'], credit['remaining_credit'], credit['currency'], credit['currency_rate']) == \
        (dt.date(2026, 3, 2), 50.0, 30.0, 'USD', 1.6)
    assert credit['updated'] == dt.datetime(2026, 3, 2, 9, 30)
    allocation, = credit['allocations']
    assert (allocation.xero_id, allocation.status, allocation.total, allocation.echo['invoice_id']) == \
        (OTHER, 'AUTHORISED', 20.0, ID)


def test_the_bank_transaction_of_a_prepayment():
    obj = to_sdk('BankTransaction', {
        'bank_transaction_id': OTHER, 'prepayment_id': ID, 'type': 'SPEND-PREPAYMENT', 'status': 'AUTHORISED',
        'contact': {'contact_id': OTHER}, 'date': dt.date(2026, 1, 15), 'total': Decimal('40'),
        'bank_account': {'account_id': ID}, 'line_items': []})
    element = _credit_element(obj)
    assert element.ok and (element.xero_id, element.status, element.total) == (ID, 'AUTHORISED', 40.0)
    assert element.echo == {'type': 'SPEND-PREPAYMENT', 'date': dt.date(2026, 1, 15), 'total': 40.0,
                            'contact_id': OTHER, 'bank_transaction_id': OTHER}
    refused = _credit_element(to_sdk('BankTransaction', {'type': 'RECEIVE-OVERPAYMENT', 'line_items': [],
                                                         'bank_account': {'account_id': ID},
                                                         'validation_errors': [{'message': 'No contact'}]}))
    assert not refused.ok and refused.errors == ['No contact'] and refused.xero_id is None
