"""Invoices and credit notes as the sync engine changes them: description-only
lines on approved documents, and the status changes and edits Xero allows
(void, delete, edit an approved document, lock dates)."""
import datetime as dt
from decimal import Decimal

import pytest
from xero_python.accounting import (Allocation, Allocations, CreditNote, CreditNotes, Invoice,
                                    Invoices, LineItem)
from xero_python.exceptions import AccountingBadRequestException

from xero_sim.tests.helpers import raw
from xero_sim.tests.test_invoices import TODAY, create, invoice, line
from xero_sim.tests.test_payments import credit_note, pay

D = Decimal
ALLOCATED = 'This document cannot be edited as it has a payment or credit note allocated to it.'


def heading(text='Section: services'):
    return LineItem(description=text)


def _update(api, tenant, inv_id, **fields):
    return api.update_invoice(tenant, inv_id, Invoices(invoices=[Invoice(**fields)])).invoices[0]


def _update_note(api, tenant, note_id, **fields):
    return api.update_credit_note(tenant, note_id, CreditNotes(
        credit_notes=[CreditNote(**fields)])).credit_notes[0]


# -- description-only lines --------------------------------------------------

def test_description_only_lines_on_an_authorised_invoice(api, client, nz, spec):
    inv = create(api, nz, invoice([heading(), line(100), heading('Thank you')]))[0]
    assert inv.status == 'AUTHORISED'
    assert (inv.sub_total, inv.total_tax, inv.total) == (D('100.00'), D('15.00'), D('115.00'))
    head = inv.line_items[0]
    assert head.description == 'Section: services'
    assert (head.line_amount, head.tax_amount) == (D('0.00'), D('0.00'))
    assert head.account_code is None and head.quantity is None and head.item_code is None
    spec('Invoices', raw(client[2]))
    # Read back and sent back unchanged (as an engine does), it is still a heading.
    got = api.get_invoice(nz, inv.invoice_id).invoices[0]
    again = _update(api, nz, inv.invoice_id, line_items=got.line_items)
    assert again.total == D('115.00') and len(again.line_items) == 3
    # A draft with a heading can be approved.
    draft = create(api, nz, invoice([heading(), line(10)], status='DRAFT'))[0]
    assert _update(api, nz, draft.invoice_id, status='AUTHORISED').total == D('11.50')
    bill = create(api, nz, invoice([heading('Freight'), line(20, tax='INPUT2', account='300')],
                                   type='ACCPAY', due_date=None))[0]
    assert bill.status == 'AUTHORISED' and bill.total == D('23.00')


def test_description_only_lines_on_an_authorised_credit_note(api, nz):
    for kind, money in (('ACCRECCREDIT', line(20)),
                        ('ACCPAYCREDIT', line(20, tax='INPUT2', account='300'))):
        note = api.create_credit_notes(nz, CreditNotes(credit_notes=[
            credit_note([heading('Returned goods'), money], type=kind)])).credit_notes[0]
        assert note.status == 'AUTHORISED' and note.total == D('23.00')
        assert note.remaining_credit == D('23.00')
        assert note.line_items[0].line_amount == D('0.00')
        assert note.line_items[0].account_code is None


def test_a_line_with_an_amount_still_needs_an_account(api, nz):
    no_account = LineItem(description='Consulting', quantity=1, unit_amount=50)
    out = create(api, nz, invoice([no_account]),
                 invoice([LineItem(description='Fee', line_amount=5)]),
                 invoice([heading(), line(1)], status='DRAFT'),
                 invoice([no_account], status='DRAFT'),
                 summarize_errors='false')
    assert [v.message for v in out[0].validation_errors] == [
        'Account code must be specified for every line item.']
    assert [v.message for v in out[1].validation_errors] == [
        'Account code must be specified for every line item.']
    assert out[2].has_errors is False and out[3].has_errors is False  # drafts may lack accounts
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_credit_notes(nz, CreditNotes(credit_notes=[credit_note([no_account])]))
    assert err.value.reason == 'Account code must be specified for every line item.'
    with pytest.raises(AccountingBadRequestException):
        _update(api, nz, out[3].invoice_id, status='AUTHORISED')


# -- status changes and edits --------------------------------------------------

def test_void_and_delete_as_xero_allows(api, nz):
    approved = create(api, nz, invoice([line(10)]))[0]
    with pytest.raises(AccountingBadRequestException) as err:
        _update(api, nz, approved.invoice_id, status='DELETED')
    assert err.value.reason == 'Invoice not of valid status for modification'
    voided = _update(api, nz, approved.invoice_id, status='VOIDED')
    assert voided.status == 'VOIDED'
    for status in ('DRAFT', 'SUBMITTED'):
        doc = create(api, nz, invoice([line(10)], status=status))[0]
        assert _update(api, nz, doc.invoice_id, status='DELETED').status == 'DELETED'
    # The batch POST with InvoiceID does the same.
    doc = create(api, nz, invoice([line(10)]))[0]
    out = api.update_or_create_invoices(nz, Invoices(invoices=[
        Invoice(invoice_id=doc.invoice_id, status='VOIDED')])).invoices[0]
    assert out.invoice_id == doc.invoice_id and out.status == 'VOIDED'
    assert {i.status for i in api.get_invoices(nz, statuses=['VOIDED', 'DELETED']).invoices} \
        == {'VOIDED', 'DELETED'}


