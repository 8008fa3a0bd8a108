"""Contacts: GET (page, pageSize, If-Modified-Since, IDs, where, searchTerm,
includeArchived), GET /Contacts/{id|ContactNumber}, PUT/POST batches,
POST /Contacts/{id}. Name and ContactNumber are unique among active
contacts; IsCustomer/IsSupplier are derived from transactions only."""
import datetime as dt

from ..messages import json_response
from ..state import public
from ..util import is_uuid, new_id
from .base import (Invalid, apply_order, csv_param, envelope, filter_modified_since,
                   filter_where, flag, not_found, paginate, read_body, run_batch, touch)

WRITABLE = ('ContactNumber', 'AccountNumber', 'Name', 'FirstName', 'LastName',
            'CompanyNumber', 'EmailAddress', 'BankAccountDetails', 'TaxNumber',
            'AccountsReceivableTaxType', 'AccountsPayableTaxType', 'Addresses', 'Phones',
            'DefaultCurrency', 'ContactPersons', 'SalesDefaultAccountCode',
            'PurchasesDefaultAccountCode', 'PaymentTerms', 'Website', 'XeroNetworkKey',
            'SalesDefaultLineAmountType', 'PurchasesDefaultLineAmountType')
LIMITS = {'Name': 255, 'FirstName': 255, 'LastName': 255, 'EmailAddress': 255,
          'ContactNumber': 50, 'AccountNumber': 50, 'CompanyNumber': 50, 'TaxNumber': 50}


def build(sim, org, data, existing=None):
    contact = dict(existing) if existing else {
        'ContactID': new_id(), 'ContactStatus': 'ACTIVE', 'IsSupplier': False,
        'IsCustomer': False, 'HasAttachments': False, 'HasValidationErrors': False,
        'Addresses': [{'AddressType': 'POBOX'}, {'AddressType': 'STREET'}],
        'Phones': [{'PhoneType': t} for t in ('DEFAULT', 'DDI', 'FAX', 'MOBILE')],
        'ContactPersons': [], 'ContactGroups': [], '_created': sim.clock.now()}
    for key in WRITABLE:
        if key in data and data[key] is not None:
            contact[key] = data[key]
    status = str(data.get('ContactStatus') or contact['ContactStatus']).upper()
    errors = []
    if status not in ('ACTIVE', 'ARCHIVED'):
        errors.append('ContactStatus must be ACTIVE or ARCHIVED.')
    name = str(contact.get('Name') or '').strip()
    if not name:
        errors.append('The contact name must be specified.')
    for key, limit in LIMITS.items():
        if contact.get(key) and len(str(contact[key])) > limit:
            errors.append('%s must be %d characters or fewer.' % (key, limit))
    others = [c for c in org.contacts.values()
              if c['ContactID'] != contact['ContactID'] and c['ContactStatus'] == 'ACTIVE']
    if name and status == 'ACTIVE' and any(c['Name'].lower() == name.lower() for c in others):
        errors.append('The contact name %s is already assigned to another contact. The '
                      'contact name must be unique across all active contacts.' % name)
    number = contact.get('ContactNumber')
    if number and any(c.get('ContactNumber') == number for c in org.contacts.values()
                      if c['ContactID'] != contact['ContactID']):
        errors.append('The contact number %s is already assigned to another contact. The '
                      'contact number must be unique.' % number)
    for key in ('AccountsReceivableTaxType', 'AccountsPayableTaxType'):
        if contact.get(key) and contact[key] not in org.tax_rates:
            errors.append('The TaxType code %s does not exist.' % contact[key])
    if contact.get('DefaultCurrency') and contact['DefaultCurrency'] not in org.currencies:
        errors.append('The currency %s is not enabled for this organisation.'
                      % contact['DefaultCurrency'])
    if errors:
        raise Invalid(*errors)
    contact['Name'] = name
    contact['ContactStatus'] = status
    return touch(sim, contact)


def add_contact(sim, org, data):
    contact = build(sim, org, data)
    org.contacts[contact['ContactID']] = contact
    return contact


def balances(org):
    """Xero's contact ``Balances``: the raw receivable (sales invoices less customer credit)
    and payable (bills less supplier credit) outstanding and overdue per contact, in the
    documents' currencies (not converted). ``_BalanceAdjust`` on a contact ({'AR': x, 'AP': y},
    e.g. conversion balances entered in Xero) is added to the outstanding amounts."""
    today = dt.date.today()
    sums = {}
    for doc in [*org.invoices.values(), *org.credit_notes.values()]:
        if doc.get('Status') != 'AUTHORISED':
            continue
        contact_id = (doc.get('Contact') or {}).get('ContactID')
        side = 'AR' if doc['Type'] in ('ACCREC', 'ACCRECCREDIT') else 'AP'
        credit = doc['Type'].endswith('CREDIT')
        amount = float(doc.get('RemainingCredit' if credit else 'AmountDue') or 0)
        amount = -amount if credit else amount
        entry = sums.setdefault(contact_id, {'AR': [0.0, 0.0], 'AP': [0.0, 0.0]})
        entry[side][0] += amount
        due = doc.get('DueDate')
        if not credit and due and today and _as_date(due) < today:
            entry[side][1] += amount
    return sums


