"""Payments, credit notes + allocations, and bank transactions through the
SDK, with each response checked against the spec."""
import datetime as dt
from decimal import Decimal

import pytest
from xero_python.accounting import (Account, AccountType, Allocation, Allocations, BankTransaction,
                                    BankTransactions, Contact, CreditNote, CreditNotes,
                                    CurrencyCode, Invoice, LineAmountTypes, Payment,
                                    PaymentDelete, Payments)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from xero_sim.tests.helpers import raw
from xero_sim.tests.test_invoices import TODAY, create, invoice, line

D = Decimal


def pay(api, tenant, inv_id, amount, account='090', **kw):
    return api.create_payment(tenant, Payment(
        invoice=Invoice(invoice_id=inv_id), account=Account(code=account), amount=amount,
        date=kw.pop('date', TODAY), **kw)).payments[0]


def test_payment_rules(api, client, nz, spec):
    draft = create(api, nz, invoice([line(100)], status='DRAFT'))[0]
    with pytest.raises(AccountingBadRequestException) as err:
        pay(api, nz, draft.invoice_id, 10)
    assert err.value.reason == 'Payments can only be made against Authorised documents'
    inv = create(api, nz, invoice([line(100)]))[0]
    with pytest.raises(AccountingBadRequestException) as err:
        pay(api, nz, inv.invoice_id, 115.01)
    assert err.value.reason == 'Payment amount exceeds the amount outstanding on this document'
    with pytest.raises(AccountingBadRequestException) as err:
        pay(api, nz, inv.invoice_id, 10, account='200')
    assert 'BANK' in err.value.reason
    part = pay(api, nz, inv.invoice_id, 15, account='970')  # EnablePaymentsToAccount
    assert part.payment_type == 'ACCRECPAYMENT' and part.status == 'AUTHORISED'
    spec('Payments', raw(client[2]))
    after = api.get_invoice(nz, inv.invoice_id).invoices[0]
    assert (after.status, after.amount_paid, after.amount_due) == ('AUTHORISED', D('15.00'),
                                                                   D('100.00'))
    assert [p.payment_id for p in after.payments] == [part.payment_id]
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_invoice(nz, inv.invoice_id, _void())
    assert 'payment or credit note allocated' in err.value.reason
    rest = pay(api, nz, inv.invoice_id, 100, date=TODAY + dt.timedelta(days=3))
    paid = api.get_invoice(nz, inv.invoice_id).invoices[0]
    assert (paid.status, paid.amount_due) == ('PAID', D('0.00'))
    assert paid.fully_paid_on_date == TODAY + dt.timedelta(days=3)
    # Deleting a payment reverts the invoice.
    deleted = api.delete_payment(nz, rest.payment_id, PaymentDelete(status='DELETED')).payments[0]
    assert deleted.status == 'DELETED'
    spec('Payments', raw(client[2]))
    back = api.get_invoice(nz, inv.invoice_id).invoices[0]
    assert (back.status, back.amount_due, back.fully_paid_on_date) == ('AUTHORISED',
                                                                       D('100.00'), None)
    api.delete_payment(nz, part.payment_id, PaymentDelete(status='DELETED'))
    assert api.update_invoice(nz, inv.invoice_id, _void()).invoices[0].status == 'VOIDED'
    with pytest.raises(AccountingBadRequestException):
        api.delete_payment(nz, part.payment_id, PaymentDelete(status='DELETED'))


def _void():
    from xero_python.accounting import Invoices
    return Invoices(invoices=[Invoice(status='VOIDED')])


