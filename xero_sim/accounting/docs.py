"""Shared rules of Invoices and CreditNotes: contact resolution, statuses
and transitions (XERO_API.md section 6), lock dates, numbering, totals and
presentation."""
import datetime as dt
from decimal import Decimal

from ..state import public
from ..util import ZERO, fmt_lock_date, iso_date_string, new_id, parse_date, round2
from . import lines as line_rules
from .base import Invalid, touch

TRANSITIONS = {
    'DRAFT': ('DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED'),
    'SUBMITTED': ('SUBMITTED', 'AUTHORISED', 'DELETED'),
    'AUTHORISED': ('AUTHORISED', 'VOIDED'),
    'PAID': ('PAID',),
    'VOIDED': (), 'DELETED': (),
}
LOCKED_STATUSES = ('SUBMITTED', 'AUTHORISED', 'PAID', 'VOIDED')
ALLOCATED_MSG = 'This document cannot be edited as it has a payment or credit note allocated to it.'


class Kind:
    """What differs between Invoices and CreditNotes."""

    def __init__(self, key, id_field, number_field, types, receivable, prefix, label,
                 category, collection, discounts):
        self.key, self.id_field, self.number_field = key, id_field, number_field
        self.types, self.receivable, self.prefix = types, receivable, prefix
        self.label, self.category, self.collection = label, category, collection
        self.discounts = discounts

    def store(self, org):
        return getattr(org, self.collection)


ADVISER_ROLE = 'FINANCIALADVISER'


def lock_error(org, when):
    """Xero's message when ``when`` is locked for the user making the request: advisers may
    post into a period-locked month, nobody before the end-of-year lock."""
    if when is None:
        return None
    eoy, period = org.end_of_year_lock_date, org.period_lock_date
    if eoy and when <= eoy:
        return ('The document date cannot be before the end of year lock date, '
                'currently set at %s' % fmt_lock_date(eoy))
    if period and when <= period and org.acting_role != ADVISER_ROLE:
        return ('The document date cannot be before the period lock date, '
                'currently set at %s' % fmt_lock_date(period))
    return None


def resolve_contact(sim, org, ref, errors, created):
    """Find the contact; like Xero, an unknown Name creates a new contact."""
    if not isinstance(ref, dict) or not any(ref.get(k) for k in
                                            ('ContactID', 'Name', 'ContactNumber')):
        errors.append('A Contact must be specified for this type of transaction')
        return None
    contact = org.contact_ref(ref)
    if contact is None and ref.get('ContactID'):
        errors.append('The contact with the specified ContactID was not found.')
        return None
    if contact is None and ref.get('Name') and not errors:
        from .contacts import add_contact
        contact = add_contact(sim, org, {k: ref[k] for k in ('Name', 'ContactNumber',
                                                            'EmailAddress') if ref.get(k)})
        created.append(contact)
        sim.counters.record_created(org.tenant_id, 'Contacts')
    elif contact is None:
        errors.append('The contact could not be found.')
    return contact


def contact_summary(org, contact_id):
    c = org.contacts.get(contact_id) or {}
    out = {'ContactID': contact_id, 'Name': c.get('Name', ''), 'HasValidationErrors': False}
    if c.get('ContactNumber'):
        out['ContactNumber'] = c['ContactNumber']
    return out


def _number_taken(store, kind, number, doc_type, own_id):
    return any(d.get(kind.number_field) == number and d['Type'] == doc_type
               and d[kind.id_field] != own_id and d['Status'] != 'DELETED'
               for d in store.values())


