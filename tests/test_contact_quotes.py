"""A contact whose name has double quotes in it, already in Xero: the push finds it, never by a
where clause (Xero's has no escape for a quote: ``Name=="Joe \\"The Tap\\" Ltd"`` answers 400
QueryParseException), but by ``searchTerm`` and the exact name; the quotes are never stripped."""
from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import SyncCase

NAME = 'Joe "The Tap" Ltd'


class TestContactNameQuotes(SyncCase):

    def setUp(self):
        super().setUp()
        # The twin, and a contact named as the quotes-stripped name used to look for.
        self.sim.seed(NZ_TENANT_ID, contacts=[
            {'Name': NAME, 'EmailAddress': 'joe@tap.example'},
            {'Name': 'Joe The Tap Ltd', 'EmailAddress': 'joe@tap.example'},
        ])
        contacts = self.sim.organisation(NZ_TENANT_ID).contacts.values()
        self.twin = next(c for c in contacts if c['Name'] == NAME)
        self.stripped = next(c for c in contacts if c['Name'] == 'Joe The Tap Ltd')
        self.sim.counters.reset()
        del self.sim.requests[:]

    def name_look_ups(self):
        """(where, searchTerm) of the GET /Contacts look-ups the push made."""
        return [(r.query.get('where'), r.query.get('searchTerm')) for r in self.sim.requests
                if r.method == 'GET' and r.path.endswith('/Contacts')
                and (r.query.get('where') or r.query.get('searchTerm'))]

    def contacts_named(self, name):
        return [c for c in self.sim.organisation(NZ_TENANT_ID).contacts.values() if c['Name'] == name]

    def test_a_quoted_name_in_xero_is_found_not_duplicated(self):
        partner = self.env['res.partner'].create({'name': NAME, 'email': 'JOE@tap.example'})
        move = self.make_move(partner=partner)
        self.push()
        link = self.link(partner)
        self.assertEqual(link.sync_state, 'synced')
        self.assertEqual(link.xero_id, self.twin['ContactID'], 'linked to its twin')
        self.assertNotEqual(link.xero_id, self.stripped['ContactID'])
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Contacts'), 0, 'no second contact')
        self.assertEqual(len(self.contacts_named(NAME)), 1)
        self.assertFalse(link.name_suffix)
        self.assertEqual(self.name_look_ups(), [(None, 'The Tap')], 'searched, no quote in a where clause')
        self.assertInXeroToTheCent(move)

    def test_a_quoted_name_of_another_party_gets_its_own_name(self):
        partner = self.env['res.partner'].create({'name': NAME, 'email': 'someone@else.example',
                                                  'ref': 'JT2'})
        move = self.make_move(partner=partner)
        self.push()
        link = self.link(partner)
        self.assertEqual(link.sync_state, 'synced')
        self.assertNotIn(link.xero_id, (self.twin['ContactID'], self.stripped['ContactID']))
        contact = self.sim.organisation(NZ_TENANT_ID).contacts[link.xero_id.lower()]
        self.assertEqual(contact['Name'], f'{NAME} (JT2)', 'the quotes kept, a suffix of its own')
        self.assertEqual(len(self.contacts_named(NAME)), 1, 'the twin is left alone')
        self.assertInXeroToTheCent(move)
