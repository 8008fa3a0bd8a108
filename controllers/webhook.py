import base64
import hashlib
import hmac
import json
import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)

WEBHOOK_ROUTE = '/xero_integration/webhook'
# Xero's deliveries are a few kilobytes; a larger body is refused before it is read or verified.
MAX_BODY_BYTES = 1024 * 1024


class XeroWebhookController(http.Controller):
    """Xero's webhook: verify, store, wake, answer. Nothing is processed here.

    The database: a server with several databases must select it without a session, i.e. with
    ``dbfilter`` (one database per host name, e.g. ``--db-filter=^%d$``); the payload is never
    trusted to name it. Events for a tenant not connected to this database are acknowledged and
    ignored.
    """

    @http.route(WEBHOOK_ROUTE, type='http', auth='public', methods=['POST'], csrf=False,
                save_session=False, max_content_length=MAX_BODY_BYTES)
    def webhook(self, **_kw):
        try:
            raw = request.httprequest.get_data()  # the exact bytes Xero signed, never re-serialised
        except RequestEntityTooLarge:
            return request.make_response('Payload too large', status=413)
        key = request.env['res.config.settings'].sudo()._xero_webhook_key()
        signature = request.httprequest.headers.get('x-xero-signature', '')
        expected = base64.b64encode(hmac.new(key.encode(), raw, hashlib.sha256).digest()).decode() if key else ''
        if not key or not hmac.compare_digest(expected, signature):
            # Also what Xero's intent-to-receive check expects for a bad signature.
            return request.make_response('', status=401)
        try:
            payload = json.loads(raw or b'{}')
        except (ValueError, RecursionError):  # RecursionError: nested a thousand deep
            return request.make_response('Invalid JSON', status=400)
        try:
            request.env['xero.webhook.event'].sudo()._store(payload)
        except ValidationError as e:
            _logger.warning('Xero webhook: signed payload refused: %s', e)
            return request.make_response(f'Invalid payload: {e}', status=400)
        return request.make_response('', status=200)
