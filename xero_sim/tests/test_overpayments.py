"""Overpayments and prepayments: created as bank transactions, listed and read, allocated to
invoices (which they settle as a payment would), allocations deleted, the whole voided by
deleting its bank transaction once nothing is allocated; each answer checked against the spec."""
from decimal import Decimal

import pytest
from xero_python.accounting import (Account, Allocation, Allocations, BankTransaction, Contact,
                                    Invoice, LineAmountTypes, LineItem)
from xero_python.exceptions import AccountingBadRequestException

from xero_sim.tests.helpers import raw
from xero_sim.tests.test_bank_feed import save
from xero_sim.tests.test_invoices import TODAY, create, invoice, line

D = Decimal


def credit(kind='RECEIVE-OVERPAYMENT', amount=200, contact='Bayside Club', **kw):
    return BankTransaction(
        type=kind, contact=Contact(name=contact), bank_account=Account(code='090'), date=TODAY,
        line_items=[LineItem(description='Money over', line_amount=amount)],
        line_amount_types=LineAmountTypes.NOTAX, **kw)


def allocate(api, nz, op_id, inv_id, amount, prepayment=False):
    method = api.create_prepayment_allocations if prepayment else api.create_overpayment_allocations
    return method(nz, op_id, Allocations(allocations=[Allocation(
        invoice=Invoice(invoice_id=inv_id), amount=amount, date=TODAY)]), summarize_errors='false').allocations


def test_overpayment_created_allocated_and_voided(sim, api, client, nz, spec):
    txn, = save(api, nz, credit())
    assert txn.type == 'RECEIVE-OVERPAYMENT' and not txn.validation_errors
    assert str(txn.overpayment_id) == str(txn.bank_transaction_id)
    op = api.get_overpayment(nz, txn.overpayment_id).overpayments[0]
    spec('Overpayments', raw(client[2]))
    assert (op.status, op.remaining_credit, op.total) == ('AUTHORISED', D('200.00'), D('200.00'))
    assert op.line_items[0].account_code == '610', "the receivable control account"
    assert op.line_items[0].tax_type == 'NONE'

    inv = create(api, nz, invoice([line(100)]))[0]  # 115.00
    alloc, = allocate(api, nz, op.overpayment_id, inv.invoice_id, 115)
    spec('Allocations', raw(client[2]))
    assert alloc.allocation_id and alloc.amount == D('115.00')
    paid = api.get_invoice(nz, inv.invoice_id).invoices[0]
    assert (paid.status, paid.amount_due, paid.amount_credited) == ('PAID', D('0.00'), D('115.00'))
    assert paid.overpayments[0].overpayment_id == op.overpayment_id
    op = api.get_overpayment(nz, op.overpayment_id).overpayments[0]
    assert op.remaining_credit == D('85.00') and op.allocations[0].allocation_id == alloc.allocation_id

    # The rules: no more than the credit left, nor than the invoice's amount due.
    other = create(api, nz, invoice([line(100)]))[0]
    with pytest.raises(AccountingBadRequestException) as err:
        allocate(api, nz, op.overpayment_id, other.invoice_id, 90)
    assert 'remaining credit' in err.value.reason
    bill = create(api, nz, invoice([line(10, tax='INPUT2', account='429')], type='ACCPAY'))[0]
    with pytest.raises(AccountingBadRequestException) as err:
        allocate(api, nz, op.overpayment_id, bill.invoice_id, 5)
    assert 'matching types' in err.value.reason

    # Not voided while allocated; an allocation deleted reopens the invoice.
    refused, = save(api, nz, credit(bank_transaction_id=txn.bank_transaction_id, status='DELETED'))
    assert 'remove them' in refused.validation_errors[0].message
    gone = api.delete_overpayment_allocations(nz, op.overpayment_id, alloc.allocation_id)
    assert gone.is_deleted
    back = api.get_invoice(nz, inv.invoice_id).invoices[0]
    assert (back.status, back.amount_due) == ('AUTHORISED', D('115.00'))
    deleted, = save(api, nz, credit(bank_transaction_id=txn.bank_transaction_id, status='DELETED'))
    assert deleted.status == 'DELETED'
    op = api.get_overpayment(nz, op.overpayment_id).overpayments[0]
    assert (op.status, op.remaining_credit) == ('VOIDED', D('0.00'))
    # The bank transaction is a fingerprint like any other: no duplicate counted for one.
    assert sim.duplicates(nz, kinds=['BankTransactions']) == 0


def test_prepayment_listed_paged_since_and_allocated_to_a_bill(sim, api, client, nz, spec):
    first, = save(api, nz, credit('SPEND-PREPAYMENT', 50, contact='Bayside Club'))
    sim.clock.advance(60)
    since = sim.clock.now().replace(tzinfo=None)
    second, = save(api, nz, credit('SPEND-PREPAYMENT', 80))
    assert second.prepayment_id
    listed = api.get_prepayments(nz, page=1, page_size=1).prepayments
    spec('Prepayments', raw(client[2]))
    assert [p.prepayment_id for p in listed] == [first.prepayment_id]
    changed = api.get_prepayments(nz, if_modified_since=since).prepayments
    assert [p.prepayment_id for p in changed] == [second.prepayment_id]
    assert api.get_overpayments(nz).overpayments == []

    bill = create(api, nz, invoice([line(100, tax='INPUT2', account='429')], type='ACCPAY'))[0]
    alloc, = allocate(api, nz, second.prepayment_id, bill.invoice_id, 80, prepayment=True)
    after = api.get_invoice(nz, bill.invoice_id).invoices[0]
    assert (after.status, after.amount_due) == ('AUTHORISED', D('35.00'))
    prepayment = api.get_prepayment(nz, second.prepayment_id).prepayments[0]
    assert (prepayment.status, prepayment.remaining_credit) == ('PAID', D('0.00'))
    assert prepayment.allocations[0].allocation_id == alloc.allocation_id


def test_transfers_are_still_refused(api, nz):
    txn, = save(api, nz, credit('RECEIVE-TRANSFER'))
    assert 'transfers' in txn.validation_errors[0].message


def test_overpayment_cannot_be_edited(api, nz):
    txn, = save(api, nz, credit())
    edited, = save(api, nz, credit(bank_transaction_id=txn.bank_transaction_id, reference='changed'))
    assert 'cannot be edited' in edited.validation_errors[0].message
