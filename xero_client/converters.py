"""Xero's answers as plain values: the one place that walks SDK objects.

Each ``*_from_sdk`` takes one SDK model object (read by attribute, so that nothing here imports
the SDK) and returns plain Python: str, float, bool, date, datetime, lists and dicts, or an
``Element``. Enums become their values and Decimals floats. ``reads_answer`` turns a walk that
meets what the SDK let through into a decoding error.
"""
import datetime
import functools

from .exceptions import XeroDecodeError, XeroError
from .kinds import KINDS, Element


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


# --- plain values ---------------------------------------------------------------------------

def plain(value):
    """The plain value of an SDK value: an enum's value, a Decimal's float, anything else as is."""
    value = getattr(value, 'value', value)  # SDK enums
    if value is None:
        return None
    if hasattr(value, 'is_finite'):  # Decimal
        return float(value)
    return value


def messages(items):
    """The messages of a list of SDK ValidationErrors or Warnings."""
    return [m.message for m in items or [] if getattr(m, 'message', None)]


def naive(value):
    """A datetime without its time zone (Odoo's datetimes are naive UTC); a date as is."""
    if value is None:
        return None
    return value.replace(tzinfo=None) if hasattr(value, 'replace') and getattr(value, 'tzinfo', None) else value


def day(value):
    """A date: a datetime's date part, a date as is."""
    return value.date() if isinstance(value, datetime.datetime) else value


def guid(value):
    """An SDK id (a str or a UUID) as a str, or None."""
    return str(value) if value else None


def _id_of(obj, attr):
    return guid(getattr(obj, attr, None)) if obj is not None else None


# --- written documents ----------------------------------------------------------------------

def element_from_sdk(kind, obj):
    """The plain Element of one SDK document of ``kind``."""
    k = KINDS[kind]
    errors = messages(getattr(obj, 'validation_errors', None))
    if not errors and plain(getattr(obj, 'status_attribute_string', None)) == 'ERROR':
        errors = ['Xero refused this element without saying why.']
    contact = getattr(obj, 'contact', None)
    status = getattr(obj, 'contact_status' if kind == 'contacts' else 'status', None)
    # A payment's answer carries its document as the payment left it (Status, AmountDue).
    invoice = getattr(obj, 'invoice', None) if kind == 'payments' else None
    document = invoice or (getattr(obj, 'credit_note', None) if kind == 'payments' else None)
    echo = {
        'number': plain(getattr(obj, k.number_attr, None)),
        'type': plain(getattr(obj, 'type', None)),
        'reference': getattr(obj, 'reference', None),
        'name': getattr(obj, 'name', None),
        'email': getattr(obj, 'email_address', None),
        'tax_number': getattr(obj, 'tax_number', None),
        'contact_id': _id_of(contact, 'contact_id'),
        'date': getattr(obj, 'date', None),
        'document_status': plain(getattr(document, 'status', None)),
        'document_amount_due': plain(getattr(document, 'amount_due' if invoice is not None else 'remaining_credit',
                                             None)),
    }
    return Element(
        xero_id=guid(getattr(obj, k.id_attr, None)),
        number=echo['number'],
        status=plain(status),
        total=plain(getattr(obj, 'total', None)),
        total_tax=plain(getattr(obj, 'total_tax', None)),
        sub_total=plain(getattr(obj, 'sub_total', None)),
        amount_due=plain(getattr(obj, 'amount_due', None)),
        updated=getattr(obj, 'updated_date_utc', None),
        errors=errors,
        warnings=messages(getattr(obj, 'warnings', None)),
        echo={key: value for key, value in echo.items() if value is not None},
    )


def allocation_from_sdk(obj):
    """The plain Element of one SDK Allocation: its id, AUTHORISED or DELETED, its amount, and
    the invoice and date it echoes."""
    errors = messages(getattr(obj, 'validation_errors', None))
    status = 'DELETED' if getattr(obj, 'is_deleted', None) else None if errors else 'AUTHORISED'
    return Element(
        xero_id=guid(getattr(obj, 'allocation_id', None)),
        status=status, total=plain(obj.amount), errors=errors,
        echo={'invoice_id': _id_of(obj.invoice, 'invoice_id'), 'date': day(getattr(obj, 'date', None))},
    )


