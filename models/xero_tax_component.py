from odoo import fields, models


class XeroTaxComponent(models.Model):
    """One component of a Xero tax rate (e.g. GST 15%, or a levy compounding on it)."""
    _name = 'xero.tax.component'
    _description = 'Xero tax rate component'
    _order = 'tax_rate_id, sequence, id'

    tax_rate_id = fields.Many2one('xero.tax.rate', required=True, index=True, ondelete='cascade',
                                  readonly=True)
    company_id = fields.Many2one(related='tax_rate_id.company_id', store=True, index=True)
    # Xero's order: a compound component is charged on the amount plus the ones before it.
    sequence = fields.Integer(default=10, readonly=True)
    name = fields.Char(required=True, readonly=True)
    rate = fields.Float(digits=(16, 4), readonly=True)
    is_compound = fields.Boolean(readonly=True,
                                 help='Charged on the amount plus the non-compound components.')
    is_non_recoverable = fields.Boolean(readonly=True)
