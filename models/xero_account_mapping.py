from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .xero_account import EXPENSE_CLASS, REVENUE_CLASS
from .xero_mapping_mixin import mapping_source

# Odoo account types whose lines reach Xero as invoice and bill lines, and the Xero class that
# fits them. Auto-mapping never crosses classes: a code or name that happens to match an asset
# account in Xero is a coincidence, not a mapping.
ACCOUNT_TYPE_CLASS = {
    'income': REVENUE_CLASS,
    'income_other': REVENUE_CLASS,
    'expense': EXPENSE_CLASS,
    'expense_other': EXPENSE_CLASS,
    'expense_depreciation': EXPENSE_CLASS,
    'expense_direct_cost': EXPENSE_CLASS,
}

NOT_LINE_ACCOUNT_TYPES = ('asset_receivable', 'liability_payable', 'asset_cash', 'liability_credit_card',
                          'off_balance')


def normalised_name(name):
    return ' '.join(''.join(c if c.isalnum() else ' ' for c in (name or '').casefold()).split())


class XeroAccountMapping(models.Model):
    """Which Xero account an Odoo income or expense account becomes, in one organisation."""
    _name = 'xero.account.mapping'
    _inherit = ['xero.mapping.mixin']
    _description = 'Xero account mapping'
    _order = 'organisation_id, account_id'
    _mapping_xero_fields = ('xero_account_id',)

    # Any account an invoice or bill line can use; receivables, payables and bank accounts reach
    # Xero through the organisation's defaults and the payment accounts instead.
    account_id = fields.Many2one('account.account', string='Odoo account', required=True, index=True,
                                 ondelete='cascade', check_company=True,
                                 domain=[('account_type', 'not in', NOT_LINE_ACCOUNT_TYPES)])
    account_type = fields.Selection(related='account_id.account_type')
    xero_account_id = fields.Many2one(
        'xero.account', string='Xero account', required=True, ondelete='cascade',
        domain="[('organisation_id', '=', organisation_id), ('account_type', '!=', 'BANK')]")
    xero_code = fields.Char(related='xero_account_id.code', string='Xero code')
    source = mapping_source(('auto_code', 'Same code'), ('auto_name', 'Same name'))

    _organisation_account_uniq = models.Constraint(
        'UNIQUE (organisation_id, account_id)', 'An Odoo account maps to one Xero account per organisation.')

    @api.constrains('organisation_id', 'xero_account_id')
    def _check_xero_account(self):
        for mapping in self:
            xero_account = mapping.xero_account_id
            # Xero refuses invoice lines coded to a bank account.
            if xero_account.account_type == 'BANK':
                raise ValidationError(_("Xero account '%s' is a bank account; invoice and bill lines "
                                        "cannot be coded to it.", xero_account.display_name))

    _audit_fields = ('account_id', 'xero_account_id')

    def _audit_subject(self):
        account = self.account_id.with_company(self.company_id)
        return self.env._("Account '%s'", f'{account.code} {account.name}')

    def _audit_target(self):
        return self.xero_account_id.display_name

    # --- automatic mapping ----------------------------------------------------------------

    @api.model
    def _auto_map(self, organisation):
        """Map the company's unmapped income and expense accounts: same code, else same name.

        Only within the matching Xero class (revenue or expense) and only to active accounts.
        What stays unmapped is for a person to choose; the pre-flight check lists it.
        """
        company = organisation.company_id
        Account = self.env['account.account'].with_company(company)
        accounts = Account.search([
            *Account._check_company_domain(company),
            ('account_type', 'in', list(ACCOUNT_TYPE_CLASS)),
        ])
        accounts -= self.search([('organisation_id', '=', organisation.id)]).account_id
        xero_accounts = self.env['xero.account'].search([
            ('organisation_id', '=', organisation.id), ('status', '=', 'ACTIVE'),
            ('account_class', 'in', (REVENUE_CLASS, EXPENSE_CLASS))])
        by_code = {(a.account_class, a.code): a for a in xero_accounts if a.code}
        by_name = {}
        for xero_account in xero_accounts:
            by_name.setdefault((xero_account.account_class, normalised_name(xero_account.name)), xero_account)
        vals_list = []
        for account in accounts:
            xero_class = ACCOUNT_TYPE_CLASS[account.account_type]
            match, source = by_code.get((xero_class, account.code)), 'auto_code'
            if not match:
                match, source = by_name.get((xero_class, normalised_name(account.name))), 'auto_name'
            if match:
                vals_list.append({'organisation_id': organisation.id, 'account_id': account.id,
                                  'xero_account_id': match.id, 'source': source})
        return self.create(vals_list)
