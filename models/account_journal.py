from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = 'account.journal'

    xero_organisation_id = fields.Many2one(
        'xero.organisation', string='Xero organisation', check_company=True, ondelete='set null',
        domain="[('company_id', '=', company_id)]",
        help='Where the company has several Xero organisations, the documents of this journal go '
             'to this one. With one organisation, leave it empty.')
