from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class XeroBankFeedRule(models.Model):
    """What a vendor's card transactions become in one organisation ("what and where").

    A rule is read when a transaction is sent: a changed rule applies to transactions not yet
    in Xero and never rewrites what is already there.
    """
    _name = 'xero.bank.feed.rule'
    _inherit = ['xero.bank.feed.part']
    _description = 'Xero bank feed vendor rule'
    _order = 'organisation_id, partner_id'
    _check_company_auto = True

    partner_id = fields.Many2one('res.partner', string='Vendor', required=True, index=True,
                                 ondelete='cascade')
    xero_account_id = fields.Many2one(
        'xero.account', string='Xero account', ondelete='restrict',
        domain="[('organisation_id', '=', organisation_id), ('account_type', '!=', 'BANK')]")
    xero_tax_rate_id = fields.Many2one(
        'xero.tax.rate', string='Xero tax', ondelete='restrict',
        domain="[('organisation_id', '=', organisation_id)]")
    description_template = fields.Char(
        help='The line description in Xero, e.g. "{partner}: {label}". Placeholders: {label} '
             '(the bank label), {partner}, {ref}, {date}. Empty: the bank label.')
    push_as = fields.Selection([
        ('spend', 'Spend Money'),
        ('bill', 'Bill plus payment'),
    ], string='Send as', default='spend', required=True,
        help='Spend Money: one reconciled bank transaction. Bill plus payment: a bill holding '
             "the vendor's invoice, paid from the card account.")

    _organisation_partner_uniq = models.Constraint(
        'UNIQUE (organisation_id, partner_id)', 'A vendor has one rule per organisation.')

    @api.constrains('organisation_id', 'xero_account_id', 'xero_tax_rate_id')
    def _check_xero_records(self):
        self._check_same_organisation('xero_account_id', 'xero_tax_rate_id')
        for rule in self:
            if rule.xero_account_id.account_type == 'BANK':
                raise ValidationError(_("Xero account '%s' is a bank account; a card transaction "
                                        "cannot be coded to it.", rule.xero_account_id.display_name))
