"""Look-ups by id: the dedicated ``IDs`` filter where Xero has one, a ``where`` on the id elsewhere."""
import pytest

from xero_client import OAuthClient, XeroApi
from xero_client import MAX_IDS_PER_GET, any_guid
from xero_sim.seed import NZ_TENANT_ID

from .test_client import CLIENT_ID, CLIENT_SECRET, REDIRECT, consent

UNKNOWN = '00000000-0000-4000-8000-000000000000'


@pytest.fixture
def api(sim):
    code, verifier = consent(sim)
    token = OAuthClient(sim.url, CLIENT_ID, CLIENT_SECRET).exchange_code(code, REDIRECT, verifier)
    return XeroApi(sim.url, token['access_token'], tenant_id=NZ_TENANT_ID)


def _credit_note(api, contact_id, n):
    return api.save('credit_notes', [{
        'type': 'ACCRECCREDIT', 'contact': {'contact_id': contact_id}, 'status': 'AUTHORISED',
        'credit_note_number': f'CN-FIND-{n}',
        'line_items': [{'description': 'x', 'quantity': 1, 'unit_amount': 10 + n,
                        'account_code': '200', 'tax_type': 'OUTPUT2'}],
    }], key=f'find-cn-{n}')[0]


def test_any_guid_clause():
    assert any_guid('ItemID', ['a', 'b']) == 'ItemID==Guid("a") OR ItemID==Guid("b")'


def test_credit_notes_by_id_use_a_where_on_the_id(sim, api):
    contact = next(iter(sim.organisation(NZ_TENANT_ID).contacts.values()))
    notes = [_credit_note(api, contact['ContactID'], n) for n in range(3)]
    found = api.find('credit_notes', ids=[notes[0].xero_id, notes[2].xero_id.upper(), UNKNOWN])
    assert sorted(el.xero_id for el in found) == sorted([notes[0].xero_id, notes[2].xero_id])
    assert {el.number for el in found} == {'CN-FIND-0', 'CN-FIND-2'}
    assert all(el.echo['type'] == 'ACCRECCREDIT' and el.echo['contact_id'] for el in found)


def test_items_by_id(sim, api):
    sim.seed(NZ_TENANT_ID, items=[{'Code': f'FIND-{n}', 'Name': f'Find {n}'} for n in range(3)])
    items = {i['Code']: i['ItemID'] for i in sim.organisation(NZ_TENANT_ID).items.values()}
    found = api.find('items', ids=[items['FIND-1'], UNKNOWN])
    assert [(el.xero_id, el.number) for el in found] == [(items['FIND-1'], 'FIND-1')]


def test_contacts_and_invoices_by_id_use_the_ids_filter(sim, api):
    contact = next(iter(sim.organisation(NZ_TENANT_ID).contacts.values()))
    found = api.find('contacts', ids=[contact['ContactID'], UNKNOWN])
    assert [el.xero_id for el in found] == [contact['ContactID']]
    assert api.find('invoices', ids=[UNKNOWN]) == []


def test_at_most_50_ids_per_look_up(api):
    with pytest.raises(ValueError):
        api.find('items', ids=[UNKNOWN] * (MAX_IDS_PER_GET + 1))
