"""The connect controller's other answers (Xero's errors, no code, no organisation chosen, a
refused code), the settings it reads, the log filter, and the pending-consent model."""
import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..const import CONNECT_ROUTE, DEFAULT_SCOPES, OAUTH_STATE_LIFETIME_MINUTES
from ..controllers.main import RedactOAuthParameters
from .common import XeroHttpCase, XeroTransactionCase

NO_SUCH_TENANT = '00000000-0000-0000-0000-000000000000'


@tagged('post_install', '-at_install')
class TestCoverConnectCallback(XeroHttpCase):

    def setUp(self):
        super().setUp()
        self.authenticate('admin', 'admin')

    def start(self):
        response = self.url_open(CONNECT_ROUTE, allow_redirects=False)
        self.assertEqual(response.status_code, 302, response.text[:500])
        location = response.headers['Location']
        return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def callback(self, **query):
        return self.url_open(f'{CONNECT_ROUTE}?{urlencode(query)}', allow_redirects=False)

    def organisations(self):
        return self.env['xero.organisation'].search([])

    def assertPage(self, response, status, text):
        self.assertEqual(response.status_code, status, response.text[:500])
        self.assertIn(text, response.text)
        self.assertNotIn('Traceback', response.text)

    def test_the_authorize_url_uses_the_base_url_and_the_scopes_setting(self):
        icp = self.env['ir.config_parameter'].sudo()
        icp.set_param('web.base.url', 'https://odoo.example.com/')
        icp.set_param('xero_integration.scopes', 'openid offline_access accounting.settings')
        _location, query = self.start()
        self.assertEqual(query['redirect_uri'], 'https://odoo.example.com' + CONNECT_ROUTE)
        self.assertEqual(query['scope'], 'openid offline_access accounting.settings')
        pending = self.env['xero.oauth.state'].sudo().search([])
        self.assertEqual(len(pending), 1)
        self.assertEqual(pending.redirect_uri, query['redirect_uri'])
        self.assertEqual(query['state'].split('.')[0], pending.nonce)

    def test_without_a_scopes_setting_the_default_scopes_are_asked(self):
        self.env['ir.config_parameter'].sudo().set_param('xero_integration.scopes', False)
        _location, query = self.start()
        self.assertEqual(query['scope'], DEFAULT_SCOPES)

    def test_without_a_client_id_nothing_is_started(self):
        self.env['ir.config_parameter'].sudo().set_param('xero_integration.client_id', False)
        response = self.url_open(CONNECT_ROUTE, allow_redirects=False)
        self.assertPage(response, 400, 'Client ID')
        self.assertFalse(self.env['xero.oauth.state'].sudo().search([]))

    def test_an_error_from_xero_is_shown_with_its_description(self):
        _location, query = self.start()
        response = self.callback(state=query['state'], error='server_error',
                                 error_description='Xero is having a moment')
        self.assertPage(response, 400, 'Xero did not authorise the connection: Xero is having a moment')
        self.assertFalse(self.organisations())
        self.assertEqual(self.token_calls(), 0)

    def test_an_error_without_description_is_shown_by_its_code(self):
        _location, query = self.start()
        response = self.callback(state=query['state'], error='invalid_scope')
        self.assertPage(response, 400, 'Xero did not authorise the connection: invalid_scope')

    def test_a_state_without_a_code_is_refused_and_spent(self):
        _location, query = self.start()
        self.assertPage(self.callback(state=query['state']), 400, 'sent no authorisation code')
        self.assertFalse(self.env['xero.oauth.state'].sudo().search([]), 'the state is used up')
        self.assertPage(self.callback(state=query['state'], code='late'), 400, 'already used')
        self.assertEqual(self.token_calls(), 0)

    def test_a_code_xero_refuses_is_a_502_page(self):
        _location, query = self.start()
        with mute_logger('odoo.addons.xero_integration.controllers.main'):
            response = self.callback(state=query['state'], code='not-a-code-xero-issued')
        self.assertPage(response, 502, 'Xero did not complete the connection')
        self.assertIn('invalid_grant', response.text)
        self.assertFalse(self.organisations())
        self.assertFalse(self.env['xero.token'].sudo().search([]))

    def test_the_identity_service_down_is_a_502_page(self):
        location, _query = self.start()
        _back, answer = self.sim_consent(location)
        self.sim.faults.add('status', path='/connect/token', status=503)
        with mute_logger('odoo.addons.xero_integration.controllers.main'):
            response = self.callback(**answer)
        self.assertPage(response, 502, 'Xero identity service error 503')
        self.assertFalse(self.organisations())

    def test_no_organisation_chosen_connects_nothing_and_withdraws_the_grant(self):
        location, _query = self.start()
        _back, answer = self.sim_consent(location, tenants=[NO_SUCH_TENANT])
        response = self.callback(**answer)
        self.assertPage(response, 400, 'No Xero organisation was selected')
        self.assertFalse(self.organisations())
        self.assertFalse(self.env['xero.token'].sudo().search([]))
        self.assertEqual(self.sim.counters.count(endpoint='/connect/revocation'), 1, 'the grant is withdrawn')

    def test_the_back_link_leads_to_the_organisations(self):
        response = self.callback(code='x')
        self.assertPage(response, 400, 'no OAuth state')
        self.assertIn('xero_organisation_action', response.text)


