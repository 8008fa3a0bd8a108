import threading
from datetime import timedelta

from odoo import api, fields
from odoo.exceptions import UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.modules.registry import DummyRLock, Registry
from odoo.tools import SQL

from ..xero_client import XeroAuthError, XeroRetryableError
from .common import XeroTransactionCase
from .own_database import OwnDatabaseMixin


class TestTokens(XeroTransactionCase):

    def _expire(self, token):
        token.sudo().expires_at = fields.Datetime.now() - timedelta(seconds=5)

    def test_tokens_encrypted_at_rest(self):
        orgs = self.connect_organisations()
        token = orgs.sudo().token_id
        self.env.flush_all()
        rows = self.env.execute_query(SQL(
            'SELECT access_token_enc, refresh_token_enc FROM xero_token WHERE id = %s', token.id))
        access_raw, refresh_raw = rows[0]
        access, refresh = token._decrypt(access_raw), token._decrypt(refresh_raw)
        self.assertTrue(access.count('.') == 2, 'the decrypted access token is the JWT')
        self.assertTrue(refresh)
        for raw, plain in ((access_raw, access), (refresh_raw, refresh)):
            self.assertTrue(raw.startswith('gAAAA'), 'Fernet token')
            self.assertNotIn(plain, raw)
        # No plaintext anywhere in the addon's tables.
        for table in ('xero_token', 'xero_organisation'):
            dump = str(self.env.execute_query(SQL('SELECT * FROM %s', SQL.identifier(table))))
            self.assertNotIn(access, dump)
            self.assertNotIn(refresh, dump)

    def test_refresh_ahead_of_expiry_and_rotation(self):
        org = self.connect_organisations()[0]
        token = org.sudo().token_id
        first_refresh = token._decrypt(token.refresh_token_enc)
        org._xero().organisation()
        self.assertEqual(self.token_calls(), 1, 'a fresh token is reused')
        self._expire(token)
        with self.enter_registry_test_mode():
            org._xero().organisation()
        token.invalidate_recordset()
        self.assertEqual(self.token_calls(), 2)
        self.assertNotEqual(token._decrypt(token.refresh_token_enc), first_refresh, 'rotated')
        self.assertGreater(token.expires_at, fields.Datetime.now() + timedelta(minutes=20))

    def test_expired_access_token_rejected_by_xero_is_refreshed_once(self):
        org = self.connect_organisations()[0]
        self.sim.expire_access_tokens()
        with self.enter_registry_test_mode():
            result = org._xero().organisation()
        self.assertTrue(result['organisation_id'])
        self.assertEqual(self.token_calls(), 2)

    def test_invalid_grant_needs_reconnect_and_notifies(self):
        self.env.ref('base.user_admin').email = 'admin@example.com'
        orgs = self.connect_organisations()
        org = orgs[0]
        self.sim.invalidate_refresh_tokens()
        self._expire(org.sudo().token_id)
        # Not assertRaises: Odoo's rolls the test transaction back to a savepoint.
        with self.enter_registry_test_mode():
            try:
                org._xero().organisation()
            except XeroAuthError as e:
                self.assertTrue(e.grant_lost)
            else:
                self.fail('XeroAuthError not raised')
        orgs.invalidate_recordset()
        self.assertEqual(set(orgs.mapped('state')), {'needs_reconnect'})
        self.assertIn('invalid_grant', org.last_error)
        admin = self.env.ref('base.user_admin')
        activities = self.env['mail.activity'].search([('res_model', '=', 'xero.organisation'),
                                                       ('res_id', 'in', orgs.ids)])
        self.assertEqual(len(activities.filtered(lambda a: a.user_id == admin)), 2)
        mails = self.env['mail.mail'].search([('model', '=', 'xero.organisation'),
                                              ('res_id', 'in', orgs.ids),
                                              ('subject', '=like', 'Xero: reconnect %')])
        self.assertEqual(len(mails), 2, 'one alert email per organisation')
        self.assertIn('admin@example.com', mails[0].email_to)
        # No retry loop: the next call fails here, without asking Xero again.
        calls = self.token_calls()
        with self.assertRaises(UserError):
            org._xero().organisation()
        self.assertEqual(self.token_calls(), calls)
        # An administrator can still give the organisation up; Xero has nothing left to call.
        requests_before = len(self.sim.requests)
        orgs.action_disconnect()
        with self.enter_registry_test_mode():
            self.env.cr.postcommit.run()
        self.assertEqual(set(orgs.mapped('state')), {'disconnected'})
        self.assertEqual(len(self.sim.requests), requests_before)

    def test_disconnect_keeps_links(self):
        orgs = self.connect_organisations()
        org = orgs[0]
        partner = self.env['res.partner'].create({'name': 'Linked customer'})
        link = self.env['xero.partner.link'].create({
            'organisation_id': org.id, 'partner_id': partner.id, 'xero_id': 'abc-123',
            'sync_state': 'synced'})
        connection_id = org.connection_id
        org.action_disconnect()
        with self.enter_registry_test_mode():
            self.env.cr.postcommit.run()
        self.assertEqual(org.state, 'disconnected')
        self.assertEqual(self.sim.counters.count(method='DELETE', endpoint='/connections/{id}'), 1)
        remaining = self.env['xero.organisation'].browse(orgs[1].id)
        self.assertEqual(remaining.state, 'connected', 'the other organisation is untouched')
        self.assertTrue(remaining.sudo().token_id, 'and keeps its token')
        self.assertTrue(link.exists())
        self.assertEqual((link.organisation_id, link.xero_id, link.sync_state), (org, 'abc-123', 'synced'))
        self.assertEqual(org.tenant_id, self.sim.organisations[0].tenant_id)
        self.assertTrue(connection_id)
        # Disconnecting the last one revokes the grant in Xero.
        remaining.action_disconnect()
        with self.enter_registry_test_mode():
            self.env.cr.postcommit.run()
        self.assertEqual(self.sim.counters.count(endpoint='/connect/revocation'), 1)
        self.assertFalse(self.env['xero.token'].sudo().search([]))

    def test_put_that_times_out_is_not_resent(self):
        org = self.connect_organisations()[0]
        self.sim.faults.add('drop', method='PUT', path='/api.xro/2.0/Accounts')
        account = {'code': '777', 'name': 'Timeout test', 'type': 'EXPENSE'}
        with self.assertRaises(XeroRetryableError):
            org._xero().create_account(account, 'timeout-test-1')
        self.assertEqual(self.sim.counters.count(method='PUT', endpoint='/api.xro/2.0/Accounts'), 1,
                         'urllib3 must not re-send the PUT by itself')
        # The PUT did land: re-sending it blindly would have duplicated the account.
        accounts = org._xero().accounts(codes=['777'])
        self.assertEqual(len(accounts), 1)

    def test_neutralize_clears_tokens(self):
        orgs = self.connect_organisations()
        self.env.flush_all()
        for query in get_neutralization_queries(['xero_integration']):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        token = orgs.sudo().token_id
        self.assertFalse(token.access_token_enc or token.refresh_token_enc)
        self.assertEqual(set(orgs.mapped('state')), {'needs_reconnect'})
        self.assertFalse(self.env.ref('xero_integration.ir_cron_xero_push').active,
                         "the addon's crons are stopped")


