"""Invoices, bills and credit notes: Odoo document values -> Xero payload, and the totals Xero
will compute for that payload (XERO_API.md §6 Rounding; the simulator's ``accounting/lines.py``).

Xero computes each line as ``round2(Quantity × UnitAmount × (100 − DiscountRate)/100)`` (the
engine always sends ``unitdp=4``), its tax as ``round2(LineAmount × r)`` or, on Inclusive
documents, ``round2(LineAmount × r/(1 + r))``, then sums. Odoo agrees per line, but not on the
tax of a document whose company rounds taxes globally (Odoo 19's default), nor on group taxes,
which Odoo rounds per component and Xero on the combined rate.

Why a per-line ``TaxAmount`` rather than a rounding line: a line on the ROUNDING account would
make Xero's Total match Odoo's, but Xero's TotalTax (and so its GST/VAT return) would still
differ from the tax Odoo reported. Xero accepts a TaxAmount override per line, so we send
Xero's own rounded tax and move the missing cents onto the lines whose exact tax was closest
to rounding the other way (largest remainder). Tax and Total then both equal Odoo's, and no
line's tax moves by more than the rounding it lost. We override only differences a rounding can
explain: a larger one means a wrong tax mapping, which an override would hide.
"""
from decimal import ROUND_HALF_UP, Decimal

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)
CENT, FOUR_DP, SIX_DP = Decimal('0.01'), Decimal('0.0001'), Decimal('0.000001')
DESCRIPTION_ONLY = ('line_section', 'line_subsection', 'line_note')
MAX_DESCRIPTION = 4000
# Global rounding moves a document's tax by at most half a cent per line, a group tax's
# per-component rounding by about a cent per line; two cents a line is generous for both.
MAX_OVERRIDE_CENTS_PER_LINE = 2
# Unit amounts tried around the exact quotient, nearest first.
_NUDGES = tuple(Decimal(k) * FOUR_DP for k in (0, -1, 1, -2, 2))

_FIELDS = {
    'invoice': ('invoice_number', 'invoice_id'),
    'credit_note': ('credit_note_number', 'credit_note_id'),
}


def number_field(kind):
    """The payload key of the document number: 'invoice_number' or 'credit_note_number'."""
    return _FIELDS[kind][0]


def id_field(kind):
    """The payload key of the Xero id: 'invoice_id' or 'credit_note_id'."""
    return _FIELDS[kind][1]


def dec(value):
    # Through str: a float's repr is its shortest round-trip decimal, e.g. 0.1 -> '0.1'.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round2(value):
    return dec(value).quantize(CENT, rounding=ROUND_HALF_UP)


def round4(value):
    return dec(value).quantize(FOUR_DP, rounding=ROUND_HALF_UP)


# === PAYLOAD === #

def document_payload(doc):
    """Return ``(payload, predicted)`` for one Odoo invoice, bill or credit note.

    ``predicted`` is ``{'sub_total', 'total_tax', 'total', 'drift', 'tax_drift'}`` (floats): the
    totals Xero will return for ``payload``, ``drift`` = predicted total − Odoo's amount_total
    and ``tax_drift`` = predicted tax − Odoo's amount_tax (both 0.0 when Xero will agree).
    """
    kind = doc['kind']
    lines = doc.get('lines') or []
    for line in lines:
        if _display(line) not in ('product',) + DESCRIPTION_ONLY:
            # A payment-term, tax or cash-rounding line carries money Xero must not receive as
            # an extra line; the Odoo side sends invoice lines only.
            raise ValueError('Unexpected line display_type %r' % line.get('display_type'))
    product = [line for line in lines if _display(line) == 'product']
    rates = _rates(product)
    taxed = [line for line in product if dec(line.get('tax_rate') or 0)]
    # Xero takes one LineAmountTypes per document; a document mixing both keeps Exclusive and
    # its price-included lines are converted to their tax-excluded amounts below.
    inclusive = bool(taxed) and all(line.get('price_include') for line in taxed)
    line_amount_types = 'Inclusive' if inclusive else 'Exclusive'
    allow_discount = kind == 'invoice' and doc['xero_type'] == 'ACCREC'

    items = []
    for line in lines:
        if _display(line) != 'product':
            description = (line.get('description') or '').strip()
            if description:  # Xero refuses an empty description-only line
                items.append({'description': description[:MAX_DESCRIPTION]})
            continue
        items.append(_product_item(line, inclusive, allow_discount))

    payload = {
        'type': doc['xero_type'],
        'contact': {k: v for k, v in doc['contact'].items() if v},
        'date': doc['date'],
        'due_date': doc.get('due_date'),
        'line_amount_types': line_amount_types,
        'line_items': items,
        number_field(kind): doc.get('number'),
        'reference': doc.get('reference'),
        'currency_code': doc.get('currency_code'),
        # None leaves it out: Xero then uses its own day rate; a fallback 1 would be wrong.
        'currency_rate': (float(dec(doc['currency_rate']).quantize(SIX_DP, ROUND_HALF_UP))
                          if doc.get('currency_rate') is not None else None),
        'status': doc['status'],
        id_field(kind): doc.get('xero_id'),
    }
    payload = {k: v for k, v in payload.items() if v is not None and v != ''}

    _override_taxes(payload, rates, round2(doc['amount_tax']))
    predicted = expected_totals(payload, rates)
    predicted['drift'] = float(round2(dec(predicted['total']) - dec(doc['amount_total'])))
    predicted['tax_drift'] = float(round2(dec(predicted['total_tax']) - dec(doc['amount_tax'])))
    return payload, predicted


