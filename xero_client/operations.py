"""Typed operations: what the sync engine asks of Xero, in plain values.

Callers hand over plain payloads (snake_case dicts, see ``to_sdk``) and get back ``Element``
objects: the Xero id, number, status, totals, messages, and the element's own echo of the
fields that identify it, so that a batch's results are matched to records by what Xero echoes,
never by position alone. Nothing above this module walks SDK objects.
"""
import datetime
import functools
from dataclasses import dataclass, field

from .exceptions import XeroDecodeError, XeroError

# Xero's practical ceiling per request (XERO_API.md §2), and the largest id group a GET filter
# is known to take (§9: about 52 invoice ids).
MAX_BATCH = 50
MAX_IDS_PER_GET = 50


@dataclass(frozen=True)
class Kind:
    """How one kind of Xero document is written and read."""
    save: str          # SDK method that creates and updates a batch (POST)
    model: str         # SDK list model, e.g. 'Invoices'
    attr: str          # attribute holding the list, e.g. 'invoices'
    id_attr: str       # e.g. 'invoice_id'
    number_attr: str   # what Xero echoes and the engine matches on
    unitdp: bool       # whether the endpoint takes unitdp=4


KINDS = {
    'contacts': Kind('update_or_create_contacts', 'Contacts', 'contacts', 'contact_id',
                     'contact_number', False),
    'invoices': Kind('update_or_create_invoices', 'Invoices', 'invoices', 'invoice_id',
                     'invoice_number', True),
    'credit_notes': Kind('update_or_create_credit_notes', 'CreditNotes', 'credit_notes',
                         'credit_note_id', 'credit_note_number', True),
    'items': Kind('update_or_create_items', 'Items', 'items', 'item_id', 'code', True),
    # Xero has no batch update of payments: PUT creates, a deletion goes one by one.
    'payments': Kind('create_payments', 'Payments', 'payments', 'payment_id', 'reference', False),
    # Xero echoes a bank transaction's Reference, which carries a stable Odoo id.
    'bank_transactions': Kind('update_or_create_bank_transactions', 'BankTransactions',
                              'bank_transactions', 'bank_transaction_id', 'reference', True),
}


@dataclass
class Element:
    """One document of Xero's answer, as plain values."""
    xero_id: str = None
    number: str = None
    status: str = None
    total: float = None
    total_tax: float = None
    sub_total: float = None
    amount_due: float = None
    updated: datetime.datetime = None
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    echo: dict = field(default_factory=dict)

    @property
    def ok(self):
        return bool(self.xero_id) and not self.errors


def _plain(value):
    value = getattr(value, 'value', value)  # SDK enums
    if value is None:
        return None
    if hasattr(value, 'is_finite'):  # Decimal
        return float(value)
    return value


def _messages(items):
    return [m.message for m in items or [] if getattr(m, 'message', None)]


def element_from_sdk(kind, obj):
    """The plain Element of one SDK document of ``kind``."""
    k = KINDS[kind]
    errors = _messages(getattr(obj, 'validation_errors', None))
    if not errors and _plain(getattr(obj, 'status_attribute_string', None)) == 'ERROR':
        errors = ['Xero refused this element without saying why.']
    contact = getattr(obj, 'contact', None)
    xero_id = getattr(obj, k.id_attr, None)
    status = getattr(obj, 'contact_status' if kind == 'contacts' else 'status', None)
    # A payment's answer carries its document as the payment left it (Status, AmountDue).
    invoice = getattr(obj, 'invoice', None) if kind == 'payments' else None
    document = invoice or (getattr(obj, 'credit_note', None) if kind == 'payments' else None)
    echo = {
        'number': _plain(getattr(obj, k.number_attr, None)),
        'type': _plain(getattr(obj, 'type', None)),
        'reference': getattr(obj, 'reference', None),
        'name': getattr(obj, 'name', None),
        'email': getattr(obj, 'email_address', None),
        'tax_number': getattr(obj, 'tax_number', None),
        'contact_id': str(contact.contact_id) if contact is not None and contact.contact_id else None,
        'date': getattr(obj, 'date', None),
        'document_status': _plain(getattr(document, 'status', None)),
        'document_amount_due': _plain(getattr(document, 'amount_due' if invoice is not None else 'remaining_credit',
                                              None)),
    }
    return Element(
        xero_id=str(xero_id) if xero_id else None,
        number=echo['number'],
        status=_plain(status),
        total=_plain(getattr(obj, 'total', None)),
        total_tax=_plain(getattr(obj, 'total_tax', None)),
        sub_total=_plain(getattr(obj, 'sub_total', None)),
        amount_due=_plain(getattr(obj, 'amount_due', None)),
        updated=getattr(obj, 'updated_date_utc', None),
        errors=errors,
        warnings=_messages(getattr(obj, 'warnings', None)),
        echo={key: value for key, value in echo.items() if value is not None},
    )


