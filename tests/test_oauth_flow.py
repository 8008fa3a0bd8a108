from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import CLIENT_ID, XeroHttpCase

CONNECT = '/admin/xero_integration/connect'


@tagged('post_install', '-at_install')
class TestOAuthFlow(XeroHttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.xero_user = new_test_user(cls.env, login='xero_clerk', password='xero_clerk_pw1',
                                      groups='base.group_user,xero_integration.group_xero_user')

    def _start(self):
        """Press Connect as the logged-in user; return the authorize URL and its query."""
        response = self.url_open(CONNECT, allow_redirects=False)
        self.assertEqual(response.status_code, 302, response.text[:500])
        location = response.headers['Location']
        return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def _callback(self, query):
        return self.url_open(CONNECT + '?' + '&'.join(f'{k}={v}' for k, v in query.items()),
                             allow_redirects=False)

    def _orgs(self):
        return self.env['xero.organisation'].search([])

    def test_full_connect_flow(self):
        self.authenticate('admin', 'admin')
        location, query = self._start()
        self.assertTrue(location.startswith(self.sim.url + '/identity/connect/authorize?'))
        self.assertEqual(query['response_type'], 'code')
        self.assertEqual(query['client_id'], CLIENT_ID)
        self.assertEqual(query['code_challenge_method'], 'S256')
        self.assertTrue(query['redirect_uri'].endswith(CONNECT))
        self.assertIn('accounting.invoices', query['scope'])
        self.assertIn('offline_access', query['scope'])

        consent = self.opener.get(location, timeout=10)
        self.assertEqual(consent.status_code, 200)
        self.assertIn('Demo Company (NZ)', consent.text)
        self.assertIn('Demo Company (AU)', consent.text)

        _back, answer = self.sim_consent(location)
        self.assertEqual(answer['state'], query['state'])
        with self.assertLogs(level='DEBUG') as logs:
            response = self._callback({'code': answer['code'], 'state': answer['state']})
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertIn('action_xero_connected', response.headers['Location'])

        orgs = self._orgs()
        self.assertEqual(sorted(orgs.mapped('name')), ['Demo Company (AU)', 'Demo Company (NZ)'])
        self.assertEqual(set(orgs.mapped('state')), {'connected'})
        self.assertEqual(orgs.company_id, self.env.ref('base.user_admin').company_id)
        self.assertEqual(set(orgs.mapped('base_currency')), {'NZD', 'AUD'})
        self.assertTrue(all(orgs.mapped('connection_id')))
        # One consent, one token set, shared by both organisations.
        self.assertEqual(len(orgs.sudo().token_id), 1)
        # No token, code or secret in any log line.
        token = orgs.sudo().token_id
        secrets = [answer['code'], answer['state'], 'demo-client-secret',
                   token._decrypt(token.access_token_enc), token._decrypt(token.refresh_token_enc)]
        # Everything the server logged, even at DEBUG; the test client's own request line aside.
        output = '\n'.join(line for record, line in zip(logs.records, logs.output)
                           if not (record.name.startswith('urllib3') and CONNECT in line))
        self.assertIn('[redacted]', output)
        for secret in secrets:
            self.assertNotIn(secret, output)
        # The PKCE verifier was checked by the simulator, and the state is gone.
        self.assertFalse(self.env['xero.oauth.state'].sudo().search([]))

        # The organisations list the callback lands on says Connected.
        self.assertIn('Connected', dict(orgs._fields['state']._description_selection(self.env)).values())
        self.url_open('/odoo/action-xero_integration.xero_organisation_action').raise_for_status()

    def test_connect_only_selected_tenant_and_reconnect(self):
        self.authenticate('admin', 'admin')
        nz = self.sim.organisations[0]
        location, _query = self._start()
        _back, answer = self.sim_consent(location, tenants=[nz.tenant_id])
        self._callback(answer)
        self.assertEqual(self._orgs().mapped('tenant_id'), [nz.tenant_id])
        # A second consent for both: the existing organisation is updated, not duplicated.
        location, _query = self._start()
        _back, answer = self.sim_consent(location)
        self._callback(answer)
        self.assertEqual(len(self._orgs()), 2)
        self.assertEqual(len(self._orgs().sudo().token_id), 1, 'the old token set was dropped')

    def test_organisations_go_to_the_company_selected_in_the_switcher(self):
        other = self.env['res.company'].create({'name': 'Xero Second Co'})
        admin = self.env.ref('base.user_admin')
        admin.company_ids |= other
        self.authenticate('admin', 'admin')
        self.opener.cookies.set('cids', f'{other.id}-{admin.company_id.id}')
        location, _query = self._start()
        _back, answer = self.sim_consent(location)
        self._callback(answer)
        self.assertEqual(self._orgs().company_id, other)

    def test_missing_state(self):
        self.authenticate('admin', 'admin')
        response = self._callback({'code': 'abc'})
        self.assertEqual(response.status_code, 400)
        self.assertIn('no OAuth state', response.text)
        self.assertNotIn('Traceback', response.text)
        self.assertFalse(self._orgs())

    def test_forged_state(self):
        self.authenticate('admin', 'admin')
        location, query = self._start()
        _back, answer = self.sim_consent(location)
        nonce = query['state'].split('.')[0]
        response = self._callback({'code': answer['code'], 'state': nonce + '.forged'})
        self.assertEqual(response.status_code, 403)
        self.assertIn('not valid', response.text)
        self.assertFalse(self._orgs())
        self.assertFalse(self.env['xero.token'].sudo().search([]))

    def test_state_of_another_user(self):
        self.authenticate('admin', 'admin')
        location, _query = self._start()
        _back, answer = self.sim_consent(location)
        other_admin = new_test_user(self.env, login='admin2', password='admin2_pw_123',
                                    groups='base.group_system')
        self.authenticate('admin2', 'admin2_pw_123')
        response = self._callback(answer)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._orgs())
        self.assertTrue(other_admin)

    def test_expired_state(self):
        self.authenticate('admin', 'admin')
        location, _query = self._start()
        _back, answer = self.sim_consent(location)
        self.env['xero.oauth.state'].sudo().search([]).expires_at = fields.Datetime.now() - timedelta(seconds=1)
        response = self._callback(answer)
        self.assertEqual(response.status_code, 400)
        self.assertIn('expired', response.text)
        self.assertFalse(self._orgs())
        self.assertEqual(self.token_calls(), 0, 'an expired state must not reach the token endpoint')

    def test_reused_state(self):
        self.authenticate('admin', 'admin')
        location, _query = self._start()
        _back, answer = self.sim_consent(location)
        self.assertEqual(self._callback(answer).status_code, 303)
        tokens = self.env['xero.token'].sudo().search([])
        response = self._callback(answer)
        self.assertEqual(response.status_code, 400)
        self.assertIn('already used', response.text)
        self.assertEqual(self.env['xero.token'].sudo().search([]), tokens, 'nothing new is stored')
        self.assertEqual(self.token_calls(), 1)

    def test_access_denied(self):
        self.authenticate('admin', 'admin')
        location, _query = self._start()
        _back, answer = self.sim_consent(location, decision='deny')
        self.assertEqual(answer['error'], 'access_denied')
        response = self._callback(answer)
        self.assertEqual(response.status_code, 200)
        self.assertIn('Access was declined', response.text)
        self.assertFalse(self._orgs())
        self.assertEqual(self.token_calls(), 0)

    def test_non_admin_cannot_connect(self):
        self.authenticate('xero_clerk', 'xero_clerk_pw1')
        response = self.url_open(CONNECT, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertIn('Only administrators', response.text)
        self.assertFalse(self.env['xero.oauth.state'].sudo().search([]))

    def test_anonymous_is_sent_to_login(self):
        response = self.url_open(CONNECT, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn('/web/login', response.headers['Location'])

    def test_missing_credentials(self):
        self.env['xero.token']._set_client_secret(False)
        self.authenticate('admin', 'admin')
        response = self.url_open(CONNECT, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertIn('Client Secret', response.text)

    def test_non_admin_cannot_read_tokens_over_rpc(self):
        self.connect_organisations()
        org = self._orgs()[0]
        token = org.sudo().token_id
        self.authenticate('xero_clerk', 'xero_clerk_pw1')
        for model, record_id, field in (('xero.token', token.id, 'refresh_token_enc'),
                                        ('xero.token', token.id, 'access_token_enc'),
                                        ('xero.organisation', org.id, 'token_id')):
            with self.subTest(model=model, field=field), self.assertRaises(Exception) as caught:
                self.make_jsonrpc_request('/web/dataset/call_kw', {
                    'model': model, 'method': 'read', 'args': [[record_id], [field]], 'kwargs': {}})
            self.assertIn('AccessError', str(caught.exception))
        # The organisation itself stays readable, without the token.
        data = self.make_jsonrpc_request('/web/dataset/call_kw', {
            'model': 'xero.organisation', 'method': 'read', 'args': [[org.id]], 'kwargs': {}})
        self.assertEqual(data[0]['name'], org.name)
        self.assertNotIn('token_id', data[0])
