"""Line items and totals, following Xero's rounding guide: tax is computed
per line, rounded to 2 dp (half up), then summed. UnitAmount is rounded to
2 dp before use unless unitdp=4; Quantity keeps 4 dp; LineAmount and totals
are always 2 dp. Inclusive lines carry tax = LineAmount*rate/(1+rate)."""
from decimal import Decimal

from ..util import ZERO, dec, new_id, round2, round4

LINE_AMOUNT_TYPES = ('Exclusive', 'Inclusive', 'NoTax')
HUNDRED = Decimal(100)
# Any of these makes a line a money line (which needs an account once posted).
MONEY_KEYS = ('Quantity', 'UnitAmount', 'ItemCode', 'AccountCode', 'AccountID',
              'DiscountRate', 'DiscountAmount')


def _num(line, key, errors, label=None):
    try:
        return dec(line.get(key))
    except ValueError:
        errors.append('%s must be a number.' % (label or key))
        return None


def _is_zero(value):
    try:
        return value in (None, '') or dec(value) == 0
    except ValueError:
        return False


def is_description_only(raw):
    """Xero: "a line item with just a description (i.e no unit amount or
    quantity) can be created by specifying just a Description" - headings
    and notes, accepted on approved documents too. A zero LineAmount or
    TaxAmount (what such a line reads back as) keeps it description-only."""
    if raw.get('_description_only'):
        return True
    if not str(raw.get('Description') or '').strip():
        return False
    return all(raw.get(k) in (None, '') for k in MONEY_KEYS) \
        and _is_zero(raw.get('LineAmount')) and _is_zero(raw.get('TaxAmount'))


def _description_line(raw):
    # No account, no tax, no quantity: it cannot change a total.
    return {'LineItemID': str(raw.get('LineItemID') or new_id()).lower(),
            'Description': raw['Description'], 'Tracking': raw.get('Tracking') or [],
            'LineAmount': round2(ZERO), 'TaxAmount': round2(ZERO), '_discount': ZERO,
            '_description_only': True}


