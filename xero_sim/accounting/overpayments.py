"""Overpayments and prepayments: money received or spent that no document settles yet.

Created as BankTransactions of Type RECEIVE-/SPEND-OVERPAYMENT or RECEIVE-/SPEND-PREPAYMENT
(``bank_transactions.build`` calls ``lines`` and ``check_edit``, ``_write`` calls ``record``);
the Overpayment / Prepayment carries the bank transaction's id (the spec's examples show the
same GUID as OverpaymentID and as the attachment's bank transaction). GET /Overpayments and
/Prepayments (paging, where, order, References, If-Modified-Since), GET by id,
PUT /{Overpayments|Prepayments}/{id}/Allocations, DELETE .../Allocations/{AllocationID}.

Rules (Xero's, as its API documents them, and [U] where this simulator chooses):
- An overpayment's one line posts to the contact's receivable (RECEIVE) or payable (SPEND)
  control account with no tax, whatever the line names; a prepayment's line takes the account
  and tax it names, the control account and no tax by default [U].
- An allocation goes to an AUTHORISED invoice of the matching type (ACCREC for RECEIVE-,
  ACCPAY for SPEND-), of the same contact and currency, for at most the remaining credit and
  the invoice's AmountDue; it adds to the invoice's AmountCredited (Xero's sum of credit notes,
  overpayments and prepayments applied), which settles it as a payment would.
- Deleting an allocation gives the credit back and reopens the invoice.
- The whole overpayment or prepayment is voided by deleting its bank transaction
  (POST /BankTransactions/{id} Status DELETED), only once it has no allocation left [U: the
  spec has no void route of its own]; it is then VOIDED. No other edit is allowed.
"""
from decimal import Decimal

from ..messages import json_response
from ..state import public
from ..util import iso_date_string, new_id, round2
from . import docs, lines as line_rules
from .base import (ApiError, Invalid, amount_and_date, apply_order, envelope, filter_modified_since,
                   filter_where, not_found, paginate, read_body, touch, validation_body)
from .invoices import KIND as INVOICE_KIND

OVERPAYMENT_TYPES = ('RECEIVE-OVERPAYMENT', 'SPEND-OVERPAYMENT')
PREPAYMENT_TYPES = ('RECEIVE-PREPAYMENT', 'SPEND-PREPAYMENT')
TYPES = OVERPAYMENT_TYPES + PREPAYMENT_TYPES
ZERO = Decimal('0.00')


class Credit:
    """Where one of the two kinds is kept and how it is named."""

    def __init__(self, key, id_field, collection, types):
        self.key, self.id_field, self.collection, self.types = key, id_field, collection, types

    def store(self, org):
        return getattr(org, self.collection)


OVERPAYMENT = Credit('Overpayments', 'OverpaymentID', 'overpayments', OVERPAYMENT_TYPES)
PREPAYMENT = Credit('Prepayments', 'PrepaymentID', 'prepayments', PREPAYMENT_TYPES)


def kind_of(txn_type):
    return OVERPAYMENT if txn_type in OVERPAYMENT_TYPES else PREPAYMENT


def _control_account(org, txn_type):
    system = 'DEBTORS' if txn_type.startswith('RECEIVE') else 'CREDITORS'
    return next((a for a in org.accounts.values() if a.get('SystemAccount') == system), None)


def lines(org, txn_type, source):
    """The lines as Xero books them: an overpayment's on the control account with no tax."""
    control = _control_account(org, txn_type)
    out = []
    for raw in source:
        raw = dict(raw)
        if txn_type in OVERPAYMENT_TYPES or not (raw.get('AccountCode') or raw.get('AccountID')):
            raw.pop('AccountID', None)
            raw['AccountCode'] = control and control.get('Code')
        if txn_type in OVERPAYMENT_TYPES or not raw.get('TaxType'):
            raw['TaxType'] = 'NONE'
        out.append(raw)
    return out


def check_edit(org, existing, data):
    """An overpayment or prepayment is only ever deleted (voided), and only with nothing
    allocated."""
    if str(data.get('Status') or '').upper() not in ('DELETED', 'VOIDED'):
        raise Invalid('An overpayment or prepayment cannot be edited; delete it and enter it again.')
    credit = _credit(org, existing)
    if credit and (credit['Allocations'] or credit['Payments']):
        raise Invalid('This %s has allocations or refunds: remove them before deleting it.'
                      % ('overpayment' if credit['Type'] in OVERPAYMENT_TYPES else 'prepayment'))