class TestCoverRedactFilter(XeroTransactionCase):

    def record(self, message, *args):
        return logging.LogRecord('werkzeug', logging.INFO, __file__, 1, message, args, None)

    def test_code_state_and_session_state_are_redacted_on_the_connect_route(self):
        record = self.record('"GET %s?code=%s&state=%s&scope=openid&session_state=%s HTTP/1.1" 303 -',
                             CONNECT_ROUTE, 'the-code', 'nonce.signature', 'sess-value-9')
        self.assertTrue(RedactOAuthParameters().filter(record))
        message = record.getMessage()
        for secret in ('the-code', 'nonce.signature', 'sess-value-9'):
            self.assertNotIn(secret, message)
        self.assertIn('code=[redacted]', message)
        self.assertIn('state=[redacted]', message)
        self.assertIn('scope=openid', message, 'what is not secret is kept')

    def test_other_routes_are_left_alone(self):
        record = self.record('"GET /web?code=%s HTTP/1.1" 200 -', 'kept')
        self.assertTrue(RedactOAuthParameters().filter(record))
        self.assertIn('code=kept', record.getMessage())


class TestCoverOAuthState(XeroTransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref('base.user_admin')
        cls.other = new_test_user(cls.env, login='xero_state_other', groups='base.group_system')
        cls.States = cls.env['xero.oauth.state']

    def issue(self, user=None):
        return self.States._issue(user or self.admin, self.env.company, 'verifier-1', 'https://odoo/cb')

    def test_a_state_is_used_once(self):
        state = self.issue()
        pending, problem = self.States._consume(state, self.admin)
        self.assertIsNone(problem)
        self.assertEqual((pending['company'], pending['code_verifier'], pending['redirect_uri']),
                         (self.env.company, 'verifier-1', 'https://odoo/cb'))
        self.assertFalse(self.States.sudo().search([]))
        self.assertEqual(self.States._consume(state, self.admin)[1][0], 400)

    def test_states_are_unique_and_signed_for_their_user(self):
        first, second = self.issue(), self.issue()
        self.assertNotEqual(first, second)
        nonce, signature = first.split('.')
        self.assertEqual(signature, self.States._sign(nonce, self.admin.id))
        self.assertNotEqual(signature, self.States._sign(nonce, self.other.id))

    def test_refusals(self):
        state = self.issue()
        nonce = state.split('.')[0]
        for given, user, status, words in (
                (None, self.admin, 400, 'no OAuth state'),
                ('', self.admin, 400, 'no OAuth state'),
                (nonce, self.admin, 403, 'not valid'),
                (nonce + '.', self.admin, 403, 'not valid'),
                ('.' + state.split('.')[1], self.admin, 403, 'not valid'),
                (nonce + '.forged', self.admin, 403, 'not valid'),
                (state, self.other, 403, 'not valid')):
            with self.subTest(given=given, user=user.login):
                pending, (code, message) = self.States._consume(given, user)
                self.assertIsNone(pending)
                self.assertEqual(code, status)
                self.assertIn(words, message)
        self.assertEqual(len(self.States.sudo().search([])), 1, 'no refusal spends the state')

    def test_a_state_signed_for_a_user_but_started_by_another(self):
        """The signature holds (same user id signed), but the row belongs to someone else."""
        state = self.issue()
        nonce = state.split('.')[0]
        self.States.sudo().search([('nonce', '=', nonce)]).write({'user_id': self.other.id})
        pending, (status, message) = self.States._consume(state, self.admin)
        self.assertIsNone(pending)
        self.assertEqual(status, 403)
        self.assertIn('another user', message)

    def test_an_expired_state_is_spent_and_refused(self):
        state = self.issue()
        self.States.sudo().search([]).expires_at = fields.Datetime.now() - timedelta(seconds=1)
        pending, (status, message) = self.States._consume(state, self.admin)
        self.assertIsNone(pending)
        self.assertEqual(status, 400)
        self.assertIn(f'after {OAUTH_STATE_LIFETIME_MINUTES} minutes', message)
        self.assertFalse(self.States.sudo().search([]))

    def test_a_state_lives_for_the_configured_minutes(self):
        before = fields.Datetime.now()
        self.issue()
        expires = self.States.sudo().search([]).expires_at
        self.assertGreaterEqual(expires, before + timedelta(minutes=OAUTH_STATE_LIFETIME_MINUTES))
        self.assertLessEqual(expires, fields.Datetime.now() + timedelta(minutes=OAUTH_STATE_LIFETIME_MINUTES))

    def test_the_vacuum_removes_only_expired_states(self):
        self.issue()
        self.issue()
        old, young = self.States.sudo().search([])
        old.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.States._gc_expired()
        self.assertEqual(self.States.sudo().search([]), young)

    def test_the_verifier_is_for_system_administrators_only(self):
        self.issue()
        clerk = new_test_user(self.env, login='xero_state_clerk',
                              groups='base.group_user,xero_integration.group_xero_user')
        self.assertNotIn('code_verifier', self.States.with_user(clerk).fields_get())
        self.assertIn('code_verifier', self.States.with_user(self.other).fields_get())