def build(sim, org, kind, data, existing, unitdp4, created_contacts):
    """Validate one element; returns the new stored document (not inserted)."""
    errors = []
    doc = dict(existing) if existing else {
        kind.id_field: new_id(), 'Status': 'DRAFT', 'SentToContact': False,
        'HasAttachments': False, 'HasErrors': False, 'Payments': [], 'CreditNotes': [],
        'Prepayments': [], 'Overpayments': [], 'Allocations': [],
        'AmountPaid': ZERO, 'AmountCredited': ZERO, '_created': sim.clock.now(),
        # Auto-numbers differ between copies; only a client's number identifies.
        '_number_supplied': bool(data.get(kind.number_field))}
    old_status = existing['Status'] if existing else None
    doc_type = existing['Type'] if existing else data.get('Type')
    if data.get('Type') and existing and data['Type'] != existing['Type']:
        errors.append('The %s type cannot be changed.' % kind.label.lower())
    if doc_type not in kind.types:
        raise Invalid('%s Type must be one of %s.' % (kind.label, ', '.join(kind.types)))
    status = str(data.get('Status') or old_status or 'DRAFT').upper()
    settled = existing is not None and (existing['AmountPaid'] or existing['AmountCredited'])
    if settled and status in ('VOIDED', 'DELETED'):
        # Checked first, so that a PAID document names the payment as the reason.
        raise Invalid(ALLOCATED_MSG)
    if existing:
        if status not in TRANSITIONS.get(old_status, ()):
            raise Invalid('%s not of valid status for modification' % kind.label)
    elif status not in ('DRAFT', 'SUBMITTED', 'AUTHORISED'):
        raise Invalid('%s Status must be DRAFT, SUBMITTED or AUTHORISED when created.'
                      % kind.label)
    try:
        if 'Date' in data or not existing:
            doc['Date'] = parse_date(data.get('Date')) or sim.clock.now().date()
        if 'DueDate' in data:
            doc['DueDate'] = parse_date(data.get('DueDate'))
    except ValueError as exc:
        errors.append(str(exc))
    contact = None
    if 'Contact' in data or not existing:
        contact = resolve_contact(sim, org, data.get('Contact'), errors, created_contacts)
        if contact:
            doc['Contact'] = {'ContactID': contact['ContactID']}
    for key in ('Reference', 'Url', 'BrandingThemeID', 'SentToContact',
                'ExpectedPaymentDate', 'PlannedPaymentDate'):
        if key in data:
            doc[key] = data[key]
    for key in ('ExpectedPaymentDate', 'PlannedPaymentDate'):
        if doc.get(key) is not None and not isinstance(doc[key], dt.date):
            try:
                doc[key] = parse_date(doc[key])
            except ValueError as exc:
                errors.append(str(exc))
    lat = data.get('LineAmountTypes') or doc.get('LineAmountTypes') or 'Exclusive'
    lat = {t.lower(): t for t in line_rules.LINE_AMOUNT_TYPES}.get(str(lat).lower(), lat)
    if 'LineItems' in data:
        source = data['LineItems']
    else:  # re-validate stored lines (e.g. DRAFT -> AUTHORISED needs accounts)
        source = [{k: v for k, v in line.items() if k != 'TaxAmount'}
                  for line in doc.get('LineItems') or []]
    new_lines, totals, line_errors = line_rules.compute(
        org, source, lat, unitdp4,
        allow_discount=kind.discounts and doc_type == 'ACCREC',
        strict_accounts=status != 'DRAFT',
        purchase=not kind.receivable(doc_type), doc_label='document', description_only=True)
    errors.extend(line_errors)
    doc['LineItems'], doc['LineAmountTypes'] = new_lines, lat
    doc.update({k: v for k, v in totals.items()})
    if status not in ('DRAFT', 'DELETED') and not doc.get('LineItems'):
        errors.append('At least one line item is required for a %s %s.'
                      % (status.lower(), kind.label.lower()))
    if status == 'AUTHORISED' and kind.key == 'Invoices' and doc_type == 'ACCREC' \
            and not doc.get('DueDate'):
        errors.append('Due Date is mandatory for authorised sales invoices.')
    currency = str(data.get('CurrencyCode') or doc.get('CurrencyCode') or org.base_currency).upper()
    if currency not in org.currencies:
        errors.append('The currency %s is not enabled for this organisation.' % currency)
    doc['CurrencyCode'] = currency
    if currency == org.base_currency:
        doc['CurrencyRate'] = Decimal('1.000000')
    elif data.get('CurrencyRate') is not None:
        doc['CurrencyRate'] = Decimal(str(data['CurrencyRate']))
    else:
        doc.setdefault('CurrencyRate', Decimal('1.000000'))  # no XE.com rates here
    number = data.get(kind.number_field, doc.get(kind.number_field))
    unique_numbers = kind.receivable(doc_type)
    if number:
        number = str(number).strip()
        if len(number) > 255:
            errors.append('%s number must be 255 characters or fewer.' % kind.label)
        elif unique_numbers and _number_taken(kind.store(org), kind, number, doc_type,
                                              doc[kind.id_field]):
            errors.append('%s # must be unique.' % kind.label)
        doc[kind.number_field] = number
    # Lock dates: a non-draft document may not sit in a locked period, and a
    # posted document in a locked period may not be changed.
    if status in LOCKED_STATUSES:
        msg = lock_error(org, doc.get('Date'))
        if msg:
            errors.append(msg)
    if existing and old_status in LOCKED_STATUSES and existing.get('Date') != doc.get('Date'):
        msg = lock_error(org, existing.get('Date'))
        if msg and msg not in errors:
            errors.append(msg)
    if settled and not errors and _money_changed(existing, doc):
        # Paid / part-paid: only fields that leave the total alone may change.
        raise Invalid(ALLOCATED_MSG)
    if errors:
        raise Invalid(*errors)
    if not doc.get(kind.number_field) and unique_numbers:
        while True:
            candidate = org.next_number(kind.prefix)
            if not _number_taken(kind.store(org), kind, candidate, doc_type, doc[kind.id_field]):
                break
        doc[kind.number_field] = candidate
    doc.setdefault(kind.number_field, '')
    doc['Type'] = doc_type
    doc['Status'] = status
    settle(doc, kind)
    return touch(sim, doc)


