"""Where clauses built from values. Xero's filter (.NET Dynamic LINQ) has no escape for a double
quote inside a string literal (``\\"`` answers 400 QueryParseException, XeroAPI/Xero-Java #347):
``quote`` refuses such a value, and a look-up by one goes through ``searchTerm`` (contact names)
or ``Field.Contains(<quote-free run>)``, narrowed to the exact values. Through the simulator,
whose parser refuses an escaped quote as Xero does, a name with quotes finds its own contact."""
import pytest

from xero_client import XeroValidationError, any_equal, any_guid, equal, guid, quote
from xero_client.where import all_of, covering, has_quote, keep_equal, quote_free_run, same_text
from xero_sim.accounting.where import compile_where
from xero_sim.seed import NZ_TENANT_ID

from .test_batch_payments import TODAY, _invoice
from .test_find import api  # noqa: F401 - the fixture

TAP = 'Joe "The Tap" Ltd'


@pytest.mark.parametrize('value, literal', [
    ('plain', '"plain"'),
    ('C:\\Temp', '"C:\\Temp"'),
    ('ends with a backslash\\', '"ends with a backslash\\"'),
    ('Café Zürich', '"Café Zürich"'),
    ("O'Brien & Sons", '"O\'Brien & Sons"'),
    ('a) OR (b', '"a) OR (b"'),
    (42, '"42"'),
])
def test_quote(value, literal):
    assert quote(value) == literal


@pytest.mark.parametrize('value', [TAP, '"', '""', 'C:\\Temp "x"', '\\"', 'x") OR (Name=="y'])
def test_a_value_with_a_double_quote_cannot_be_quoted(value):
    with pytest.raises(ValueError):
        quote(value)
    with pytest.raises(ValueError):
        equal('Name', value)
    with pytest.raises(ValueError):
        any_equal('Name', ['plain', value])
    with pytest.raises(ValueError):
        guid('ContactID', value)


@pytest.mark.parametrize('value', ['plain', 'C:\\Temp', 'ends\\', 'Ōtautahi Ltd', 'a) OR (b', "O'Brien"])
def test_a_quoted_value_matches_itself_and_nothing_else(value):
    """What the client writes, Xero's grammar (the simulator's parser) reads back as the value."""
    match = compile_where(equal('Name', value))
    assert match({'Name': value})
    assert match({'Name': value.upper()})  # Xero's == ignores case
    assert not match({'Name': value + 'x'})
    assert not match({'Name': value[:-1]})


def test_builders():
    assert equal('Name', 'Joe Ltd') == 'Name=="Joe Ltd"'
    assert guid('ContactID', 'abc') == 'ContactID==Guid("abc")'
    assert any_equal('Code', ['A', 'B']) == 'Code=="A" OR Code=="B"'
    assert any_guid('ItemID', ['a', 'b']) == 'ItemID==Guid("a") OR ItemID==Guid("b")'
    assert all_of('A==1', None, '', 'B==2') == '(A==1) AND (B==2)'
    assert all_of(None, '') is None


def test_quote_free_run():
    assert quote_free_run(TAP) == 'The Tap'
    assert quote_free_run('"Quoted" Limited') == 'Limited'
    assert quote_free_run('asd"asd\'asd"') == "asd'asd"
    assert quote_free_run('""') == ''


def test_covering_and_keep_equal():
    clause = covering('Code', ['A1', 'Q"1'])
    assert clause == 'Code=="A1" OR Code.Contains("Q")'  # the first of the longest runs
    match = compile_where(clause)  # Xero can parse it
    rows = [{'Code': c} for c in ('A1', 'a1', 'Q"1', 'q"1', 'Q1', 'Q"12', 'B2')]
    answered = [r for r in rows if match(r)]
    assert [r['Code'] for r in answered] == ['A1', 'a1', 'Q"1', 'q"1', 'Q1', 'Q"12']  # at least the two
    kept = keep_equal(answered, ['A1', 'Q"1'], lambda r: r['Code'])
    assert [r['Code'] for r in kept] == ['A1', 'a1', 'Q"1', 'q"1']
    assert has_quote(['a', 'b"']) and not has_quote(['a', 'b\\'])
    assert same_text('JOE "the TAP" ltd', TAP) and not same_text(TAP, TAP + ' Two')
    assert same_text(None, '')


# --- through the simulator -----------------------------------------------------------------------

def _seed(sim, *contacts):
    sim.seed(NZ_TENANT_ID, contacts=list(contacts))
    return {c['Name']: c['ContactID'] for c in sim.organisation(NZ_TENANT_ID).contacts.values()}


def _contact_requests(sim):
    return [r.query for r in sim.requests if r.method == 'GET' and r.path.endswith('/Contacts')]


