from odoo import _, api, fields, models
from odoo.exceptions import UserError

FEED_JOURNAL_TYPES = ('bank', 'credit')


class XeroBankFeedWizard(models.TransientModel):
    """Activate the bank feed of one organisation: journals, currencies, start date.

    The Balance accounts are made in Xero by a cron this wizard wakes (no button waits on a
    Xero write); the organisation's form then shows them, and its mapping.
    """
    _name = 'xero.bank.feed.wizard'
    _description = 'Activate the Xero bank feed'

    organisation_id = fields.Many2one('xero.organisation', required=True, ondelete='cascade')
    company_id = fields.Many2one(related='organisation_id.company_id')
    journal_ids = fields.Many2many(
        'account.journal', string='Journals', required=True,
        domain="[('type', 'in', %s), ('company_id', '=', company_id)]" % (FEED_JOURNAL_TYPES,),
        help='Bank or credit card journals whose statement lines go to Xero.')
    available_currency_ids = fields.Many2many('res.currency', compute='_compute_available_currencies')
    currency_ids = fields.Many2many(
        'res.currency', 'xero_bank_feed_wizard_send_currency_rel', string='Send these currencies',
        domain="[('id', 'in', available_currency_ids)]",
        help='Each currency switched on gets a Xero bank account "<Company> Balance - <CCY>". '
             'A currency can be switched off later without touching what was sent.')
    start_date = fields.Date(string='Send from', required=True, default=fields.Date.context_today,
                             help='Nothing dated earlier is ever sent to Xero.')
    tax_rate_id = fields.Many2one('xero.tax.rate', string='Default tax',
                                  domain="[('organisation_id', '=', organisation_id)]",
                                  help='Applies to transactions without a tax.')
    # From the organisation's feed as it stands; what the user leaves is written back unchanged.
    account_id = fields.Many2one(
        'xero.account', string='Default account', compute='_compute_from_feed', store=True, readonly=False,
        domain="[('organisation_id', '=', organisation_id), ('account_type', '!=', 'BANK')]",
        help='Where a transaction goes when no vendor rule, reconciliation or category says '
             'otherwise. Without it, such a transaction is refused when it is sent.')
    auto_sync = fields.Boolean(
        string='Send verified lines on their own', compute='_compute_from_feed', store=True, readonly=False,
        help='On: a verified line goes to Xero by itself. Off: only when someone presses Sync now.')

    @api.depends('organisation_id')
    def _compute_from_feed(self):
        for wizard in self:
            wizard.account_id = wizard.organisation_id.bank_feed_account_id
            wizard.auto_sync = wizard.organisation_id.auto_sync_bank_feed

    @api.depends('journal_ids')
    def _compute_available_currencies(self):
        for wizard in self:
            wizard.available_currency_ids = wizard.journal_ids._xero_feed_currency()

    @api.onchange('journal_ids')
    def _onchange_journals(self):
        self.currency_ids = self.journal_ids._xero_feed_currency()

    def action_activate(self):
        self.ensure_one()
        org = self.organisation_id
        org.check_access('write')
        if self.journal_ids.filtered(lambda j: j.type not in FEED_JOURNAL_TYPES or j.company_id != org.company_id):
            raise UserError(_('Choose bank or credit card journals of %s.', org.company_id.name))
        taken = self.journal_ids.filtered(
            lambda j: j.xero_feed_organisation_id not in (org, self.env['xero.organisation']))
        if taken:
            raise UserError(_('Journal %(journal)s already feeds %(org)s.', journal=taken[0].name,
                              org=taken[0].xero_feed_organisation_id.name))
        feed = self.env['xero.bank.feed']._of(org)
        # Journals left out stop feeding; what they sent stays in Xero.
        (feed.journal_ids - self.journal_ids).sudo().write({'xero_feed_organisation_id': False})
        self.journal_ids.sudo().write({'xero_feed_organisation_id': org.id})
        feed.invalidate_recordset(['journal_ids'])
        rows = {row.currency_id: row for row in feed.currency_ids}
        for currency in feed.journal_ids._xero_feed_currency():
            enabled = currency in self.currency_ids
            if currency in rows:
                rows[currency].enabled = enabled
            else:
                rows[currency] = self.env['xero.bank.feed.currency'].create({
                    'bank_feed_id': feed.id, 'currency_id': currency.id, 'enabled': enabled})
        # Through the organisation's related fields: its chatter tracks them, as before.
        values = {'bank_feed_active': True, 'bank_feed_start_date': self.start_date}
        if self.tax_rate_id:
            values['bank_feed_tax_rate_id'] = self.tax_rate_id.id
        if self.account_id:
            values['bank_feed_account_id'] = self.account_id.id
        if self.auto_sync != org.auto_sync_bank_feed:
            values['auto_sync_bank_feed'] = self.auto_sync
        if not feed.contact_id:
            values['bank_feed_contact_id'] = self.env['res.partner'].create({
                'name': _('%s card transactions', org.company_id.name), 'is_company': True,
                'company_id': org.company_id.id}).id
        org.write(values)
        # Categories map to accounts at once where they can (no call to Xero).
        self.env['xero.product.category.mapping']._auto_map(org)
        self.env.ref('xero_integration.ir_cron_xero_bank_feed')._trigger()
        org.message_post(body=_('Bank feed activated by %(user)s: journals %(journals)s, '
                                'currencies %(currencies)s, from %(date)s.',
                                user=self.env.user.name,
                                journals=', '.join(self.journal_ids.mapped('name')),
                                currencies=', '.join(self.currency_ids.mapped('name')) or '-',
                                date=self.start_date))
        # The organisation's form, where the Bank feed tab now shows; 'main' keeps one breadcrumb
        # to it instead of stacking the organisation on itself.
        return {'type': 'ir.actions.act_window', 'res_model': 'xero.organisation',
                'name': org.name, 'res_id': org.id, 'view_mode': 'form', 'target': 'main',
                'views': [(False, 'form')], 'context': {'xero_open_tab': 'bank_feed'}}

