"""Payments against invoices and credit notes: GET (If-Modified-Since,
where, paging), PUT batch, POST single, POST /Payments/{id} Status=DELETED.

Rules: only AUTHORISED documents, never above the amount outstanding, into
a BANK account or one with EnablePaymentsToAccount; the document turns PAID
at zero outstanding and back to AUTHORISED when a payment is deleted."""
from ..messages import json_response
from ..state import public
from ..util import dec, iso_date_string, new_id, round2
from . import docs
from .base import (ApiError, Invalid, amount_and_date, apply_order, envelope, filter_modified_since,
                   filter_where, not_found, paginate, read_body, run_batch, touch,
                   validation_body)
from .credit_notes import KIND as CREDIT_KIND
from .invoices import KIND as INVOICE_KIND

PAYMENT_TYPES = {'ACCREC': 'ACCRECPAYMENT', 'ACCPAY': 'ACCPAYPAYMENT',
                 'ACCRECCREDIT': 'ARCREDITPAYMENT', 'ACCPAYCREDIT': 'APCREDITPAYMENT'}


def _document(org, element):
    if element.get('Invoice'):
        return org.invoice_ref(element['Invoice']), INVOICE_KIND
    if element.get('CreditNote'):
        return org.credit_note_ref(element['CreditNote']), CREDIT_KIND
    if element.get('InvoiceNumber'):
        return org.invoice_ref({'InvoiceNumber': element['InvoiceNumber']}), INVOICE_KIND
    return None, None


def _outstanding(doc, kind):
    return doc['RemainingCredit'] if kind is CREDIT_KIND else doc['AmountDue']


def create_payment(sim, org, element):
    errors = []
    doc, kind = _document(org, element)
    account = org.account_ref(element.get('Account') or {})
    amount, when = amount_and_date(sim, element)
    if doc is None:
        errors.append('The document with the supplied id was not found for this endpoint.'
                      if kind else 'Payments must specify an Invoice or a CreditNote.')
    elif doc['Status'] != 'AUTHORISED':
        errors.append('Payments can only be made against Authorised documents')
    if account is None or account['Status'] != 'ACTIVE':
        errors.append('Account could not be found' if not element.get('Account') or account
                      is None else 'The account is not active.')
    elif account['Type'] != 'BANK' and not account.get('EnablePaymentsToAccount'):
        errors.append('Payments can only be made to BANK accounts or accounts with '
                      'EnablePaymentsToAccount set.')
    if amount is None or amount <= 0:
        errors.append('Payment amount must be greater than zero.')
    elif doc is not None and doc['Status'] == 'AUTHORISED' and \
            round2(amount) > _outstanding(doc, kind):
        errors.append('Payment amount exceeds the amount outstanding on this document')
    msg = docs.lock_error(org, when)
    if msg:
        errors.append(msg)
    if errors:
        raise Invalid(*errors)
    amount = round2(amount)
    rate = element.get('CurrencyRate')
    payment = {
        'PaymentID': new_id(), 'Date': when, 'Amount': amount,
        'BankAmount': amount, 'CurrencyRate': dec(rate) if rate is not None else doc['CurrencyRate'],
        'Reference': element.get('Reference') or '', 'IsReconciled': bool(element.get('IsReconciled')),
        'Status': 'AUTHORISED', 'PaymentType': PAYMENT_TYPES[doc['Type']],
        'HasAccount': True, 'HasValidationErrors': False,
        'Account': {'AccountID': account['AccountID'], 'Code': account.get('Code', ''),
                    'Name': account['Name']},
        '_doc': (kind.key, doc[kind.id_field]),
    }
    doc['AmountPaid'] += amount
    doc['_last_payment_date'] = when
    doc['Payments'].append({'PaymentID': payment['PaymentID'], 'Date': when, 'Amount': amount,
                            'Reference': payment['Reference'],
                            'CurrencyRate': payment['CurrencyRate'],
                            'HasAccount': True, 'HasValidationErrors': False})
    docs.settle(doc, kind)
    touch(sim, doc)
    touch(sim, payment)
    fp = ('Payment', kind.key, doc[kind.id_field], str(amount), str(when),
          payment['Reference'], account['AccountID'])
    if fp in org.fingerprints:
        sim.counters.record_duplicate('Payments', org.tenant_id, {
            'first': org.fingerprints[fp], 'second': payment['PaymentID']})
    else:
        org.fingerprints[fp] = payment['PaymentID']
    org.payments[payment['PaymentID']] = payment
    sim.counters.record_created(org.tenant_id, 'Payments', payment['PaymentType'])
    _emit(sim, org, doc, kind)
    return payment


