"""The converters on SDK objects built in memory (no HTTP): enums become their values, Decimals
floats, aware datetimes naive UTC, ids str; a missing nested object is None, never an error."""
import datetime as dt
import enum
import uuid
from decimal import Decimal

import pytest

from xero_client import Element, to_sdk
from xero_client.converters import (account_from_sdk, allocation_from_sdk, contact_from_sdk,
                                    contact_group_from_sdk, day, document_from_sdk, element_from_sdk,
                                    guid, item_from_sdk, messages, naive, organisation_from_sdk,
                                    payment_from_sdk, plain, reads_answer, tax_rate_from_sdk,
                                    user_from_sdk)
from xero_client.exceptions import XeroDecodeError, XeroValidationError

from .test_reads import assert_plain

ID = '6f1c2a1e-6c2b-4d8e-9b6a-2f3c1e0a9b01'
AWARE = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone.utc)


class Colour(enum.Enum):
    RED = 'RED'


@pytest.mark.parametrize('value, expected', [
    (Colour.RED, 'RED'), (Decimal('1.2345'), 1.2345), (None, None), ('x', 'x'), (3, 3), (True, True),
])
def test_plain(value, expected):
    assert plain(value) == expected
    assert type(plain(value)) is type(expected)


def test_naive_day_guid_messages():
    assert naive(AWARE) == dt.datetime(2026, 3, 2, 9, 30) and naive(AWARE).tzinfo is None
    assert naive(dt.date(2026, 3, 2)) == dt.date(2026, 3, 2) and naive(None) is None
    assert day(AWARE) == dt.date(2026, 3, 2) and day(dt.date(2026, 1, 1)) == dt.date(2026, 1, 1)
    assert guid(uuid.UUID(ID)) == ID and guid(None) is None and guid('') is None
    errors = to_sdk('Invoice', {'validation_errors': [{'message': 'one'}, {'message': None}, {'message': 'two'}]})
    assert messages(errors.validation_errors) == ['one', 'two'] and messages(None) == []


def test_organisation():
    obj = to_sdk('Organisation', {'organisation_id': ID, 'name': 'Demo', 'legal_name': 'Demo Ltd',
                                  'short_code': '!abc', 'base_currency': 'NZD', 'country_code': 'NZ',
                                  'organisation_type': 'COMPANY', 'is_demo_company': True,
                                  'timezone': 'NEWZEALANDSTANDARDTIME',
                                  'period_lock_date': dt.date(2026, 1, 31)})
    info = organisation_from_sdk(obj)
    assert_plain(info)
    assert info == {'organisation_id': ID, 'name': 'Demo', 'legal_name': 'Demo Ltd', 'short_code': '!abc',
                    'base_currency': 'NZD', 'country_code': 'NZ', 'organisation_type': 'COMPANY',
                    'is_demo_company': True, 'timezone': 'NEWZEALANDSTANDARDTIME',
                    'period_lock_date': dt.date(2026, 1, 31), 'end_of_year_lock_date': None}


def test_account():
    obj = to_sdk('Account', {'account_id': ID, 'code': '090', 'name': 'Bank', 'type': 'BANK',
                             'status': 'ACTIVE', 'currency_code': 'USD', 'bank_account_type': 'BANK',
                             'bank_account_number': '12-3', 'enable_payments_to_account': None,
                             'tax_type': 'NONE', 'updated_date_utc': AWARE})
    obj._class = 'ASSET'
    account = account_from_sdk(obj)
    assert_plain(account)
    assert (account['type'], account['class'], account['currency_code'], account['status']) == \
        ('BANK', 'ASSET', 'USD', 'ACTIVE')
    assert account['enable_payments'] is False and account['system_account'] is None
    assert account['updated'] == dt.datetime(2026, 3, 2, 9, 30)


def test_tax_rate():
    obj = to_sdk('TaxRate', {'tax_type': 'TAX001', 'name': 'GST + Levy', 'status': 'ACTIVE',
                             'report_tax_type': 'OUTPUT', 'effective_rate': Decimal('17.3'),
                             'display_tax_rate': Decimal('17.3'), 'can_apply_to_revenue': True,
                             'tax_components': [{'name': 'GST', 'rate': Decimal('15.0')},
                                                {'name': 'Levy', 'rate': Decimal('2.0'), 'is_compound': True}]})
    rate = tax_rate_from_sdk(obj)
    assert_plain(rate)
    assert (rate['status'], rate['report_tax_type'], rate['effective_rate']) == ('ACTIVE', 'OUTPUT', 17.3)
    assert rate['can_apply_to_revenue'] is True and rate['can_apply_to_assets'] is False
    assert rate['components'] == [
        {'name': 'GST', 'rate': 15.0, 'is_compound': False, 'is_non_recoverable': False},
        {'name': 'Levy', 'rate': 2.0, 'is_compound': True, 'is_non_recoverable': False}]
    assert tax_rate_from_sdk(to_sdk('TaxRate', {'tax_type': 'NONE'}))['components'] == []


def test_item_with_and_without_details():
    full = item_from_sdk(to_sdk('Item', {
        'item_id': ID, 'code': 'A', 'name': 'Apple', 'is_sold': True,
        'sales_details': {'unit_price': Decimal('1.5'), 'account_code': '200', 'tax_type': 'OUTPUT2'}}))
    assert_plain(full)
    assert full['sales'] == {'unit_price': 1.5, 'account_code': '200', 'tax_type': 'OUTPUT2'}
    assert full['purchase'] == {'unit_price': None, 'account_code': None, 'tax_type': None}
    assert (full['is_sold'], full['is_purchased'], full['is_tracked_as_inventory']) == (True, False, False)
    bare = item_from_sdk(to_sdk('Item', {'code': 'B'}))
    assert bare['xero_id'] is None and bare['name'] is None and bare['updated'] is None