class TestConcurrentRefresh(OwnDatabaseMixin, XeroTransactionCase):
    """Two workers, two real transactions, one expired token: exactly one refresh call.

    This needs committed data, so it works on its own cursors, in a database of the class's own
    (dropped after it), and cleans up after itself.
    """
    configure_hosts_in_test_transaction = False

    def test_two_concurrent_refreshes_make_one_call(self):
        # The test runner holds the registry lock, which the workers' environments need
        # (Odoo's own auth_ldap tests do the same, see odoo/odoo#161438).
        self.patch(Registry, '_lock', DummyRLock())
        registry = self.own_registry
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            self._configure_hosts(env, self.sim.url)
            orgs = self.connect_organisations(env=env)
            token = orgs.token_id
            token.expires_at = fields.Datetime.now() - timedelta(seconds=5)
            ids = (token.id, orgs.ids)
        self.addCleanup(self._cleanup, *ids)
        self.assertEqual(self.token_calls(), 1)
        # Slow the token endpoint down so that the second worker surely queues behind the first.
        self.sim.faults.add('slow', path='/connect/token', delay=1.0, count=1)

        results, errors = {}, []
        barrier = threading.Barrier(2)

        def worker(name):
            try:
                with registry.cursor() as cr:
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    barrier.wait(timeout=10)
                    results[name] = env['xero.token'].browse(ids[0])._get_access_token()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(n,)) for n in 'ab']
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertFalse(errors, errors)
        self.assertEqual(self.token_calls(), 2, 'one code exchange, then exactly one refresh')
        self.assertEqual(results['a'], results['b'], 'both workers got the same new token')
        # And that token works.
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            org = env['xero.organisation'].browse(ids[1][0])
            self.assertTrue(org._xero().organisation()['organisation_id'])
        self.assertEqual(self.token_calls(), 2)

    def _cleanup(self, token_id, org_ids):
        with self.own_registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env['mail.message'].search([('model', '=', 'xero.organisation'), ('res_id', 'in', org_ids)]).unlink()
            env['xero.organisation'].browse(org_ids).write({'state': 'disconnected'})
            env['xero.organisation'].browse(org_ids).unlink()
            env['xero.token'].browse(token_id).unlink()
            env['ir.config_parameter'].search([('key', '=like', 'xero_integration.%')]).unlink()