def _credit(org, txn):
    return kind_of(txn['Type']).store(org).get(txn['BankTransactionID'])


def record(sim, org, txn):
    """Create or follow the Overpayment / Prepayment of a bank transaction of those types."""
    kind = kind_of(txn['Type'])
    store = kind.store(org)
    ident = txn['BankTransactionID']
    credit = store.get(ident)
    if credit is None:
        credit = store[ident] = {kind.id_field: ident, 'ID': ident, 'Allocations': [], 'Payments': [],
                                 'HasAttachments': False, '_created': sim.clock.now()}
    for key in ('Type', 'Contact', 'Date', 'LineAmountTypes', 'LineItems', 'SubTotal', 'TotalTax',
                'Total', 'CurrencyCode', 'CurrencyRate'):
        credit[key] = txn.get(key)
    credit['Reference'] = txn.get('Reference') or ''
    credit['Status'] = 'VOIDED' if txn['Status'] in ('DELETED', 'VOIDED') else credit.get('Status', 'AUTHORISED')
    settle(credit)
    touch(sim, credit)
    return credit


def settle(credit):
    used = sum((a['Amount'] for a in credit['Allocations']), ZERO) + \
        sum((p['Amount'] for p in credit['Payments']), ZERO)
    credit['RemainingCredit'] = round2(credit['Total'] - used) if credit['Status'] != 'VOIDED' else ZERO
    if credit['Status'] == 'AUTHORISED' and credit['RemainingCredit'] <= 0:
        credit['Status'] = 'PAID'
    elif credit['Status'] == 'PAID' and credit['RemainingCredit'] > 0:
        credit['Status'] = 'AUTHORISED'


def present(org, kind, credit, unitdp4=False):
    out = public(credit)
    out['Contact'] = docs.contact_summary(org, credit['Contact']['ContactID'])
    out['LineItems'] = line_rules.present_lines(credit['LineItems'], unitdp4)
    out['DateString'] = iso_date_string(credit['Date'])
    out['UpdatedDateUTCString'] = iso_date_string(credit['UpdatedDateUTC']) + 'Z'
    return out


def _presented_allocation(kind, credit, allocation):
    return {'AllocationID': allocation['AllocationID'], 'Amount': allocation['Amount'],
            'Date': allocation['Date'], 'Invoice': dict(allocation['Invoice']),
            kind.key[:-1]: {kind.id_field: credit[kind.id_field]}, 'IsDeleted': False}


# --- routes -----------------------------------------------------------------------------------

def _list(kind):
    def handler(sim, req, org):
        items = list(kind.store(org).values())
        refs = req.query.get('References')
        if refs:
            wanted = {r.strip() for r in refs.split(',')}
            items = [c for c in items if c.get('Reference') in wanted]
        items = filter_modified_since(req, items)
        unitdp4 = req.query.get('unitdp') == '4'
        presented = filter_where(req, [present(org, kind, c, unitdp4)
                                       for c in sorted(items, key=lambda c: c['_created'])])
        page_items, extra = paginate(req, apply_order(req, presented))
        return json_response(200, envelope(sim, kind.key, page_items, extra))
    return handler


def _one(kind):
    def handler(sim, req, org, id):
        credit = kind.store(org).get(id.lower())
        if credit is None:
            raise not_found()
        return json_response(200, envelope(sim, kind.key, [present(org, kind, credit,
                                                                   req.query.get('unitdp') == '4')]))
    return handler