def _rates(product_lines):
    rates = {}
    for line in product_lines:
        if not line.get('tax_type'):
            # Without a TaxType Xero applies the account's default, which may well be taxed.
            raise ValueError('Line %r has no Xero tax type' % line.get('description'))
        rate = dec(line.get('tax_rate') or 0)
        if rates.setdefault(line['tax_type'], rate) != rate:
            raise ValueError('Tax type %s given with two rates' % line['tax_type'])
    return rates


def _product_item(line, inclusive, allow_discount):
    qty = round4(line['quantity'])
    price = dec(line['price_unit'])
    discount = dec(line.get('discount') or 0)
    # The line amount Xero must compute: Odoo's, in the document's LineAmountTypes.
    target = round2(line['price_total'] if inclusive else line['price_subtotal'])
    # Only ACCREC takes a DiscountRate; one with more than 2 dp is folded too, so that what
    # Xero shows and computes cannot differ from what we predicted.
    keep_rate = bool(discount) and allow_discount and discount == round2(discount)
    factor = (HUNDRED - discount) / HUNDRED if keep_rate else ONE
    natural = price if keep_rate else price * (HUNDRED - discount) / HUNDRED
    description = (line.get('description') or '').strip()

    unit = _fit_unit(qty, factor, target, natural)
    if unit is None:
        # No 4-dp unit amount of this quantity lands on Odoo's cent (e.g. 1000 units): send
        # one unit of the whole amount and keep the real quantity and price readable.
        unit = round4(target / factor) if keep_rate and factor else target
        if round2(unit * factor) != target:
            keep_rate, factor, unit = False, ONE, target
        shown = '%s × %s' % (_plain(dec(line['quantity'])), _plain(price))
        if discount:
            shown += ' less %s%%' % _plain(discount)
        description = '%s (%s)' % (description, shown) if description else shown
        qty = ONE

    item = {'description': description[:MAX_DESCRIPTION], 'quantity': float(qty),
            'unit_amount': float(unit), 'account_code': line.get('account_code'),
            'tax_type': line['tax_type']}
    if keep_rate:
        item['discount_rate'] = float(discount)
    return {k: v for k, v in item.items() if v is not None and v != ''}


def _fit_unit(qty, factor, target, natural):
    """A 4-dp unit amount with round2(qty × unit × factor) == target, or None."""
    candidates = [round4(natural)]
    if qty * factor:
        exact = round4(target / (qty * factor))
        candidates += [exact + nudge for nudge in _NUDGES]
    for unit in candidates:
        if round2(qty * unit * factor) == target:
            return unit
    return None


def _display(line):
    return line.get('display_type') or 'product'


def _plain(number):
    return format(number.normalize(), 'f')  # 10.5000 -> '10.5', never '1.05E+1'


# === TOTALS === #

def _line_figures(item, line_amount_types, rates):
    """(LineAmount, exact tax, Xero's tax) of one payload line item, as Decimals."""
    if 'quantity' not in item and 'unit_amount' not in item:
        return ZERO, ZERO, ZERO  # description-only
    qty = round4(item.get('quantity', 1))
    unit = round4(item.get('unit_amount', 0))
    discount = dec(item.get('discount_rate') or 0)
    line_amount = round2(qty * unit * (HUNDRED - discount) / HUNDRED)
    if line_amount_types == 'NoTax':
        return line_amount, ZERO, ZERO
    tax_type = item.get('tax_type')
    if tax_type not in rates and 'tax_amount' not in item:
        raise ValueError('No rate known for tax type %r' % tax_type)
    r = rates.get(tax_type, ZERO) / HUNDRED
    exact = line_amount * r / (ONE + r) if line_amount_types == 'Inclusive' else line_amount * r
    tax = round2(item['tax_amount']) if 'tax_amount' in item else round2(exact)
    return line_amount, exact, tax


def expected_totals(payload, rates=None):
    """What Xero will compute for ``payload``: ``{'sub_total', 'total_tax', 'total'}`` (floats).

    ``rates`` maps each TaxType to its effective rate in percent; it may be left out when every
    line carries a ``tax_amount``.
    """
    rates = {k: dec(v) for k, v in (rates or {}).items()}
    lat = payload.get('line_amount_types', 'Exclusive')
    figures = [_line_figures(item, lat, rates) for item in payload.get('line_items') or []]
    line_sum = sum((f[0] for f in figures), ZERO)
    tax = sum((f[2] for f in figures), ZERO)
    sub_total = line_sum - tax if lat == 'Inclusive' else line_sum
    return {'sub_total': float(round2(sub_total)), 'total_tax': float(round2(tax)),
            'total': float(round2(sub_total + tax))}


def _override_taxes(payload, rates, odoo_tax):
    """Set tax_amount on every taxed line when Xero's own tax would differ from Odoo's."""
    lat = payload['line_amount_types']
    taxed = [item for item in payload['line_items']
             if 'unit_amount' in item and rates.get(item.get('tax_type'))]
    if not taxed:
        return  # nothing to move the cents onto: any difference is reported as drift
    figures = [_line_figures(item, lat, rates) for item in taxed]
    exact = [f[1] for f in figures]
    current = [f[2] for f in figures]
    cents = int((odoo_tax - sum(current, ZERO)) / CENT)
    if not cents or abs(cents) > MAX_OVERRIDE_CENTS_PER_LINE * len(taxed):
        return
    step, sign = (CENT, 1) if cents > 0 else (-CENT, -1)
    for _ in range(abs(cents)):
        # The line whose exact tax lies furthest beyond its current value in the needed
        # direction; ties go to the earlier line, so the result is deterministic.
        k = max(range(len(taxed)), key=lambda j: ((exact[j] - current[j]) * sign, -j))
        current[k] += step
    # All or none: Xero then takes every line's tax as given, none recomputed beside them.
    for item, tax in zip(taxed, current):
        item['tax_amount'] = float(tax)
