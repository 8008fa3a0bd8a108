"""Invoices: GET (paging, filters, If-Modified-Since), GET by id or number,
PUT/POST batches, POST /Invoices/{id}. Shares its engine with CreditNotes."""
from ..messages import json_response
from ..util import is_uuid
from . import docs
from .base import (apply_order, csv_param, envelope, filter_modified_since, filter_where,
                   flag, not_found, paginate, read_body, run_batch)

KIND = docs.Kind(key='Invoices', id_field='InvoiceID', number_field='InvoiceNumber',
                 types=('ACCREC', 'ACCPAY'), receivable=lambda t: t == 'ACCREC',
                 prefix='INV', label='Invoice', category='INVOICE',
                 collection='invoices', discounts=True)


def unitdp4(req):
    return req.query.get('unitdp') == '4'


def lookup(org, kind, ident):
    store = kind.store(org)
    if is_uuid(ident):
        return store.get(ident.lower())
    return next((d for d in store.values() if d.get(kind.number_field) == ident), None)


def list_documents(sim, req, org, kind, extra_filters=None):
    items = list(kind.store(org).values())
    ids = csv_param(req, 'IDs')
    if ids:
        wanted = {i.lower() for i in ids}
        items = [d for d in items if d[kind.id_field] in wanted]
    if extra_filters:
        items = extra_filters(items)
    term = (req.query.get('searchTerm') or '').lower()
    if term:
        items = [d for d in items if term in (d.get(kind.number_field) or '').lower()
                 or term in (d.get('Reference') or '').lower()]
    items = filter_modified_since(req, items)
    items = filter_where(req, items)
    items = apply_order(req, sorted(items, key=lambda d: d['_created']))
    page_items, extra = paginate(req, items)
    udp = unitdp4(req)
    out = [docs.present(org, kind, d, udp) for d in page_items]
    if flag(req, 'summaryOnly', False):
        for d in out:
            d.pop('LineItems', None)
    return json_response(200, envelope(sim, kind.key, out, extra))


def _invoice_filters(req):
    numbers = csv_param(req, 'InvoiceNumbers')
    contacts = csv_param(req, 'ContactIDs')
    statuses = csv_param(req, 'Statuses')

    def apply(items):
        if numbers:
            items = [d for d in items if d.get('InvoiceNumber') in numbers]
        if contacts:
            wanted = {c.lower() for c in contacts}
            items = [d for d in items if d['Contact']['ContactID'] in wanted]
        if statuses:
            wanted = {s.upper() for s in statuses}
            items = [d for d in items if d['Status'] in wanted]
        return items
    return apply


def get_one(sim, req, org, kind, ident):
    doc = lookup(org, kind, ident)
    if doc is None:
        raise not_found()
    return json_response(200, envelope(sim, kind.key, [docs.present(org, kind, doc,
                                                                   unitdp4(req))]))


def write(sim, req, org, kind, allow_update, path_id=None):
    """PUT (create) / POST (create or update) batches."""
    elements = read_body(req, kind.key)
    udp = unitdp4(req)

    def apply_one(element):
        existing = None
        ident = path_id or element.get(kind.id_field)
        if ident:
            existing = kind.store(org).get(str(ident).lower())
            if existing is None:
                raise docs.Invalid('%s could not be found' % kind.label)
        elif allow_update and element.get(kind.number_field):
            # POST matches an existing document by its number, as Xero does.
            existing = next((d for d in kind.store(org).values()
                             if d.get(kind.number_field) == element[kind.number_field]
                             and d['Type'] == element.get('Type')
                             and kind.receivable(d['Type']) and d['Status'] != 'DELETED'), None)
        created_contacts = []
        doc = docs.build(sim, org, kind, element, existing, udp, created_contacts)
        for contact in created_contacts:
            sim.webhooks.emit(org, 'CONTACT', contact['ContactID'], 'CREATE')
        if existing is None:
            sim.counters.record_created(org.tenant_id, kind.key, doc['Type'])
            fp = docs.fingerprint(kind, doc, element.get(kind.number_field))
            if fp in org.fingerprints:
                sim.counters.record_duplicate(kind.key, org.tenant_id, {
                    'first': org.fingerprints[fp], 'second': doc[kind.id_field]})
            else:
                org.fingerprints[fp] = doc[kind.id_field]
        kind.store(org)[doc[kind.id_field]] = doc
        _mark_contact(org, doc)
        data = {'Type': doc['Type'], 'Status': doc['Status']} if kind.category == 'CREDITNOTE' \
            else None
        sim.webhooks.emit(org, kind.category, doc[kind.id_field],
                          'UPDATE' if existing else 'CREATE', data)
        return docs.present(org, kind, doc, udp), []
    return run_batch(sim, req, org, kind.key, elements, apply_one, kind.id_field)


def _mark_contact(org, doc):
    # Xero derives these flags from transactions (and does not bump
    # UpdatedDateUTC for it).
    contact = org.contacts.get(doc['Contact']['ContactID'])
    if contact and doc['Status'] != 'DELETED':
        if doc['Type'] in ('ACCREC', 'ACCRECCREDIT'):
            contact['IsCustomer'] = True
        else:
            contact['IsSupplier'] = True


def get_invoices(sim, req, org):
    return list_documents(sim, req, org, KIND, _invoice_filters(req))


def get_invoice(sim, req, org, id):
    return get_one(sim, req, org, KIND, id)


def put_invoices(sim, req, org):
    return write(sim, req, org, KIND, allow_update=False)


def post_invoices(sim, req, org):
    return write(sim, req, org, KIND, allow_update=True)


def post_invoice(sim, req, org, id):
    doc = lookup(org, KIND, id)
    if doc is None:
        raise not_found()
    return write(sim, req, org, KIND, allow_update=True, path_id=doc['InvoiceID'])


ROUTES = [
    ('GET', '/Invoices', get_invoices),
    ('PUT', '/Invoices', put_invoices),
    ('POST', '/Invoices', post_invoices),
    ('GET', '/Invoices/{id}', get_invoice),
    ('POST', '/Invoices/{id}', post_invoice),
]
