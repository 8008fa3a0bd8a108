from odoo import api, fields, models

from ..const import CONNECT_ROUTE, DEFAULT_SCOPES


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    xero_client_id = fields.Char(string='Xero Client ID', config_parameter='xero_integration.client_id')
    # Not a config_parameter field: Odoo reads those with sudo for anyone who calls default_get,
    # portal users included. This one is write-only: it is encrypted on save, and always reads
    # back empty, so the secret never reaches a browser.
    xero_client_secret = fields.Char(
        groups='base.group_system',
        compute='_compute_xero_client_secret', inverse='_inverse_xero_client_secret',
        help='Stored encrypted and never shown again. Type a new one to replace it.')
    xero_client_secret_set = fields.Boolean(compute='_compute_xero_client_secret',
                                            groups='base.group_system')
    xero_scopes = fields.Char(string='Xero scopes', config_parameter='xero_integration.scopes',
                              default=DEFAULT_SCOPES)
    xero_redirect_url = fields.Char(string='Redirect URL', compute='_compute_xero_redirect_url')
    xero_key_from_database = fields.Boolean(compute='_compute_xero_key_from_database')
    xero_organisation_count = fields.Integer(compute='_compute_xero_organisation_count')
    xero_organisation_label = fields.Char(compute='_compute_xero_organisation_count')

    def _compute_xero_client_secret(self):
        is_set = bool(self.env['xero.token']._get_client_secret())
        for settings in self:
            settings.xero_client_secret = False
            settings.xero_client_secret_set = is_set

    def _inverse_xero_client_secret(self):
        for settings in self:
            # An empty field means "unchanged": it is always shown empty.
            secret = (settings.xero_client_secret or '').strip()
            if secret:
                self.env['xero.token']._set_client_secret(secret)

    @api.depends('company_id')
    def _compute_xero_redirect_url(self):
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url', '').rstrip('/')
        self.xero_redirect_url = base_url + CONNECT_ROUTE

    @api.depends('company_id')
    def _compute_xero_key_from_database(self):
        self.xero_key_from_database = self.env['xero.token']._encryption_key_source() == 'database'

    @api.depends('company_id')
    def _compute_xero_organisation_count(self):
        count = self.env['xero.organisation'].search_count([])
        self.xero_organisation_count = count
        self.xero_organisation_label = (self.env._('1 organisation') if count == 1
                                        else self.env._('%s organisations', count))

    def action_xero_connect(self):
        # Settings buttons do not save by themselves: keep what the admin just typed.
        self.set_values()
        return {'type': 'ir.actions.act_url', 'url': CONNECT_ROUTE, 'target': 'self'}
