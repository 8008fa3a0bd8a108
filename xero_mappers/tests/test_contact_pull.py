"""Xero contact -> Odoo partner values, and the keys an unlinked contact is matched on."""
from xero_mappers.contact import contact_keys, partner_values, person_name

BAYSIDE = {'name': 'Bayside Club', 'first_name': 'Bob', 'last_name': 'Partridge',
           'email': 'Bob.Partridge@Bayside.example', 'tax_number': 'NZ-123',
           'phones': {'DEFAULT': '+64 9 555 0101', 'MOBILE': '+64 21 000'},
           'addresses': {'POBOX': {'street': 'PO Box 1', 'city': 'Auckland', 'country': 'NZ'},
                         'STREET': {'street': '1 Marine Pde', 'street2': 'Level 2', 'city': 'Auckland',
                                    'zip': '1010', 'state': 'Auckland', 'country': 'New Zealand'}},
           'contact_number': 'C-BAY'}


def test_company_with_a_person():
    values = partner_values(BAYSIDE)
    assert values['name'] == 'Bayside Club'
    assert values['is_company'] is True
    assert values['person'] == 'Bob Partridge'
    assert values['street'] == '1 Marine Pde', 'the street address, not the PO box'
    assert values['street2'] == 'Level 2'
    assert values['country'] == 'New Zealand'
    assert values['phone'] == '+64 9 555 0101', 'the default phone first'
    assert values['vat'] == 'NZ-123'


def test_person():
    values = partner_values({'name': 'Jane Doe', 'first_name': 'Jane', 'last_name': 'Doe'})
    assert values['is_company'] is False
    assert values['person'] is None
    assert values['name'] == 'Jane Doe'


def test_no_first_or_last_name_uses_the_contact_name():
    values = partner_values({'name': 'PowerDirect'})
    assert (values['name'], values['is_company'], values['person']) == ('PowerDirect', True, None)
    assert person_name({'first_name': ' ', 'last_name': None}) is None


def test_po_box_when_there_is_no_street_address():
    values = partner_values({'name': 'Box Co', 'addresses': {'POBOX': {'street': 'PO Box 9'}}})
    assert values['street'] == 'PO Box 9'


def test_keys_are_case_and_format_insensitive():
    number, email, phone = contact_keys(BAYSIDE, '64')
    assert number == 'C-BAY'
    assert email == 'bob.partridge@bayside.example'
    assert phone == '6495550101'
    national = dict(BAYSIDE, phones={'DEFAULT': '09 555 0101'})
    assert contact_keys(national, '64')[2] == phone, 'a national number meets its international form'


def test_keys_read_a_national_phone_in_the_company_country():
    national = dict(BAYSIDE, phones={'DEFAULT': '(09) 555-0101'})
    assert contact_keys(national, 'NZ')[2] == contact_keys(BAYSIDE, 'NZ')[2] == '6495550101'
    # Read in another country, the same national digits are another number.
    assert contact_keys(national, 'AU')[2] == '6195550101'


def test_no_keys():
    assert contact_keys({'name': 'Nobody'}) == (None, None, None)
