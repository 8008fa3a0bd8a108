"""Contacts: Odoo partner values -> Xero contact payload, and the rules used to recognise a
contact Xero already has (XERO_API.md §6 Contacts).

Xero refuses a second contact with the same Name or ContactNumber. ContactNumber carries the
partner's stable Odoo reference, so a contact we pushed is found again by it; a clash on the
name with someone else's contact is resolved by the caller with ``disambiguated_name``.
"""
import re
from email.utils import getaddresses

import phonenumbers

# Xero's limits (xero_accounting.yaml, schemas Contact, Address, Phone). Longer values are
# refused as a whole, so they are cut rather than lose the contact.
NAME_MAX = 255
PERSON_NAME_MAX = 255
EMAIL_MAX = 255
CONTACT_NUMBER_MAX = 50
TAX_NUMBER_MAX = 50
PHONE_MAX = 50
ADDRESS_LINE_MAX = 500
CITY_MAX = REGION_MAX = 255
POSTAL_CODE_MAX = COUNTRY_MAX = 50


def disambiguated_name(name, ref):
    """'Azure Interior (P00042)': a name Xero accepts beside another contact's same name."""
    return _with_suffix(name, ' (%s)' % ref)


def _with_suffix(name, suffix):
    # Cut the name, not the suffix: the suffix is what makes it unique.
    return (name or '')[:NAME_MAX - len(suffix)].rstrip() + suffix


def contact_payload(partner):
    """The Contact payload (SDK snake_case keys) of one Odoo partner; empty values left out."""
    name = (partner.get('name') or '').strip()
    suffix = partner.get('name_suffix')
    payload = {
        'contact_id': partner.get('xero_id'),
        'contact_number': _cut(partner.get('ref'), CONTACT_NUMBER_MAX),
        'name': _with_suffix(name, suffix) if suffix else _cut(name, NAME_MAX),
        'email_address': _cut(_first_email(partner.get('email')), EMAIL_MAX),
        'tax_number': _cut(partner.get('vat'), TAX_NUMBER_MAX),
    }
    if not partner.get('is_company'):
        first, last = _split_person(name)
        payload['first_name'] = _cut(first, PERSON_NAME_MAX)
        payload['last_name'] = _cut(last, PERSON_NAME_MAX)
    phone = _cut(partner.get('phone'), PHONE_MAX)
    if phone:
        payload['phones'] = [{'phone_type': 'DEFAULT', 'phone_number': phone}]
    address = _address(partner)
    if address:
        # Xero prints the POBOX address on invoices, so it gets the same address too.
        payload['addresses'] = [dict(address, address_type='STREET'),
                                dict(address, address_type='POBOX')]
    return {k: v for k, v in payload.items() if v}


def _cut(value, limit):
    value = (value or '').strip()
    return value[:limit].rstrip() or None


def _first_email(text):
    # Odoo allows 'Name <a@b.c>' and comma-separated lists; Xero keeps one bare address.
    for _name, address in getaddresses([text or '']):
        if '@' in address:
            return address
    return None


def _split_person(name):
    first, _sep, last = name.rpartition(' ')
    return (first.strip(), last) if first.strip() else (last, None)


def _address(partner):
    address = {
        'address_line1': _cut(partner.get('street'), ADDRESS_LINE_MAX),
        'address_line2': _cut(partner.get('street2'), ADDRESS_LINE_MAX),
        'city': _cut(partner.get('city'), CITY_MAX),
        'region': _cut(partner.get('state'), REGION_MAX),
        'postal_code': _cut(partner.get('zip'), POSTAL_CODE_MAX),
        'country': _cut(partner.get('country_code'), COUNTRY_MAX),
    }
    return {k: v for k, v in address.items() if v}


# === MATCHING === #

