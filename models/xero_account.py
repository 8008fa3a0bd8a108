from odoo import api, fields, models

# Xero's account types whose balance sits in the profit and loss (SPEC AccountType).
REVENUE_CLASS = 'REVENUE'
EXPENSE_CLASS = 'EXPENSE'


class XeroAccount(models.Model):
    """One account of a Xero organisation's chart, as Xero last described it.

    Read-only mirror: Xero is the master of its chart. Accounts that Xero stops listing are
    archived here rather than deleted, so mappings that point at them stay visible and the
    pre-flight check can name them.
    """
    _name = 'xero.account'
    _inherit = ['xero.imported.mixin']
    _description = 'Xero account'
    _order = 'organisation_id, code, name, id'
    _rec_names_search = ['code', 'name']
    _check_company_auto = True

    _xero_pull_kind = 'accounts'
    _xero_review_kind = 'account'

    # Mirrors of Xero's data: only an import changes them.
    xero_id = fields.Char(string='AccountID', required=True, readonly=True, copy=False)
    code = fields.Char(readonly=True)
    name = fields.Char(required=True, readonly=True)
    account_type = fields.Char(string='Type', readonly=True)
    account_class = fields.Char(string='Class', readonly=True)
    status = fields.Char(readonly=True)
    tax_type = fields.Char(string='Default tax type', readonly=True)
    enable_payments = fields.Boolean(string='Payments enabled', readonly=True,
                                     help='EnablePaymentsToAccount: Xero accepts payments into it.')
    bank_account_type = fields.Char(readonly=True)
    bank_account_number = fields.Char(readonly=True)
    currency_code = fields.Char(readonly=True)
    system_account = fields.Char(readonly=True)
    description = fields.Text(readonly=True)
    can_take_payments = fields.Boolean(
        compute='_compute_can_take_payments', store=True,
        help='Xero records payments only into BANK accounts and accounts with payments enabled.')

    _organisation_xero_uniq = models.Constraint(
        'UNIQUE (organisation_id, xero_id)', 'A Xero account is imported once per organisation.')

    @api.depends('account_type', 'enable_payments')
    def _compute_can_take_payments(self):
        for account in self:
            account.can_take_payments = account.account_type == 'BANK' or account.enable_payments

    @api.depends('code', 'name')
    def _compute_display_name(self):
        for account in self:
            account.display_name = f'{account.code} {account.name}' if account.code else account.name

    # --- import (xero.imported.mixin) ----------------------------------------------------------

    @api.model
    def _xero_read(self, organisation):
        return organisation._xero().accounts()

    @api.model
    def _xero_review_name(self, values):
        return f"{values['code']} {values['name']}" if values['code'] else values['name']

    @api.model
    def _values_from_xero(self, xero_account):
        """Odoo values of one account as the client reads it (``accounts()``, ``create_account``)."""
        return {
            'xero_id': xero_account['xero_id'],
            'code': xero_account['code'] or False,
            'name': xero_account['name'],
            'account_type': xero_account['type'] or False,
            'account_class': xero_account['class'] or False,
            'status': xero_account['status'] or False,
            'tax_type': xero_account['tax_type'] or False,
            'enable_payments': xero_account['enable_payments'],
            'bank_account_type': xero_account['bank_account_type'] or False,
            'bank_account_number': xero_account['bank_account_number'] or False,
            'currency_code': xero_account['currency_code'] or False,
            'system_account': xero_account['system_account'] or False,
            'description': xero_account['description'] or False,
            'active': True,
        }
