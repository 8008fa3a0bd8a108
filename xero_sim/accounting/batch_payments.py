"""Batch payments: one deposit (or one payment run) settling many documents.

PUT /BatchPayments creates, per batch, one Payment per member through the rules of single
payments (``payments.create_payment``): each member is a Payment of its own, listed by
GET /Payments with its ``BatchPaymentID`` and a ``BatchPayment`` summary, and settles its
document as a single payment does. A batch is made whole or not at all: a member Xero would
refuse (a document not AUTHORISED, more than its amount outstanding, a locked date) refuses
the batch with that member's message. Every member is paid into the batch's Account on the
batch's Date; a member's own Reference is kept, else it takes the batch's.

GET /BatchPayments (If-Modified-Since, where, order, paging) and GET /BatchPayments/{id} list
them. A batch is deleted as one (POST /BatchPayments/{id} with Status DELETED, or POST
/BatchPayments with its BatchPaymentID and Status DELETED): its member payments are DELETED
and their documents back to AUTHORISED; the batch stays listed, DELETED, with no payments.

A batch sent twice (same account, date, reference and members) is counted as a duplicate,
and so is each of its member payments (their fingerprints are those of single payments)."""
from ..messages import json_response
from ..state import public
from ..util import iso_date_string, new_id, round2
from . import docs
from .base import (ApiError, Invalid, amount_and_date, apply_order, envelope, filter_modified_since,
                   filter_where, not_found, paginate, read_body, run_batch, touch, validation_body)
from .credit_notes import KIND as CREDIT_KIND
from .invoices import KIND as INVOICE_KIND
from .payments import _document, _emit, _outstanding, create_payment

# Money in for sales invoices and bills' refunds, out for bills and customer refunds.
BATCH_TYPES = {'ACCREC': 'RECBATCH', 'ACCPAYCREDIT': 'RECBATCH',
               'ACCPAY': 'PAYBATCH', 'ACCRECCREDIT': 'PAYBATCH'}


def _check(sim, org, element):
    """The batch's account and date, and its members' documents; raises Invalid with every
    message, as Xero validates the whole batch before making any of it."""
    errors = []
    account = org.account_ref(element.get('Account') or {})
    if account is None or account['Status'] != 'ACTIVE':
        errors.append('Account could not be found' if account is None else 'The account is not active.')
    elif account['Type'] != 'BANK' and not account.get('EnablePaymentsToAccount'):
        errors.append('Payments can only be made to BANK accounts or accounts with '
                      'EnablePaymentsToAccount set.')
    _amount, when = amount_and_date(sim, {'Date': element.get('Date')})
    msg = docs.lock_error(org, when)
    if msg:
        errors.append(msg)
    members = element.get('Payments') or []
    if not members:
        errors.append('A batch payment must contain at least one payment.')
    planned, types = {}, set()
    for member in members:
        doc, kind = _document(org, member)
        amount, _date = amount_and_date(sim, {'Amount': member.get('Amount')})
        if doc is None:
            errors.append('The document with the supplied id was not found for this endpoint.'
                          if kind else 'Payments must specify an Invoice or a CreditNote.')
            continue
        types.add(BATCH_TYPES[doc['Type']])
        if doc['Status'] != 'AUTHORISED':
            errors.append('Payments can only be made against Authorised documents')
        if amount is None or amount <= 0:
            errors.append('Payment amount must be greater than zero.')
            continue
        key = (kind.key, doc[kind.id_field])
        planned[key] = planned.get(key, 0) + round2(amount)
        if doc['Status'] == 'AUTHORISED' and planned[key] > _outstanding(doc, kind):
            errors.append('Payment amount exceeds the amount outstanding on this document')
    if len(types) > 1:
        errors.append('A batch payment is either for sales invoices or for bills, not both.')
    if errors:
        raise Invalid(*dict.fromkeys(errors))
    return account, when, types.pop()


def create_batch(sim, org, element):
    account, when, batch_type = _check(sim, org, element)
    batch_id = new_id()
    reference = element.get('Reference') or ''
    summary = {'Account': {'AccountID': account['AccountID']}, 'BatchPaymentID': batch_id,
               'Date': when, 'Type': batch_type, 'Status': 'AUTHORISED', 'TotalAmount': 0,
               'IsReconciled': False}
    members = []
    for member in element['Payments']:
        values = {k: v for k, v in member.items() if k in ('Invoice', 'CreditNote', 'InvoiceNumber',
                                                            'Amount', 'Reference', 'CurrencyRate')}
        values.update(Account={'AccountID': account['AccountID']}, Date=when)
        values.setdefault('Reference', reference)
        payment = create_payment(sim, org, values)
        payment['BatchPaymentID'] = batch_id
        payment['BatchPayment'] = summary  # the same dict: a deletion shows in each member
        members.append(payment['PaymentID'])
    total = sum((org.payments[pid]['Amount'] for pid in members), round2(0))
    summary['TotalAmount'] = total
    batch = {
        'BatchPaymentID': batch_id,
        'Account': {'AccountID': account['AccountID'], 'Code': account.get('Code', ''),
                    'Name': account['Name'], 'CurrencyCode': account.get('CurrencyCode') or org.base_currency},
        'Reference': reference, 'Date': when, 'DateString': iso_date_string(when),
        'Type': batch_type, 'Status': 'AUTHORISED', 'TotalAmount': total, 'IsReconciled': False,
        '_members': members, '_summary': summary,
    }
    for field in ('Particulars', 'Code', 'Details', 'Narrative'):
        if element.get(field):
            batch[field] = element[field]
    touch(sim, batch)
    summary['UpdatedDateUTC'] = batch['UpdatedDateUTC']
    fp = ('BatchPayment', account['AccountID'], str(when), reference,
          tuple(sorted((tuple(org.payments[pid]['_doc']), str(org.payments[pid]['Amount'])) for pid in members)))
    if fp in org.fingerprints:
        sim.counters.record_duplicate('BatchPayments', org.tenant_id, {
            'first': org.fingerprints[fp], 'second': batch_id})
    else:
        org.fingerprints[fp] = batch_id
    org.batch_payments[batch_id] = batch
    sim.counters.record_created(org.tenant_id, 'BatchPayments', batch_type)
    return batch


