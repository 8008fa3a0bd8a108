from .common import XeroTransactionCase


class TestDoor(XeroTransactionCase):
    """The organisation's door to Xero: typed operations in plain values, never the raw call."""

    def test_the_door_refuses_the_raw_call_and_private_names(self):
        org = self.connect_organisations()[0]
        door = org._xero()
        for name in ('call', 'get_connections', 'delete_connection', '_translate', '_record', 'no_such_thing'):
            with self.assertRaises(AttributeError, msg=name):
                getattr(door, name)
        with self.assertRaises(AttributeError):
            org._xero_call('call', 'accounting', 'get_organisations')

    def test_details_read_through_the_door_are_plain(self):
        org = self.connect_organisations()[0]
        sim_org = self.sim.organisation(org.tenant_id)
        info = org._xero().organisation()
        self.assertEqual((info['name'], info['base_currency'], info['country_code'], info['short_code']),
                         (sim_org.name, org.base_currency, org.country_code, org.short_code))
        self.assertIsInstance(info['base_currency'], str)
        # The details Xero changes come in as plain text on the next read.
        sim_org.name = 'Renamed in Xero'
        org._fetch_details()
        self.assertEqual(org.name, 'Renamed in Xero')
        self.assertEqual(org.base_currency, sim_org.base_currency)

    def test_each_typed_read_is_one_call_of_the_organisation(self):
        org = self.connect_organisations()[0]
        before = len(self.sim.requests)
        accounts, rates, items = org._xero().accounts(), org._xero().tax_rates(), org._xero().items()
        self.assertEqual(len(self.sim.requests), before + 3)
        self.assertTrue(all(isinstance(a, dict) and a['xero_id'] for a in accounts))
        self.assertIn('OUTPUT2', {r['tax_type'] for r in rates})
        self.assertEqual({i['code'] for i in items}, {'DevD', 'Train'})
        tenants = {r.tenant_id for r in self.sim.requests[before:]}
        self.assertEqual(tenants, {org.tenant_id.lower()})
