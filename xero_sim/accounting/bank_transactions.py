"""BankTransactions: RECEIVE / SPEND money against a BANK account.
GET (paging, where, If-Modified-Since), PUT/POST batches, POST /{id}.

A reconciled transaction cannot be edited; it can be deleted (see the package docstring)."""
from decimal import Decimal

from ..messages import json_response
from ..state import public
from ..util import iso_date_string, new_id, parse_date
from . import docs, lines as line_rules, overpayments as credit
from .base import (Invalid, apply_order, envelope, filter_modified_since, filter_where,
                   not_found, paginate, read_body, run_batch, touch)

TYPES = ('RECEIVE', 'SPEND')
RECONCILED_MSG = ('This Bank Transaction cannot be edited as it has been reconciled with a '
                  'Bank Statement.')
# What an edit of a reconciled transaction may not change.
_LOCKED_KEYS = ('Date', 'Contact', 'Reference', 'BankAccount', 'CurrencyCode', 'IsReconciled',
                'LineAmountTypes', 'Total')
SPEC_ONLY_TYPES = ('RECEIVE-OVERPAYMENT', 'RECEIVE-PREPAYMENT', 'SPEND-OVERPAYMENT',
                   'SPEND-PREPAYMENT', 'RECEIVE-TRANSFER', 'SPEND-TRANSFER')


def _unitdp4(req):
    return req.query.get('unitdp') == '4'


def build(sim, org, data, existing, unitdp4, created_contacts):
    errors = []
    txn = dict(existing) if existing else {
        'BankTransactionID': new_id(), 'Status': 'AUTHORISED', 'IsReconciled': False,
        'HasAttachments': False, '_created': sim.clock.now()}
    if existing and existing['Status'] in ('DELETED', 'VOIDED'):
        raise Invalid('This bank transaction has been deleted and cannot be edited.')
    txn_type = existing['Type'] if existing else data.get('Type')
    if txn_type in SPEC_ONLY_TYPES and txn_type not in credit.TYPES:
        raise Invalid('%s transactions are created by Xero from transfers; they cannot be '
                      'created here.' % txn_type)
    if txn_type not in TYPES + credit.TYPES:
        raise Invalid('Type must be RECEIVE or SPEND.')
    if existing and txn_type in credit.TYPES:
        credit.check_edit(org, existing, data)
    status = str(data.get('Status') or txn['Status']).upper()
    if status not in ('AUTHORISED', 'DELETED', 'VOIDED'):
        errors.append('Status must be AUTHORISED or DELETED.')
    reconciled_before = bool(existing and existing.get('IsReconciled'))
    if 'IsReconciled' in data:
        txn['IsReconciled'] = bool(data['IsReconciled'])
    if 'BankAccount' in data or not existing:
        account = org.account_ref(data.get('BankAccount') or {})
        if account is None or account['Type'] != 'BANK' or account['Status'] != 'ACTIVE':
            errors.append('The BankAccount must be an active account of Type BANK.')
        else:
            txn['BankAccount'] = {'AccountID': account['AccountID'],
                                  'Code': account.get('Code', ''), 'Name': account['Name']}
    if 'Contact' in data or not existing:
        contact = docs.resolve_contact(sim, org, data.get('Contact'), errors, created_contacts)
        if contact:
            txn['Contact'] = {'ContactID': contact['ContactID']}
    try:
        if 'Date' in data or not existing:
            txn['Date'] = parse_date(data.get('Date')) or sim.clock.now().date()
    except ValueError as exc:
        errors.append(str(exc))
    for key in ('Reference', 'Url'):
        if key in data:
            txn[key] = data[key]
    lat = data.get('LineAmountTypes') or txn.get('LineAmountTypes') or 'Exclusive'
    lat = {t.lower(): t for t in line_rules.LINE_AMOUNT_TYPES}.get(str(lat).lower(), lat)
    source = data['LineItems'] if 'LineItems' in data else [
        {k: v for k, v in line.items() if k != 'TaxAmount'} for line in txn.get('LineItems') or []]
    if txn_type in credit.TYPES:
        source = credit.lines(org, txn_type, source)
    new_lines, totals, line_errors = line_rules.compute(
        org, source, lat, unitdp4, allow_discount=False, strict_accounts=True,
        purchase=txn_type.startswith('SPEND'), doc_label='bank transaction')
    errors.extend(line_errors)
    if not new_lines:
        errors.append('At least one line item is required.')
    bank = org.accounts.get((txn.get('BankAccount') or {}).get('AccountID', ''))
    currency = str(data.get('CurrencyCode') or txn.get('CurrencyCode') or
                   (bank or {}).get('CurrencyCode') or org.base_currency).upper()
    if bank and currency != bank.get('CurrencyCode', org.base_currency):
        errors.append('The currency must match the currency of the bank account (%s).'
                      % bank.get('CurrencyCode'))
    txn['CurrencyCode'] = currency
    txn['CurrencyRate'] = Decimal(str(data['CurrencyRate'])) if data.get('CurrencyRate') \
        and currency != org.base_currency else txn.get('CurrencyRate', Decimal('1.000000'))
    msg = docs.lock_error(org, txn.get('Date'))
    if msg:
        errors.append(msg)
    if existing and existing.get('Date') != txn.get('Date'):
        msg = docs.lock_error(org, existing.get('Date'))
        if msg and msg not in errors:
            errors.append(msg)
    if reconciled_before and not errors and status != 'DELETED' and (
            any(existing.get(k) != (totals['Total'] if k == 'Total' else
                                    lat if k == 'LineAmountTypes' else txn.get(k))
                for k in _LOCKED_KEYS)
            or line_rules.fingerprint_lines(new_lines)
            != line_rules.fingerprint_lines(existing['LineItems'])):
        errors.append(RECONCILED_MSG)
    if errors:
        raise Invalid(*errors)
    txn.update({'Type': txn_type, 'Status': status, 'LineAmountTypes': lat,
                'LineItems': new_lines})
    txn.update({k: totals[k] for k in ('SubTotal', 'TotalTax', 'Total')})
    return touch(sim, txn)