def present(org, batch):
    out = public(batch)
    payments = []
    if batch['Status'] != 'DELETED':
        for pid in batch['_members']:
            payment = org.payments[pid]
            kind_key, doc_id = payment['_doc']
            doc_field = 'Invoice' if kind_key == 'Invoices' else 'CreditNote'
            id_field = 'InvoiceID' if kind_key == 'Invoices' else 'CreditNoteID'
            doc = (org.invoices if kind_key == 'Invoices' else org.credit_notes)[doc_id]
            payments.append({doc_field: {id_field: doc_id, 'CurrencyCode': doc['CurrencyCode']},
                             'PaymentID': pid, 'Reference': payment['Reference'],
                             'Amount': payment['Amount'], 'BankAmount': payment['BankAmount']})
    out['Payments'] = payments
    return out


def get_batch_payments(sim, req, org):
    items = [present(org, b) for b in filter_modified_since(req, list(org.batch_payments.values()))]
    items = filter_where(req, items)
    items = apply_order(req, items)
    page_items, extra = paginate(req, items)
    return json_response(200, envelope(sim, 'BatchPayments', page_items, extra))


def get_batch_payment(sim, req, org, id):
    batch = org.batch_payments.get(id.lower())
    if batch is None:
        raise not_found()
    return json_response(200, envelope(sim, 'BatchPayments', [present(org, batch)]))


def put_batch_payments(sim, req, org):
    elements = read_body(req, 'BatchPayments')
    return run_batch(sim, req, org, 'BatchPayments', elements,
                     lambda e: (present(org, create_batch(sim, org, e)), []), 'BatchPaymentID')


def _delete(sim, org, batch, element):
    problem = None
    if str(element.get('Status') or '').upper() != 'DELETED':
        problem = 'Batch payments can only be deleted (Status DELETED); other changes are not allowed.'
    elif batch['Status'] == 'DELETED':
        problem = 'This batch payment has already been deleted.'
    else:
        problem = docs.lock_error(org, batch['Date'])
    if problem:
        raise ApiError(400, validation_body([dict(
            present(org, batch), ValidationErrors=[{'Message': problem}])]))
    for pid in batch['_members']:
        payment = org.payments[pid]
        if payment['Status'] == 'DELETED':
            continue
        kind_key, doc_id = payment['_doc']
        kind = CREDIT_KIND if kind_key == 'CreditNotes' else INVOICE_KIND
        doc = kind.store(org)[doc_id]
        payment['Status'] = 'DELETED'
        touch(sim, payment)
        doc['AmountPaid'] -= payment['Amount']
        doc['Payments'] = [p for p in doc['Payments'] if p['PaymentID'] != pid]
        docs.settle(doc, kind)
        touch(sim, doc)
        _emit(sim, org, doc, kind)
    batch['Status'] = batch['_summary']['Status'] = 'DELETED'
    touch(sim, batch)
    batch['_summary']['UpdatedDateUTC'] = batch['UpdatedDateUTC']
    return json_response(200, envelope(sim, 'BatchPayments', [present(org, batch)]))


def delete_batch_payment(sim, req, org, id):
    batch = org.batch_payments.get(id.lower())
    if batch is None:
        raise not_found()
    return _delete(sim, org, batch, read_body(req, 'BatchPayments')[0])


def post_batch_payments(sim, req, org):
    """POST /BatchPayments: the deletion that names the batch in its body (BatchPaymentDelete)."""
    element = read_body(req, 'BatchPayments')[0]
    batch = org.batch_payments.get(str(element.get('BatchPaymentID') or '').lower())
    if batch is None:
        raise not_found()
    return _delete(sim, org, batch, element)


ROUTES = [
    ('GET', '/BatchPayments', get_batch_payments),
    ('PUT', '/BatchPayments', put_batch_payments),
    ('POST', '/BatchPayments', post_batch_payments),
    ('GET', '/BatchPayments/{id}', get_batch_payment),
    ('POST', '/BatchPayments/{id}', delete_batch_payment),
]
