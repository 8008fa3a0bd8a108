"""Plain Odoo-side values for the mapper tests, figures written out by hand.

Imported as ``xero_mappers.tests.builders`` (the tests folder is a namespace package: a
conftest or __init__ here would make pytest import the repository root, an Odoo addon).
"""
import datetime as dt

from xero_client import to_sdk


def line(description, quantity, price_unit, price_subtotal, price_total, tax_rate=15.0,
         tax_type='OUTPUT2', price_include=False, discount=0.0, account_code='200'):
    return {'display_type': 'product', 'description': description, 'quantity': quantity,
            'price_unit': price_unit, 'discount': discount, 'account_code': account_code,
            'tax_type': tax_type, 'tax_rate': tax_rate, 'price_include': price_include,
            'price_subtotal': price_subtotal, 'price_total': price_total}


def text_line(description, display_type='line_section'):
    return {'display_type': display_type, 'description': description}


def document(lines, untaxed, tax, total, kind='invoice', xero_type='ACCREC',
             number='INV/2026/00001', **extra):
    doc = {'kind': kind, 'xero_type': xero_type, 'number': number, 'reference': None,
           'contact': {'contact_number': 'C-BAY'}, 'date': dt.date(2026, 3, 2),
           'due_date': dt.date(2026, 4, 2), 'currency_code': 'NZD', 'currency_rate': None,
           'status': 'AUTHORISED', 'xero_id': None, 'amount_untaxed': untaxed,
           'amount_tax': tax, 'amount_total': total, 'lines': lines}
    doc.update(extra)
    return doc


def sdk_model(kind, payload):
    """The payload as the SDK model it will be sent as; raises if the SDK refuses it."""
    if kind == 'invoice':
        return to_sdk('Invoices', {'invoices': [payload]})
    return to_sdk('CreditNotes', {'credit_notes': [payload]})


def products(payload):
    return [item for item in payload['line_items'] if 'unit_amount' in item]

