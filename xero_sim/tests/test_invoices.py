"""Invoices through the SDK: totals and rounding, statuses, numbering,
lock dates, batches with and without summarizeErrors, filters and paging."""
import datetime as dt
from decimal import Decimal

import pytest
import requests
from xero_python.accounting import (Contact, Invoice, Invoices, LineAmountTypes, LineItem,
                                    Payment, Account)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from xero_sim.tests.helpers import api_headers, raw

D = Decimal
TODAY = dt.date(2026, 1, 15)


def line(amount, qty=1, tax='OUTPUT2', account='200', **kw):
    return LineItem(description='Item %s' % amount, quantity=qty, unit_amount=amount,
                    account_code=account, tax_type=tax, **kw)


def invoice(lines, type='ACCREC', status='AUTHORISED', contact='Bayside Club',
            lat=LineAmountTypes.EXCLUSIVE, **kw):
    kw.setdefault('date', TODAY)
    kw.setdefault('due_date', TODAY + dt.timedelta(days=20))
    return Invoice(type=type, contact=Contact(name=contact), line_items=lines,
                   line_amount_types=lat, status=status, **kw)


def create(api, tenant, *invs, **kw):
    return api.create_invoices(tenant, Invoices(invoices=list(invs)), **kw).invoices


def test_rounding_guide_example(api, client, nz, spec):
    inv = create(api, nz, invoice([line(25.06), line(25.61), line(25.63)]))[0]
    assert inv.total_tax == D('11.44')  # per-line rounding, not 11.45 on the total
    assert inv.sub_total == D('76.30') and inv.total == D('87.74')
    assert [line.tax_amount for line in inv.line_items] == [D('3.76'), D('3.84'), D('3.84')]
    assert inv.amount_due == D('87.74') and inv.status == 'AUTHORISED'
    body = raw(client[2])
    spec('Invoices', body)
    assert body['Invoices'][0]['Date'].startswith('/Date(') and body['Invoices'][0]['Date'].endswith('+0000)/')
    assert body['Invoices'][0]['UpdatedDateUTC'].startswith('/Date(')


def test_inclusive_and_no_tax(api, nz):
    inc = create(api, nz, invoice([line(115.00), line(10.01)], lat=LineAmountTypes.INCLUSIVE))[0]
    assert [line.tax_amount for line in inc.line_items] == [D('15.00'), D('1.31')]
    assert (inc.sub_total, inc.total_tax, inc.total) == (D('108.70'), D('16.31'), D('125.01'))
    none = create(api, nz, invoice([line(99.99, tax='NONE')], lat=LineAmountTypes.NOTAX))[0]
    assert (none.total_tax, none.total) == (D('0.00'), D('99.99'))


def test_unit_amount_rounding_and_unitdp4(api, client, nz):
    two = create(api, nz, invoice([line(10.125, qty=3)]))[0]
    assert two.line_items[0].unit_amount == D('10.13')
    assert two.line_items[0].line_amount == D('30.39')
    four = create(api, nz, invoice([line(10.125, qty=3)]), unitdp=4)[0]
    assert four.line_items[0].unit_amount == D('10.1250')
    assert four.line_items[0].line_amount == D('30.38')
    shown = api.get_invoice(nz, four.invoice_id).invoices[0]
    assert shown.line_items[0].unit_amount == D('10.13')  # 2 dp unless unitdp=4
    shown = api.get_invoice(nz, four.invoice_id, unitdp=4).invoices[0]
    assert shown.line_items[0].unit_amount == D('10.1250')
    qty = create(api, nz, invoice([line(2, qty=1.23456)]))[0]
    assert qty.line_items[0].quantity == D('1.2346')


def test_discounts_only_on_accrec(api, nz):
    sale = create(api, nz, invoice([line(200, discount_rate=10),
                                    line(50, discount_amount=5)]))[0]
    assert [line.line_amount for line in sale.line_items] == [D('180.00'), D('45.00')]
    assert sale.total_discount == D('25.00') and sale.is_discounted is True
    bill = create(api, nz, invoice([line(200, discount_rate=10, tax='INPUT2', account='300')],
                                   type='ACCPAY'), summarize_errors='false')[0]
    assert bill.has_errors is True and bill.status_attribute_string == 'ERROR'
    assert 'only supported on sales invoices' in bill.validation_errors[0].message


def test_multi_component_tax_rate(api, nz):
    rate = api.get_tax_rate_by_tax_type(nz, 'TAX001').tax_rates[0]
    assert len(rate.tax_components) == 2
    assert rate.effective_rate == D('17.3000') and rate.display_tax_rate == D('17.0000')
    inv = create(api, nz, invoice([line(100, tax='TAX001'), line(33.33, tax='TAX001')]))[0]
    assert [line.tax_amount for line in inv.line_items] == [D('17.30'), D('5.77')]
    assert inv.total == D('156.40')