def test_payments_batch_listing_and_filters(sim, api, client, nz, spec):
    a, b = create(api, nz, invoice([line(10)]), invoice([line(20)]))
    out = api.create_payments(nz, Payments(payments=[
        Payment(invoice=Invoice(invoice_id=a.invoice_id), account=Account(code='090'),
                amount=11.5, date=TODAY, reference='P-A'),
        Payment(invoice=Invoice(invoice_number=b.invoice_number), account=Account(code='090'),
                amount=999, date=TODAY)]), summarize_errors='false').payments
    assert [p.status_attribute_string for p in out] == ['OK', 'ERROR']
    spec('Payments', raw(client[2]))
    sim.clock.advance(90)
    mark = sim.clock.now().replace(tzinfo=None)
    late = pay(api, nz, b.invoice_id, 1, reference='P-B')
    assert [p.payment_id for p in api.get_payments(nz, if_modified_since=mark).payments] == \
        [late.payment_id]
    assert [p.reference for p in api.get_payments(nz, where='Reference=="P-A"').payments] == \
        ['P-A']
    assert len(api.get_payments(nz, where='Status=="AUTHORISED" AND Amount>=1').payments) == 2
    listing = api.get_payments(nz, page=1, page_size=1)
    assert listing.pagination.item_count == 2 and len(listing.payments) == 1
    spec('Payments', raw(client[2]))
    one = api.get_payment(nz, late.payment_id).payments[0]
    assert one.invoice.invoice_id == b.invoice_id and one.account.code == '090'
    with pytest.raises(NotFoundException):
        api.get_payment(nz, '00000000-0000-0000-0000-000000000000')


def test_payment_lock_date(sim, api, nz):
    inv = create(api, nz, invoice([line(10)], date=dt.date(2019, 1, 10)))[0]
    sim.set_lock_dates(nz, period=dt.date(2019, 1, 31))
    with pytest.raises(AccountingBadRequestException) as err:
        pay(api, nz, inv.invoice_id, 5, date=dt.date(2019, 1, 20))
    assert 'period lock date, currently set at 31-Jan-2019' in err.value.reason
    assert pay(api, nz, inv.invoice_id, 5, date=dt.date(2019, 2, 1)).amount == D('5.00')


def credit_note(lines, type='ACCRECCREDIT', status='AUTHORISED', contact='Bayside Club', **kw):
    return CreditNote(type=type, contact=Contact(name=contact), line_items=lines,
                      line_amount_types=LineAmountTypes.EXCLUSIVE, status=status,
                      date=kw.pop('date', TODAY), **kw)


def test_credit_notes_and_allocations(sim, api, client, nz, spec):
    notes = api.create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(20)]), credit_note([line(5, tax='INPUT2', account='300')],
                                             type='ACCPAYCREDIT')])).credit_notes
    note = notes[0]
    assert note.credit_note_number == 'CN-0001' and notes[1].credit_note_number in (None, '')
    assert note.remaining_credit == D('23.00') and note.total == D('23.00')
    spec('CreditNotes', raw(client[2]))
    inv = create(api, nz, invoice([line(100)]))[0]
    allocs = api.create_credit_note_allocation(nz, note.credit_note_id, Allocations(
        allocations=[Allocation(amount=20, invoice=Invoice(invoice_id=inv.invoice_id),
                                date=TODAY)])).allocations
    assert allocs[0].amount == D('20.00')
    spec('Allocations', raw(client[2]))
    after = api.get_invoice(nz, inv.invoice_id).invoices[0]
    assert (after.amount_credited, after.amount_due) == (D('20.00'), D('95.00'))
    cn = api.get_credit_note(nz, note.credit_note_id).credit_notes[0]
    assert cn.remaining_credit == D('3.00') and len(cn.allocations) == 1
    spec('CreditNotes', raw(client[2]))
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_credit_note_allocation(nz, note.credit_note_id, Allocations(allocations=[
            Allocation(amount=4, invoice=Invoice(invoice_id=inv.invoice_id), date=TODAY)]))
    assert 'remaining credit' in err.value.reason
    full = api.create_credit_note_allocation(nz, note.credit_note_id, Allocations(allocations=[
        Allocation(amount=3, invoice=Invoice(invoice_id=inv.invoice_id), date=TODAY)]))
    assert api.get_credit_note(nz, note.credit_note_id).credit_notes[0].status == 'PAID'
    removed = api.delete_credit_note_allocations(nz, note.credit_note_id,
                                                 full.allocations[0].allocation_id)
    assert removed.is_deleted is True and removed.amount == D('3.00')
    spec('Allocation', raw(client[2]))
    cn = api.get_credit_note(nz, note.credit_note_id).credit_notes[0]
    assert (cn.status, cn.remaining_credit) == ('AUTHORISED', D('3.00'))
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_credit_notes(nz, CreditNotes(credit_notes=[
            credit_note([line(5, discount_rate=10)])]))
    assert 'Discounts' in err.value.reason
    assert len(api.get_credit_notes(nz, where='Type=="ACCPAYCREDIT"').credit_notes) == 1
    updated = api.update_credit_note(nz, notes[1].credit_note_id, CreditNotes(credit_notes=[
        CreditNote(reference='supplier credit')])).credit_notes[0]
    assert updated.reference == 'supplier credit'
    both = api.update_or_create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(1)], status='DRAFT')])).credit_notes
    assert both[0].status == 'DRAFT'
    listing = api.get_credit_notes(nz, page=1, page_size=2)
    assert listing.pagination.item_count == 3
    spec('CreditNotes', raw(client[2]))