def present(org, txn, unitdp4):
    out = public(txn)
    out['LineItems'] = line_rules.present_lines(txn['LineItems'], unitdp4)
    out['Contact'] = docs.contact_summary(org, txn['Contact']['ContactID'])
    out['DateString'] = iso_date_string(txn['Date'])
    if txn['Type'] in credit.TYPES:
        out[credit.kind_of(txn['Type']).id_field] = txn['BankTransactionID']
    return out


def get_bank_transactions(sim, req, org):
    items = list(org.bank_transactions.values())
    refs = req.query.get('References')
    if refs:
        wanted = {r.strip() for r in refs.split(',')}
        items = [t for t in items if t.get('Reference') in wanted]
    items = filter_modified_since(req, items)
    items = filter_where(req, items)
    items = apply_order(req, sorted(items, key=lambda t: t['_created']))
    page_items, extra = paginate(req, items)
    udp = _unitdp4(req)
    return json_response(200, envelope(sim, 'BankTransactions',
                                       [present(org, t, udp) for t in page_items], extra))


def get_bank_transaction(sim, req, org, id):
    txn = org.bank_transactions.get(id.lower())
    if txn is None:
        raise not_found()
    return json_response(200, envelope(sim, 'BankTransactions',
                                       [present(org, txn, _unitdp4(req))]))


def _write(sim, req, org, path_id=None):
    elements = read_body(req, 'BankTransactions')
    udp = _unitdp4(req)

    def apply_one(element):
        existing = None
        ident = path_id or element.get('BankTransactionID')
        if ident:
            existing = org.bank_transactions.get(str(ident).lower())
            if existing is None:
                raise Invalid('Bank transaction could not be found')
        created_contacts = []
        txn = build(sim, org, element, existing, udp, created_contacts)
        for contact in created_contacts:
            sim.webhooks.emit(org, 'CONTACT', contact['ContactID'], 'CREATE')
        if existing is None:
            sim.counters.record_created(org.tenant_id, 'BankTransactions', txn['Type'])
            fp = ('BankTransaction', txn['Type'], txn['BankAccount']['AccountID'],
                  txn['Contact']['ContactID'], str(txn['Date']), txn.get('Reference'),
                  line_rules.fingerprint_lines(txn['LineItems']), str(txn['Total']))
            if fp in org.fingerprints:
                sim.counters.record_duplicate('BankTransactions', org.tenant_id, {
                    'first': org.fingerprints[fp], 'second': txn['BankTransactionID']})
            else:
                org.fingerprints[fp] = txn['BankTransactionID']
        org.bank_transactions[txn['BankTransactionID']] = txn
        if txn['Type'] in credit.TYPES:
            credit.record(sim, org, txn)
        return present(org, txn, udp), []
    return run_batch(sim, req, org, 'BankTransactions', elements, apply_one,
                     'BankTransactionID')


def put_bank_transactions(sim, req, org):
    return _write(sim, req, org)


def post_bank_transactions(sim, req, org):
    return _write(sim, req, org)


def post_bank_transaction(sim, req, org, id):
    if id.lower() not in org.bank_transactions:
        raise not_found()
    return _write(sim, req, org, path_id=id.lower())


ROUTES = [
    ('GET', '/BankTransactions', get_bank_transactions),
    ('PUT', '/BankTransactions', put_bank_transactions),
    ('POST', '/BankTransactions', post_bank_transactions),
    ('GET', '/BankTransactions/{id}', get_bank_transaction),
    ('POST', '/BankTransactions/{id}', post_bank_transaction),
]
