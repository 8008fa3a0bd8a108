"""Card and wallet transactions: an Odoo statement line's plain values -> a Xero BankTransaction
(XERO_API.md §6, §9), or, for a vendor whose rule says "bill plus payment", an ACCPAY bill and
its payment from the card account; and the CSV of Xero's bank-statement import for companies
not connected.

A card line's amount is what left (or reached) the card, tax included: the transaction has one
line item of that amount, ``Inclusive`` when a tax type applies and ``NoTax`` when none does.
``LineAmountTypes`` is always sent, since Xero's default (Exclusive) would add tax on top.
The transaction lands reconciled (``IsReconciled``): there is no bank feed behind the account
the addon creates, so nobody would ever reconcile it in Xero.
"""
import csv
import io
import string
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal('0.01')
MAX_DESCRIPTION = 4000
MAX_REFERENCE = 255
CSV_COLUMNS = ('Date', 'Amount', 'Payee', 'Description', 'Reference')


def _amount(value):
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _line_item(txn, amount):
    """The one line item of a card line: checks what Xero needs and returns the item."""
    if not amount:
        raise ValueError('A transaction of 0.00 cannot go to Xero.')
    if not txn.get('account_code'):
        raise ValueError('No Xero account for this transaction.')
    reference = txn['reference']
    if not reference or len(reference) > MAX_REFERENCE:
        raise ValueError(f'A reference of 1 to {MAX_REFERENCE} characters is required.')
    item = {
        'description': (txn.get('description') or '').strip()[:MAX_DESCRIPTION] or reference,
        'quantity': 1.0,
        'unit_amount': float(abs(amount)),
        'account_code': txn['account_code'],
    }
    if txn.get('tax_type'):
        item['tax_type'] = txn['tax_type']
    return item


def bank_transaction_payload(txn):
    """The payload of one transaction.

    ``txn``: ``amount`` (signed: money in > 0), ``date``, ``reference`` (a stable Odoo id),
    ``contact_id``, ``bank_account_id`` (the Balance account's AccountID), ``currency_code``,
    ``description``, ``account_code``, ``tax_type`` (None: no tax) and ``xero_id`` (None on
    the first push). Raises ValueError for a transaction Xero cannot take.
    """
    amount = _amount(txn['amount'])
    item = _line_item(txn, amount)
    payload = {
        'type': 'RECEIVE' if amount > 0 else 'SPEND',
        'contact': {'contact_id': txn['contact_id']},
        'bank_account': {'account_id': txn['bank_account_id']},
        'date': txn['date'],
        'reference': txn['reference'],
        'currency_code': txn['currency_code'],
        'is_reconciled': True,
        'line_amount_types': 'Inclusive' if txn.get('tax_type') else 'NoTax',
        'line_items': [item],
        'status': 'AUTHORISED',
        'bank_transaction_id': txn.get('xero_id'),
    }
    return {k: v for k, v in payload.items() if v is not None}


def bill_payload(txn):
    """The bill of a card line whose vendor's rule is "bill plus payment": an AUTHORISED ACCPAY
    bill of the line's amount (tax included, as on the card), due on the line's date, with the
    line's stable reference as its number and Reference (what finds it again after a lost
    answer, with its contact and date). ``txn`` as for ``bank_transaction_payload``, money out
    only; ``xero_id`` is the bill's InvoiceID once sent."""
    amount = _amount(txn['amount'])
    if amount > 0:
        raise ValueError('Only money out becomes a bill.')
    item = _line_item(txn, amount)
    payload = {
        'type': 'ACCPAY',
        'contact': {'contact_id': txn['contact_id']},
        'date': txn['date'],
        'due_date': txn['date'],
        'invoice_number': txn['reference'],
        'reference': txn['reference'],
        'currency_code': txn['currency_code'],
        'line_amount_types': 'Inclusive' if txn.get('tax_type') else 'NoTax',
        'line_items': [item],
        'status': 'AUTHORISED',
        'invoice_id': txn.get('xero_id'),
    }
    return {k: v for k, v in payload.items() if v is not None}


def bill_payment_payload(pay):
    """The payment of that bill from the card's Balance account, for the line's amount, on its
    date: ``bill_id``, ``bank_account_id``, ``amount``, ``date``, ``reference`` (the line's, which
    finds it again after a lost answer). Reconciled, as the feed's transactions are."""
    amount = abs(_amount(pay['amount']))
    if not amount:
        raise ValueError('A payment of 0.00 cannot go to Xero.')
    return {
        'invoice': {'invoice_id': pay['bill_id']},
        'account': {'account_id': pay['bank_account_id']},
        'date': pay['date'],
        'amount': float(amount),
        'reference': pay['reference'],
        'is_reconciled': True,
    }


def void_bill_payload(xero_id, number):
    """Void a bill the feed sent (its payment deleted first: Xero voids no paid bill)."""
    return {'invoice_id': xero_id, 'invoice_number': number, 'status': 'VOIDED'}


def delete_payload(pushed, xero_id):
    """Delete the transaction that was sent as ``pushed``: the same content, Status DELETED
    (Xero wants the type, account and lines on every element)."""
    return dict(pushed, bank_transaction_id=xero_id, status='DELETED')


class _Keep(dict):
    def __missing__(self, key):
        return '{%s}' % key


def render_description(template, values):
    """A vendor rule's description template, e.g. ``'{partner}: {label}'``. Placeholders:
    ``label``, ``partner``, ``ref``, ``date``; an unknown one stays as written."""
    if not template:
        return values.get('label') or ''
    try:
        return string.Formatter().vformat(template, (), _Keep(
            {k: '' if v is None else v for k, v in values.items()}))
    except (ValueError, IndexError):  # a stray brace: the template as written
        return template


def statement_csv(rows):
    """Xero's bank-statement CSV import: Date (dd/mm/yyyy), Amount (negative = money out),
    Payee, Description, Reference; ``rows`` are dicts with those keys in lower case."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row['date'].strftime('%d/%m/%Y'), f"{_amount(row['amount']):.2f}",
                         row.get('payee') or '', row.get('description') or '',
                         row.get('reference') or ''])
    return out.getvalue()
