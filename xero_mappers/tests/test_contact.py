"""contact_payload and the matching rules."""
from xero_client import to_sdk
from xero_mappers import contact_payload, disambiguated_name, normalise_phone, same_party

AZURE = {'name': 'Azure Interior', 'is_company': True, 'email': 'azure.Interior24@example.com',
         'phone': '+64 9 123 4567', 'vat': 'NZ 123-456-789', 'ref': 'P00042',
         'street': '4557 De Silva St', 'street2': 'Level 2', 'city': 'Fremont',
         'state': 'Auckland', 'zip': '1010', 'country_code': 'NZ', 'xero_id': None,
         'name_suffix': None}


def build(partner):
    payload = contact_payload(partner)
    to_sdk('Contacts', {'contacts': [payload]})  # the SDK must accept it
    return payload


def test_company():
    address = {'address_line1': '4557 De Silva St', 'address_line2': 'Level 2',
               'city': 'Fremont', 'region': 'Auckland', 'postal_code': '1010', 'country': 'NZ'}
    assert build(AZURE) == {
        'name': 'Azure Interior', 'contact_number': 'P00042',
        'email_address': 'azure.Interior24@example.com', 'tax_number': 'NZ 123-456-789',
        'phones': [{'phone_type': 'DEFAULT', 'phone_number': '+64 9 123 4567'}],
        'addresses': [dict(address, address_type='STREET'), dict(address, address_type='POBOX')]}


def test_person_names_and_update_id():
    payload = build({'name': 'Jean Claude Van Damme', 'is_company': False, 'ref': 'P7',
                     'xero_id': 'c0ffee00-0000-4000-8000-000000000001'})
    assert payload == {'name': 'Jean Claude Van Damme', 'first_name': 'Jean Claude Van',
                       'last_name': 'Damme', 'contact_number': 'P7',
                       'contact_id': 'c0ffee00-0000-4000-8000-000000000001'}
    assert build({'name': 'Cher', 'is_company': False}) == {'name': 'Cher', 'first_name': 'Cher'}


def test_empty_values_are_left_out():
    payload = build({'name': 'Bare Ltd', 'is_company': True, 'email': '', 'phone': None,
                     'vat': '  ', 'ref': None, 'street': None, 'city': '', 'country_code': None})
    assert payload == {'name': 'Bare Ltd'}


def test_partial_address_and_email_forms():
    payload = build({'name': 'Deco Addict', 'is_company': True, 'city': 'Wellington',
                     'email': 'Deco Accounts <accounts@deco.example>, boss@deco.example'})
    assert payload['email_address'] == 'accounts@deco.example'
    assert payload['addresses'] == [{'city': 'Wellington', 'address_type': 'STREET'},
                                    {'city': 'Wellington', 'address_type': 'POBOX'}]


def test_name_suffix_and_disambiguation():
    assert disambiguated_name('Azure Interior', 'P00042') == 'Azure Interior (P00042)'
    assert build(dict(AZURE, name_suffix=' (P00042)'))['name'] == 'Azure Interior (P00042)'
    long_name = 'N' * 300
    name = disambiguated_name(long_name, 'P00042')
    assert len(name) == 255 and name.endswith('N (P00042)')  # the suffix survives the cut


def test_truncated_to_xero_limits():
    payload = build({'name': 'x' * 300, 'is_company': False, 'email': 'a' * 300 + '@b.c',
                     'ref': 'R' * 60, 'vat': '1' * 60, 'phone': '9' * 60,
                     'street': 's' * 600, 'zip': 'z' * 60})
    assert len(payload['name']) == len(payload['first_name']) == 255
    assert len(payload['email_address']) == 255
    assert len(payload['contact_number']) == len(payload['tax_number']) == 50
    assert len(payload['phones'][0]['phone_number']) == 50
    assert len(payload['addresses'][0]['address_line1']) == 500
    assert len(payload['addresses'][0]['postal_code']) == 50


def test_normalise_phone():
    assert normalise_phone('+64 9 123 4567') == '6491234567'
    assert normalise_phone('+64 (0)9 123-4567') == '6491234567'
    assert normalise_phone('0064 9 123 4567') == '6491234567'
    assert normalise_phone('09 123 4567') == '091234567'
    assert normalise_phone('09 123 4567', '64') == '6491234567'
    assert normalise_phone('(09) 123 4567', '+64') == '6491234567'
    assert normalise_phone('+1 (555) 010-0199', '64') == '15550100199'
    assert normalise_phone(None) == normalise_phone('  ') == ''


def test_national_and_international_forms_meet_in_the_default_region():
    # The default region is the company's country (its ISO code, as Odoo's country has it).
    forms = {
        'NZ': ('09 123 4567', '(09) 123-4567', '+64 9 123 4567', '+64 (0)9 123 4567', '0064 9 123 4567'),
        'AU': ('(02) 9876 5432', '02 9876 5432', '+61 2 9876 5432', '0061 2 9876 5432'),
        'GB': ('020 7946 0018', '+44 (0)20 7946 0018', '+44 20 7946 0018'),
        'US': ('(555) 010-0199', '555-010-0199', '+1 555 010 0199', '011 1 555 010 0199'),
    }
    for region, numbers in forms.items():
        keys = {normalise_phone(number, region) for number in numbers}
        assert len(keys) == 1, (region, keys)
    assert normalise_phone('09 123 4567', 'NZ') == normalise_phone('09 123 4567', 'nz') == '6491234567'
    assert normalise_phone('(02) 9876 5432', 'AU') == '61298765432'


def test_a_national_number_is_read_in_its_own_region_only():
    # The same national digits are different numbers in two countries; an international number
    # is the same wherever it is read.
    assert normalise_phone('09 123 4567', 'NZ') != normalise_phone('09 123 4567', 'AU')
    assert normalise_phone('+64 9 123 4567', 'AU') == normalise_phone('+64 9 123 4567', 'NZ') == '6491234567'
    # The US dials abroad with 011, not 00: a hand-written rule read this as a national number.
    assert normalise_phone('011 64 9 123 4567', 'US') == '6491234567'
    # No default region (a company without a country), or one phonenumbers does not know: a
    # national number keeps its digits, and never meets an international one by chance.
    assert normalise_phone('09 123 4567') == normalise_phone('09 123 4567', 'XX') == '091234567'


def test_phone_extension_and_text_that_is_no_number():
    assert normalise_phone('+64 9 555 0101 ext. 12') == '6495550101x12'
    assert normalise_phone('+64 9 555 0101 ext. 12') != normalise_phone('+64 9 555 0101')
    assert normalise_phone('n/a', 'NZ') == ''


def test_same_party():
    odoo = {'email': 'Accounts@Deco.example', 'vat': 'NZ 123-456-789'}
    assert same_party(odoo, {'email_address': 'accounts@deco.example'})
    assert same_party(odoo, {'tax_number': 'nz123456789', 'email_address': 'x@y.example'})
    assert same_party({'vat': 'BE0477.472.701'}, {'vat': 'BE 0477 472 701'})
    assert not same_party(odoo, {'email_address': 'other@deco.example', 'tax_number': 'NZ9'})
    assert not same_party({'email': None, 'vat': ''}, {'email_address': None, 'tax_number': ''})
    assert not same_party({}, {})
