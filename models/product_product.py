from odoo import _, api, models
from odoo.exceptions import UserError


class ProductProduct(models.Model):
    _inherit = 'product.product'

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_xero(self):
        linked = self.env['xero.product.link'].sudo().search([('product_id', 'in', self.ids),
                                                              ('xero_id', '!=', False)], limit=1)
        if linked:
            raise UserError(_('%s is an item in Xero: archive it instead.', linked.product_id.display_name))
