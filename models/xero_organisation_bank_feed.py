import logging
from datetime import timedelta

from odoo import _, fields, models

from ..xero_client import XeroError, XeroRetryableError
from ..xero_client.governor import Wait

_logger = logging.getLogger(__name__)

ADVISER_ROLE = 'FINANCIALADVISER'  # Xero's "Adviser"
# Lock dates and the user's role are read from Xero daily, and again before a push when older.
LOCK_DATES_MAX_AGE = timedelta(days=1)


class XeroOrganisation(models.Model):
    """The bank feed of an organisation: card and wallet lines of chosen journals, per currency,
    into "<Company> Balance - <CCY>" accounts; Xero's lock dates and the connected user's role."""
    _inherit = 'xero.organisation'

    bank_feed_active = fields.Boolean(string='Bank feed', readonly=True, tracking=True)
    bank_feed_journal_ids = fields.One2many('account.journal', 'xero_feed_organisation_id',
                                            string='Fed journals', readonly=True,
                                            groups='xero_integration.group_xero_manager')
    bank_feed_start_date = fields.Date(
        string='Send from', tracking=True,
        help='Nothing dated earlier is ever sent to Xero.')
    bank_feed_currency_ids = fields.One2many('xero.bank.feed.currency', 'organisation_id',
                                             string='Currencies')
    bank_feed_rule_ids = fields.One2many('xero.bank.feed.rule', 'organisation_id',
                                         string='Vendor rules')
    bank_feed_contact_id = fields.Many2one(
        'res.partner', string='Contact for lines without partner', ondelete='restrict',
        help='Card lines with no partner go to Xero with this contact.')
    bank_feed_account_id = fields.Many2one(
        'xero.account', string='Default account', ondelete='restrict',
        domain="[('organisation_id', '=', id), ('account_type', '!=', 'BANK')]",
        help='Used last: after a vendor rule, the reconciled counterpart and the category.')
    bank_feed_tax_rate_id = fields.Many2one(
        'xero.tax.rate', string='Default tax', ondelete='restrict',
        domain="[('organisation_id', '=', id)]",
        help='Applies to transactions without a tax; without it they go to Xero with no tax.')
    xero_period_lock_date = fields.Date(string='Period lock date', readonly=True)
    xero_end_of_year_lock_date = fields.Date(string='End of year lock date', readonly=True)
    xero_lock_dates_read = fields.Datetime(string='Lock dates read', readonly=True)
    xero_user_role = fields.Char(
        string='Xero role of the connected user', readonly=True,
        help="The OrganisationRole (Xero's /Users) of the user who authorised the connection. "
             'An Adviser (FINANCIALADVISER) may post into a period-locked month.')

    # --- actions ------------------------------------------------------------------------------

    def action_activate_bank_feed(self):
        self.ensure_one()
        self.check_access('write')
        return {
            'type': 'ir.actions.act_window', 'name': _('Activate bank feed'),
            'res_model': 'xero.bank.feed.wizard', 'view_mode': 'form', 'target': 'new',
            'context': {'default_organisation_id': self.id},
        }

    def action_refresh_lock_dates(self):
        """Wake the cron that reads lock dates and the user's role; nothing waits on Xero."""
        self.check_access('read')
        self.env.ref('xero_integration.ir_cron_xero_bank_feed')._trigger()
        return self._notify(_('Lock dates and role are being read from Xero.'), kind='info')

    # --- cron ---------------------------------------------------------------------------------

    def _cron_bank_feed(self):
        """Daily, and when the activation wizard wakes it: read lock dates and role, and make the
        Balance accounts of the currencies switched on."""
        for org in self.search([('state', '=', 'connected'), ('bank_feed_active', '=', True)]):
            try:
                org._bank_feed_refresh_lock_dates(force=True)
                org._bank_feed_ensure_accounts()
            except (XeroError, Wait) as e:
                _logger.warning('Xero organisation %s: bank feed set-up failed (%s)', org.id, e)
            self.env['xero.sync.engine']._commit(0)

    # --- lock dates and role ------------------------------------------------------------------

    def _bank_feed_refresh_lock_dates(self, force=False):
        """Read PeriodLockDate, EndOfYearLockDate and the connected user's role, unless read
        within the last day."""
        self.ensure_one()
        read = self.xero_lock_dates_read
        if not force and read and fields.Datetime.now() - read < LOCK_DATES_MAX_AGE:
            return
        dates = self._xero().lock_dates()
        user_id = self.sudo().token_id.xero_user_id
        role = next((u['role'] for u in self._xero().users() if user_id
                    and (u['user_id'] or '').lower() == user_id.lower()), False)
        self.sudo().write({'xero_period_lock_date': dates['period'],
                           'xero_end_of_year_lock_date': dates['end_of_year'],
                           'xero_lock_dates_read': fields.Datetime.now(),
                           'xero_user_role': role or False})

    def _bank_feed_lock_reason(self, date):
        """Why a transaction dated ``date`` cannot go to Xero now, or None."""
        self.ensure_one()
        eoy, period = self.xero_end_of_year_lock_date, self.xero_period_lock_date
        if eoy and date <= eoy:
            return _('Held: dated %(date)s, on or before the end of year lock date in Xero '
                     '(%(lock)s). Nobody can post there, advisers included.', date=date, lock=eoy)
        if period and date <= period and self.xero_user_role != ADVISER_ROLE:
            return _('Held: dated %(date)s, on or before the period lock date in Xero (%(lock)s), '
                     'and the connected Xero user is not an Adviser (role: %(role)s).',
                     date=date, lock=period, role=self.xero_user_role or _('unknown'))
        return None

    # --- Balance accounts ---------------------------------------------------------------------

    def _bank_feed_ensure_accounts(self):
        """Give each currency switched on its Balance account: the existing BANK account of that
        name and currency in Xero, else a new one (PUT /Accounts, with an Idempotency-Key; after
        a lost answer the chart is read again first, so the account is found, never doubled)."""
        self.ensure_one()
        missing = self.bank_feed_currency_ids.filtered(lambda c: c.enabled and not c.xero_account_id)
        if not missing:
            return
        accounts = self.env['xero.account']._import_from_xero(self)
        for row in missing:
            existing = row._find_existing(accounts)
            if existing:
                row.write({'xero_account_id': existing.id, 'account_state': 'ready',
                           'account_error': False, 'idempotency_key': False})
                continue
            try:
                created = self._xero().create_account(row._account_values(), row._new_key())
            except XeroRetryableError as e:
                # It may have landed: the next run reads the chart and finds it by name.
                row.write({'account_state': 'error', 'account_error': e.message})
                continue
            except XeroError as e:
                # Refused: a later attempt is a new request (Xero replays a refused key).
                row.write({'account_state': 'error', 'account_error': e.message,
                           'idempotency_key': False})
                continue
            account = self.env['xero.account'].create(dict(
                self.env['xero.account']._values_from_xero(created), organisation_id=self.id))
            row.write({'xero_account_id': account.id, 'account_state': 'ready',
                       'account_error': False, 'idempotency_key': False})
            self.message_post(body=_('Created the Xero bank account "%s" for the bank feed.',
                                     account.name))
