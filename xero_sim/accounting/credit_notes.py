"""CreditNotes (ACCRECCREDIT / ACCPAYCREDIT) and their Allocations to
invoices: PUT /CreditNotes/{id}/Allocations, DELETE .../Allocations/{id}."""
from ..messages import json_response
from ..util import new_id, round2
from . import docs
from .base import ApiError, Invalid, amount_and_date, envelope, not_found, read_body, touch, validation_body
from .invoices import get_one, list_documents, lookup, write, KIND as INVOICE_KIND

KIND = docs.Kind(key='CreditNotes', id_field='CreditNoteID', number_field='CreditNoteNumber',
                 types=('ACCRECCREDIT', 'ACCPAYCREDIT'),
                 receivable=lambda t: t == 'ACCRECCREDIT', prefix='CN', label='Credit Note',
                 category='CREDITNOTE', collection='credit_notes', discounts=False)
INVOICE_TYPE_FOR = {'ACCRECCREDIT': 'ACCREC', 'ACCPAYCREDIT': 'ACCPAY'}


def get_credit_notes(sim, req, org):
    return list_documents(sim, req, org, KIND)


def get_credit_note(sim, req, org, id):
    return get_one(sim, req, org, KIND, id)


def put_credit_notes(sim, req, org):
    return write(sim, req, org, KIND, allow_update=False)


def post_credit_notes(sim, req, org):
    return write(sim, req, org, KIND, allow_update=True)


def post_credit_note(sim, req, org, id):
    note = lookup(org, KIND, id)
    if note is None:
        raise not_found()
    return write(sim, req, org, KIND, allow_update=True, path_id=note['CreditNoteID'])


def _allocate(sim, org, note, element):
    errors = []
    invoice = org.invoice_ref(element.get('Invoice'))
    amount, when = amount_and_date(sim, element)
    if note['Status'] != 'AUTHORISED':
        errors.append('Credit notes can only be allocated when they are Authorised.')
    if invoice is None:
        errors.append('Invoice could not be found')
    elif invoice['Status'] != 'AUTHORISED':
        errors.append('Allocations can only be made against Authorised invoices.')
    elif invoice['Type'] != INVOICE_TYPE_FOR[note['Type']]:
        errors.append('The credit note and the invoice must be of matching types.')
    elif invoice['Contact']['ContactID'] != note['Contact']['ContactID']:
        errors.append('The credit note and the invoice must belong to the same contact.')
    elif invoice['CurrencyCode'] != note['CurrencyCode']:
        errors.append('The credit note and the invoice must be in the same currency.')
    if amount is None or amount <= 0:
        errors.append('Amount must be greater than zero.')
    elif invoice is not None and not errors:
        if amount > note['RemainingCredit']:
            errors.append('The amount allocated exceeds the remaining credit on the credit note.')
        if amount > invoice['AmountDue']:
            errors.append('The amount allocated exceeds the amount outstanding on the invoice.')
    msg = docs.lock_error(org, when)
    if msg:
        errors.append(msg)
    if errors:
        raise Invalid(*errors)
    amount = round2(amount)
    alloc_id = new_id()
    note['Allocations'].append({'AllocationID': alloc_id, 'Amount': amount, 'Date': when,
                                'Invoice': {'InvoiceID': invoice['InvoiceID'],
                                            'InvoiceNumber': invoice.get('InvoiceNumber', '')}})
    invoice['CreditNotes'].append({'CreditNoteID': note['CreditNoteID'],
                                   'CreditNoteNumber': note.get('CreditNoteNumber', ''),
                                   'AppliedAmount': amount, 'Total': note['Total'],
                                   'DateString': when.strftime('%Y-%m-%dT00:00:00'),
                                   'Date': when, '_allocation': alloc_id})
    note['AmountCredited'] += amount
    sim.counters.record_created(org.tenant_id, 'Allocations')
    invoice['AmountCredited'] += amount
    note['_last_payment_date'] = invoice['_last_payment_date'] = when
    for doc, kind in ((note, KIND), (invoice, INVOICE_KIND)):
        docs.settle(doc, kind)
        touch(sim, doc)
    sim.webhooks.emit(org, 'CREDITNOTE', note['CreditNoteID'], 'UPDATE',
                      {'Type': note['Type'], 'Status': note['Status']})
    sim.webhooks.emit(org, 'INVOICE', invoice['InvoiceID'], 'UPDATE')
    return {'AllocationID': alloc_id, 'Amount': amount, 'Date': when,
            'Invoice': {'InvoiceID': invoice['InvoiceID'],
                        'InvoiceNumber': invoice.get('InvoiceNumber', '')},
            'CreditNote': {'CreditNoteID': note['CreditNoteID'],
                           'CreditNoteNumber': note.get('CreditNoteNumber', '')},
            'IsDeleted': False}


def put_allocations(sim, req, org, id):
    note = lookup(org, KIND, id)
    if note is None:
        raise not_found()
    results, failed = [], []
    for element in read_body(req, 'Allocations'):
        try:
            results.append(_allocate(sim, org, note, element))
        except Invalid as exc:
            echo = dict(element, ValidationErrors=[{'Message': m} for m in exc.messages])
            failed.append(echo)
    if failed:
        raise ApiError(400, validation_body(failed))
    return json_response(200, envelope(sim, 'Allocations', results))


def delete_allocation(sim, req, org, id, allocation_id):
    note = lookup(org, KIND, id)
    if note is None:
        raise not_found()
    alloc = next((a for a in note['Allocations']
                  if a['AllocationID'] == allocation_id.lower()), None)
    if alloc is None:
        raise not_found()
    invoice = org.invoices.get(alloc['Invoice']['InvoiceID'])
    msg = docs.lock_error(org, alloc['Date'])
    if msg:
        raise ApiError(400, validation_body([{'ValidationErrors': [{'Message': msg}]}]))
    note['Allocations'].remove(alloc)
    note['AmountCredited'] -= alloc['Amount']
    docs.settle(note, KIND)
    touch(sim, note)
    if invoice:
        invoice['CreditNotes'] = [c for c in invoice['CreditNotes']
                                  if c.get('_allocation') != alloc['AllocationID']]
        invoice['AmountCredited'] -= alloc['Amount']
        docs.settle(invoice, INVOICE_KIND)
        touch(sim, invoice)
        sim.webhooks.emit(org, 'INVOICE', invoice['InvoiceID'], 'UPDATE')
    sim.webhooks.emit(org, 'CREDITNOTE', note['CreditNoteID'], 'UPDATE',
                      {'Type': note['Type'], 'Status': note['Status']})
    return json_response(200, {'AllocationID': alloc['AllocationID'], 'Amount': alloc['Amount'],
                               'Date': alloc['Date'], 'Invoice': alloc['Invoice'],
                               'CreditNote': {'CreditNoteID': note['CreditNoteID']},
                               'IsDeleted': True})


ROUTES = [
    ('GET', '/CreditNotes', get_credit_notes),
    ('PUT', '/CreditNotes', put_credit_notes),
    ('POST', '/CreditNotes', post_credit_notes),
    ('GET', '/CreditNotes/{id}', get_credit_note),
    ('POST', '/CreditNotes/{id}', post_credit_note),
    ('PUT', '/CreditNotes/{id}/Allocations', put_allocations),
    ('DELETE', '/CreditNotes/{id}/Allocations/{allocation_id}', delete_allocation),
]