def test_user_and_contact_group():
    user = user_from_sdk(to_sdk('User', {'user_id': ID, 'email_address': 'a@b.example',
                                         'organisation_role': 'FINANCIALADVISER'}))
    assert user == {'user_id': ID, 'email': 'a@b.example', 'first_name': None, 'last_name': None,
                    'role': 'FINANCIALADVISER'}
    group = contact_group_from_sdk(to_sdk('ContactGroup', {'contact_group_id': ID, 'name': 'VIP',
                                                           'status': 'ACTIVE'}))
    assert group == {'xero_id': ID, 'name': 'VIP', 'status': 'ACTIVE'}


def test_contact_phones_and_addresses():
    contact = contact_from_sdk(to_sdk('Contact', {
        'contact_id': ID, 'name': 'Joe "The Tap" Ltd', 'contact_status': 'ACTIVE', 'default_currency': 'NZD',
        'phones': [{'phone_type': 'MOBILE', 'phone_country_code': '64', 'phone_area_code': '21',
                    'phone_number': '555 1234'}, {'phone_type': 'FAX'}],
        'addresses': [{'address_type': 'POBOX', 'address_line1': 'PO Box 1', 'address_line2': 'Level 2',
                       'address_line4': 'Rear', 'city': 'Wellington'}, {'address_type': 'STREET'}],
        'contact_groups': [{'contact_group_id': ID}, {'name': 'no id'}], 'updated_date_utc': AWARE}))
    assert_plain(contact)
    assert contact['name'] == 'Joe "The Tap" Ltd' and contact['currency'] == 'NZD'
    assert contact['phones'] == {'MOBILE': '+64 21 555 1234'}
    assert contact['addresses'] == {'POBOX': {'street': 'PO Box 1', 'street2': 'Level 2 Rear', 'city': 'Wellington',
                                              'state': None, 'zip': None, 'country': None}}
    assert contact['groups'] == [ID] and contact['updated'].tzinfo is None
    assert (contact['is_customer'], contact['is_supplier']) == (False, False)


def test_document_and_payment():
    doc = document_from_sdk('credit_notes', to_sdk('CreditNote', {
        'credit_note_id': ID, 'credit_note_number': 'CN-1', 'type': 'ACCRECCREDIT', 'status': 'AUTHORISED',
        'contact': {'contact_id': ID, 'name': 'Bayside'}, 'currency_code': 'NZD',
        'line_amount_types': 'Exclusive', 'remaining_credit': Decimal('11.5'), 'total': Decimal('11.5'),
        'line_items': [{'description': None, 'quantity': Decimal('1'), 'unit_amount': Decimal('10'),
                        'tax_type': 'OUTPUT2', 'account_code': '200'}]}))
    assert_plain(doc)
    assert (doc['number'], doc['type'], doc['amount_due'], doc['contact_name']) == ('CN-1', 'ACCRECCREDIT', 11.5, 'Bayside')
    assert doc['lines'][0]['description'] == '' and doc['lines'][0]['quantity'] == 1.0
    assert doc['line_amount_types'] == 'Exclusive'
    payment = payment_from_sdk(to_sdk('Payment', {'payment_id': ID, 'amount': Decimal('5'), 'status': 'AUTHORISED',
                                                  'invoice': {'invoice_id': ID}, 'is_reconciled': None}))
    assert_plain(payment)
    assert (payment['invoice_id'], payment['credit_note_id'], payment['account_id']) == (ID, None, None)
    assert payment['is_reconciled'] is False and payment['amount'] == 5.0


def test_elements():
    el = element_from_sdk('invoices', to_sdk('Invoice', {
        'invoice_id': ID, 'invoice_number': 'INV-1', 'type': 'ACCREC', 'status': 'DRAFT',
        'total': Decimal('115'), 'contact': {'contact_id': ID}, 'warnings': [{'message': 'careful'}]}))
    assert isinstance(el, Element) and el.ok
    assert (el.xero_id, el.number, el.status, el.total, el.warnings) == (ID, 'INV-1', 'DRAFT', 115.0, ['careful'])
    assert el.echo == {'number': 'INV-1', 'type': 'ACCREC', 'contact_id': ID}
    refused = element_from_sdk('contacts', to_sdk('Contact', {'name': 'X', 'status_attribute_string': 'ERROR'}))
    assert not refused.ok and refused.errors == ['Xero refused this element without saying why.']
    allocation = allocation_from_sdk(to_sdk('Allocation', {'allocation_id': ID, 'amount': Decimal('3'),
                                                           'invoice': {'invoice_id': ID}, 'date': AWARE,
                                                           'is_deleted': True}))
    assert (allocation.status, allocation.total, allocation.echo) == \
        ('DELETED', 3.0, {'invoice_id': ID, 'date': dt.date(2026, 3, 2)})


def test_to_sdk_refuses_what_the_sdk_refuses():
    with pytest.raises(XeroValidationError, match='Account'):
        to_sdk('Account', {'type': 'NOT-A-TYPE'})


class _Answering:
    """A stand-in for XeroApi: ``answered`` counts the answers decoded."""
    answered = 0

    @reads_answer
    def walk(self, answer):
        self.answered += 1
        return answer['missing']

    @reads_answer
    def refuse(self):
        raise ValueError('the caller gave a bad argument')


def test_reads_answer_turns_a_walk_after_an_answer_into_a_decode_error():
    with pytest.raises(XeroDecodeError) as caught:
        _Answering().walk({})
    assert caught.value.operation == 'walk' and isinstance(caught.value.__cause__, KeyError)
    with pytest.raises(ValueError, match='bad argument'):
        _Answering().refuse()
