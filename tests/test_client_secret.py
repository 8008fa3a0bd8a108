import importlib.util
import json
from pathlib import Path

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.xero_token import CLIENT_SECRET_PARAM, LEGACY_CLIENT_SECRET_PARAM
from .common import CLIENT_SECRET, XeroHttpCase, XeroTransactionCase

CONNECT = '/admin/xero_integration/connect'
MIGRATION = Path(__file__).parents[1] / 'migrations' / '19.0.1.1.0' / 'post-migrate.py'


class SecretFixture:

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            'portal': new_test_user(cls.env, login='xero_sec_portal', password='xero_sec_portal_pw1',
                                    groups='base.group_portal'),
            'internal': new_test_user(cls.env, login='xero_sec_internal', password='xero_sec_internal_pw1',
                                      groups='base.group_user'),
            'xero user': new_test_user(cls.env, login='xero_sec_clerk', password='xero_sec_clerk_pw1',
                                       groups='base.group_user,xero_integration.group_xero_user'),
        }

    def stored_forms(self):
        """The secret as it could leak: in plain text, and as stored (ciphertext)."""
        icp = self.env['ir.config_parameter'].sudo()
        return [CLIENT_SECRET, icp.get_param(CLIENT_SECRET_PARAM)]


class TestClientSecret(SecretFixture, XeroTransactionCase):

    def test_stored_encrypted_and_never_read_back(self):
        icp = self.env['ir.config_parameter'].sudo()
        stored = icp.get_param(CLIENT_SECRET_PARAM)
        self.assertTrue(stored.startswith('gAAAA'), 'Fernet')
        self.assertNotIn(CLIENT_SECRET, stored)
        self.assertFalse(icp.get_param(LEGACY_CLIENT_SECRET_PARAM))
        self.assertEqual(self.env['xero.token']._get_client_secret(), CLIENT_SECRET)
        # Even an administrator's settings screen gets nothing back, only "a secret is stored".
        settings = self.env['res.config.settings'].create({})
        self.assertFalse(settings.xero_client_secret)
        self.assertTrue(settings.xero_client_secret_set)
        values = self.env['res.config.settings'].default_get(list(self.env['res.config.settings'].fields_get()))
        for form in self.stored_forms():
            self.assertNotIn(form, repr(values))

    def test_settings_save_encrypts_a_new_secret_and_keeps_it_when_left_empty(self):
        self.env['res.config.settings'].create({'xero_client_secret': '  typed-secret  '}).execute()
        self.assertEqual(self.env['xero.token']._get_client_secret(), 'typed-secret')
        self.assertNotIn('typed-secret', self.env['ir.config_parameter'].sudo().get_param(CLIENT_SECRET_PARAM))
        self.env['res.config.settings'].create({'xero_client_secret': False}).execute()
        self.assertEqual(self.env['xero.token']._get_client_secret(), 'typed-secret', 'unchanged')

    def test_plaintext_secret_is_migrated(self):
        icp = self.env['ir.config_parameter'].sudo()
        icp.set_param(CLIENT_SECRET_PARAM, False)
        icp.set_param(LEGACY_CLIENT_SECRET_PARAM, 'old-plain-secret')
        # Read as a fallback until the migration runs.
        self.assertEqual(self.env['xero.token']._get_client_secret(), 'old-plain-secret')
        spec = importlib.util.spec_from_file_location('xero_post_migrate_19_0_1_1_0', MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, '19.0.1.0.0')
        self.assertFalse(icp.get_param(LEGACY_CLIENT_SECRET_PARAM), 'plain text removed')
        self.assertTrue(icp.get_param(CLIENT_SECRET_PARAM).startswith('gAAAA'))
        self.assertEqual(self.env['xero.token']._get_client_secret(), 'old-plain-secret')

    def test_non_administrators_cannot_read_it(self):
        fields = list(self.env['res.config.settings'].fields_get())
        for name, user in self.users.items():
            with self.subTest(user=name):
                Settings = self.env['res.config.settings'].with_user(user)
                for method in (lambda: Settings.default_get(fields), Settings.get_values):
                    try:
                        values = method()
                    except AccessError:
                        continue
                    for form in self.stored_forms():
                        self.assertNotIn(form, repr(values))
                ICP = self.env['ir.config_parameter'].with_user(user)
                with self.assertRaises(AccessError):
                    ICP.search_read([('key', '=like', 'xero_integration.%')])
                with self.assertRaises(AccessError):
                    ICP.get_param(CLIENT_SECRET_PARAM)


@tagged('post_install', '-at_install')
class TestClientSecretOverRpc(SecretFixture, XeroHttpCase):

    def _call(self, model, method, args, kwargs=None):
        """The JSON answer of a call_kw, or the error text when it was refused."""
        try:
            return json.dumps(self.make_jsonrpc_request('/web/dataset/call_kw', {
                'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}}))
        except Exception as e:  # noqa: BLE001 - a refusal is what we hope for
            return str(e)

    def test_no_route_gives_it_to_non_administrators(self):
        icp = self.env['ir.config_parameter'].sudo()
        param_ids = icp.search([('key', '=like', 'xero_integration.%')]).ids
        self.assertTrue(param_ids)
        for name, user in self.users.items():
            with self.subTest(user=name):
                self.authenticate(user.login, user.login + '_pw1')
                answers = [
                    self._call('res.config.settings', 'default_get',
                               [['xero_client_id', 'xero_client_secret', 'xero_scopes']]),
                    self._call('res.config.settings', 'get_values', []),
                    self._call('ir.config_parameter', 'search_read',
                               [[('key', '=like', 'xero_integration.%')]], {'fields': ['key', 'value']}),
                    self._call('ir.config_parameter', 'read', [param_ids, ['key', 'value']]),
                    self._call('ir.config_parameter', 'get_param', [CLIENT_SECRET_PARAM]),
                ]
                for answer in answers:
                    for form in self.stored_forms():
                        self.assertNotIn(form, answer)
                self.assertIn('AccessError', answers[2])
                self.assertIn('AccessError', answers[3])

    def test_administrator_sets_it_and_connect_works(self):
        self.env['xero.token']._set_client_secret('not-the-app-secret')
        self.authenticate('admin', 'admin')
        settings_id = self.make_jsonrpc_request('/web/dataset/call_kw', {
            'model': 'res.config.settings', 'method': 'create',
            'args': [{'xero_client_secret': CLIENT_SECRET}], 'kwargs': {}})
        self.make_jsonrpc_request('/web/dataset/call_kw', {
            'model': 'res.config.settings', 'method': 'execute', 'args': [[settings_id]], 'kwargs': {}})
        read = self.make_jsonrpc_request('/web/dataset/call_kw', {
            'model': 'res.config.settings', 'method': 'read',
            'args': [[settings_id], ['xero_client_secret', 'xero_client_secret_set']], 'kwargs': {}})
        self.assertEqual((read[0]['xero_client_secret'], read[0]['xero_client_secret_set']), (False, True))
        self.assertEqual(self.env['xero.token']._get_client_secret(), CLIENT_SECRET)

        response = self.url_open(CONNECT, allow_redirects=False)
        self.assertEqual(response.status_code, 302, response.text[:500])
        _back, answer = self.sim_consent(response.headers['Location'])
        response = self.url_open(CONNECT + '?' + '&'.join(f'{k}={v}' for k, v in answer.items()),
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertEqual(len(self.env['xero.organisation'].search([])), 2)