def _emit(sim, org, doc, kind):
    data = {'Type': doc['Type'], 'Status': doc['Status']} if kind is CREDIT_KIND else None
    sim.webhooks.emit(org, kind.category, doc[kind.id_field], 'UPDATE', data)


def present(org, payment):
    out = public(payment)
    kind_key, doc_id = payment['_doc']
    kind = CREDIT_KIND if kind_key == 'CreditNotes' else INVOICE_KIND
    doc = kind.store(org)[doc_id]
    summary = {kind.id_field: doc_id, kind.number_field: doc.get(kind.number_field, ''),
               'Type': doc['Type'], 'CurrencyCode': doc['CurrencyCode'],
               'Contact': docs.contact_summary(org, doc['Contact']['ContactID']),
               # The document as it is now, so a write's answer shows it as the payment left it
               # (spec: Payment.Invoice / Payment.CreditNote).
               'Status': doc['Status']}
    if kind is INVOICE_KIND:
        summary['AmountDue'] = doc['AmountDue']
    else:
        summary['RemainingCredit'] = doc['RemainingCredit']
    out['Invoice' if kind is INVOICE_KIND else 'CreditNote'] = summary
    if kind is INVOICE_KIND:
        out['InvoiceNumber'] = doc.get('InvoiceNumber', '')
    else:
        out['CreditNoteNumber'] = doc.get('CreditNoteNumber', '')
    out['UpdatedDateUTCString'] = iso_date_string(payment['UpdatedDateUTC']) + 'Z'
    return out


def get_payments(sim, req, org):
    # Filter the presented form: `where` may name Invoice.InvoiceID or
    # CreditNote.CreditNoteNumber, which the stored payment only points to.
    items = [present(org, p) for p in filter_modified_since(req, list(org.payments.values()))]
    items = filter_where(req, items)
    items = apply_order(req, items)
    page_items, extra = paginate(req, items)
    return json_response(200, envelope(sim, 'Payments', page_items, extra))


def get_payment(sim, req, org, id):
    payment = org.payments.get(id.lower())
    if payment is None:
        raise not_found()
    return json_response(200, envelope(sim, 'Payments', [present(org, payment)]))


def put_payments(sim, req, org):
    elements = read_body(req, 'Payments')
    return run_batch(sim, req, org, 'Payments', elements,
                     lambda e: (present(org, create_payment(sim, org, e)), []), 'PaymentID')


def post_payments(sim, req, org):
    element = read_body(req, 'Payments')[0]
    try:
        payment = create_payment(sim, org, element)
    except Invalid as exc:
        raise ApiError(400, validation_body([dict(
            element, ValidationErrors=[{'Message': m} for m in exc.messages])]))
    return json_response(200, envelope(sim, 'Payments', [present(org, payment)]))


def delete_payment(sim, req, org, id):
    payment = org.payments.get(id.lower())
    if payment is None:
        raise not_found()
    element = read_body(req, 'Payments')[0]
    problem = None
    if str(element.get('Status') or '').upper() != 'DELETED':
        problem = 'Payments can only be deleted (Status DELETED); other changes are not allowed.'
    elif payment['Status'] == 'DELETED':
        problem = 'This payment has already been deleted.'
    else:
        problem = docs.lock_error(org, payment['Date'])
    if problem:
        raise ApiError(400, validation_body([dict(
            public(payment), ValidationErrors=[{'Message': problem}])]))
    kind_key, doc_id = payment['_doc']
    kind = CREDIT_KIND if kind_key == 'CreditNotes' else INVOICE_KIND
    doc = kind.store(org)[doc_id]
    payment['Status'] = 'DELETED'
    touch(sim, payment)
    doc['AmountPaid'] -= payment['Amount']
    doc['Payments'] = [p for p in doc['Payments'] if p['PaymentID'] != payment['PaymentID']]
    docs.settle(doc, kind)
    touch(sim, doc)
    _emit(sim, org, doc, kind)
    return json_response(200, envelope(sim, 'Payments', [present(org, payment)]))


ROUTES = [
    ('GET', '/Payments', get_payments),
    ('PUT', '/Payments', put_payments),
    ('POST', '/Payments', post_payments),
    ('GET', '/Payments/{id}', get_payment),
    ('POST', '/Payments/{id}', delete_payment),
]
