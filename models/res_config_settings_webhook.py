from odoo import api, fields, models

from ..controllers.webhook import WEBHOOK_ROUTE

KEY_PARAM = 'xero_integration.webhook_key_enc'


class ResConfigSettings(models.TransientModel):
    """The webhook: its signing key (kept encrypted, shown to no one), its URL, its last event.

    The key is not a ``config_parameter`` field: Odoo reads those with sudo for anyone who opens
    the settings form's defaults, and a signing key must stay with system administrators.
    """
    _inherit = 'res.config.settings'

    xero_webhook_key = fields.Char(string='Xero webhook key', groups='base.group_system',
                                   help="The webhook signing key shown in Xero's developer portal. "
                                        "Leave empty to keep the one saved.")
    xero_webhook_key_set = fields.Boolean(compute='_compute_xero_webhook', groups='base.group_system')
    xero_webhook_url = fields.Char(string='Webhook URL', compute='_compute_xero_webhook')
    xero_webhook_last_event = fields.Datetime(string='Last webhook event', compute='_compute_xero_webhook')

    @api.depends('company_id')
    def _compute_xero_webhook(self):
        icp = self.env['ir.config_parameter'].sudo()
        base_url = icp.get_param('web.base.url', '').rstrip('/')
        last = self.env['xero.webhook.event']._last_received()
        for settings in self:
            settings.xero_webhook_url = base_url + WEBHOOK_ROUTE
            settings.xero_webhook_last_event = last
            if self.env.user.has_group('base.group_system'):
                settings.xero_webhook_key_set = bool(icp.get_param(KEY_PARAM))

    def set_values(self):
        super().set_values()
        if self.env.user.has_group('base.group_system') and self.xero_webhook_key:
            self.env['xero.token']._set_secret_param(KEY_PARAM, self.xero_webhook_key.strip())

    @api.model
    def _xero_webhook_key(self):
        """The signing key, for the webhook controller only."""
        return self.env['xero.token'].sudo()._get_secret_param(KEY_PARAM, 'webhook key')
