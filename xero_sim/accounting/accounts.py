"""Chart of accounts: GET/PUT /Accounts, GET/POST/DELETE /Accounts/{id}."""
from ..util import new_id
from .base import (ApiError, Invalid, apply_order, filter_modified_since,
                   filter_where, not_found, ok, read_body, touch, validation_body)

ACCOUNT_TYPES = {
    'BANK': 'ASSET', 'CURRENT': 'ASSET', 'FIXED': 'ASSET', 'INVENTORY': 'ASSET',
    'NONCURRENT': 'ASSET', 'PREPAYMENT': 'ASSET',
    'CURRLIAB': 'LIABILITY', 'LIABILITY': 'LIABILITY', 'TERMLIAB': 'LIABILITY',
    'PAYG': 'LIABILITY', 'EQUITY': 'EQUITY',
    'DEPRECIATN': 'EXPENSE', 'DIRECTCOSTS': 'EXPENSE', 'EXPENSE': 'EXPENSE',
    'OVERHEADS': 'EXPENSE',
    'OTHERINCOME': 'REVENUE', 'REVENUE': 'REVENUE', 'SALES': 'REVENUE',
}
BANK_ACCOUNT_TYPES = ('BANK', 'CREDITCARD', 'PAYPAL')
WRITABLE = ('Code', 'Name', 'Type', 'BankAccountNumber', 'Description',
            'BankAccountType', 'CurrencyCode', 'TaxType',
            'EnablePaymentsToAccount', 'ShowInExpenseClaims', 'ReportingCode',
            'AddToWatchlist')


def build_account(sim, org, data, existing=None):
    """Validate and return a stored account dict (not yet inserted)."""
    acc = dict(existing) if existing else {
        'AccountID': new_id(), 'Status': 'ACTIVE', 'HasAttachments': False,
        'EnablePaymentsToAccount': False, 'ShowInExpenseClaims': False,
        'AddToWatchlist': False}
    for key in WRITABLE:
        if key in data and data[key] is not None:
            acc[key] = data[key]
    if existing and data.get('Status') in ('ACTIVE', 'ARCHIVED'):
        acc['Status'] = data['Status']
    errors = []
    name = str(acc.get('Name') or '').strip()
    code = str(acc.get('Code') or '').strip()
    acc_type = str(acc.get('Type') or '').upper()
    if not name:
        errors.append('Please enter a Name.')
    elif len(name) > 150:
        errors.append('The Name must be 150 characters or fewer.')
    elif any(a['Name'].lower() == name.lower() and a['AccountID'] != acc['AccountID']
             and a['Status'] != 'DELETED' for a in org.accounts.values()):
        errors.append('Please enter a unique Name.')
    if acc_type not in ACCOUNT_TYPES:
        errors.append('Please select an Account Type.' if not acc_type else
                      'Account Type %s is not valid.' % acc_type)
    if not code and acc_type != 'BANK':
        errors.append('Please enter a Code.')
    elif len(code) > 10:
        errors.append('The Code must be 10 characters or fewer.')
    elif code and any(a.get('Code') == code and a['AccountID'] != acc['AccountID']
                      and a['Status'] != 'DELETED' for a in org.accounts.values()):
        errors.append('Please enter a unique Code.')
    if acc_type == 'BANK':
        if not acc.get('BankAccountNumber'):
            errors.append('Please enter a Bank Account Number.')
        currency = str(acc.get('CurrencyCode') or org.base_currency).upper()
        if currency not in org.currencies:
            errors.append('The currency %s has not been added to this organisation.'
                          % currency)
        acc['CurrencyCode'] = currency
        acc['BankAccountType'] = str(acc.get('BankAccountType') or 'BANK').upper()
        if acc['BankAccountType'] not in BANK_ACCOUNT_TYPES:
            errors.append('BankAccountType must be BANK, CREDITCARD or PAYPAL.')
        acc.setdefault('TaxType', 'NONE')
    elif acc.get('TaxType') and acc['TaxType'] not in org.tax_rates:
        errors.append('The TaxType code %s does not exist or cannot be used '
                      'for this type of account.' % acc['TaxType'])
    if errors:
        raise Invalid(*errors)
    acc['Name'] = name
    if code:
        acc['Code'] = code
    acc['Type'] = acc_type
    acc['Class'] = ACCOUNT_TYPES[acc_type]
    acc.setdefault('TaxType', 'NONE')
    acc.setdefault('Description', '')
    acc.setdefault('ReportingCode', acc['Class'][:3])
    acc.setdefault('ReportingCodeName', acc['Class'].title())
    if acc_type != 'BANK':
        acc.setdefault('BankAccountType', '')
    return touch(sim, acc)


def add_account(sim, org, data):
    """Seed helper: create without HTTP, raising Invalid on bad data."""
    acc = build_account(sim, org, data)
    if data.get('SystemAccount'):
        acc['SystemAccount'] = data['SystemAccount']
    if data.get('AccountID'):
        acc['AccountID'] = str(data['AccountID']).lower()
    if data.get('Status'):
        acc['Status'] = data['Status']
    org.accounts[acc['AccountID']] = acc
    return acc


def _single_error(element, exc):
    echo = dict(element)
    echo['ValidationErrors'] = [{'Message': m} for m in exc.messages]
    return ApiError(400, validation_body([echo]))


def get_accounts(sim, req, org):
    items = [a for a in org.accounts.values() if a['Status'] != 'DELETED']
    items = filter_modified_since(req, items)
    items = filter_where(req, items)
    return ok(sim, 'Accounts', apply_order(req, items, 'Code'))


def get_account(sim, req, org, id):
    acc = org.accounts.get(id.lower())
    if not acc or acc['Status'] == 'DELETED':
        raise not_found()
    return ok(sim, 'Accounts', [acc])


def put_accounts(sim, req, org):
    element = read_body(req, 'Accounts')[0]
    try:
        acc = build_account(sim, org, element)
    except Invalid as exc:
        raise _single_error(element, exc)
    org.accounts[acc['AccountID']] = acc
    sim.counters.record_created(org.tenant_id, 'Accounts', acc['Type'])
    return ok(sim, 'Accounts', [acc])


def post_account(sim, req, org, id):
    acc = org.accounts.get(id.lower())
    if not acc or acc['Status'] == 'DELETED':
        raise not_found()
    element = read_body(req, 'Accounts')[0]
    try:
        updated = build_account(sim, org, element, existing=acc)
    except Invalid as exc:
        raise _single_error(element, exc)
    org.accounts[acc['AccountID']] = updated
    return ok(sim, 'Accounts', [updated])


def delete_account(sim, req, org, id):
    acc = org.accounts.get(id.lower())
    if not acc or acc['Status'] == 'DELETED':
        raise not_found()
    if acc.get('SystemAccount'):
        raise _single_error(dict(acc), Invalid('System accounts cannot be deleted.'))
    acc['Status'] = 'DELETED'
    touch(sim, acc)
    return ok(sim, 'Accounts', [acc])


ROUTES = [
    ('GET', '/Accounts', get_accounts),
    ('PUT', '/Accounts', put_accounts),
    ('GET', '/Accounts/{id}', get_account),
    ('POST', '/Accounts/{id}', post_account),
    ('DELETE', '/Accounts/{id}', delete_account),
]