def test_no_void_with_a_payment_or_credit_allocated(api, nz):
    part = create(api, nz, invoice([line(100)]))[0]
    pay(api, nz, part.invoice_id, 10)
    full = create(api, nz, invoice([line(100)]))[0]
    pay(api, nz, full.invoice_id, 115)
    for inv_id in (part.invoice_id, full.invoice_id):
        with pytest.raises(AccountingBadRequestException) as err:
            _update(api, nz, inv_id, status='VOIDED')
        assert err.value.reason == ALLOCATED
    with pytest.raises(AccountingBadRequestException) as err:
        _update(api, nz, part.invoice_id, status='DELETED')
    assert err.value.reason == ALLOCATED
    credited = create(api, nz, invoice([line(100)]))[0]
    note = api.create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(20)])])).credit_notes[0]
    api.create_credit_note_allocation(nz, note.credit_note_id, Allocations(allocations=[
        Allocation(invoice=Invoice(invoice_id=credited.invoice_id), amount=5, date=TODAY)]))
    for call, ident in ((_update, credited.invoice_id), (_update_note, note.credit_note_id)):
        with pytest.raises(AccountingBadRequestException) as err:
            call(api, nz, ident, status='VOIDED')
        assert err.value.reason == ALLOCATED


def test_credit_note_void_and_delete(api, nz):
    note = api.create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(20)])])).credit_notes[0]
    with pytest.raises(AccountingBadRequestException) as err:
        _update_note(api, nz, note.credit_note_id, status='DELETED')
    assert err.value.reason == 'Credit Note not of valid status for modification'
    assert _update_note(api, nz, note.credit_note_id, status='VOIDED').status == 'VOIDED'
    draft = api.create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(20)], status='DRAFT')])).credit_notes[0]
    assert _update_note(api, nz, draft.credit_note_id, status='DELETED').status == 'DELETED'


def test_edit_an_approved_invoice_without_payments(api, nz):
    inv = create(api, nz, invoice([line(100)], reference='v1'))[0]
    later = TODAY + dt.timedelta(days=3)
    out = _update(api, nz, inv.invoice_id, date=later, reference='v2',
                  line_items=[line(50), line(25.06)])
    assert out.status == 'AUTHORISED' and out.invoice_number == inv.invoice_number
    assert out.date == later and out.reference == 'v2'
    assert (out.sub_total, out.total_tax, out.total, out.amount_due) == \
        (D('75.06'), D('11.26'), D('86.32'), D('86.32'))
    out = api.update_or_create_invoices(nz, Invoices(invoices=[
        Invoice(invoice_id=inv.invoice_id, line_items=[line(10)])])).invoices[0]
    assert out.total == D('11.50') and len(out.line_items) == 1


def test_lock_dates_refuse_changes(sim, api, nz):
    locked_day = dt.date(2025, 6, 30)
    old = create(api, nz, invoice([line(10)], date=dt.date(2025, 6, 10)))[0]
    draft = create(api, nz, invoice([line(10)], status='DRAFT', date=dt.date(2025, 6, 12)))[0]
    fresh = create(api, nz, invoice([line(10)], date=dt.date(2025, 7, 1)))[0]
    sim.set_lock_dates(nz, period=locked_day)
    period_msg = ('The document date cannot be before the period lock date, '
                  'currently set at 30-Jun-2025')
    for change in ({'status': 'VOIDED'}, {'line_items': [line(20)]},
                   {'date': dt.date(2025, 7, 2)}):
        with pytest.raises(AccountingBadRequestException) as err:
            _update(api, nz, old.invoice_id, **change)
        assert err.value.reason == period_msg
    with pytest.raises(AccountingBadRequestException) as err:  # moving into the locked period
        _update(api, nz, fresh.invoice_id, date=locked_day)
    assert err.value.reason == period_msg
    assert _update(api, nz, fresh.invoice_id, reference='ok').reference == 'ok'
    assert _update(api, nz, draft.invoice_id, status='DELETED').status == 'DELETED'
    sim.set_lock_dates(nz, period=locked_day, end_of_year=dt.date(2025, 6, 30))
    with pytest.raises(AccountingBadRequestException) as err:
        _update(api, nz, old.invoice_id, status='VOIDED')
    assert err.value.reason == ('The document date cannot be before the end of year lock '
                                'date, currently set at 30-Jun-2025')
