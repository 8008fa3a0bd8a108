"""A double quote inside a where literal, through the SDK: refused as real Xero refuses it
(400 QueryParseException "Syntax error", XeroAPI/Xero-Java #347); searchTerm, which is text and
not a filter, finds the name."""
import pytest
from xero_python.accounting import Contact, Contacts
from xero_python.exceptions import AccountingBadRequestException

TAP = 'Joe "The Tap" Ltd'


def _contacts(api, nz, *names):
    return api.create_contacts(nz, Contacts(contacts=[Contact(name=n) for n in names])).contacts


@pytest.mark.parametrize('clause', [r'Name=="Joe \"The Tap\" Ltd"', r'Name=="Joe \\"The Tap\\" Ltd"',
                                    r'Name.Contains("\"The Tap\"")', 'Name=="Joe ""The Tap"" Ltd"'])
def test_a_quote_inside_a_where_literal_is_refused(api, nz, clause):
    _contacts(api, nz, TAP)
    with pytest.raises(AccountingBadRequestException) as err:
        api.get_contacts(nz, where=clause)
    assert err.value.status == 400
    body = err.value.error_data
    assert (body['ErrorNumber'], body['Type'], body['Message']) == (16, 'QueryParseException', 'Syntax error')


def test_an_unterminated_literal_is_refused(api, nz):
    with pytest.raises(AccountingBadRequestException) as err:
        api.get_contacts(nz, where='Name=="Joe')
    assert (err.value.error_data['Type'], err.value.error_data['Message']) == \
        ('QueryParseException', 'Unterminated string literal')


def test_a_backslash_is_a_backslash(api, nz):
    made = _contacts(api, nz, 'C:\\Temp Ltd', 'C:Temp Ltd')
    got = api.get_contacts(nz, where=r'Name=="C:\Temp Ltd"').contacts
    assert [c.contact_id for c in got] == [made[0].contact_id]


def test_search_term_finds_a_name_with_quotes(api, nz):
    made = _contacts(api, nz, TAP, TAP + ' Two', 'Joe The Tap Ltd')
    by_run = sorted(c.contact_id for c in api.get_contacts(nz, search_term='the tap').contacts)
    assert by_run == sorted(c.contact_id for c in made)
    by_name = [c.contact_id for c in api.get_contacts(nz, search_term=TAP).contacts]
    assert sorted(by_name) == sorted(c.contact_id for c in made[:2])