def reads_answer(method):
    """Walking Xero's decoded answer can still meet what the SDK let through (an empty list
    where one document is expected, a missing nested object): that is a decoding error of the
    operation, retryable like any unreadable answer, never a traceback. An error raised before
    any answer (a caller's argument refused) goes up unchanged."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        answered = self.answered
        try:
            return method(self, *args, **kwargs)
        except XeroError:
            raise
        except Exception as e:
            if self.answered == answered:
                raise
            raise XeroDecodeError(f"Xero's answer to {method.__name__} could not be read: {e!r}",
                                  operation=method.__name__) from e
    return wrapper


def _quoted(value):
    # Xero's where clauses take double-quoted strings; a quote inside a value cannot be escaped.
    return '"%s"' % str(value).replace('"', '')


def any_equal(field_name, values):
    """A where clause matching any of ``values`` on an indexed field."""
    return ' OR '.join(f'{field_name}=={_quoted(v)}' for v in values)


def any_guid(field_name, values):
    """A where clause matching any of ``values`` on an id field (Xero's ``Guid("...")``)."""
    return ' OR '.join(f'{field_name}==Guid({_quoted(v)})' for v in values)


def _and(*clauses):
    return ' AND '.join(f'({clause})' for clause in clauses if clause) or None


class Operations:
    """Mixed into XeroApi: batched writes and look-ups by natural keys."""

    @reads_answer
    def save(self, kind, payloads, key):
        """Create or update up to 50 documents of ``kind`` in one request.

        Always ``summarizeErrors=false``, so that each element answers for itself and the valid
        ones land; ``key`` is the request's Idempotency-Key. Returns one Element per element
        Xero returned, in Xero's order.
        """
        from .api import to_sdk  # the one module that builds SDK objects
        k = KINDS[kind]
        if len(payloads) > MAX_BATCH:
            raise ValueError(f'At most {MAX_BATCH} elements per request, got {len(payloads)}')
        kwargs = {'summarize_errors': False, 'idempotency_key': key}
        if k.unitdp:
            kwargs['unitdp'] = 4
        result = self.call('accounting', k.save, to_sdk(k.model, {k.attr: payloads}), **kwargs)
        return [element_from_sdk(kind, obj) for obj in getattr(result.data, k.attr) or []]

    def save_contacts(self, payloads, key):
        return self.save('contacts', payloads, key)

    def save_invoices(self, payloads, key):
        return self.save('invoices', payloads, key)

    def save_credit_notes(self, payloads, key):
        return self.save('credit_notes', payloads, key)

    def save_items(self, payloads, key):
        return self.save('items', payloads, key)

    def save_payments(self, payloads, key):
        return self.save('payments', payloads, key)

    @reads_answer
    def delete_payment(self, payment_id, key):
        """Xero deletes a payment by setting its status to DELETED, one at a time."""
        from .api import to_sdk
        result = self.call('accounting', 'delete_payment', payment_id,
                           to_sdk('PaymentDelete', {'status': 'DELETED'}), idempotency_key=key)
        return [element_from_sdk('payments', p) for p in result.data.payments or []]

    def delete_allocation(self, credit_note_id, allocation_id):
        self.call('accounting', 'delete_credit_note_allocations', credit_note_id, allocation_id)

    @reads_answer
    def allocate_credit_note(self, credit_note_id, allocations, key):
        """Allocate one credit note to invoices: [{'invoice': {'invoice_id'}, 'amount', 'date'}]."""
        from .api import to_sdk
        result = self.call('accounting', 'create_credit_note_allocation', credit_note_id,
                           to_sdk('Allocations', {'allocations': allocations}),
                           summarize_errors=False, idempotency_key=key)
        return [allocation_from_sdk(a) for a in result.data.allocations or []]

    @reads_answer
    def credit_note_allocations(self, credit_note_id):
        """The allocations Xero holds on one credit note (GET /CreditNotes/{id}), deleted ones
        with status DELETED: how a lost answer on an allocation or its deletion is settled."""
        result = self.call('accounting', 'get_credit_note', credit_note_id, unitdp=4)
        notes = result.data.credit_notes or []
        return [allocation_from_sdk(a) for note in notes for a in note.allocations or []]

    def save_bank_transactions(self, payloads, key):
        return self.save('bank_transactions', payloads, key)

    @reads_answer
    def create_account(self, values, key):
        """PUT /Accounts with one account (plain values, e.g. a BANK account with its currency);
        returns the SDK account Xero made. ``key`` is the Idempotency-Key."""
        from .api import to_sdk
        result = self.call('accounting', 'create_account', to_sdk('Account', values),
                           idempotency_key=key)
        return result.data.accounts[0]

    @reads_answer
    def lock_dates(self):
        """{'period': date or None, 'end_of_year': date or None} of the organisation."""
        info = self.call('accounting', 'get_organisations').data.organisations[0]
        return {'period': _date(info.period_lock_date),
                'end_of_year': _date(info.end_of_year_lock_date)}

    @reads_answer
    def users(self):
        """[{'user_id', 'email', 'first_name', 'last_name', 'role'}] of the organisation."""
        result = self.call('accounting', 'get_users')
        return [{'user_id': str(u.user_id) if u.user_id else None, 'email': u.email_address,
                 'first_name': u.first_name, 'last_name': u.last_name,
                 'role': _plain(u.organisation_role)} for u in result.data.users or []]

    # --- look-ups ------------------------------------------------------------------------------

    @reads_answer
    def find(self, kind, numbers=(), ids=(), where=None):
        """Documents of ``kind`` with these numbers or ids, archived and voided ones included.

        Uses Xero's dedicated filters where it has them (``InvoiceNumbers=``, ``IDs=``) and a
        ``where`` on the natural key or the id elsewhere (CreditNotes and Items have no ``IDs``
        filter); callers pass at most 50 values.
        """
        numbers, ids = list(numbers or ()), list(ids or ())
        if len(numbers) > MAX_IDS_PER_GET or len(ids) > MAX_IDS_PER_GET:
            raise ValueError(f'At most {MAX_IDS_PER_GET} values per look-up')
        kwargs = {}
        if kind == 'invoices':
            method = 'get_invoices'
            kwargs.update(unitdp=4, include_archived=True)
            if numbers:
                kwargs['invoice_numbers'] = numbers
            if ids:
                kwargs['i_ds'] = ids
        elif kind == 'contacts':
            method = 'get_contacts'
            kwargs['include_archived'] = True
            if ids:
                kwargs['i_ds'] = ids
            if numbers:
                where = _and(where, any_equal('ContactNumber', numbers))
        elif kind == 'credit_notes':
            method = 'get_credit_notes'
            kwargs['unitdp'] = 4
            if numbers:
                where = _and(where, any_equal('CreditNoteNumber', numbers))
            if ids:
                where = _and(where, any_guid('CreditNoteID', ids))
        elif kind == 'items':
            method = 'get_items'
            if numbers:
                where = any_equal('Code', numbers)
            if ids:
                where = _and(where, any_guid('ItemID', ids))
        elif kind == 'payments':
            # /Payments has no IDs filter (XERO_API.md §2): the Reference Odoo gave them.
            method = 'get_payments'
            if numbers:
                where = any_equal('Reference', numbers)
            if ids:
                where = _and(where, any_guid('PaymentID', ids))
        elif kind == 'bank_transactions':
            # Xero's own References= filter (CSV), rather than an unoptimised where clause.
            method = 'get_bank_transactions'
            kwargs['unitdp'] = 4
            if numbers:
                kwargs['references'] = numbers
        else:
            raise ValueError(f'No look-up for {kind}')
        if where:
            kwargs['where'] = where
        result = self.call('accounting', method, **kwargs)
        return [element_from_sdk(kind, obj) for obj in getattr(result.data, KINDS[kind].attr) or []]


# --- reading from Xero ------------------------------------------------------------------------

MAX_PAGE_SIZE = 1000  # the largest pageSize Xero is known to serve (XERO_API.md §9)


def _date(value):
    if value is None:
        return None
    return value.replace(tzinfo=None) if hasattr(value, 'replace') and getattr(value, 'tzinfo', None) else value


def contact_from_sdk(obj):
    """A Xero Contact as plain values: everything the pull maps onto a partner."""
    phones = {}
    for phone in obj.phones or []:
        # Xero splits a number in three; a country code makes it international.
        country = f'+{phone.phone_country_code.lstrip("+")}' if phone.phone_country_code else None
        number = ' '.join(p for p in (country, phone.phone_area_code, phone.phone_number) if p)
        if number.strip():
            phones[_plain(phone.phone_type)] = number.strip()
    addresses = {}
    for address in obj.addresses or []:
        values = {
            'street': address.address_line1, 'street2': ' '.join(
                filter(None, (address.address_line2, address.address_line3, address.address_line4))) or None,
            'city': address.city, 'state': address.region, 'zip': address.postal_code,
            'country': address.country,
        }
        if any(values.values()):
            addresses[_plain(address.address_type)] = values
    return {
        'xero_id': str(obj.contact_id) if obj.contact_id else None,
        'contact_number': obj.contact_number,
        'status': _plain(obj.contact_status),
        'name': obj.name,
        'first_name': obj.first_name,
        'last_name': obj.last_name,
        'email': obj.email_address,
        'phones': phones,
        'addresses': addresses,
        'tax_number': obj.tax_number,
        'is_customer': bool(obj.is_customer),
        'is_supplier': bool(obj.is_supplier),
        'currency': _plain(obj.default_currency),
        'groups': [str(g.contact_group_id) for g in obj.contact_groups or [] if g.contact_group_id],
        'updated': _date(obj.updated_date_utc),
    }


class Reads:
    """Mixed into XeroApi: paged, incremental reads."""

    @reads_answer
    def pull_contacts(self, since=None, page=1, page_size=MAX_PAGE_SIZE):
        """One page of contacts changed since ``since`` (naive UTC), archived ones included, in
        ``UpdatedDateUTC`` order, as plain dicts; and whether another page may follow."""
        kwargs = {'page': page, 'page_size': page_size, 'include_archived': True,
                  'order': 'UpdatedDateUTC ASC'}
        if since:
            kwargs['if_modified_since'] = since
        result = self.call('accounting', 'get_contacts', **kwargs)
        contacts = [contact_from_sdk(c) for c in result.data.contacts or []]
        return contacts, len(contacts) >= page_size

    @reads_answer
    def pull_payments(self, since=None, page=1, page_size=MAX_PAGE_SIZE, where=None):
        """One page of payments changed since ``since`` (or matching ``where``), from /Payments
        (which carries IsReconciled, unlike the copies inside an invoice), in UpdatedDateUTC
        order."""
        kwargs = {'page': page, 'page_size': page_size, 'order': 'UpdatedDateUTC ASC'}
        if since:
            kwargs['if_modified_since'] = since
        if where:
            kwargs['where'] = where
        result = self.call('accounting', 'get_payments', **kwargs)
        payments = [payment_from_sdk(p) for p in result.data.payments or []]
        return payments, len(payments) >= page_size

    @reads_answer
    def currencies(self):
        """Codes of the currencies enabled in the organisation (GET /Currencies), sorted. Xero
        refuses a document in any other currency."""
        result = self.call('accounting', 'get_currencies')
        return sorted({_plain(c.code) for c in result.data.currencies or [] if c.code})

    @reads_answer
    def contact_groups(self):
        """[{'xero_id', 'name', 'status'}] of the organisation's contact groups."""
        result = self.call('accounting', 'get_contact_groups')
        return [{'xero_id': str(g.contact_group_id), 'name': g.name, 'status': _plain(g.status)}
                for g in result.data.contact_groups or []]

    @reads_answer
    def contact_group_members(self, group_id):
        """The ContactIDs in one contact group."""
        result = self.call('accounting', 'get_contact_group', group_id)
        groups = result.data.contact_groups or []
        return [str(c.contact_id) for g in groups for c in g.contacts or [] if c.contact_id]


    @reads_answer
    def pull_documents(self, kind, since=None, page=1, page_size=MAX_PAGE_SIZE, ids=None):
        """One page of invoices or credit notes changed since ``since``, in UpdatedDateUTC order
        (or these ids, at most 50), as plain dicts with their lines."""
        kwargs = {'page': page, 'page_size': page_size, 'order': 'UpdatedDateUTC ASC', 'unitdp': 4}
        if since:
            kwargs['if_modified_since'] = since
        if ids and kind == 'invoices':
            kwargs['i_ds'] = list(ids)
        elif ids:
            kwargs['where'] = ' OR '.join(f'CreditNoteID==Guid({_quoted(i)})' for i in ids)
        method = 'get_invoices' if kind == 'invoices' else 'get_credit_notes'
        result = self.call('accounting', method, **kwargs)
        documents = [document_from_sdk(kind, d) for d in getattr(result.data, KINDS[kind].attr) or []]
        return documents, len(documents) >= page_size

def document_from_sdk(kind, obj):
    """A Xero invoice or credit note as plain values, lines included."""
    k = KINDS[kind]
    lines = []
    for line in obj.line_items or []:
        lines.append({
            'description': line.description or '',
            'quantity': _plain(line.quantity),
            'unit_amount': _plain(line.unit_amount),
            'discount_rate': _plain(getattr(line, 'discount_rate', None)),
            'account_code': line.account_code,
            'tax_type': line.tax_type,
            'line_amount': _plain(line.line_amount),
            'tax_amount': _plain(line.tax_amount),
        })
    return {
        'kind': kind,
        'xero_id': str(getattr(obj, k.id_attr)) if getattr(obj, k.id_attr, None) else None,
        'number': getattr(obj, k.number_attr, None),
        'type': _plain(obj.type),
        'status': _plain(obj.status),
        'reference': getattr(obj, 'reference', None),
        'contact_id': str(obj.contact.contact_id) if obj.contact and obj.contact.contact_id else None,
        'contact_name': obj.contact.name if obj.contact else None,
        'date': obj.date,
        'due_date': getattr(obj, 'due_date', None),
        'currency': _plain(obj.currency_code),
        'currency_rate': _plain(obj.currency_rate),
        'line_amount_types': _plain(obj.line_amount_types),
        'lines': lines,
        'sub_total': _plain(obj.sub_total),
        'total_tax': _plain(obj.total_tax),
        'total': _plain(obj.total),
        'amount_due': _plain(getattr(obj, 'amount_due', None) if kind == 'invoices'
                             else getattr(obj, 'remaining_credit', None)),
        'amount_paid': _plain(getattr(obj, 'amount_paid', None)),
        'updated': _date(obj.updated_date_utc),
    }


def payment_from_sdk(obj):
    """A Xero payment as plain values."""
    invoice, credit_note, account = obj.invoice, obj.credit_note, obj.account
    return {
        'xero_id': str(obj.payment_id) if obj.payment_id else None,
        'invoice_id': str(invoice.invoice_id) if invoice is not None and invoice.invoice_id else None,
        'credit_note_id': (str(credit_note.credit_note_id)
                           if credit_note is not None and credit_note.credit_note_id else None),
        'account_id': str(account.account_id) if account is not None and account.account_id else None,
        'account_code': account.code if account is not None else None,
        'date': obj.date,
        'amount': _plain(obj.amount),
        'currency_rate': _plain(obj.currency_rate),
        'reference': obj.reference,
        'status': _plain(obj.status),
        'is_reconciled': bool(obj.is_reconciled),
        'updated': _date(obj.updated_date_utc),
        'batch_payment_id': str(obj.batch_payment_id) if obj.batch_payment_id else None,
    }


def allocation_from_sdk(obj):
    errors = _messages(getattr(obj, 'validation_errors', None))
    status = 'DELETED' if getattr(obj, 'is_deleted', None) else None if errors else 'AUTHORISED'
    day = getattr(obj, 'date', None)
    if isinstance(day, datetime.datetime):
        day = day.date()
    return Element(
        xero_id=str(obj.allocation_id) if getattr(obj, 'allocation_id', None) else None,
        status=status, total=_plain(obj.amount), errors=errors,
        echo={'invoice_id': str(obj.invoice.invoice_id) if obj.invoice and obj.invoice.invoice_id else None,
              'date': day},
    )
