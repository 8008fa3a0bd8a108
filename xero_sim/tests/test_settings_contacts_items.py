"""Accounts, Currencies, TaxRates, Contacts, ContactGroups and Items through
the SDK, checked against the spec."""
import datetime as dt
from decimal import Decimal

import pytest
import requests
from xero_python.accounting import (Account, AccountType, Contact, ContactGroup, ContactGroups,
                                    Contacts, Currency, CurrencyCode, Item, Items, Purchase,
                                    TaxComponent, TaxRate, TaxRates)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from xero_sim.tests.helpers import api_headers, raw

D = Decimal


def test_seeded_chart(api, client, nz, spec):
    accounts = {a.code: a for a in api.get_accounts(nz).accounts}
    spec('Accounts', raw(client[2]))
    assert accounts['200'].type == AccountType.SALES
    assert accounts['090'].type == AccountType.BANK and accounts['090'].currency_code == \
        CurrencyCode.NZD
    assert accounts['610'].system_account == 'DEBTORS'
    assert accounts['800'].system_account == 'CREDITORS'
    assert accounts['820'].system_account == 'GST'
    assert accounts['860'].system_account == 'ROUNDING'
    assert accounts['970'].enable_payments_to_account is True
    assert accounts['970'].type == AccountType.EQUITY


def test_accounts_create_rules_and_filters(sim, api, client, nz, spec):
    sim.clock.advance(5)
    mark = sim.clock.now().replace(tzinfo=None)
    bank = api.create_account(nz, Account(
        code='096', name='USD Account', type=AccountType.BANK, bank_account_number='555-1',
        currency_code=CurrencyCode.USD, bank_account_type='BANK')).accounts[0]
    spec('Accounts', raw(client[2]))
    assert bank.currency_code == CurrencyCode.USD and bank._class == 'ASSET'
    assert [a.code for a in api.get_accounts(nz, if_modified_since=mark).accounts] == ['096']
    assert [a.code for a in api.get_accounts(nz, where='Type=="BANK"').accounts] == \
        ['090', '091', '096']
    cases = [
        (Account(code='097', name='usd account', type=AccountType.BANK,
                 bank_account_number='1'), 'Please enter a unique Name.'),
        (Account(code='200', name='Other sales', type=AccountType.REVENUE),
         'Please enter a unique Code.'),
        (Account(code='12345678901', name='Long code', type=AccountType.REVENUE),
         'The Code must be 10 characters or fewer.'),
        (Account(code='098', name='JPY', type=AccountType.BANK, bank_account_number='1',
                 currency_code=CurrencyCode.JPY), 'The currency JPY has not been added'),
    ]
    for account, message in cases:
        with pytest.raises(AccountingBadRequestException) as err:
            api.create_account(nz, account)
        assert err.value.reason.startswith(message)
    got = api.get_account(nz, bank.account_id).accounts[0]
    assert got.name == 'USD Account'
    renamed = api.update_account(nz, bank.account_id, Account(name='USD Cheque')).accounts[0]
    assert renamed.name == 'USD Cheque'
    deleted = api.delete_account(nz, bank.account_id).accounts[0]
    assert deleted.status == 'DELETED'
    with pytest.raises(NotFoundException):
        api.get_account(nz, bank.account_id)


def test_currencies(api, client, nz, spec):
    codes = [c.code for c in api.get_currencies(nz).currencies]
    assert CurrencyCode.NZD in codes and CurrencyCode.JPY not in codes
    spec('Currencies', raw(client[2]))
    added = api.create_currency(nz, Currency(code=CurrencyCode.JPY, description='Yen'))
    assert added.currencies[0].code == CurrencyCode.JPY
    spec('Currencies', raw(client[2]))
    assert CurrencyCode.JPY in [c.code for c in api.get_currencies(nz).currencies]