def test_refund_payment_on_credit_note(api, nz):
    note = api.create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(10)])])).credit_notes[0]
    refund = api.create_payment(nz, Payment(credit_note=CreditNote(
        credit_note_id=note.credit_note_id), account=Account(code='090'), amount=11.5,
        date=TODAY)).payments[0]
    assert refund.payment_type == 'ARCREDITPAYMENT'
    assert api.get_credit_note(nz, note.credit_note_id).credit_notes[0].status == 'PAID'


def bank_txn(type='RECEIVE', account='090', lines=None, **kw):
    return BankTransaction(type=type, contact=Contact(name='Bayside Club'),
                           bank_account=Account(code=account), date=kw.pop('date', TODAY),
                           line_items=lines or [line(100)],
                           line_amount_types=LineAmountTypes.INCLUSIVE, **kw)


def test_bank_transactions(sim, api, client, nz, spec):
    out = api.create_bank_transactions(nz, BankTransactions(bank_transactions=[
        bank_txn(reference='dep-1'),
        bank_txn('SPEND', lines=[line(57.5, tax='INPUT2', account='429')], is_reconciled=True),
        bank_txn(account='200')]), summarize_errors='false').bank_transactions
    assert [t.status_attribute_string for t in out] == ['OK', 'OK', 'ERROR']
    assert 'Type BANK' in out[2].validation_errors[0].message
    spec('BankTransactions', raw(client[2]))
    receive, spend = out[0], out[1]
    assert (receive.total, receive.total_tax, receive.sub_total) == (D('100.00'), D('13.04'),
                                                                     D('86.96'))
    assert spend.is_reconciled is True and spend.type == 'SPEND'
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_bank_transaction(nz, spend.bank_transaction_id, BankTransactions(
            bank_transactions=[bank_txn('SPEND', lines=[line(60, account='429')])]))
    assert 'reconciled' in err.value.reason
    sim.clock.advance(61)
    mark = sim.clock.now().replace(tzinfo=None)
    gone = api.update_bank_transaction(nz, receive.bank_transaction_id, BankTransactions(
        bank_transactions=[bank_txn(status='DELETED')])).bank_transactions[0]
    assert gone.status == 'DELETED'
    changed = api.get_bank_transactions(nz, if_modified_since=mark).bank_transactions
    assert [t.bank_transaction_id for t in changed] == [receive.bank_transaction_id]
    assert len(api.get_bank_transactions(nz, where='Type=="SPEND"').bank_transactions) == 1
    page = api.get_bank_transactions(nz, page=1, page_size=1)
    assert page.pagination.item_count == 2
    spec('BankTransactions', raw(client[2]))
    one = api.get_bank_transaction(nz, spend.bank_transaction_id).bank_transactions[0]
    assert one.bank_account.code == '090' and one.is_reconciled is True
    again = api.update_or_create_bank_transactions(nz, BankTransactions(bank_transactions=[
        bank_txn(reference='dep-2')])).bank_transactions
    assert again[0].reference == 'dep-2'


def test_bank_transaction_currency_follows_bank_account(api, nz):
    api.create_account(nz, Account(code='095', name='EUR Bank', type=AccountType.BANK,
                                   bank_account_number='1234', currency_code=CurrencyCode.EUR))
    txn = api.create_bank_transactions(nz, BankTransactions(bank_transactions=[
        bank_txn(account='095', currency_rate=0.55)])).bank_transactions[0]
    assert txn.currency_code == CurrencyCode.EUR
    bad = api.create_bank_transactions(nz, BankTransactions(bank_transactions=[
        bank_txn(account='095', currency_code=CurrencyCode.NZD)]),
        summarize_errors='false').bank_transactions[0]
    assert 'currency must match' in bad.validation_errors[0].message
