from odoo import api, fields, models

# Xero's account types whose balance sits in the profit and loss (SPEC AccountType).
REVENUE_CLASS = 'REVENUE'
EXPENSE_CLASS = 'EXPENSE'


def sdk_value(value):
    """The plain value of an SDK enum member (AccountType.BANK -> 'BANK'), or the value itself."""
    return getattr(value, 'value', value)


class XeroAccount(models.Model):
    """One account of a Xero organisation's chart, as Xero last described it.

    Read-only mirror: Xero is the master of its chart. Accounts that Xero stops listing are
    archived here rather than deleted, so mappings that point at them stay visible and the
    pre-flight check can name them.
    """
    _name = 'xero.account'
    _inherit = ['xero.organisation.mixin']
    _description = 'Xero account'
    _order = 'organisation_id, code, name, id'
    _rec_names_search = ['code', 'name']
    _check_company_auto = True

    # Mirrors of Xero's data: only an import changes them.
    organisation_id = fields.Many2one(readonly=True)
    active = fields.Boolean(default=True, readonly=True)
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

    # --- import -------------------------------------------------------------------------------

    @api.model
    def _import_from_xero(self, organisation):
        """Create or update the organisation's accounts from GET /Accounts; archive the others.
        Returns the accounts Xero listed, those Odoo refused (held for review) excepted."""
        return self.env['xero.pull.engine']._read_whole(organisation, 'accounts')

    # --- a kind of the pull engine, listed whole ----------------------------------------------

    @api.model
    def _pull_fetch(self, organisation):
        return [self._values_from_xero(account) for account in organisation._call('get_accounts').data.accounts or []]

    @api.model
    def _pull_existing(self, organisation):
        return {account.xero_id: account for account in self.with_context(active_test=False).search(
            [('organisation_id', '=', organisation.id)])}

    @api.model
    def _pull_one(self, organisation, values, account):
        if not account:
            return 'created', self.create(dict(values, organisation_id=organisation.id))
        if changed := account._changed_values(values):
            account.write(changed)
            return 'updated', account
        return None, account

    @api.model
    def _pull_hold(self, organisation, values, reason):
        name = f"{values['code']} {values['name']}" if values['code'] else values['name']
        self.env['xero.review']._hold(organisation, 'account', values['xero_id'], name, reason, values)

    @api.model
    def _values_from_xero(self, xero_account):
        return {
            'xero_id': str(xero_account.account_id),
            'code': xero_account.code or False,
            'name': xero_account.name,
            'account_type': sdk_value(xero_account.type) or False,
            'account_class': sdk_value(xero_account._class) or False,
            'status': sdk_value(xero_account.status) or False,
            'tax_type': xero_account.tax_type or False,
            'enable_payments': bool(xero_account.enable_payments_to_account),
            'bank_account_type': sdk_value(xero_account.bank_account_type) or False,
            'bank_account_number': xero_account.bank_account_number or False,
            'currency_code': sdk_value(xero_account.currency_code) or False,
            'system_account': sdk_value(xero_account.system_account) or False,
            'description': xero_account.description or False,
            'active': True,
        }