def _as_date(value):
    return value.date() if hasattr(value, 'date') else value


def _balances_of(contact, sums):
    entry = sums.get(contact['ContactID'], {'AR': [0.0, 0.0], 'AP': [0.0, 0.0]})
    adjust = contact.get('_BalanceAdjust') or {}
    return {
        'AccountsReceivable': {'Outstanding': round(entry['AR'][0] + adjust.get('AR', 0.0), 2),
                               'Overdue': round(entry['AR'][1], 2)},
        'AccountsPayable': {'Outstanding': round(entry['AP'][0] + adjust.get('AP', 0.0), 2),
                            'Overdue': round(entry['AP'][1], 2)},
    }


def present(org, contact, sums=None):
    out = public(contact)
    out['Balances'] = _balances_of(contact, balances(org) if sums is None else sums)
    out['ContactGroups'] = [{'ContactGroupID': g['ContactGroupID'], 'Name': g['Name'],
                             'Status': g['Status'], 'Contacts': []}
                            for g in org.contact_groups.values()
                            if contact['ContactID'] in g['_members'] and g['Status'] == 'ACTIVE']
    return out


def find(org, ident):
    if is_uuid(ident):
        return org.contacts.get(ident.lower())
    return next((c for c in org.contacts.values() if c.get('ContactNumber') == ident), None)


def get_contacts(sim, req, org):
    items = sorted(org.contacts.values(), key=lambda c: c['_created'])
    if not flag(req, 'includeArchived', False):
        items = [c for c in items if c['ContactStatus'] != 'ARCHIVED']
    ids = csv_param(req, 'IDs')
    if ids:
        wanted = {i.lower() for i in ids}
        items = [c for c in items if c['ContactID'] in wanted]
    term = (req.query.get('searchTerm') or '').lower()
    if term:
        # The spec's fields; the term is text, not a filter: a double quote in it is a character.
        fields = ('Name', 'FirstName', 'LastName', 'ContactNumber', 'EmailAddress')
        items = [c for c in items if any(term in str(c.get(f) or '').lower() for f in fields)]
    items = filter_modified_since(req, items)
    items = filter_where(req, items)
    items = apply_order(req, items)
    page_items, extra = paginate(req, items)
    sums = balances(org)
    return json_response(200, envelope(sim, 'Contacts', [present(org, c, sums) for c in page_items],
                                       extra))


def get_contact(sim, req, org, id):
    contact = find(org, id)
    if contact is None:
        raise not_found()
    return json_response(200, envelope(sim, 'Contacts', [present(org, contact)]))


def _write(sim, req, org, allow_update, path_id=None):
    elements = read_body(req, 'Contacts')

    def apply_one(element):
        existing = None
        ident = path_id or element.get('ContactID')
        if ident:
            existing = org.contacts.get(str(ident).lower())
            if existing is None:
                raise Invalid('The contact with the specified ContactID was not found.')
        elif allow_update and element.get('ContactNumber'):
            existing = find(org, element['ContactNumber'])
        contact = build(sim, org, element, existing)
        org.contacts[contact['ContactID']] = contact
        if existing is None:
            sim.counters.record_created(org.tenant_id, 'Contacts')
        sim.webhooks.emit(org, 'CONTACT', contact['ContactID'],
                          'UPDATE' if existing else 'CREATE')
        return present(org, contact), []
    return run_batch(sim, req, org, 'Contacts', elements, apply_one, 'ContactID')


def put_contacts(sim, req, org):
    return _write(sim, req, org, allow_update=False)


def post_contacts(sim, req, org):
    return _write(sim, req, org, allow_update=True)


def post_contact(sim, req, org, id):
    contact = find(org, id)
    if contact is None:
        raise not_found()
    return _write(sim, req, org, allow_update=True, path_id=contact['ContactID'])


ROUTES = [
    ('GET', '/Contacts', get_contacts),
    ('PUT', '/Contacts', put_contacts),
    ('POST', '/Contacts', post_contacts),
    ('GET', '/Contacts/{id}', get_contact),
    ('POST', '/Contacts/{id}', post_contact),
]