def test_numbering_and_uniqueness(sim, api, nz, au):
    a, b = create(api, nz, invoice([line(1)]), invoice([line(2)]))
    assert (a.invoice_number, b.invoice_number) == ('INV-0001', 'INV-0002')
    assert create(api, au, invoice([line(1, tax='OUTPUT')]))[0].invoice_number == 'INV-0001'
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, nz, invoice([line(3)], invoice_number='INV-0001'))
    assert err.value.reason == 'Invoice # must be unique.'
    bill = invoice([line(5, tax='INPUT2', account='300')], type='ACCPAY', invoice_number='SUP-1')
    first, second = create(api, nz, bill, bill)
    assert first.invoice_id != second.invoice_id  # bills may repeat a number
    assert sim.counters.duplicates == 1
    assert sim.counters.duplicate_details[0]['kind'] == 'Invoices'


def test_summarized_error_still_creates_valid_items(sim, api, client, nz, token, spec):
    good = invoice([line(10)], reference='GOOD-1')
    bad = invoice([line(10, account='999')], reference='BAD-1')
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, nz, good, bad)
    body = err.value.error_data
    assert body['ErrorNumber'] == 10 and body['Type'] == 'ValidationException'
    assert body['Message'] == 'A validation exception occurred'
    assert len(body['Elements']) == 1
    assert "Account code '999' is not a valid code" in err.value.reason
    spec('Error', err.value.error_data)
    refs = [i.reference for i in api.get_invoices(nz).invoices]
    assert refs == ['GOOD-1']  # created although the call answered 400


def test_summarize_errors_false(api, client, nz, spec):
    out = create(api, nz, invoice([line(10)]), invoice([line(10, tax='NOPE')]),
                 summarize_errors='false')
    assert [i.status_attribute_string for i in out] == ['OK', 'ERROR']
    assert [i.has_errors for i in out] == [False, True]
    assert 'NOPE' in out[1].validation_errors[0].message
    assert out[0].invoice_id and not out[1].invoice_id
    spec('Invoices', raw(client[2]))


def _update(api, tenant, inv_id, **fields):
    return api.update_invoice(tenant, inv_id, Invoices(invoices=[Invoice(**fields)])).invoices[0]


def test_status_transitions(api, nz):
    draft = create(api, nz, invoice([line(10)], status='DRAFT'))[0]
    assert _update(api, nz, draft.invoice_id, status='SUBMITTED').status == 'SUBMITTED'
    assert _update(api, nz, draft.invoice_id, status='AUTHORISED').status == 'AUTHORISED'
    for bad in ('DRAFT', 'DELETED', 'PAID'):
        with pytest.raises(AccountingBadRequestException) as err:
            _update(api, nz, draft.invoice_id, status=bad)
        assert err.value.reason == 'Invoice not of valid status for modification'
    assert _update(api, nz, draft.invoice_id, status='VOIDED').status == 'VOIDED'
    with pytest.raises(AccountingBadRequestException):
        _update(api, nz, draft.invoice_id, reference='after void')
    other = create(api, nz, invoice([line(10)], status='DRAFT'))[0]
    assert _update(api, nz, other.invoice_id, status='DELETED').status == 'DELETED'
    with pytest.raises(AccountingBadRequestException):
        _update(api, nz, other.invoice_id, status='DRAFT')
    with pytest.raises(AccountingBadRequestException):
        create(api, nz, invoice([line(10)], status='PAID'))


def test_paid_invoice_only_non_total_edits(api, nz):
    inv = create(api, nz, invoice([line(100)]))[0]
    api.create_payment(nz, Payment(invoice=Invoice(invoice_id=inv.invoice_id),
                                   account=Account(code='090'), amount=115, date=TODAY))
    paid = api.get_invoice(nz, inv.invoice_id).invoices[0]
    assert paid.status == 'PAID' and paid.amount_due == D('0.00')
    assert _update(api, nz, inv.invoice_id, reference='PO-9').reference == 'PO-9'
    with pytest.raises(AccountingBadRequestException) as err:
        _update(api, nz, inv.invoice_id, line_items=[line(150)])
    assert 'payment or credit note allocated' in err.value.reason
    with pytest.raises(AccountingBadRequestException):
        _update(api, nz, inv.invoice_id, status='VOIDED')


def test_lock_dates(sim, api, nz):
    sim.set_lock_dates(nz, period=dt.date(2018, 11, 30), end_of_year=dt.date(2018, 3, 31))
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, nz, invoice([line(1)], date=dt.date(2018, 11, 30)))
    assert err.value.reason == ('The document date cannot be before the period lock date, '
                                'currently set at 30-Nov-2018')
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, nz, invoice([line(1)], date=dt.date(2018, 1, 10)))
    assert err.value.reason == ('The document date cannot be before the end of year lock '
                                'date, currently set at 31-Mar-2018')
    draft = create(api, nz, invoice([line(1)], status='DRAFT', date=dt.date(2018, 11, 1)))[0]
    assert draft.status == 'DRAFT'  # drafts may sit in a locked period
    with pytest.raises(AccountingBadRequestException):
        _update(api, nz, draft.invoice_id, status='AUTHORISED')
    assert create(api, nz, invoice([line(1)], date=dt.date(2018, 12, 1)))[0].status == 'AUTHORISED'