# --- read documents -------------------------------------------------------------------------

def contact_from_sdk(obj):
    """A Xero Contact as plain values: everything the pull maps onto a partner."""
    phones = {}
    for phone in obj.phones or []:
        # Xero splits a number in three; a country code makes it international.
        country = f'+{phone.phone_country_code.lstrip("+")}' if phone.phone_country_code else None
        number = ' '.join(p for p in (country, phone.phone_area_code, phone.phone_number) if p)
        if number.strip():
            phones[plain(phone.phone_type)] = number.strip()
    addresses = {}
    for address in obj.addresses or []:
        values = {
            'street': address.address_line1, 'street2': ' '.join(
                filter(None, (address.address_line2, address.address_line3, address.address_line4))) or None,
            'city': address.city, 'state': address.region, 'zip': address.postal_code,
            'country': address.country,
        }
        if any(values.values()):
            addresses[plain(address.address_type)] = values
    return {
        'xero_id': guid(obj.contact_id),
        'contact_number': obj.contact_number,
        'status': plain(obj.contact_status),
        'name': obj.name,
        'first_name': obj.first_name,
        'last_name': obj.last_name,
        'email': obj.email_address,
        'phones': phones,
        'addresses': addresses,
        'tax_number': obj.tax_number,
        'is_customer': bool(obj.is_customer),
        'is_supplier': bool(obj.is_supplier),
        'currency': plain(obj.default_currency),
        'groups': [str(g.contact_group_id) for g in obj.contact_groups or [] if g.contact_group_id],
        'updated': naive(obj.updated_date_utc),
    }


def document_from_sdk(kind, obj):
    """A Xero invoice or credit note as plain values, lines included."""
    k = KINDS[kind]
    lines = [{
        'description': line.description or '',
        'quantity': plain(line.quantity),
        'unit_amount': plain(line.unit_amount),
        'discount_rate': plain(getattr(line, 'discount_rate', None)),
        'account_code': line.account_code,
        'tax_type': line.tax_type,
        'line_amount': plain(line.line_amount),
        'tax_amount': plain(line.tax_amount),
    } for line in obj.line_items or []]
    return {
        'kind': kind,
        'xero_id': guid(getattr(obj, k.id_attr, None)),
        'number': getattr(obj, k.number_attr, None),
        'type': plain(obj.type),
        'status': plain(obj.status),
        'reference': getattr(obj, 'reference', None),
        'contact_id': _id_of(obj.contact, 'contact_id'),
        'contact_name': obj.contact.name if obj.contact else None,
        'date': obj.date,
        'due_date': getattr(obj, 'due_date', None),
        'currency': plain(obj.currency_code),
        'currency_rate': plain(obj.currency_rate),
        'line_amount_types': plain(obj.line_amount_types),
        'lines': lines,
        'sub_total': plain(obj.sub_total),
        'total_tax': plain(obj.total_tax),
        'total': plain(obj.total),
        'amount_due': plain(getattr(obj, 'amount_due' if kind == 'invoices' else 'remaining_credit', None)),
        'amount_paid': plain(getattr(obj, 'amount_paid', None)),
        'updated': naive(obj.updated_date_utc),
    }


def payment_from_sdk(obj):
    """A Xero payment as plain values."""
    account = obj.account
    return {
        'xero_id': guid(obj.payment_id),
        'invoice_id': _id_of(obj.invoice, 'invoice_id'),
        'credit_note_id': _id_of(obj.credit_note, 'credit_note_id'),
        'account_id': _id_of(account, 'account_id'),
        'account_code': account.code if account is not None else None,
        'date': obj.date,
        'amount': plain(obj.amount),
        'currency_rate': plain(obj.currency_rate),
        'reference': obj.reference,
        'status': plain(obj.status),
        'is_reconciled': bool(obj.is_reconciled),
        'updated': naive(obj.updated_date_utc),
        'batch_payment_id': guid(obj.batch_payment_id),
    }


