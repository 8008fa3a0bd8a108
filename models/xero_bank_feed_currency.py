from odoo import _, api, fields, models

from ..xero_mappers.keys import new_idempotency_key


class XeroBankFeedCurrency(models.Model):
    """One currency of an organisation's bank feed: whether its card lines go to Xero, and the
    Xero BANK account "<Company> Balance - <CCY>" that receives them.

    Switching a currency off stops what is not sent yet; what is in Xero stays as it is.
    """
    _name = 'xero.bank.feed.currency'
    _inherit = ['xero.bank.feed.part']
    _description = 'Xero bank feed currency'
    _order = 'organisation_id, currency_id'

    currency_id = fields.Many2one('res.currency', required=True, ondelete='restrict')
    enabled = fields.Boolean(string='Send to Xero', default=True)
    account_name = fields.Char(compute='_compute_account_name', string='Xero account name')
    xero_account_id = fields.Many2one('xero.account', string='Xero account', readonly=True,
                                      ondelete='set null')
    account_state = fields.Selection([
        ('to_create', 'To create in Xero'),
        ('ready', 'In Xero'),
        ('error', 'Error'),
    ], default='to_create', required=True, readonly=True)
    account_error = fields.Text(readonly=True)
    idempotency_key = fields.Char(readonly=True, copy=False,
                                  help='Idempotency-Key of the account creation under way.')

    _organisation_currency_uniq = models.Constraint(
        'UNIQUE (organisation_id, currency_id)', 'A currency is set once per organisation.')

    @api.depends('organisation_id.company_id.name', 'currency_id.name')
    def _compute_account_name(self):
        for row in self:
            row.account_name = f'{row.company_id.name} Balance - {row.currency_id.name}'

    def action_open_in_xero(self):
        self.ensure_one()
        if not self.xero_account_id:
            return self.env['xero.organisation']._notify(
                _('The account is not in Xero yet: it is created in the background.'), kind='info')
        return {'type': 'ir.actions.act_url', 'target': 'new',
                'url': self.organisation_id._xero_deep_link('bank_account', self.xero_account_id.xero_id)}

    # --- the Balance account ------------------------------------------------------------------

    def _find_existing(self, accounts):
        """An active BANK account of Xero with this row's name and currency (names are unique
        in Xero, so a second one cannot exist)."""
        self.ensure_one()
        name = self.account_name.casefold()
        return accounts.filtered(lambda a: a.account_type == 'BANK' and a.active
                                 and (a.name or '').casefold() == name
                                 and (a.currency_code or self.organisation_id.base_currency)
                                 == self.currency_id.name)[:1]

    def _account_values(self):
        prefix = self.env['xero.partner.link']._contact_number_prefix()
        return {'name': self.account_name, 'type': 'BANK', 'bank_account_type': 'CREDITCARD',
                'bank_account_number': f'{prefix}{self.currency_id.name}',
                'currency_code': self.currency_id.name}

    def _new_key(self):
        self.idempotency_key = self.idempotency_key or new_idempotency_key('account')
        return self.idempotency_key
