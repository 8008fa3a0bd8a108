from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .xero_account_mapping import normalised_name
from .xero_mapping_mixin import mapping_source

PAYMENT_JOURNAL_TYPES = ('bank', 'cash')


def digits(text):
    return ''.join(c for c in (text or '') if c.isdigit())


class XeroJournalMapping(models.Model):
    """The Xero account that receives the payments of one Odoo bank or cash journal."""
    _name = 'xero.journal.mapping'
    _inherit = ['xero.mapping.mixin']
    _description = 'Xero payment account mapping'
    _order = 'organisation_id, journal_id'
    _mapping_xero_fields = ('xero_account_id',)

    journal_id = fields.Many2one('account.journal', required=True, index=True, ondelete='cascade',
                                 check_company=True,
                                 domain=[('type', 'in', PAYMENT_JOURNAL_TYPES)])
    journal_type = fields.Selection(related='journal_id.type')
    # Xero records payments only into BANK accounts and accounts with EnablePaymentsToAccount.
    xero_account_id = fields.Many2one(
        'xero.account', string='Xero payment account', required=True, ondelete='cascade',
        domain="[('organisation_id', '=', organisation_id), ('can_take_payments', '=', True)]")
    xero_code = fields.Char(related='xero_account_id.code', string='Xero code')
    source = mapping_source(('auto_number', 'Same bank account number'), ('auto_name', 'Same name'))

    _organisation_journal_uniq = models.Constraint(
        'UNIQUE (organisation_id, journal_id)', 'A journal maps to one Xero account per organisation.')

    @api.constrains('organisation_id', 'journal_id', 'xero_account_id')
    def _check_payment_account(self):
        for mapping in self:
            xero_account = mapping.xero_account_id
            if not xero_account.can_take_payments:
                raise ValidationError(_("Xero account '%s' cannot take payments: choose a bank account, "
                                        "or enable payments to this account in Xero and import the "
                                        "chart again.", xero_account.display_name))
            if mapping.journal_id.type not in PAYMENT_JOURNAL_TYPES:
                raise ValidationError(_("Journal '%s' is not a bank or cash journal.",
                                        mapping.journal_id.name))

    _audit_fields = ('journal_id', 'xero_account_id')

    def _audit_subject(self):
        return self.env._("Payments of journal '%s'", self.journal_id.name)

    def _audit_target(self):
        return self.xero_account_id.display_name

    @api.model
    def _auto_map(self, organisation):
        """Map unmapped bank and cash journals: same bank account number, else same name."""
        company = organisation.company_id
        journals = self.env['account.journal'].search([
            *self.env['account.journal']._check_company_domain(company),
            ('type', 'in', PAYMENT_JOURNAL_TYPES),
        ])
        journals -= self.search([('organisation_id', '=', organisation.id)]).journal_id
        xero_accounts = self.env['xero.account'].search([
            ('organisation_id', '=', organisation.id), ('status', '=', 'ACTIVE'),
            ('can_take_payments', '=', True)])
        by_number = {digits(a.bank_account_number): a for a in xero_accounts
                     if digits(a.bank_account_number)}
        by_name = {normalised_name(a.name): a for a in xero_accounts}
        vals_list = []
        for journal in journals:
            match = by_number.get(digits(journal.bank_acc_number)), 'auto_number'
            if not match[0]:
                match = by_name.get(normalised_name(journal.name)), 'auto_name'
            if match[0]:
                vals_list.append({'organisation_id': organisation.id, 'journal_id': journal.id,
                                  'xero_account_id': match[0].id, 'source': match[1]})
        return self.create(vals_list)