def test_tax_rates(api, client, nz, au, spec):
    rates = {r.tax_type: r for r in api.get_tax_rates(nz).tax_rates}
    spec('TaxRates', raw(client[2]))
    assert rates['OUTPUT2'].effective_rate == D('15.0000')
    assert rates['OUTPUT2'].report_tax_type == 'OUTPUT'
    assert {'INPUT2', 'NONE', 'EXEMPTOUTPUT', 'ZERORATED'} <= set(rates)
    au_rates = {r.tax_type: r for r in api.get_tax_rates(au).tax_rates}
    assert au_rates['OUTPUT'].effective_rate == D('10.0000')
    assert au_rates['TAX001'].effective_rate == D('41.9000')  # 29% WET + 10% GST compound
    made = api.create_tax_rates(nz, TaxRates(tax_rates=[TaxRate(
        name='Local levy', report_tax_type='OUTPUT', tax_components=[
            TaxComponent(name='GST', rate=15, is_compound=False),
            TaxComponent(name='Levy', rate=5, is_compound=True)])])).tax_rates[0]
    spec('TaxRates', raw(client[2]))
    assert made.tax_type == 'TAX002'
    assert (made.display_tax_rate, made.effective_rate) == (D('20.0000'), D('20.7500'))
    assert api.get_tax_rates(nz, where='TaxType=="TAX002"').tax_rates[0].name == 'Local levy'
    assert len(api.get_tax_rates(nz, where='Name.Contains("levy")').tax_rates) == 2
    updated = api.update_tax_rate(nz, TaxRates(tax_rates=[TaxRate(
        name='Local levy', tax_type='TAX002', report_tax_type='OUTPUT',
        tax_components=[TaxComponent(name='GST', rate=12.5)])])).tax_rates[0]
    assert updated.effective_rate == D('12.5000')
    with pytest.raises(AccountingBadRequestException):
        api.create_tax_rates(nz, TaxRates(tax_rates=[TaxRate(
            name='Local levy', tax_components=[TaxComponent(name='x', rate=1)])]))


def _contacts(api, tenant, *contacts, **kw):
    return api.create_contacts(tenant, Contacts(contacts=list(contacts)), **kw).contacts


def test_contacts_uniqueness_and_batches(api, client, nz, spec):
    made = _contacts(api, nz, Contact(name='Acme Ltd', contact_number='ODOO-1',
                                      email_address='ap@acme.example', is_customer=True))
    assert made[0].is_customer is False  # derived, not settable
    spec('Contacts', raw(client[2]))
    out = _contacts(api, nz, Contact(name='acme ltd'), Contact(name='Other', contact_number='ODOO-1'),
                    Contact(name='Fine Co'), summarize_errors='false')
    assert [c.status_attribute_string for c in out] == ['ERROR', 'ERROR', 'OK']
    assert out[0].validation_errors[0].message.startswith(
        'The contact name acme ltd is already assigned to another contact.')
    assert 'ODOO-1 is already assigned to another contact' in out[1].validation_errors[0].message
    spec('Contacts', raw(client[2]))
    with pytest.raises(AccountingBadRequestException) as err:
        _contacts(api, nz, Contact(name='Valid One'), Contact(name='Fine Co'))
    assert len(err.value.error_data['Elements']) == 1
    names = [c.name for c in api.get_contacts(nz).contacts]
    assert 'Valid One' in names  # committed although the batch answered 400
    by_number = api.get_contact_by_contact_number(nz, 'ODOO-1').contacts[0]
    assert by_number.contact_id == made[0].contact_id
    updated = api.update_contact(nz, made[0].contact_id, Contacts(contacts=[
        Contact(email_address='billing@acme.example')])).contacts[0]
    assert updated.email_address == 'billing@acme.example'
    upserted = api.update_or_create_contacts(nz, Contacts(contacts=[
        Contact(contact_number='ODOO-1', name='Acme Limited'),
        Contact(name='Brand New')])).contacts
    assert upserted[0].contact_id == made[0].contact_id and upserted[0].name == 'Acme Limited'


