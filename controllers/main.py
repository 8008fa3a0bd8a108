import logging
import re

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..const import CONNECT_ROUTE, DEFAULT_SCOPES
from ..xero_client import XeroError, authorize_url, make_pkce_pair

_logger = logging.getLogger(__name__)

ORGANISATIONS_URL = '/odoo/action-xero_integration.xero_organisation_action'
# The organisations list, behind a notification saying what was just connected.
CONNECTED_URL = '/odoo/action-xero_integration.action_xero_connected'


class RedactOAuthParameters(logging.Filter):
    """Odoo's HTTP log prints each request line, query string included: keep the one-time
    authorisation code and the state out of the logs."""

    _secret = re.compile(r'\b(code|state|session_state)=[^&\s"]+')

    def filter(self, record):
        message = record.getMessage()
        if CONNECT_ROUTE in message and self._secret.search(message):
            record.msg, record.args = self._secret.sub(r'\1=[redacted]', message), ()
        return True


logging.getLogger('werkzeug').addFilter(RedactOAuthParameters())


class XeroOAuthController(http.Controller):
    """The OAuth2 round trip. Without ``code`` it sends the admin to Xero's consent page; Xero
    sends the browser back here with ``code`` and ``state`` (or ``error``).

    Every failure renders a page with a clear message and an HTTP status, never a traceback.
    """

    @http.route(CONNECT_ROUTE, type='http', auth='user', methods=['GET'], readonly=False)
    def connect(self, code=None, state=None, error=None, error_description=None, **kw):
        if not request.env.user.has_group('base.group_system'):
            return self._page(403, request.env._('Only administrators can connect Xero organisations.'))
        if error or code or state:
            return self._callback(code, state, error, error_description)
        return self._start()

    def _start(self):
        icp = request.env['ir.config_parameter'].sudo()
        client_id = icp.get_param('xero_integration.client_id')
        if not client_id or not request.env['xero.token']._get_client_secret():
            return self._page(400, request.env._('Enter the Xero Client ID and Client Secret in Settings, save, '
                                                 'then press Connect.'))
        org_model = request.env['xero.organisation']
        redirect_uri = self._redirect_uri()
        verifier, challenge = make_pkce_pair()
        state = request.env['xero.oauth.state']._issue(
            request.env.user, self._current_company(), verifier, redirect_uri)
        url = authorize_url(org_model._host('login_url'), client_id, redirect_uri,
                            icp.get_param('xero_integration.scopes') or DEFAULT_SCOPES, state, challenge)
        return request.redirect(url, code=302, local=False)

    def _callback(self, code, state, error, error_description):
        # The state is spent in a transaction of its own, committed before the code is: should
        # Odoo retry this request, the retry finds it used instead of exchanging the code again.
        with request.env.registry.cursor() as cr:
            env = request.env(cr=cr)
            pending, problem = env['xero.oauth.state']._consume(state, env.user)
            company_id = pending and pending['company'].id
        if problem:
            return self._page(*problem)
        if error == 'access_denied':
            return self._page(200, request.env._('Access was declined on Xero\'s consent page, so nothing was '
                                                 'connected. Press Connect again to retry.'),
                              title=request.env._('Not connected'))
        if error:
            return self._page(400, request.env._('Xero did not authorise the connection: %(reason)s',
                                                 reason=error_description or error))
        if not code:
            return self._page(400, request.env._(
                'Xero sent no authorisation code. Start again from the Connect button.'))
        try:
            token_data = request.env['xero.token']._oauth_client().exchange_code(
                code, pending['redirect_uri'], pending['code_verifier'])
        except XeroError as e:
            _logger.warning('Xero connect failed: %s', e)
            return self._page(502, request.env._('Xero did not complete the connection: %(reason)s', reason=e.message))
        # The single-use code is spent. Nothing from here on may reach Odoo's retry loop (it
        # re-runs the whole request on a serialization failure, exchanging the code again), and
        # nothing is kept unless everything worked: a transaction of its own, committed at once.
        try:
            with request.env.registry.cursor() as cr:
                env = request.env(cr=cr)
                connected = len(env['xero.organisation']._connect_authorised(
                    token_data, env['res.company'].browse(company_id)))
        except Exception as e:  # noqa: BLE001 - rendered as a page, and never retried by Odoo
            return self._connect_failed(e, token_data)
        if not connected:
            request.env['xero.token']._revoke_unstored(token_data)
            return self._page(400, request.env._('No Xero organisation was selected on the consent page, so nothing '
                                                 'was connected.'), title=request.env._('Not connected'))
        return request.redirect(CONNECTED_URL, code=303)

    def _connect_failed(self, error, token_data):
        """Xero authorised, Odoo could not finish: withdraw the grant and say what failed."""
        foreseen = True
        if isinstance(error, XeroError):
            what = error.message
        elif isinstance(error, UserError):
            what = error.args[0]
        elif isinstance(error, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
            what = request.env._('another change to the same records was being saved at the same moment')
        else:
            what, foreseen = request.env._('an unexpected error (%(type)s)', type=type(error).__name__), False
        # A traceback in the log only for what was not foreseen; never on the page.
        _logger.warning('Xero connect failed after the code exchange: %s', what,
                        exc_info=None if foreseen else error)
        revoked = request.env['xero.token']._revoke_unstored(token_data)
        if revoked:
            return self._page(502, request.env._(
                'Xero authorised the connection, but Odoo could not complete it: %(reason)s. Nothing was kept, '
                'and the authorisation was withdrawn in Xero. Press Connect to try again.', reason=what))
        return self._page(502, request.env._(
            'Xero authorised the connection, but Odoo could not complete it: %(reason)s. Nothing was kept. '
            'Press Connect to try again.', reason=what))

    def _current_company(self):
        """The company selected in the web client's switcher (the first of its `cids` cookie),
        which plain HTTP routes do not apply to the environment by themselves."""
        user = request.env.user
        for part in (request.httprequest.cookies.get('cids') or '').replace(',', '-').split('-'):
            if part.isdigit() and int(part) in user.company_ids.ids:
                return request.env['res.company'].browse(int(part))
        return user.company_id

    def _redirect_uri(self):
        base_url = request.env['ir.config_parameter'].sudo().get_param('web.base.url', '')
        return base_url.rstrip('/') + CONNECT_ROUTE

    def _page(self, status, message, title=None):
        failed = request.env._('Xero connection failed')
        titles = {200: 'Xero', 400: failed, 403: request.env._('Not allowed'), 502: failed}
        return request.render('xero_integration.oauth_message', {
            'title': title or titles.get(status, 'Xero'),
            'message': message,
            'back_url': ORGANISATIONS_URL,
        }, status=status)
