"""Where clauses built from values: escaped as Xero's syntax wants, never stripped of quotes;
and, through the simulator, a name with quotes in it finds its own contact."""
import pytest

from xero_client import any_equal, any_guid, equal, guid, quote
from xero_client.where import all_of
from xero_sim.accounting.where import compile_where
from xero_sim.seed import NZ_TENANT_ID

from .test_find import api  # noqa: F401 - the fixture

TAP = 'Joe "The Tap" Ltd'


@pytest.mark.parametrize('value, literal', [
    ('plain', '"plain"'),
    (TAP, r'"Joe \"The Tap\" Ltd"'),
    ('C:\\Temp', r'"C:\\Temp"'),
    ('ends with a backslash\\', r'"ends with a backslash\\"'),
    ('\\"', r'"\\\""'),
    ('Café Zürich', '"Café Zürich"'),
    ("O'Brien & Sons", '"O\'Brien & Sons"'),
    (42, '"42"'),
])
def test_quote(value, literal):
    assert quote(value) == literal


@pytest.mark.parametrize('value', [TAP, 'C:\\Temp "x"', 'ends\\', '\\"', '""', 'Ōtautahi "Ltd"', 'a) OR (b'])
def test_a_quoted_value_matches_itself_and_nothing_else(value):
    """What the client writes, Xero's grammar (the simulator's parser) reads back as the value."""
    match = compile_where(equal('Name', value))
    assert match({'Name': value})
    assert not match({'Name': value + 'x'})
    assert not match({'Name': value[:-1]})
    if '"' in value:
        assert not match({'Name': value.replace('"', '')})


def test_builders():
    assert equal('Name', TAP) == r'Name=="Joe \"The Tap\" Ltd"'
    assert guid('ContactID', 'abc') == 'ContactID==Guid("abc")'
    assert any_equal('Code', ['A', 'B"']) == r'Code=="A" OR Code=="B\""'
    assert any_guid('ItemID', ['a', 'b']) == 'ItemID==Guid("a") OR ItemID==Guid("b")'
    assert all_of('A==1', None, '', 'B==2') == '(A==1) AND (B==2)'
    assert all_of(None, '') is None


def test_an_or_inside_a_value_stays_inside_it():
    clause = all_of(equal('Name', 'x") OR (Name=="y'), 'Status=="ACTIVE"')
    match = compile_where(clause)
    assert not match({'Name': 'y', 'Status': 'ACTIVE'})
    assert match({'Name': 'x") OR (Name=="y', 'Status': 'ACTIVE'})


# --- through the simulator -----------------------------------------------------------------------

def _seed_taps(sim):
    sim.seed(NZ_TENANT_ID, contacts=[{'Name': TAP, 'EmailAddress': 'joe@tap.example'},
                                     {'Name': 'Joe The Tap Ltd', 'EmailAddress': 'joe@tap.example'},
                                     {'Name': 'Back\\slash "Co"'}])
    return {c['Name']: c['ContactID'] for c in sim.organisation(NZ_TENANT_ID).contacts.values()}


def test_a_name_with_quotes_finds_its_own_contact(sim, api):  # noqa: F811
    ids = _seed_taps(sim)
    found = api.find('contacts', where=equal('Name', TAP))
    assert [(el.xero_id, el.echo['name']) for el in found] == [(ids[TAP], TAP)]
    assert api.find('contacts', where=equal('Name', 'Back\\slash "Co"'))[0].xero_id == ids['Back\\slash "Co"']
    # The clause went to Xero escaped, not stripped.
    sent = [r.query['where'] for r in sim.requests if r.method == 'GET' and r.path.endswith('/Contacts')]
    assert sent[0] == r'Name=="Joe \"The Tap\" Ltd"'


def test_a_name_with_quotes_does_not_find_the_stripped_name(sim, api):  # noqa: F811
    ids = _seed_taps(sim)
    found = api.find('contacts', where=equal('Name', 'Joe The Tap Ltd'))
    assert [el.xero_id for el in found] == [ids['Joe The Tap Ltd']]
    assert api.find('contacts', where=equal('Name', 'Joe "The Tap Ltd')) == []


def test_a_saved_name_with_quotes_comes_back_by_name(sim, api):  # noqa: F811
    made = api.save('contacts', [{'name': 'Quote "Saved" Ltd', 'contact_number': 'Q"1'}], key='where-quoted')[0]
    assert made.ok
    by_name = api.find('contacts', where=equal('Name', 'Quote "Saved" Ltd'))
    by_number = api.find('contacts', numbers=['Q"1'])
    assert [el.xero_id for el in by_name] == [el.xero_id for el in by_number] == [made.xero_id]


def test_item_codes_with_quotes(sim, api):  # noqa: F811
    sim.seed(NZ_TENANT_ID, items=[{'Code': 'Q"1', 'Name': 'Quoted code'}, {'Code': 'Q1', 'Name': 'Plain code'}])
    assert [el.number for el in api.find('items', numbers=['Q"1'])] == ['Q"1']
    assert [i['name'] for i in api.items(codes=['Q"1'])] == ['Quoted code']
