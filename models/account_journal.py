from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = 'account.journal'

    xero_organisation_id = fields.Many2one(
        'xero.organisation', string='Xero organisation', check_company=True, ondelete='set null',
        domain="[('company_id', '=', company_id)]",
        help='Where the company has several Xero organisations, the documents of this journal go '
             'to this one. With one organisation, leave it empty.')
    xero_feed_organisation_id = fields.Many2one(
        'xero.organisation', string='Bank feed to Xero', check_company=True, ondelete='set null',
        index=True, domain="[('company_id', '=', company_id)]",
        help='The card or wallet lines of this journal go to this Xero organisation (set by '
             '"Activate bank feed").')

    def _xero_feed_currency(self):
        """The currencies of these journals' lines (a journal without one uses the company's)."""
        currencies = self.env['res.currency']
        for journal in self:
            currencies |= journal.currency_id or journal.company_id.currency_id
        return currencies
