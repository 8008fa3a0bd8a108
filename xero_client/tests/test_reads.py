"""The typed reads, against the simulator over real HTTP through the real SDK: each answers in
plain values (str, float, bool, dates, dicts and lists), never an SDK object."""
import datetime as dt
import enum
import uuid
from decimal import Decimal

import pytest

from xero_client import XeroNotFound, XeroValidationError
from xero_sim.seed import NZ_TENANT_ID

from .test_find import api  # noqa: F401 - the fixture


def assert_plain(value, where='answer'):
    """Nothing but plain Python in ``value``: no SDK model, enum, Decimal or UUID."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f'{where}: key {key!r}'
            assert_plain(item, f'{where}.{key}')
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            assert_plain(item, f'{where}[{index}]')
    else:
        assert not isinstance(value, (enum.Enum, Decimal, uuid.UUID)), f'{where}: {value!r}'
        assert value is None or isinstance(value, (str, int, float, bool, dt.date)), \
            f'{where}: {type(value).__name__} is not a plain value'


# --- the organisation ----------------------------------------------------------------------------

def test_organisation_is_plain(sim, api):  # noqa: F811
    info = api.organisation()
    assert_plain(info)
    org = sim.organisation(NZ_TENANT_ID)
    assert info['organisation_id'] and info['name'] == 'Demo Company (NZ)'
    assert (info['base_currency'], info['country_code'], info['short_code']) == ('NZD', 'NZ', '!mBdQr')
    assert info['period_lock_date'] is None and info['end_of_year_lock_date'] is None
    assert org.name == info['name']


def test_lock_dates_follow_the_organisation(sim, api):  # noqa: F811
    sim.set_lock_dates(NZ_TENANT_ID, period=dt.date(2026, 1, 31), end_of_year=dt.date(2025, 3, 31))
    dates = api.lock_dates()
    assert dates == {'period': dt.date(2026, 1, 31), 'end_of_year': dt.date(2025, 3, 31)}
    info = api.organisation()
    assert (info['period_lock_date'], info['end_of_year_lock_date']) == (dates['period'], dates['end_of_year'])
    assert not isinstance(info['period_lock_date'], dt.datetime) or info['period_lock_date'].tzinfo is None


def test_users_are_plain(api):  # noqa: F811
    users = api.users()
    assert users, 'the demo user who consented'
    assert_plain(users)
    assert set(users[0]) == {'user_id', 'email', 'first_name', 'last_name', 'role'}
    assert all(u['user_id'] and u['role'] for u in users)


def test_currencies_and_contact_groups(sim, api):  # noqa: F811
    assert api.currencies() == ['AUD', 'EUR', 'GBP', 'NZD', 'USD']
    groups = api.contact_groups()
    assert_plain(groups)
    assert [(g['name'], g['status']) for g in groups] == [('Preferred customers', 'ACTIVE')]
    members = api.contact_group_members(groups[0]['xero_id'])
    bayside = next(c for c in sim.organisation(NZ_TENANT_ID).contacts.values() if c['Name'] == 'Bayside Club')
    assert members == [bayside['ContactID']]


# --- the chart of accounts -----------------------------------------------------------------------

def test_accounts_are_the_whole_chart_in_plain_values(sim, api):  # noqa: F811
    accounts = api.accounts()
    assert_plain(accounts)
    listed = {str(a['AccountID']).lower() for a in sim.organisation(NZ_TENANT_ID).accounts.values()}
    assert {a['xero_id'] for a in accounts} == listed
    sales = next(a for a in accounts if a['code'] == '200')
    assert (sales['name'], sales['type'], sales['class'], sales['status'], sales['tax_type']) == \
        ('Sales', 'SALES', 'REVENUE', 'ACTIVE', 'OUTPUT2')
    assert sales['enable_payments'] is False
    bank = [a for a in accounts if a['type'] == 'BANK']
    assert bank and all(a['currency_code'] and a['bank_account_number'] for a in bank)


def test_accounts_by_code(api):  # noqa: F811
    found = api.accounts(codes=['200', '404', 'NOPE'])
    assert sorted(a['code'] for a in found) == ['200', '404']
    assert api.accounts(codes=['NOPE']) == []


def test_create_and_delete_an_account(sim, api):  # noqa: F811
    made = api.create_account({'code': 'BNKEUR', 'name': 'Bank EUR', 'type': 'BANK',
                               'bank_account_number': '12-EUR', 'currency_code': 'EUR'}, 'reads-bank-eur')
    assert_plain(made)
    assert (made['code'], made['type'], made['currency_code'], made['class']) == ('BNKEUR', 'BANK', 'EUR', 'ASSET')
    assert made['xero_id'] in sim.organisation(NZ_TENANT_ID).accounts
    listed = api.accounts(codes=['BNKEUR'])
    assert [a['xero_id'] for a in listed] == [made['xero_id']]
    deleted = api.delete_account(made['xero_id'])
    assert (deleted['xero_id'], deleted['status']) == (made['xero_id'], 'DELETED')
    assert api.accounts(codes=['BNKEUR']) == []


def test_an_account_xero_refuses_to_make(api):  # noqa: F811
    with pytest.raises(XeroValidationError):
        api.create_account({'code': '200', 'name': 'Sales again', 'type': 'SALES'}, 'reads-dup-200')


def test_deleting_an_unknown_account(api):  # noqa: F811
    with pytest.raises(XeroNotFound):
        api.delete_account('00000000-0000-4000-8000-000000000000')


# --- tax rates and items -------------------------------------------------------------------------

def test_tax_rates_with_their_components(api):  # noqa: F811
    rates = {r['tax_type']: r for r in api.tax_rates()}
    assert_plain(list(rates.values()))
    gst = rates['OUTPUT2']
    assert (gst['name'], gst['status'], gst['report_tax_type']) == ('15% GST on Income', 'ACTIVE', 'OUTPUT')
    assert gst['components'] == [{'name': 'GST', 'rate': 15.0, 'is_compound': False, 'is_non_recoverable': False}]
    levy = rates['TAX001']
    assert [(c['name'], c['rate'], c['is_compound']) for c in levy['components']] == \
        [('GST', 15.0, False), ('Levy', 2.0, True)]
    assert levy['effective_rate'] == pytest.approx(17.3)
    assert isinstance(levy['can_apply_to_revenue'], bool)


def test_items_with_sales_and_purchase_details(api):  # noqa: F811
    items = {i['code']: i for i in api.items()}
    assert_plain(list(items.values()))
    train = items['Train']
    assert train['name'] == 'Training course' and train['is_sold'] and train['is_purchased']
    assert train['sales'] == {'unit_price': 1200.0, 'account_code': '200', 'tax_type': 'OUTPUT2'}
    assert train['purchase'] == {'unit_price': 650.0, 'account_code': '300', 'tax_type': 'INPUT2'}
    dev = items['DevD']
    assert dev['is_purchased'] is False and dev['purchase']['unit_price'] is None
    assert train['xero_id'] and train['updated'].tzinfo is None


def test_items_by_code_with_four_decimals(sim, api):  # noqa: F811
    sim.seed(NZ_TENANT_ID, items=[{'Code': 'FINE', 'Name': 'Fine price', 'IsSold': True,
                                   'SalesDetails': {'UnitPrice': '1.2345', 'AccountCode': '200'}}])
    found = api.items(codes=['FINE'])
    assert [i['code'] for i in found] == ['FINE']
    assert found[0]['sales']['unit_price'] == 1.2345
    query = [r.query for r in sim.requests if r.method == 'GET' and r.path.endswith('/Items')][-1]
    assert query['unitdp'] == '4' and query['where'] == 'Code=="FINE"'