def test_a_name_with_quotes_is_found_through_search_term(sim, api):  # noqa: F811
    ids = _seed(sim, {'Name': TAP, 'EmailAddress': 'joe@tap.example'},
                {'Name': TAP + ' Two', 'EmailAddress': 'joe@tap.example'},
                {'Name': 'Joe The Tap Ltd', 'EmailAddress': 'joe@tap.example'},
                {'Name': 'The Tap Room'})
    del sim.requests[:]
    found = api.contacts_named(TAP)
    assert [(el.xero_id, el.echo['name']) for el in found] == [(ids[TAP], TAP)]
    assert [el.xero_id for el in api.contacts_named(TAP + ' Two')] == [ids[TAP + ' Two']]
    assert [el.xero_id for el in api.contacts_named('joe "THE TAP" ltd')] == [ids[TAP]]  # as Xero's ==
    assert api.contacts_named('Joe "The Tap Ltd') == []
    sent = _contact_requests(sim)
    assert [q.get('searchTerm') for q in sent] == ['The Tap', 'The Tap', 'THE TAP', 'The Tap Ltd']
    assert not any(q.get('where') for q in sent), 'no quote ever goes into a where clause'


def test_a_name_without_quotes_uses_the_where_clause(sim, api):  # noqa: F811
    ids = _seed(sim, {'Name': 'Joe The Tap Ltd'}, {'Name': TAP}, {'Name': 'C:\\Temp Ltd'})
    del sim.requests[:]
    assert [el.xero_id for el in api.contacts_named('Joe The Tap Ltd')] == [ids['Joe The Tap Ltd']]
    assert [el.xero_id for el in api.contacts_named('c:\\temp ltd')] == [ids['C:\\Temp Ltd']]
    sent = _contact_requests(sim)
    assert [q.get('where') for q in sent] == ['Name=="Joe The Tap Ltd"', 'Name=="c:\\temp ltd"']
    assert not any(q.get('searchTerm') for q in sent)


def test_an_escaped_quote_is_refused_by_the_simulator(sim, api):  # noqa: F811
    """The bug this replaces: what the client used to send, the simulator (as Xero) refuses."""
    _seed(sim, {'Name': TAP})
    with pytest.raises(XeroValidationError) as err:
        api.find('contacts', where=r'Name=="Joe \"The Tap\" Ltd"')
    assert err.value.status == 400 and err.value.body['Type'] == 'QueryParseException'
    assert err.value.message == 'Syntax error'


def test_a_saved_contact_with_quotes_comes_back_by_name_and_number(sim, api):  # noqa: F811
    made = api.save('contacts', [{'name': 'Quote "Saved" Ltd', 'contact_number': 'Q"1'},
                                 {'name': 'Quote "Saved" Ltd 2', 'contact_number': 'Q"12'}],
                    key='where-quoted')
    assert all(el.ok for el in made)
    by_name = api.contacts_named('Quote "Saved" Ltd')
    by_number = api.find('contacts', numbers=['Q"1'])
    assert [el.xero_id for el in by_name] == [el.xero_id for el in by_number] == [made[0].xero_id]


def test_item_codes_with_quotes(sim, api):  # noqa: F811
    sim.seed(NZ_TENANT_ID, items=[{'Code': 'Q"1', 'Name': 'Quoted code'}, {'Code': 'Q1', 'Name': 'Plain code'},
                                  {'Code': 'Q"12', 'Name': 'Longer code'}])
    assert [el.number for el in api.find('items', numbers=['Q"1'])] == ['Q"1']
    assert sorted(el.number for el in api.find('items', numbers=['Q"1', 'Q1'])) == ['Q"1', 'Q1']
    assert [i['name'] for i in api.items(codes=['Q"1'])] == ['Quoted code']
    assert [i['name'] for i in api.items(codes=['Q1'])] == ['Plain code']


def _credit_note(api, contact_id, number):
    return api.save('credit_notes', [{
        'type': 'ACCRECCREDIT', 'contact': {'contact_id': contact_id}, 'status': 'AUTHORISED',
        'credit_note_number': number,
        'line_items': [{'description': 'x', 'quantity': 1, 'unit_amount': 10, 'account_code': '200',
                        'tax_type': 'OUTPUT2'}],
    }], key=f'quoted-cn-{number}')[0]


def test_numbers_and_references_with_quotes(sim, api):  # noqa: F811
    contact = next(iter(sim.organisation(NZ_TENANT_ID).contacts.values()))['ContactID']
    notes = {n: _credit_note(api, contact, n) for n in ('CN"1', 'CN"12', 'CN1')}
    assert [el.xero_id for el in api.find('credit_notes', numbers=['CN"1'])] == [notes['CN"1'].xero_id]
    assert sorted(el.number for el in api.find('credit_notes', numbers=['cn"1', 'CN1'])) == ['CN"1', 'CN1']
    inv = _invoice(api, contact, 'quoted', 100)
    batches = {ref: api.save_batch_payments([{
        'account': {'code': '090'}, 'date': TODAY, 'reference': ref,
        'payments': [{'invoice': {'invoice_id': inv.xero_id}, 'amount': 10, 'reference': ref}]}],
        f'quoted-batch-{n}')[0] for n, ref in enumerate(('DEP "A"', 'DEP "A" 2'))}
    assert all(b.ok for b in batches.values())
    found = api.find_batch_payments(references=['DEP "A"'])
    assert [b.xero_id for b in found] == [batches['DEP "A"'].xero_id]
    assert sorted(el.number for el in api.find('payments', numbers=['DEP "A"'])) == ['DEP "A"']
    sent = [r.query.get('where') or '' for r in sim.requests if r.method == 'GET']
    assert not any('\\"' in clause for clause in sent)
