from .common import XeroTransactionCase


class TestDisconnect(XeroTransactionCase):
    """Disconnect commits first; Xero hears about it after the commit."""

    def _deletes(self):
        return self.sim.counters.count(method='DELETE', endpoint='/connections/{id}')

    def _revocations(self):
        return self.sim.counters.count(endpoint='/connect/revocation')

    def _after_commit(self):
        with self.enter_registry_test_mode():
            self.env.cr.postcommit.run()
        self.env.invalidate_all()

    def test_xero_is_called_only_after_commit(self):
        orgs = self.connect_organisations()
        nz, au = orgs
        token = orgs.sudo().token_id
        grant = self.sim.identity.grants[token.auth_event_id]
        requests_before = len(self.sim.requests)

        nz.action_disconnect()
        self.assertEqual(nz.state, 'disconnected')
        self.assertEqual(len(self.sim.requests), requests_before, 'no Xero call in the transaction')
        self._after_commit()
        self.assertEqual(self._deletes(), 1)
        self.assertEqual(self._revocations(), 0, 'the grant still serves the other organisation')
        self.assertFalse(self.sim.identity.is_connected(grant, nz.tenant_id))
        self.assertTrue(self.sim.identity.is_connected(grant, au.tenant_id))
        self.assertTrue(au._xero().organisation()['organisation_id'])

        requests_before = len(self.sim.requests)
        au.action_disconnect()
        self.assertEqual(len(self.sim.requests), requests_before)
        self.assertTrue(token.exists(), 'forgotten only once Xero was told')
        self._after_commit()
        self.assertEqual(self._revocations(), 1)
        self.assertTrue(grant['revoked'])
        self.assertFalse(self.env['xero.token'].sudo().search([]))

    def test_grant_of_a_user_still_serving_others_is_not_revoked(self):
        nz_tenant, au_tenant = (o.tenant_id for o in self.sim.organisations[:2])
        nz = self.connect_organisations(tenants=[nz_tenant])
        au = self.connect_organisations(tenants=[au_tenant])
        self.assertNotEqual(nz.sudo().token_id, au.sudo().token_id)
        nz.action_disconnect()
        self._after_commit()
        # Xero's revocation would drop every connection of that Xero user, AU's included.
        self.assertEqual(self._revocations(), 0)
        self.assertFalse(self.env['xero.token'].sudo().search([('organisation_ids', '=', False)]))
        self.assertTrue(au._xero().organisation()['organisation_id'])
