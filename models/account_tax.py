from odoo import fields, models


class AccountTax(models.Model):
    _inherit = 'account.tax'

    xero_tax_mapping_ids = fields.One2many('xero.tax.mapping', 'tax_id', string='Xero tax types',
                                           groups='xero_integration.group_xero_user')
