"""Shared set-up for the Odoo tests: a real Xero simulator on a free loopback port, the addon's
hosts pointed at it, and helpers that go through the same OAuth round trip a browser would."""
from urllib.parse import parse_qs, urlsplit

import requests

from odoo.tests import HttpCase, TransactionCase

from ..xero_client import OAuthClient, authorize_url, make_pkce_pair
from ..xero_sim import XeroSimulator

CLIENT_ID = 'demo-client-id'
CLIENT_SECRET = 'demo-client-secret'


class XeroSimMixin:
    """Starts one simulator per test class and resets it before each test."""

    sim = None
    # Off for tests that commit through their own cursors: the test transaction would hold the
    # parameter rows they need.
    configure_hosts_in_test_transaction = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = XeroSimulator(port=0).start()
        cls.addClassCleanup(cls.sim.stop)
        if cls.configure_hosts_in_test_transaction:
            cls._configure_hosts(cls.env, cls.sim.url)

    @staticmethod
    def _configure_hosts(env, url):
        icp = env['ir.config_parameter'].sudo()
        for key in ('login_url', 'identity_url', 'api_url'):
            icp.set_param(f'xero_integration.{key}', url)
        icp.set_param('xero_integration.client_id', CLIENT_ID)
        env['xero.token']._set_client_secret(CLIENT_SECRET)

    def setUp(self):
        super().setUp()
        self.sim.reset()

    # --- helpers ------------------------------------------------------------------------------

    def sim_consent(self, authorize, decision='allow', tenants=None, user=None):
        """Answer the simulator's consent page for the authorize URL, as the Xero user with the
        email ``user`` (the simulator's default user when None); return the redirect's query."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
        form = dict(query, decision=decision)
        if tenants is not None:
            form['tenant'] = tenants
        if user:
            form['user'] = user
        response = requests.post(self.sim.url + '/identity/connect/authorize', data=form,
                                 allow_redirects=False, timeout=10)
        self.assertEqual(response.status_code, 302, response.text)
        location = response.headers['Location']
        return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def connect_organisations(self, company=None, tenants=None, env=None, user=None):
        """Connect the simulator's organisations without a browser, through the same model
        code the controller uses. Returns the organisation records."""
        env = env or self.env
        verifier, challenge = make_pkce_pair()
        redirect_uri = 'http://localhost/admin/xero_integration/connect'
        url = authorize_url(self.sim.url, CLIENT_ID, redirect_uri, 'openid offline_access', 'st',
                            challenge)
        _location, query = self.sim_consent(url, tenants=tenants, user=user)
        token_data = OAuthClient(self.sim.url, CLIENT_ID, CLIENT_SECRET).exchange_code(
            query['code'], redirect_uri, verifier)
        return env['xero.organisation']._connect_authorised(token_data, company or env.company)

    def token_calls(self):
        return self.sim.counters.count(endpoint='/connect/token')


class XeroTransactionCase(XeroSimMixin, TransactionCase):
    pass


class XeroHttpCase(XeroSimMixin, HttpCase):
    pass
