"""What the bank feed relies on: GET /Users with the connecting user's role, lock dates with
the Adviser exception, and reconciled bank transactions that cannot be edited but can be
deleted."""
import datetime as dt

import pytest
import requests
from xero_python.accounting import (Account, BankTransaction, BankTransactions, Contact,
                                    LineAmountTypes, LineItem)
from xero_python.exceptions import AccountingBadRequestException

from xero_sim.tests.helpers import jwt_payload, raw
from xero_sim.tests.test_invoices import TODAY, create, invoice, line

LOCKED = dt.date(2025, 6, 30)


def txn(date=TODAY, amount=100, reconciled=True, **kw):
    return BankTransaction(
        type=kw.pop('type', 'SPEND'), contact=Contact(name='Bayside Club'),
        bank_account=Account(code='090'), date=date, is_reconciled=reconciled,
        line_items=[LineItem(description='Card', quantity=1, unit_amount=amount,
                             account_code='429', tax_type='INPUT2')],
        line_amount_types=LineAmountTypes.INCLUSIVE, **kw)


def save(api, nz, *txns):
    return api.update_or_create_bank_transactions(
        nz, BankTransactions(bank_transactions=list(txns)), summarize_errors='false').bank_transactions


def test_users_lists_the_connecting_user_with_its_role(sim, api, client, token, nz, spec):
    users = api.get_users(nz).users
    spec('Users', raw(client[2]))
    me = jwt_payload(token['access_token'])['xero_userid']
    assert [(u.user_id, u.organisation_role) for u in users] == [(me, 'STANDARD')]
    assert users[0].email_address == 'demo.user@example.com' and users[0].is_subscriber
    sim.set_user_role(nz, 'FINANCIALADVISER')
    assert api.get_user(nz, me).users[0].organisation_role == 'FINANCIALADVISER'
    requests.post(sim.url + '/_sim/users/role', json={'tenant_id': nz, 'role': 'READONLY'},
                  timeout=5).raise_for_status()
    assert api.get_users(nz, where='OrganisationRole=="READONLY"').users[0].user_id == me


def test_period_lock_refuses_a_standard_user_and_lets_an_adviser_post(sim, api, nz):
    sim.set_lock_dates(nz, period=LOCKED)
    refused = save(api, nz, txn(date=LOCKED), txn(date=LOCKED + dt.timedelta(days=1)))
    assert refused[0].validation_errors[0].message == (
        'The document date cannot be before the period lock date, currently set at 30-Jun-2025')
    assert refused[1].status_attribute_string == 'OK'
    with pytest.raises(AccountingBadRequestException):
        create(api, nz, invoice([line(10)], date=LOCKED))
    sim.set_user_role(nz, 'FINANCIALADVISER')
    assert save(api, nz, txn(date=LOCKED))[0].status_attribute_string == 'OK'
    assert create(api, nz, invoice([line(10)], date=LOCKED))[0].status == 'AUTHORISED'


def test_end_of_year_lock_refuses_everyone(sim, api, nz):
    sim.set_lock_dates(nz, period=LOCKED, end_of_year=dt.date(2025, 3, 31))
    sim.set_user_role(nz, 'FINANCIALADVISER')
    out = save(api, nz, txn(date=dt.date(2025, 3, 31)), txn(date=dt.date(2025, 4, 1)))
    assert out[0].validation_errors[0].message == (
        'The document date cannot be before the end of year lock date, currently set at '
        '31-Mar-2025')
    assert out[1].status_attribute_string == 'OK', 'an adviser posts into the locked period'


def test_reconciled_transaction_cannot_be_edited_but_can_be_deleted(api, nz):
    reconciled, open_ = save(api, nz, txn(reference='R-1'), txn(reference='O-1', reconciled=False))
    for change in ({'reference': 'R-2'}, {'date': TODAY + dt.timedelta(days=1)},
                   {'amount': 90}, {'reconciled': False}):
        kwargs = dict({'reference': 'R-1'}, **change)
        out = save(api, nz, txn(bank_transaction_id=reconciled.bank_transaction_id, **kwargs))[0]
        assert out.validation_errors[0].message == (
            'This Bank Transaction cannot be edited as it has been reconciled with a Bank '
            'Statement.'), change
    same = save(api, nz, txn(bank_transaction_id=reconciled.bank_transaction_id,
                             reference='R-1'))[0]
    assert same.status_attribute_string == 'OK', 'sending it unchanged is no edit'
    gone = save(api, nz, txn(bank_transaction_id=reconciled.bank_transaction_id,
                             reference='R-1', status='DELETED'))[0]
    assert (gone.status, gone.reference) == ('DELETED', 'R-1')
    edited = save(api, nz, txn(bank_transaction_id=open_.bank_transaction_id, amount=90,
                               reference='O-1', reconciled=False))[0]
    assert edited.total == 90