def normalise_phone(text, default_region=None):
    """The key two phone numbers meet on: the number's international digits (E.164 without the
    '+'), parsed by ``phonenumbers`` as Odoo's own phone_validation does. '+64 (0)9 123 4567'
    and '0064 9 123 4567' give '6491234567'; so does the national '09 123 4567' with the
    default region 'NZ' (the company's country; its calling code '64' is understood too).
    A number ``phonenumbers`` cannot place (national, and no default region) keeps its digits:
    '09 123 4567' alone gives '091234567'. An extension stays part of the key ('x12').
    """
    text = (text or '').strip()
    if not text:
        return ''
    # '00' is the international prefix of most of the world: read it so in any region.
    candidate = '+' + text[2:] if text.startswith('00') else text
    try:
        number = phonenumbers.parse(candidate, _region(default_region))
    except phonenumbers.NumberParseException:
        return re.sub(r'\D', '', text)
    key = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip('+')
    return f'{key}x{number.extension}' if number.extension else key


def _region(default):
    """A region phonenumbers knows ('NZ') from a country code ('nz') or a calling code ('+64',
    64); None when there is none."""
    default = str(default or '').strip()
    if default.lstrip('+').isdigit():
        region = phonenumbers.region_code_for_country_code(int(default.lstrip('+')))
    else:
        region = default.upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def same_party(a, b):
    """Whether two contacts (plain dicts with 'email'/'email_address' and 'vat'/'tax_number')
    are the same party: the same email ignoring case, or the same tax number ignoring spaces
    and punctuation. Missing values never match.
    """
    email_a, email_b = _email_key(a), _email_key(b)
    if email_a and email_a == email_b:
        return True
    tax_a, tax_b = _tax_key(a), _tax_key(b)
    return bool(tax_a) and tax_a == tax_b


def _email_key(contact):
    email = _first_email(contact.get('email') or contact.get('email_address'))
    return email.lower() if email else None


def _tax_key(contact):
    value = contact.get('vat') or contact.get('tax_number') or ''
    return re.sub(r'[\W_]', '', value).upper() or None


# === XERO TO ODOO === #

def person_name(contact):
    """'First Last' from a Xero contact's first and last names, or None."""
    return ' '.join(p.strip() for p in (contact.get('first_name'), contact.get('last_name'))
                    if p and p.strip()) or None


def partner_values(contact):
    """Odoo partner values from a plain Xero contact (``contact_from_sdk``), before the Odoo side
    resolves the country and state names it carries (``country``, ``state``).

    A contact whose name is its person's name is a person; any other is a company, and its
    person (first and last name) is returned apart as ``person`` for a child contact.
    """
    person = person_name(contact)
    name = (contact.get('name') or '').strip() or person or ''
    is_person = bool(person) and person.casefold() == name.casefold()
    address = (contact.get('addresses') or {}).get('STREET') or (contact.get('addresses') or {}).get('POBOX') or {}
    phones = contact.get('phones') or {}
    values = {
        'name': name,
        'is_company': not is_person,
        'email': _first_email(contact.get('email')) or False,
        'phone': phones.get('DEFAULT') or phones.get('MOBILE') or phones.get('DDI') or False,
        'vat': contact.get('tax_number') or False,
        'street': address.get('street') or False,
        'street2': address.get('street2') or False,
        'city': address.get('city') or False,
        'zip': address.get('zip') or False,
        'country': address.get('country') or None,
        'state': address.get('state') or None,
        'person': person if (person and not is_person) else None,
    }
    return values


def contact_keys(contact, default_region=None):
    """What an unlinked Xero contact may be matched on: (contact number, email, phone); a
    national phone number is read in ``default_region`` (see ``normalise_phone``)."""
    phones = contact.get('phones') or {}
    phone = phones.get('DEFAULT') or phones.get('MOBILE') or phones.get('DDI')
    email = _first_email(contact.get('email'))
    return (contact.get('contact_number') or None, email.lower() if email else None,
            normalise_phone(phone, default_region) or None)