def test_validation_messages(api, nz):
    out = create(api, nz,
                 invoice([line(1)], due_date=None),
                 invoice([line(1, account='999')]),
                 invoice([], status='AUTHORISED'),
                 Invoice(type='ACCREC', line_items=[line(1)], status='DRAFT'),
                 summarize_errors='false')
    messages = [[v.message for v in i.validation_errors or []] for i in out]
    assert messages[0] == ['Due Date is mandatory for authorised sales invoices.']
    assert messages[1] == ["Account code '999' is not a valid code for this document."]
    assert 'At least one line item' in messages[2][0]
    assert messages[3] == ['A Contact must be specified for this type of transaction']


def test_new_contact_name_creates_contact_and_sets_flags(api, nz):
    create(api, nz, invoice([line(1)], contact='Brand New Ltd'))
    contact = api.get_contacts(nz, where='Name=="Brand New Ltd"').contacts[0]
    assert contact.is_customer is True and contact.is_supplier is False
    create(api, nz, invoice([line(1, tax='INPUT2', account='300')], type='ACCPAY',
                            contact='Brand New Ltd'))
    contact = api.get_contact(nz, contact.contact_id).contacts[0]
    assert contact.is_customer is True and contact.is_supplier is True


def test_get_filters_paging_and_lookup(sim, api, client, nz, token, spec):
    made = create(api, nz, *[invoice([line(i + 1)], reference='R%d' % i) for i in range(5)])
    create(api, nz, invoice([line(9, tax='INPUT2', account='300')], type='ACCPAY',
                            status='DRAFT', invoice_number='BILL-7'))
    page = api.get_invoices(nz, page=2, page_size=2)
    assert [i.reference for i in page.invoices] == ['R2', 'R3']
    assert (page.pagination.page, page.pagination.page_size, page.pagination.page_count,
            page.pagination.item_count) == (2, 2, 3, 6)
    spec('Invoices', raw(client[2]))
    assert len(api.get_invoices(nz, i_ds=[made[0].invoice_id, made[1].invoice_id]).invoices) == 2
    assert [i.invoice_number for i in api.get_invoices(
        nz, invoice_numbers=['INV-0003']).invoices] == ['INV-0003']
    assert [i.invoice_number for i in api.get_invoices(nz, statuses=['DRAFT']).invoices] == \
        ['BILL-7']
    assert len(api.get_invoices(nz, where='Type=="ACCREC" AND Total>3').invoices) == 3
    assert len(api.get_invoices(nz, contact_i_ds=[made[0].contact.contact_id]).invoices) == 6
    assert len(api.get_invoices(nz, search_term='bill').invoices) == 1
    assert api.get_invoices(nz, summary_only='true').invoices[0].line_items is None
    assert api.get_invoices(nz, order='Total DESC').invoices[0].total == D('10.35')
    assert api.get_invoice(nz, 'INV-0002').invoices[0].reference == 'R1'
    with pytest.raises(NotFoundException):
        api.get_invoice(nz, '00000000-0000-0000-0000-000000000000')
    resp = requests.get(sim.api_url + '/Invoices/' + made[0].invoice_id,
                        headers=api_headers(token, nz), timeout=5)
    spec('Invoices', resp.json())


def test_if_modified_since(sim, api, nz):
    first = create(api, nz, invoice([line(1)]))[0]
    sim.clock.advance(120)
    mark = sim.clock.now().replace(tzinfo=None)
    second = create(api, nz, invoice([line(2)]))[0]
    got = api.get_invoices(nz, if_modified_since=mark).invoices
    assert [i.invoice_id for i in got] == [second.invoice_id]
    sim.clock.advance(60)
    _update(api, nz, first.invoice_id, reference='touched')
    got = api.get_invoices(nz, if_modified_since=mark + dt.timedelta(seconds=30)).invoices
    assert [i.invoice_id for i in got] == [first.invoice_id]


def test_post_update_or_create_by_number(api, nz):
    inv = create(api, nz, invoice([line(10)], status='DRAFT', invoice_number='X-1'))[0]
    out = api.update_or_create_invoices(nz, Invoices(invoices=[
        invoice([line(20)], status='DRAFT', invoice_number='X-1'),
        invoice([line(30)], status='DRAFT', invoice_number='X-2')])).invoices
    assert out[0].invoice_id == inv.invoice_id and out[0].total == D('23.00')
    assert out[1].invoice_id != inv.invoice_id
