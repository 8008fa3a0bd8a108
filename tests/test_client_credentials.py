from datetime import timedelta

from odoo import fields

from ..xero_client import XeroClientCredentialsError
from .common import CLIENT_SECRET, XeroTransactionCase


class TestClientCredentials(XeroTransactionCase):
    """A wrong Client Secret in Settings is the app's fault, not the grant's: nothing is lost."""

    def _set_secret(self, secret):
        self.env['xero.token']._set_client_secret(secret)

    def test_wrong_secret_keeps_tokens_and_status(self):
        orgs = self.connect_organisations()
        org = orgs[0]
        token = org.sudo().token_id
        refresh_token = token._decrypt(token.refresh_token_enc)
        access_enc = token.access_token_enc
        self._set_secret('rotated-in-xero-but-not-here')
        calls = self.token_calls()
        # Not assertRaises: Odoo's rolls the test transaction back to a savepoint.
        with self.enter_registry_test_mode():
            try:
                token._get_access_token(force_refresh=True)
            except XeroClientCredentialsError as e:
                message = e.message
            else:
                self.fail('XeroClientCredentialsError not raised')
        self.assertIn('check the Client ID and Secret', message)
        self.assertIn('invalid_client', message)
        self.assertEqual(self.token_calls(), calls + 1, 'Xero was asked once')
        token.invalidate_recordset()
        orgs.invalidate_recordset()
        self.assertEqual(token._decrypt(token.refresh_token_enc), refresh_token, 'the grant is kept')
        self.assertEqual(token.access_token_enc, access_enc)
        self.assertEqual(set(orgs.mapped('state')), {'connected'})
        self.assertEqual(orgs.sudo().token_id, token)
        self.assertTrue(all('check the Client ID and Secret' in e for e in orgs.mapped('last_error')))
        self.assertFalse(self.env['mail.activity'].search([('res_model', '=', 'xero.organisation'),
                                                          ('res_id', 'in', orgs.ids)]),
                         'nobody is told to reconnect')

        # Fixed in Settings: the very same refresh token works.
        self._set_secret(CLIENT_SECRET)
        token.sudo().expires_at = fields.Datetime.now() - timedelta(seconds=5)
        with self.enter_registry_test_mode():
            self.assertTrue(org._xero().organisation()['organisation_id'])
        self.assertEqual(self.token_calls(), calls + 2)
        token.invalidate_recordset()
        self.assertNotEqual(token._decrypt(token.refresh_token_enc), refresh_token, 'rotated')
        self.assertEqual(org.state, 'connected')

    def test_wrong_secret_through_a_call_is_not_grant_loss(self):
        org = self.connect_organisations()[0]
        self._set_secret('wrong')
        org.sudo().token_id.expires_at = fields.Datetime.now() - timedelta(seconds=5)
        with self.enter_registry_test_mode():
            try:
                org._xero().organisation()
            except XeroClientCredentialsError as e:
                self.assertFalse(getattr(e, 'grant_lost', False))
            else:
                self.fail('XeroClientCredentialsError not raised')
        org.invalidate_recordset()
        self.assertEqual(org.state, 'connected')
        self.assertTrue(org.sudo().token_id.refresh_token_enc)
