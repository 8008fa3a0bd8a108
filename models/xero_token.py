import base64
import hashlib
import logging
import os
from datetime import timedelta
from functools import partial

import psycopg2.errors
from cryptography.fernet import Fernet, InvalidToken

from odoo import _, api, fields, models
from odoo.tools import SQL, config

from ..const import TOKEN_REFRESH_MARGIN_SECONDS
from ..xero_client import OAuthClient, XeroAuthError, XeroClientCredentialsError, XeroError, jwt_claims

_logger = logging.getLogger(__name__)

ENCRYPTION_KEY_OPTION = 'xero_encryption_key'
ENCRYPTION_KEY_ENV = 'XERO_ENCRYPTION_KEY'
# The app's Client Secret, Fernet-encrypted like the tokens. Up to 19.0.1.0.0 it was kept in plain
# text under the legacy key, which the 19.0.1.1.0 migration encrypts and removes.
CLIENT_SECRET_PARAM = 'xero_integration.client_secret_enc'
LEGACY_CLIENT_SECRET_PARAM = 'xero_integration.client_secret'

def _is_fresh(expires_at):
    """Whether an access token expiring at ``expires_at`` can still be sent."""
    margin = timedelta(seconds=TOKEN_REFRESH_MARGIN_SECONDS)
    return bool(expires_at and expires_at > fields.Datetime.now() + margin)


def _revoke_grants(oauth, refresh_tokens):
    """Revoke grants in Xero with ``oauth`` (an OAuthClient); best effort, needs no cursor.

    :return: whether every revocation was answered.
    """
    done = True
    for refresh_token in refresh_tokens:
        try:
            oauth.revoke(refresh_token)
        except XeroError as e:
            _logger.warning('Xero: revoking a grant failed (%s)', type(e).__name__)
            done = False
    return done


# (dbname, token id) -> (access token, expiry) obtained by this process's own refreshes. They are
# committed in a transaction of their own, which the caller's older snapshot cannot see.
_ACCESS_CACHE = {}