def test_contacts_get_filters(sim, api, client, nz, spec):
    base = len(api.get_contacts(nz).contacts)
    sim.clock.advance(30)
    mark = sim.clock.now().replace(tzinfo=None)
    made = _contacts(api, nz, *[Contact(name='Paged %02d' % i,
                                        email_address='p%d@x.example' % i if i % 2 else None)
                                for i in range(7)])
    page = api.get_contacts(nz, page=2, page_size=5)
    assert page.pagination.item_count == base + 7 and page.pagination.page_count == 3
    assert len(page.contacts) == 5
    spec('Contacts', raw(client[2]))
    assert len(api.get_contacts(nz, if_modified_since=mark).contacts) == 7
    assert len(api.get_contacts(nz, i_ds=[made[0].contact_id, made[1].contact_id]).contacts) == 2
    assert [c.name for c in api.get_contacts(nz, where='Name=="Paged 03"').contacts] == \
        ['Paged 03']
    assert [c.name for c in api.get_contacts(
        nz, where='EmailAddress=="P5@X.EXAMPLE"').contacts] == ['Paged 05']
    assert len(api.get_contacts(nz, where='Name.Contains("paged")').contacts) == 7
    assert len(api.get_contacts(
        nz, where='Name.StartsWith("Paged") AND EmailAddress!=null').contacts) == 3
    assert len(api.get_contacts(
        nz, where='Name=="Paged 00" OR Name=="Paged 01"').contacts) == 2
    assert len(api.get_contacts(nz, search_term='paged 0').contacts) == 7
    with pytest.raises(AccountingBadRequestException):
        api.get_contacts(nz, where='Name=="unterminated')
    api.update_contact(nz, made[0].contact_id, Contacts(contacts=[
        Contact(contact_status='ARCHIVED')]))
    assert len(api.get_contacts(nz, where='Name.Contains("paged")').contacts) == 6
    assert len(api.get_contacts(nz, where='Name.Contains("paged")',
                                include_archived='true').contacts) == 7
    # An archived contact frees its name.
    assert _contacts(api, nz, Contact(name='Paged 00'))[0].contact_status == 'ACTIVE'
    assert api.get_contacts(nz, order='Name DESC').contacts[0].name == 'PowerDirect'


def test_contact_groups(api, client, nz, spec):
    groups = api.get_contact_groups(nz).contact_groups
    assert [g.name for g in groups] == ['Preferred customers']
    spec('ContactGroups', raw(client[2]))
    group = api.create_contact_group(nz, ContactGroups(contact_groups=[
        ContactGroup(name='Wholesale')])).contact_groups[0]
    spec('ContactGroups', raw(client[2]))
    contacts = api.get_contacts(nz).contacts[:2]
    added = api.create_contact_group_contacts(nz, group.contact_group_id, Contacts(
        contacts=[Contact(contact_id=c.contact_id) for c in contacts])).contacts
    assert len(added) == 2
    spec('Contacts', raw(client[2]))
    fetched = api.get_contact_group(nz, group.contact_group_id).contact_groups[0]
    assert {c.contact_id for c in fetched.contacts} == {c.contact_id for c in contacts}
    member = api.get_contact(nz, contacts[0].contact_id).contacts[0]
    assert 'Wholesale' in [g.name for g in member.contact_groups]
    api.delete_contact_group_contact(nz, group.contact_group_id, contacts[0].contact_id)
    fetched = api.get_contact_group(nz, group.contact_group_id).contact_groups[0]
    assert [c.contact_id for c in fetched.contacts] == [contacts[1].contact_id]
    api.delete_contact_group_contacts(nz, group.contact_group_id)
    assert api.get_contact_group(nz, group.contact_group_id).contact_groups[0].contacts == []
    renamed = api.update_contact_group(nz, group.contact_group_id, ContactGroups(
        contact_groups=[ContactGroup(name='Trade')])).contact_groups[0]
    assert renamed.name == 'Trade'
    api.update_contact_group(nz, group.contact_group_id, ContactGroups(
        contact_groups=[ContactGroup(status='DELETED')]))
    assert [g.name for g in api.get_contact_groups(nz).contact_groups] == ['Preferred customers']