def compute(org, lines_in, line_amount_types, unitdp4, allow_discount, strict_accounts,
            purchase=False, doc_label='document', description_only=False):
    """Return (lines, totals dict, errors). strict_accounts: lines must name
    a valid account (non-draft documents). purchase: take item defaults from
    PurchaseDetails instead of SalesDetails. description_only: accept lines
    that carry only a Description (invoices and credit notes)."""
    details_key = 'PurchaseDetails' if purchase else 'SalesDetails'
    errors = []
    if line_amount_types not in LINE_AMOUNT_TYPES:
        errors.append('LineAmountTypes must be one of Exclusive, Inclusive, NoTax.')
        return [], {}, errors
    lines = []
    for raw in lines_in or []:
        if not isinstance(raw, dict):
            errors.append('Line items must be objects.')
            continue
        if description_only and is_description_only(raw):
            lines.append(_description_line(raw))
            continue
        line = {'LineItemID': str(raw.get('LineItemID') or new_id()).lower(),
                'Description': raw.get('Description') or '', 'Tracking': raw.get('Tracking') or []}
        item = None
        if raw.get('ItemCode'):
            item = next((i for i in org.items.values() if i['Code'] == raw['ItemCode']), None)
            if item is None:
                errors.append("Item code '%s' is not valid." % raw['ItemCode'])
            else:
                line['ItemCode'] = item['Code']
                line['Item'] = {'ItemID': item['ItemID'], 'Code': item['Code'],
                                'Name': item.get('Name', '')}
                if not line['Description']:
                    line['Description'] = item.get('Description') or item.get('Name') or ''
        qty = _num(raw, 'Quantity', errors)
        unit = _num(raw, 'UnitAmount', errors)
        given_line_amount = _num(raw, 'LineAmount', errors)
        if unit is None and item is not None:
            unit = dec((item.get(details_key) or {}).get('UnitPrice'))
        qty = round4(qty if qty is not None else Decimal(1))
        if unit is None and given_line_amount is not None:
            unit = given_line_amount / qty if qty else given_line_amount
        unit = unit if unit is not None else ZERO
        unit = round4(unit) if unitdp4 else round2(unit)
        gross = qty * unit
        discount_rate = _num(raw, 'DiscountRate', errors)
        discount_amount = _num(raw, 'DiscountAmount', errors)
        if (discount_rate or discount_amount) and not allow_discount:
            errors.append('Discounts are only supported on sales invoices (ACCREC).')
        if discount_rate is not None and discount_amount is not None and discount_rate \
                and discount_amount:
            errors.append('Specify either DiscountRate or DiscountAmount, not both.')
        if discount_rate:
            line_amount = round2(gross * (HUNDRED - discount_rate) / HUNDRED)
            line['DiscountRate'] = round2(discount_rate)
        elif discount_amount:
            line_amount = round2(gross - discount_amount)
            line['DiscountAmount'] = round2(discount_amount)
        else:
            line_amount = round2(gross)
        details = (item or {}).get(details_key) or {}
        account_code = raw.get('AccountCode') or details.get('AccountCode')
        account = None
        if raw.get('AccountID'):
            account = org.accounts.get(str(raw['AccountID']).lower())
        elif account_code:
            account = org.account_by_code(account_code)
        if (account_code or raw.get('AccountID')) and (account is None or account['Status'] != 'ACTIVE'
                                                       or account['Type'] == 'BANK'):
            errors.append("Account code '%s' is not a valid code for this %s."
                          % (account_code or raw.get('AccountID'), doc_label))
        elif account is None and strict_accounts:
            errors.append('Account code must be specified for every line item.')
        if account is not None:
            line['AccountCode'] = account.get('Code')
            line['AccountID'] = account['AccountID']
        tax_type = raw.get('TaxType') or details.get('TaxType') \
            or (account or {}).get('TaxType') or 'NONE'
        rate = org.tax_rates.get(tax_type)
        if rate is None or rate['Status'] != 'ACTIVE':
            errors.append("The TaxType code '%s' does not exist or cannot be used for this "
                          "type of transaction." % tax_type)
            rate_pct = ZERO
        else:
            rate_pct = rate['EffectiveRate']
        line['TaxType'] = tax_type
        r = rate_pct / HUNDRED
        override = _num(raw, 'TaxAmount', errors)
        if line_amount_types == 'NoTax':
            tax = ZERO
        elif override is not None:
            # Xero accepts a per-line TaxAmount override (discouraged, D6).
            tax = round2(override)
        elif line_amount_types == 'Inclusive':
            tax = round2(line_amount * r / (1 + r))
        else:
            tax = round2(line_amount * r)
        line.update({'Quantity': qty, 'UnitAmount': unit, 'LineAmount': line_amount,
                     'TaxAmount': tax})
        line['_discount'] = round2(gross) - line_amount if (discount_rate or discount_amount) \
            else ZERO
        lines.append(line)
    totals = totals_of(lines, line_amount_types)
    return lines, totals, errors


def totals_of(lines, line_amount_types):
    line_sum = sum((line['LineAmount'] for line in lines), ZERO)
    tax = sum((line['TaxAmount'] for line in lines), ZERO)
    sub_total = line_sum - tax if line_amount_types == 'Inclusive' else line_sum
    return {'SubTotal': round2(sub_total), 'TotalTax': round2(tax),
            'Total': round2(sub_total + tax),
            'TotalDiscount': round2(sum((line['_discount'] for line in lines), ZERO))}


def present_lines(lines, unitdp4):
    out = []
    for line in lines:
        line = {k: v for k, v in line.items() if not k.startswith('_')}
        if not unitdp4 and 'UnitAmount' in line:
            line['UnitAmount'] = round2(line['UnitAmount'])
        out.append(line)
    return out


def fingerprint_lines(lines):
    return tuple((line.get('Description'), str(line.get('Quantity')), str(line.get('UnitAmount')),
                  line.get('AccountCode'), line.get('TaxType'), str(line['LineAmount']))
                 for line in lines)
