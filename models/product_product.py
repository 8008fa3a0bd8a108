from odoo import _, fields, models


class ProductProduct(models.Model):
    """Items: what changed is found by the item push itself (``xero.product.link``), so a
    product declares no synced fields here."""
    _name = 'product.product'
    _inherit = ['product.product', 'xero.synced.mixin']

    xero_link_ids = fields.One2many('xero.product.link', 'product_id', string='Xero items',
                                    groups='xero_integration.group_xero_user')

    def _xero_unlink_message(self, link):
        return _('%s is an item in Xero: archive it instead.', link.product_id.display_name)
