from odoo import api, fields, models

from ..const import CONNECT_ROUTE, DEFAULT_SCOPES


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    xero_client_id = fields.Char(string='Xero Client ID', config_parameter='xero_integration.client_id')
    xero_client_secret = fields.Char(string='Xero Client Secret',
                                     config_parameter='xero_integration.client_secret')
    xero_scopes = fields.Char(string='Xero scopes', config_parameter='xero_integration.scopes',
                              default=DEFAULT_SCOPES)
    xero_redirect_url = fields.Char(string='Redirect URL', compute='_compute_xero_redirect_url')
    xero_key_from_database = fields.Boolean(compute='_compute_xero_key_from_database')
    xero_organisation_count = fields.Integer(compute='_compute_xero_organisation_count')

    @api.depends('company_id')
    def _compute_xero_redirect_url(self):
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url', '').rstrip('/')
        self.xero_redirect_url = base_url + CONNECT_ROUTE

    @api.depends('company_id')
    def _compute_xero_key_from_database(self):
        self.xero_key_from_database = self.env['xero.token']._encryption_key_source() == 'database'

    @api.depends('company_id')
    def _compute_xero_organisation_count(self):
        self.xero_organisation_count = self.env['xero.organisation'].search_count([])

    def action_xero_connect(self):
        # Settings buttons do not save by themselves: keep what the admin just typed.
        self.set_values()
        return {'type': 'ir.actions.act_url', 'url': CONNECT_ROUTE, 'target': 'self'}
