from unittest.mock import patch

import psycopg2.errors

from odoo.tests import tagged

from .common import XeroHttpCase, XeroTransactionCase

CONNECT = '/admin/xero_integration/connect'


@tagged('post_install', '-at_install')
class TestConnectFailures(XeroHttpCase):
    """Once the code is spent, a failure leaves nothing behind and is never retried by Odoo."""

    def _consent_and_come_back(self):
        self.authenticate('admin', 'admin')
        response = self.url_open(CONNECT, allow_redirects=False)
        self.assertEqual(response.status_code, 302, response.text[:500])
        _back, answer = self.sim_consent(response.headers['Location'])
        return self.url_open(CONNECT + '?' + '&'.join(f'{k}={v}' for k, v in answer.items()),
                             allow_redirects=False)

    def assertNothingKept(self, response):
        self.assertEqual(response.status_code, 502, response.text[:500])
        self.assertNotIn('Traceback', response.text)
        self.assertIn('Nothing was kept', response.text)
        self.assertIn('the authorisation was withdrawn in Xero', response.text)
        self.assertFalse(self.env['xero.token'].sudo().search([]))
        self.assertFalse(self.env['xero.organisation'].with_context(active_test=False).search([]))
        self.assertEqual(self.token_calls(), 1, 'the code was exchanged once, never again')
        self.assertEqual(self.sim.counters.count(endpoint='/connect/revocation'), 1)
        grants = list(self.sim.identity.grants.values())
        self.assertEqual(len(grants), 1)
        self.assertTrue(grants[0]['revoked'], 'the new grant is revoked in Xero')

    def test_connections_unreadable(self):
        self.sim.faults.add('status', status=500, path='/connections', count=1)
        response = self._consent_and_come_back()
        self.assertNothingKept(response)
        self.assertIn('did not list the organisations it authorised (/connections)', response.text)

    def test_organisation_details_unreadable(self):
        self.sim.faults.add('status', status=500, path='/api.xro/2.0/Organisation', count=1)
        response = self._consent_and_come_back()
        self.assertNothingKept(response)
        self.assertIn('did not give the details of organisation', response.text)

    def test_concurrency_error_is_not_retried(self):
        # What PostgreSQL raises when another transaction changed the same rows: Odoo would
        # re-run the whole request, and exchange the spent code a second time.
        Organisation = type(self.env['xero.organisation'])
        with patch.object(Organisation, '_fetch_details', autospec=True,
                          side_effect=psycopg2.errors.SerializationFailure('could not serialize access')):
            response = self._consent_and_come_back()
        self.assertNothingKept(response)
        self.assertIn('at the same moment', response.text)

    def test_connect_again_after_a_failure(self):
        self.sim.faults.add('status', status=500, path='/connections', count=1)
        self.assertEqual(self._consent_and_come_back().status_code, 502)
        response = self._consent_and_come_back()
        self.assertEqual(response.status_code, 303, response.text[:500])
        orgs = self.env['xero.organisation'].search([])
        self.assertEqual(len(orgs), 2)
        self.assertEqual(set(orgs.mapped('state')), {'connected'})
        self.assertTrue(orgs[0]._xero().organisation()['organisation_id'])


class TestSupersededTokens(XeroTransactionCase):
    """A consent that takes over every organisation of an older one withdraws the older grant."""

    def _revocations(self):
        return self.sim.counters.count(endpoint='/connect/revocation')

    def test_superseded_grant_is_revoked_after_commit(self):
        first = self.connect_organisations(user='first.admin@example.com')
        old_token = first.sudo().token_id
        old_grant = self.sim.identity.grants[old_token.auth_event_id]
        orgs = self.connect_organisations(user='second.admin@example.com')
        self.assertEqual(orgs, first)
        self.assertFalse(old_token.exists(), 'forgotten here at once')
        self.assertEqual(self._revocations(), 0, 'not before the commit')
        self.env.cr.postcommit.run()
        self.assertEqual(self._revocations(), 1)
        self.assertTrue(old_grant['revoked'])
        self.assertTrue(orgs[0]._xero().organisation()['organisation_id'], 'the new grant works')

    def test_same_xero_user_consenting_again_keeps_the_new_connections(self):
        first = self.connect_organisations()
        old_token = first.sudo().token_id
        orgs = self.connect_organisations()
        self.assertFalse(old_token.exists())
        self.env.cr.postcommit.run()
        # Revoking would remove every connection of that Xero user, the new consent's included.
        self.assertEqual(self._revocations(), 0)
        for org in orgs:
            self.assertTrue(org._xero().organisation()['organisation_id'])
