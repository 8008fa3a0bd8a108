from odoo import fields, models


class ResPartner(models.Model):
    _inherit = 'res.partner'

    xero_link_ids = fields.One2many('xero.partner.link', 'partner_id', string='Xero links',
                                    groups='xero_integration.group_xero_user')
