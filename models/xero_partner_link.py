from odoo import fields, models


class XeroPartnerLink(models.Model):
    """An Odoo contact and its Xero Contact in one organisation."""
    _name = 'xero.partner.link'
    _inherit = ['xero.link.mixin']
    _description = 'Xero contact link'

    partner_id = fields.Many2one('res.partner', required=True, index=True, ondelete='cascade')

    _organisation_partner_uniq = models.Constraint(
        'UNIQUE (organisation_id, partner_id)', 'A contact links to one Xero contact per organisation.')
    _organisation_xero_uniq = models.Constraint(
        'UNIQUE (organisation_id, xero_id)', 'A Xero contact links to one Odoo contact per organisation.')