def _allocate(sim, org, kind, credit, element):
    errors = []
    invoice = org.invoice_ref(element.get('Invoice'))
    amount, when = amount_and_date(sim, element)
    label = 'overpayment' if kind is OVERPAYMENT else 'prepayment'
    if credit['Status'] != 'AUTHORISED':
        errors.append('The %s has no credit left to allocate.' % label)
    if invoice is None:
        errors.append('Invoice could not be found')
    elif invoice['Status'] != 'AUTHORISED':
        errors.append('Allocations can only be made against Authorised invoices.')
    elif invoice['Type'] != ('ACCREC' if credit['Type'].startswith('RECEIVE') else 'ACCPAY'):
        errors.append('The %s and the invoice must be of matching types.' % label)
    elif invoice['Contact']['ContactID'] != credit['Contact']['ContactID']:
        errors.append('The %s and the invoice must belong to the same contact.' % label)
    elif invoice['CurrencyCode'] != credit['CurrencyCode']:
        errors.append('The %s and the invoice must be in the same currency.' % label)
    if amount is None or amount <= 0:
        errors.append('Amount must be greater than zero.')
    elif invoice is not None and not errors:
        if round2(amount) > credit['RemainingCredit']:
            errors.append('The amount allocated exceeds the remaining credit on the %s.' % label)
        if round2(amount) > invoice['AmountDue']:
            errors.append('The amount allocated exceeds the amount outstanding on the invoice.')
    msg = docs.lock_error(org, when)
    if msg:
        errors.append(msg)
    if errors:
        raise Invalid(*errors)
    amount = round2(amount)
    allocation = {'AllocationID': new_id(), 'Amount': amount, 'Date': when,
                  'Invoice': {'InvoiceID': invoice['InvoiceID'],
                              'InvoiceNumber': invoice.get('InvoiceNumber', '')}}
    fp = (kind.key + 'Allocation', credit[kind.id_field], invoice['InvoiceID'], str(amount), str(when))
    if fp in org.fingerprints:
        sim.counters.record_duplicate('Allocations', org.tenant_id, {
            'first': org.fingerprints[fp], 'second': allocation['AllocationID']})
    else:
        org.fingerprints[fp] = allocation['AllocationID']
    credit['Allocations'].append(allocation)
    invoice[kind.key].append({kind.id_field: credit[kind.id_field], 'AppliedAmount': amount,
                              'Total': credit['Total'], 'Date': when,
                              'DateString': when.strftime('%Y-%m-%dT00:00:00'),
                              '_allocation': allocation['AllocationID']})
    invoice['AmountCredited'] += amount
    invoice['_last_payment_date'] = when
    sim.counters.record_created(org.tenant_id, 'Allocations')
    settle(credit)
    touch(sim, credit)
    docs.settle(invoice, INVOICE_KIND)
    touch(sim, invoice)
    sim.webhooks.emit(org, 'INVOICE', invoice['InvoiceID'], 'UPDATE')
    return _presented_allocation(kind, credit, allocation)


def _put_allocations(kind):
    def handler(sim, req, org, id):
        credit = kind.store(org).get(id.lower())
        if credit is None:
            raise not_found()
        results, failed = [], []
        for element in read_body(req, 'Allocations'):
            try:
                results.append(_allocate(sim, org, kind, credit, element))
            except Invalid as exc:
                failed.append(dict(element, ValidationErrors=[{'Message': m} for m in exc.messages]))
        if failed:
            raise ApiError(400, validation_body(failed))
        return json_response(200, envelope(sim, 'Allocations', results))
    return handler


def _delete_allocation(kind):
    def handler(sim, req, org, id, allocation_id):
        credit = kind.store(org).get(id.lower())
        if credit is None:
            raise not_found()
        allocation = next((a for a in credit['Allocations']
                           if a['AllocationID'] == allocation_id.lower()), None)
        if allocation is None:
            raise not_found()
        msg = docs.lock_error(org, allocation['Date'])
        if msg:
            raise ApiError(400, validation_body([{'ValidationErrors': [{'Message': msg}]}]))
        credit['Allocations'].remove(allocation)
        settle(credit)
        touch(sim, credit)
        invoice = org.invoices.get(allocation['Invoice']['InvoiceID'])
        if invoice:
            invoice[kind.key] = [c for c in invoice[kind.key]
                                 if c.get('_allocation') != allocation['AllocationID']]
            invoice['AmountCredited'] -= allocation['Amount']
            docs.settle(invoice, INVOICE_KIND)
            touch(sim, invoice)
            sim.webhooks.emit(org, 'INVOICE', invoice['InvoiceID'], 'UPDATE')
        return json_response(200, dict(_presented_allocation(kind, credit, allocation), IsDeleted=True))
    return handler


ROUTES = [
    ('GET', '/Overpayments', _list(OVERPAYMENT)),
    ('GET', '/Overpayments/{id}', _one(OVERPAYMENT)),
    ('PUT', '/Overpayments/{id}/Allocations', _put_allocations(OVERPAYMENT)),
    ('DELETE', '/Overpayments/{id}/Allocations/{allocation_id}', _delete_allocation(OVERPAYMENT)),
    ('GET', '/Prepayments', _list(PREPAYMENT)),
    ('GET', '/Prepayments/{id}', _one(PREPAYMENT)),
    ('PUT', '/Prepayments/{id}/Allocations', _put_allocations(PREPAYMENT)),
    ('DELETE', '/Prepayments/{id}/Allocations/{allocation_id}', _delete_allocation(PREPAYMENT)),
]
