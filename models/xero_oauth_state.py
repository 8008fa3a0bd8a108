import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import consteq
from odoo.tools.misc import hmac

from ..const import OAUTH_STATE_LIFETIME_MINUTES

HMAC_SCOPE = 'xero_integration.oauth_state'


class XeroOauthState(models.Model):
    """A pending consent: the OAuth `state` handed to Xero, and the PKCE verifier kept back.

    The state sent to Xero is ``<nonce>.<signature>``; the signature binds it to the user who
    started the flow. The row makes it single-use (consumed on return) and short-lived.
    """
    _name = 'xero.oauth.state'
    _description = 'Xero pending authorisation'

    nonce = fields.Char(required=True, readonly=True, index=True)
    user_id = fields.Many2one('res.users', required=True, readonly=True, ondelete='cascade')
    company_id = fields.Many2one('res.company', required=True, readonly=True, ondelete='cascade')
    code_verifier = fields.Char(required=True, readonly=True, groups='base.group_system')
    redirect_uri = fields.Char(required=True, readonly=True)
    expires_at = fields.Datetime(required=True, readonly=True)

    _nonce_uniq = models.Constraint('UNIQUE (nonce)', 'OAuth state nonces are unique.')

    @api.model
    def _sign(self, nonce, user_id):
        return hmac(self.env(su=True), HMAC_SCOPE, f'{nonce}:{user_id}')

    @api.model
    def _issue(self, user, company, code_verifier, redirect_uri):
        """Store a pending consent and return the `state` string to send to Xero."""
        nonce = secrets.token_urlsafe(24)
        self.sudo().create({
            'nonce': nonce,
            'user_id': user.id,
            'company_id': company.id,
            'code_verifier': code_verifier,
            'redirect_uri': redirect_uri,
            'expires_at': fields.Datetime.now() + timedelta(minutes=OAUTH_STATE_LIFETIME_MINUTES),
        })
        return f'{nonce}.{self._sign(nonce, user.id)}'

    @api.model
    def _consume(self, state, user):
        """Check `state` for ``user`` and use it up.

        :return: ``(record, None)`` on success (the record is already deleted, its values still
            readable from cache), or ``(None, (http_status, message))``.
        """
        if not state:
            return None, (400, self.env._('The request has no OAuth state. Start again from the Connect button.'))
        nonce, _sep, signature = state.partition('.')
        if not nonce or not signature or not consteq(signature, self._sign(nonce, user.id)):
            return None, (403, self.env._(
                'The OAuth state is not valid for this user. Start again from the Connect button.'))
        record = self.sudo().search([('nonce', '=', nonce)], limit=1)
        if not record:
            return None, (400, self.env._(
                'This authorisation link was already used. Start again from the Connect button.'))
        if record.user_id != user:
            return None, (403, self.env._('This authorisation was started by another user.'))
        values = {'company': record.company_id, 'code_verifier': record.code_verifier,
                  'redirect_uri': record.redirect_uri, 'expired': record.expires_at < fields.Datetime.now()}
        record.unlink()
        if values['expired']:
            return None, (400, self.env._('This authorisation link has expired (after %(minutes)s minutes). '
                                          'Start again from the Connect button.',
                                          minutes=OAUTH_STATE_LIFETIME_MINUTES))
        return values, None

    @api.autovacuum
    def _gc_expired(self):
        self.sudo().search([('expires_at', '<', fields.Datetime.now())]).unlink()