def _money_changed(old, new):
    keys = ('Contact', 'Date', 'CurrencyCode', 'CurrencyRate', 'LineAmountTypes',
            'SubTotal', 'TotalTax', 'Total')
    if any(old.get(k) != new.get(k) for k in keys):
        return True
    money = [[(str(line.get('Quantity')), str(line.get('UnitAmount')), line.get('AccountCode'),
               line.get('TaxType'), str(line['LineAmount']), str(line['TaxAmount']))
              for line in d['LineItems']] for d in (old, new)]
    return money[0] != money[1]


def settle(doc, kind):
    """Recompute outstanding amounts and the PAID/AUTHORISED status."""
    outstanding = round2(doc['Total'] - doc['AmountPaid'] - doc['AmountCredited'])
    if kind.key == 'CreditNotes':
        doc['RemainingCredit'] = outstanding
    else:
        doc['AmountDue'] = outstanding
    if doc['Status'] == 'AUTHORISED' and outstanding <= 0:
        doc['Status'] = 'PAID'
        doc['FullyPaidOnDate'] = doc.get('_last_payment_date') or doc['Date']
    elif doc['Status'] == 'PAID' and outstanding > 0:
        doc['Status'] = 'AUTHORISED'
        doc.pop('FullyPaidOnDate', None)


def fingerprint(kind, doc, supplied_number):
    return (kind.key, doc['Type'], doc['Contact']['ContactID'], supplied_number,
            doc.get('Reference'), str(doc.get('Date')), doc['CurrencyCode'],
            line_rules.fingerprint_lines(doc['LineItems']), str(doc['Total']))


def present(org, kind, doc, unitdp4):
    out = public(doc)
    out['Contact'] = contact_summary(org, doc['Contact']['ContactID'])
    out['LineItems'] = line_rules.present_lines(doc['LineItems'], unitdp4)
    for key in ('Date', 'DueDate', 'FullyPaidOnDate'):
        if doc.get(key):
            out[key + 'String'] = iso_date_string(doc[key])
    out['UpdatedDateUTCString'] = iso_date_string(doc['UpdatedDateUTC']) + 'Z'
    if out.get('DueDate') is None:
        out.pop('DueDate', None)
    out['IsDiscounted'] = any(line.get('DiscountRate') or line.get('DiscountAmount')
                              for line in doc['LineItems'])
    if not out['IsDiscounted']:
        out.pop('TotalDiscount', None)
    if kind.key == 'CreditNotes':
        for key in ('CreditNotes', 'Prepayments', 'Overpayments', 'AmountPaid', 'AmountCredited'):
            out.pop(key, None)
    else:
        out.pop('Allocations', None)
    return out