# --- the organisation and its settings ------------------------------------------------------

def organisation_from_sdk(obj):
    """A Xero Organisation as plain values: who it is, its currency and country, its lock dates."""
    return {
        'organisation_id': guid(obj.organisation_id),
        'name': obj.name,
        'legal_name': obj.legal_name,
        'short_code': obj.short_code,
        'base_currency': plain(obj.base_currency),
        'country_code': plain(obj.country_code),
        'organisation_type': plain(obj.organisation_type),
        'is_demo_company': bool(obj.is_demo_company),
        'timezone': plain(obj.timezone),
        'period_lock_date': naive(obj.period_lock_date),
        'end_of_year_lock_date': naive(obj.end_of_year_lock_date),
    }


def account_from_sdk(obj):
    """One account of Xero's chart as plain values."""
    return {
        'xero_id': guid(obj.account_id),
        'code': obj.code,
        'name': obj.name,
        'type': plain(obj.type),
        'class': plain(obj._class),
        'status': plain(obj.status),
        'tax_type': obj.tax_type,
        'enable_payments': bool(obj.enable_payments_to_account),
        'bank_account_type': plain(obj.bank_account_type),
        'bank_account_number': obj.bank_account_number,
        'currency_code': plain(obj.currency_code),
        'system_account': plain(obj.system_account),
        'description': obj.description,
        'updated': naive(obj.updated_date_utc),
    }


def tax_rate_from_sdk(obj):
    """One Xero tax rate as plain values, its components in Xero's order."""
    return {
        'tax_type': obj.tax_type,
        'name': obj.name,
        'status': plain(obj.status),
        'report_tax_type': plain(obj.report_tax_type),
        'effective_rate': plain(obj.effective_rate),
        'display_rate': plain(obj.display_tax_rate),
        'can_apply_to_assets': bool(obj.can_apply_to_assets),
        'can_apply_to_equity': bool(obj.can_apply_to_equity),
        'can_apply_to_expenses': bool(obj.can_apply_to_expenses),
        'can_apply_to_liabilities': bool(obj.can_apply_to_liabilities),
        'can_apply_to_revenue': bool(obj.can_apply_to_revenue),
        'components': [{
            'name': component.name,
            'rate': plain(component.rate),
            'is_compound': bool(component.is_compound),
            'is_non_recoverable': bool(component.is_non_recoverable),
        } for component in obj.tax_components or []],
    }


def _trade(details):
    """An item's sales or purchase details: {'unit_price', 'account_code', 'tax_type'}."""
    if details is None:
        return {'unit_price': None, 'account_code': None, 'tax_type': None}
    return {'unit_price': plain(details.unit_price), 'account_code': details.account_code,
            'tax_type': details.tax_type}


def item_from_sdk(obj):
    """A Xero item as plain values, its sales and purchase details as dicts."""
    return {
        'xero_id': guid(obj.item_id),
        'code': obj.code,
        'name': obj.name,
        'description': obj.description,
        'purchase_description': obj.purchase_description,
        'is_sold': bool(obj.is_sold),
        'is_purchased': bool(obj.is_purchased),
        'is_tracked_as_inventory': bool(obj.is_tracked_as_inventory),
        'sales': _trade(obj.sales_details),
        'purchase': _trade(obj.purchase_details),
        'updated': naive(obj.updated_date_utc),
    }


def user_from_sdk(obj):
    """A Xero user of the organisation: {'user_id', 'email', 'first_name', 'last_name', 'role'}."""
    return {'user_id': guid(obj.user_id), 'email': obj.email_address, 'first_name': obj.first_name,
            'last_name': obj.last_name, 'role': plain(obj.organisation_role)}


def contact_group_from_sdk(obj):
    """A contact group: {'xero_id', 'name', 'status'}."""
    return {'xero_id': guid(obj.contact_group_id), 'name': obj.name, 'status': plain(obj.status)}