def test_items(sim, api, client, nz, token, spec):
    assert {i.code for i in api.get_items(nz).items} == {'DevD', 'Train'}
    spec('Items', raw(client[2]))
    sim.clock.advance(10)
    mark = sim.clock.now().replace(tzinfo=None)
    out = api.create_items(nz, Items(items=[
        Item(code='WIDGET', name='Widget', sales_details=Purchase(
            unit_price=12.3456, account_code='200', tax_type='OUTPUT2')),
        Item(code='BADACC', sales_details=Purchase(account_code='999')),
        Item(code='widget', name='dup')]), summarize_errors='false').items
    assert [i.status_attribute_string for i in out] == ['OK', 'ERROR', 'ERROR']
    assert out[0].sales_details.unit_price == D('12.35')
    spec('Items', raw(client[2]))
    four = api.get_item(nz, out[0].item_id, unitdp=4).items[0]
    assert four.sales_details.unit_price == D('12.3500')  # rounded on entry without unitdp=4
    precise = api.update_or_create_items(nz, Items(items=[Item(
        code='WIDGET', sales_details=Purchase(unit_price=12.3456))]), unitdp=4).items[0]
    assert precise.item_id == out[0].item_id
    assert precise.sales_details.unit_price == D('12.3456')
    assert [i.code for i in api.get_items(nz, if_modified_since=mark).items] == ['WIDGET']
    assert [i.code for i in api.get_items(nz, where='Code=="Train"').items] == ['Train']
    with pytest.raises(AccountingBadRequestException):
        api.create_items(nz, Items(items=[Item(code='TRACKED', is_tracked_as_inventory=True)]))
    # The SDK refuses codes over 30 characters client-side; raw clients meet the sim's rule.
    resp = requests.put(sim.api_url + '/Items', json={'Items': [{'Code': 'W' * 31}]},
                        headers=api_headers(token, nz), timeout=5)
    assert resp.status_code == 400
    assert resp.json()['Elements'][0]['ValidationErrors'][0]['Message'] == \
        'Item code must be 30 characters or fewer.'
    renamed = api.update_item(nz, out[0].item_id, Items(items=[Item(code='WIDGET',
                                                                    name='Big widget')]))
    assert renamed.items[0].name == 'Big widget'
    api.delete_item(nz, out[0].item_id)
    with pytest.raises(NotFoundException):
        api.get_item(nz, out[0].item_id)


def test_item_code_on_invoice_line(api, nz):
    from xero_python.accounting import Invoice, Invoices, LineItem, LineAmountTypes
    inv = api.create_invoices(nz, Invoices(invoices=[Invoice(
        type='ACCREC', contact=Contact(name='Bayside Club'), status='DRAFT',
        line_amount_types=LineAmountTypes.EXCLUSIVE, date=dt.date(2026, 2, 1),
        line_items=[LineItem(item_code='DevD', quantity=2)])])).invoices[0]
    assert inv.line_items[0].line_amount == D('1000.00')
    assert inv.line_items[0].account_code == '200' and inv.total_tax == D('150.00')


def test_post_contact_groups_raw(sim, token, nz):
    """POST /ContactGroups (create or update by id) has no SDK method."""
    url = sim.api_url + '/ContactGroups'
    made = requests.post(url, json={'ContactGroups': [{'Name': 'Raw group'}]},
                         headers=api_headers(token, nz), timeout=5).json()['ContactGroups'][0]
    renamed = requests.post(url, json={'ContactGroups': [{
        'ContactGroupID': made['ContactGroupID'], 'Name': 'Raw group 2'}]},
        headers=api_headers(token, nz), timeout=5).json()['ContactGroups'][0]
    assert renamed['ContactGroupID'] == made['ContactGroupID']
    assert renamed['Name'] == 'Raw group 2'
    dup = requests.put(url, json={'ContactGroups': [{'Name': 'raw group 2'}]},
                       headers=api_headers(token, nz), timeout=5)
    assert dup.status_code == 400