class XeroToken(models.Model):
    """One OAuth token set, as granted by one consent in Xero.

    A single consent can authorise several organisations, and they then share one rotating
    refresh token: the token lives here, once, and organisations point at it. Refreshing a
    copy per organisation would invalidate the others' copies.

    Secrets are stored Fernet-encrypted and are only ever read by this model's methods.
    """
    _name = 'xero.token'
    _description = 'Xero OAuth token set'

    auth_event_id = fields.Char(readonly=True, index=True)
    xero_user_id = fields.Char(readonly=True)
    access_token_enc = fields.Char(groups='base.group_system', copy=False, prefetch=False)
    refresh_token_enc = fields.Char(groups='base.group_system', copy=False, prefetch=False)
    expires_at = fields.Datetime(readonly=True, copy=False)
    scope = fields.Char(readonly=True)
    refreshed_date = fields.Datetime(readonly=True, copy=False)
    organisation_ids = fields.One2many('xero.organisation', 'token_id')

    # --- encryption -----------------------------------------------------------------------

    @api.model
    def _encryption_key_source(self):
        """'config' when a key is configured, 'database' when it is derived from database.secret."""
        if config.get(ENCRYPTION_KEY_OPTION) or os.environ.get(ENCRYPTION_KEY_ENV):
            return 'config'
        return 'database'

    @api.model
    def _fernet(self):
        secret = config.get(ENCRYPTION_KEY_OPTION) or os.environ.get(ENCRYPTION_KEY_ENV)
        if not secret:
            secret = self.env['ir.config_parameter'].sudo().get_param('database.secret')
        # Any passphrase works, a generated Fernet key included: hash it to the 32 bytes Fernet needs.
        digest = hashlib.sha256(b'xero_integration:' + secret.encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    @api.model
    def _encrypt(self, value):
        return self._fernet().encrypt(value.encode()).decode() if value else False

    @api.model
    def _decrypt(self, value):
        if not value:
            return None
        try:
            return self._fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            # The key changed (another server key, a restored database): the tokens are unusable.
            raise XeroAuthError(_('The stored Xero tokens cannot be decrypted with the current '
                                  'encryption key; connect the organisation again.')) from None

    @api.model
    def _values_from_response(self, token_data):
        """Field values for a token endpoint answer (code exchange or refresh)."""
        claims = jwt_claims(token_data['access_token'])
        expires_in = int(token_data.get('expires_in') or 1800)
        return {
            'access_token_enc': self._encrypt(token_data['access_token']),
            'refresh_token_enc': self._encrypt(token_data.get('refresh_token')),
            'expires_at': fields.Datetime.now() + timedelta(seconds=expires_in),
            'scope': token_data.get('scope') or claims.get('scope') and ' '.join(claims['scope']),
            'auth_event_id': claims.get('authentication_event_id'),
            'xero_user_id': claims.get('xero_userid'),
            'refreshed_date': fields.Datetime.now(),
        }

    # --- access token ---------------------------------------------------------------------

    def _get_access_token(self, force_refresh=False):
        """A valid access token, refreshed ahead of expiry when needed."""
        self.ensure_one()
        cached = _ACCESS_CACHE.get((self.env.cr.dbname, self.id))
        if force_refresh:
            return self._refresh(force=True, known_expiry=cached[1] if cached else self.sudo().expires_at)
        if cached and _is_fresh(cached[1]):
            return cached[0]
        token = self.sudo()
        if _is_fresh(token.expires_at) and token.access_token_enc:
            return self._decrypt(token.access_token_enc)
        return self._refresh()

    def _refresh(self, force=False, known_expiry=None, attempts=3):
        """Refresh under a row lock, in a transaction of its own that is committed at once.

        The lock makes concurrent workers refresh once: the others wait, then find the new
        token. The commit matters because Xero rotates the refresh token: if the caller's
        transaction rolled back after the refresh, the only valid refresh token would be lost
        and the next refresh would get invalid_grant.

        The caller's transaction does not see the new values (its snapshot is older), so the
        access token is also kept in this process's memory until it expires.
        """
        self.ensure_one()
        for attempt in range(attempts):
            try:
                access_token, expires_at, lost = self._refresh_once(force, known_expiry)
                break
            except XeroClientCredentialsError as e:
                # The app's Client ID or Secret is wrong, not the grant: Xero did not use the
                # refresh token, so it stays, and so does every organisation's status. Once the
                # secret is fixed in Settings, the next call refreshes with the same token.
                raise self._credentials_refused(e) from None
            except (psycopg2.errors.SerializationFailure, psycopg2.errors.LockNotAvailable):
                # Another worker refreshed while we waited for the lock, after our snapshot was
                # taken. A new transaction will see its token.
                if attempt == attempts - 1:
                    raise
                _logger.info('Xero token %s: concurrent refresh detected, reading it again', self.id)
        key = (self.env.cr.dbname, self.id)
        if lost:
            _ACCESS_CACHE.pop(key, None)
            error = XeroAuthError(lost)
            error.grant_lost = True
            raise error
        _ACCESS_CACHE[key] = (access_token, expires_at)
        return access_token

    def _refresh_once(self, force, known_expiry):
        """:return: ``(access_token, expires_at, None)``, or ``(None, None, reason)`` when Xero
        refused the grant; the cleared tokens are committed either way."""
        with self.env.registry.cursor() as cr:
            # A worker that waited here for another's refresh fails with a serialization error
            # (its snapshot predates that commit); _refresh() tries again. Not worth an ERROR log.
            cr.execute(SQL('SELECT id FROM xero_token WHERE id = %s FOR NO KEY UPDATE', self.id),
                       log_exceptions=False)
            if not cr.fetchone():
                return None, None, _('The Xero authorisation no longer exists; connect again.')
            token = self.with_env(self.env(cr=cr, su=True))
            # Someone else refreshed while we queued for the lock: use theirs.
            if _is_fresh(token.expires_at) and (not force or token.expires_at != known_expiry):
                return self._decrypt(token.access_token_enc), token.expires_at, None
            refresh_token = self._decrypt(token.refresh_token_enc)
            if not refresh_token:
                return None, None, _('There is no Xero refresh token; connect again.')
            try:
                data = token._oauth_client().refresh(refresh_token)
            except XeroAuthError as e:
                # invalid_grant: only a person can fix this, by connecting again. Forget the
                # dead tokens so that nothing keeps asking Xero in a loop.
                token._forget()
                return None, None, str(e)
            token.write(self._values_from_response(data))
            _logger.info('Xero token %s refreshed (expires %s)', token.id, token.expires_at)
            return data['access_token'], token.expires_at, None

    def _credentials_refused(self, error):
        """Say on the organisations what to fix; return the error to raise."""
        message = _('Xero refused the app credentials (%s): check the Client ID and Secret in '
                    'Settings > Invoicing > Xero.', (error.body or {}).get('error') or error.status)
        orgs = self.sudo().organisation_ids
        if orgs:
            now = fields.Datetime.now()
            orgs._in_own_transaction(
                lambda orgs: orgs.write({'last_error': message, 'last_error_date': now}))
        return XeroClientCredentialsError(message, status=error.status, body=error.body)

    @api.model
    def _oauth_client(self):
        icp = self.env['ir.config_parameter'].sudo()
        return OAuthClient(
            self.env['xero.organisation']._host('identity_url'),
            icp.get_param('xero_integration.client_id') or '',
            self._get_client_secret(),
        )

    # --- the app's Client Secret ----------------------------------------------------------

    @api.model
    def _get_client_secret(self):
        """The app's Client Secret in clear, for the token endpoint only; '' when there is none.

        Every reader goes through here. Settings never sends it back to the browser.
        """
        if not self.env['ir.config_parameter'].sudo().get_param(CLIENT_SECRET_PARAM):
            # A database whose 19.0.1.1.0 migration did not run still has it in plain text.
            return self.env['ir.config_parameter'].sudo().get_param(LEGACY_CLIENT_SECRET_PARAM) or ''
        return self._get_secret_param(CLIENT_SECRET_PARAM, 'Client Secret')

    @api.model
    def _get_secret_param(self, key, label):
        """The clear value of a setting kept encrypted in system parameter ``key``; '' when
        there is none, or when the encryption key changed since (logged, naming ``label``)."""
        stored = self.env['ir.config_parameter'].sudo().get_param(key)
        try:
            return self._decrypt(stored) or ''
        except XeroAuthError:
            _logger.warning('Xero: the stored %s cannot be decrypted with the current encryption '
                            'key; enter it again in Settings', label)
            return ''

    @api.model
    def _set_secret_param(self, key, value):
        """Keep ``value`` encrypted in system parameter ``key`` (``False`` removes it)."""
        self.env['ir.config_parameter'].sudo().set_param(key, self._encrypt(value) if value else False)

    @api.model
    def _set_client_secret(self, secret):
        """Store ``secret`` encrypted (``False`` removes it), and drop any plain-text copy."""
        self._set_secret_param(CLIENT_SECRET_PARAM, secret)
        self.env['ir.config_parameter'].sudo().set_param(LEGACY_CLIENT_SECRET_PARAM, False)

    @api.model
    def _migrate_client_secret(self):
        """Encrypt a plain-text Client Secret left by 19.0.1.0.0, and remove the plain text."""
        icp = self.env['ir.config_parameter'].sudo()
        legacy = icp.get_param(LEGACY_CLIENT_SECRET_PARAM)
        if legacy:
            # An encrypted one, if any, was typed later: it wins.
            self._set_client_secret(self._get_client_secret() if icp.get_param(CLIENT_SECRET_PARAM)
                                    else legacy)

    def _revoke(self):
        """Best effort: tell Xero to forget this grant, then forget it here."""
        for token in self.sudo():
            refresh_token = None
            try:
                refresh_token = self._decrypt(token.refresh_token_enc)
                if refresh_token and not self._xero_user_in_use(token.xero_user_id, token.id):
                    token._oauth_client().revoke(refresh_token)
            except Exception as e:  # noqa: BLE001 - the grant is dropped here whatever Xero says
                _logger.warning('Xero token %s: revocation failed (%s)', token.id, type(e).__name__)
            token._forget()

    def _revoke_after_commit(self):
        """Forget these token sets now; revoke their grants in Xero once this transaction commits.

        After the commit: a revocation cannot be undone, and this transaction still can roll back.
        """
        if not self:
            return
        oauth = self._oauth_client()
        refresh_tokens = []
        for token in self.sudo():
            try:
                refresh_token = self._decrypt(token.refresh_token_enc)
            except XeroAuthError:
                refresh_token = None  # unreadable with the current key: nothing to revoke with
            if refresh_token and not self._xero_user_in_use(token.xero_user_id, token.id):
                refresh_tokens.append(refresh_token)
        self.sudo()._forget()
        self.sudo().unlink()
        if refresh_tokens:
            self.env.cr.postcommit.add(partial(_revoke_grants, oauth, refresh_tokens))

    @api.model
    def _revoke_unstored(self, token_data):
        """Best effort: withdraw the grant of a consent that was not kept (a failed connect).

        :return: whether Xero was asked to revoke it.
        """
        refresh_token = token_data.get('refresh_token')
        try:
            xero_user_id = jwt_claims(token_data['access_token']).get('xero_userid')
        except XeroError:
            xero_user_id = None
        if not refresh_token or self._xero_user_in_use(xero_user_id):
            return False
        return _revoke_grants(self._oauth_client(), [refresh_token])

    @api.model
    def _xero_user_in_use(self, xero_user_id, exclude_id=None):
        """Whether another token of this Xero user still serves organisations.

        Xero's revocation removes *all* the Xero user's connections to the app, not only the
        revoked grant's: revoking then would cut those organisations off too. Such a grant is
        only forgotten here, and expires in Xero after 60 days unused.
        """
        if not xero_user_id:
            return False
        return bool(self.sudo().search_count([
            ('id', '!=', exclude_id or 0), ('xero_user_id', '=', xero_user_id),
            ('organisation_ids', '!=', False)], limit=1))

    def _forget(self):
        """Drop the secrets, here and in this process's memory."""
        self.write({'access_token_enc': False, 'refresh_token_enc': False, 'expires_at': False})
        for token in self:
            _ACCESS_CACHE.pop((self.env.cr.dbname, token.id), None)
