"""Typed operations: what the sync engine asks of Xero, in plain values.

Callers hand over plain payloads (snake_case dicts, see ``to_sdk``) and get back ``Element``
objects: the Xero id, number, status, totals, messages, and the element's own echo of the
fields that identify it, so that a batch's results are matched to records by what Xero echoes,
never by position alone. Nothing above this module walks SDK objects.
"""
import datetime
from dataclasses import dataclass, field

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
    echo = {
        'number': _plain(getattr(obj, k.number_attr, None)),
        'type': _plain(getattr(obj, 'type', None)),
        'reference': getattr(obj, 'reference', None),
        'name': getattr(obj, 'name', None),
        'email': getattr(obj, 'email_address', None),
        'tax_number': getattr(obj, 'tax_number', None),
        'contact_id': str(contact.contact_id) if contact is not None and contact.contact_id else None,
        'date': getattr(obj, 'date', None),
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

    # --- look-ups ------------------------------------------------------------------------------

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
                where = ' AND '.join(filter(None, [where and f'({where})',
                                                   f'({any_equal("ContactNumber", numbers)})']))
        elif kind == 'credit_notes':
            method = 'get_credit_notes'
            kwargs['unitdp'] = 4
            if numbers:
                where = ' AND '.join(filter(None, [where and f'({where})',
                                                   f'({any_equal("CreditNoteNumber", numbers)})']))
            if ids:
                where = _and(where, any_guid('CreditNoteID', ids))
        elif kind == 'items':
            method = 'get_items'
            if numbers:
                where = any_equal('Code', numbers)
            if ids:
                where = _and(where, any_guid('ItemID', ids))
        else:
            raise ValueError(f'No look-up for {kind}')
        if where:
            kwargs['where'] = where
        result = self.call('accounting', method, **kwargs)
        return [element_from_sdk(kind, obj) for obj in getattr(result.data, KINDS[kind].attr) or []]
