import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..xero_client import XeroError, XeroRetryableError
from ..xero_client.governor import Wait

_logger = logging.getLogger(__name__)

ADVISER_ROLE = 'FINANCIALADVISER'  # Xero's "Adviser"
# Lock dates and the user's role are read from Xero daily, and again before a push when older.
LOCK_DATES_MAX_AGE = timedelta(days=1)


class XeroBankFeed(models.Model):
    """The bank feed of one organisation: card and wallet lines of chosen journals, per currency,
    into "<Company> Balance - <CCY>" accounts; Xero's lock dates and the connected user's role.

    One per organisation, made when the feed is activated (``_of``). The organisation's form
    shows and edits it through the related fields of its Bank feed tab.

    What the feed needs from Xero (the Balance accounts, the lock dates, the role) is prepared
    here, by the daily cron and before the engine claims lines (``_prepare``); the payloads are
    then built from what this record holds, without calling Xero.
    """
    _name = 'xero.bank.feed'
    _inherit = ['xero.organisation.mixin']
    _description = 'Xero bank feed'
    _order = 'organisation_id'
    _rec_name = 'organisation_id'

    # Set by the activation wizard; the form shows it read-only (not here: the organisation's
    # related field writes it, and Odoo inverses no related field onto a read-only one).
    activated = fields.Boolean(string='Bank feed')
    journal_ids = fields.Many2many('account.journal', string='Fed journals',
                                   compute='_compute_journal_ids')
    start_date = fields.Date(string='Send from', help='Nothing dated earlier is ever sent to Xero.')
    currency_ids = fields.One2many('xero.bank.feed.currency', 'bank_feed_id', string='Currencies')
    rule_ids = fields.One2many('xero.bank.feed.rule', 'bank_feed_id', string='Vendor rules')
    contact_id = fields.Many2one(
        'res.partner', string='Contact for lines without partner', ondelete='restrict',
        help='Card lines with no partner go to Xero with this contact.')
    account_id = fields.Many2one(
        'xero.account', string='Default account', ondelete='restrict',
        domain="[('organisation_id', '=', organisation_id), ('account_type', '!=', 'BANK')]",
        help='Used last: after a vendor rule, the reconciled counterpart and the category.')
    tax_rate_id = fields.Many2one(
        'xero.tax.rate', string='Default tax', ondelete='restrict',
        domain="[('organisation_id', '=', organisation_id)]",
        help='Applies to transactions without a tax; without it they go to Xero with no tax.')
    period_lock_date = fields.Date(string='Period lock date', readonly=True)
    end_of_year_lock_date = fields.Date(string='End of year lock date', readonly=True)
    lock_dates_read = fields.Datetime(string='Lock dates read', readonly=True)
    user_role = fields.Char(
        string='Xero role of the connected user', readonly=True,
        help="The OrganisationRole (Xero's /Users) of the user who authorised the connection. "
             'An Adviser (FINANCIALADVISER) may post into a period-locked month.')

    _organisation_uniq = models.Constraint(
        'UNIQUE (organisation_id)', 'An organisation has one bank feed.')

    @api.depends('organisation_id')
    def _compute_journal_ids(self):
        Journal = self.env['account.journal'].sudo()
        for feed in self:
            feed.journal_ids = Journal.search([('xero_feed_organisation_id', '=', feed.organisation_id.id)]) \
                if feed.organisation_id else Journal

    @api.constrains('organisation_id', 'account_id', 'tax_rate_id')
    def _check_xero_records(self):
        self._check_same_organisation('account_id', 'tax_rate_id')

    @api.model
    def _of(self, organisation):
        """The bank feed of ``organisation``, made now when it has none."""
        organisation.ensure_one()
        feed = self.sudo().search([('organisation_id', '=', organisation.id)], limit=1)
        if not feed:
            feed = self.sudo().create({'organisation_id': organisation.id})
            organisation.invalidate_recordset(['bank_feed_ids', 'bank_feed_id'])
        return feed.with_env(self.env)

    # --- actions ------------------------------------------------------------------------------

    def action_refresh_lock_dates(self):
        """Wake the cron that reads lock dates and the user's role; nothing waits on Xero."""
        self.check_access('read')
        self.env.ref('xero_integration.ir_cron_xero_bank_feed')._trigger()
        return self.env['xero.organisation']._notify(
            _('Lock dates and role are being read from Xero.'), kind='info')

    # --- cron ---------------------------------------------------------------------------------

    @api.model
    def _cron_bank_feed(self):
        """Daily, and when the activation wizard wakes it: read lock dates and role, and make the
        Balance accounts of the currencies switched on."""
        feeds = self.sudo().search([('activated', '=', True),
                                    ('organisation_id.state', '=', 'connected')])
        for feed in feeds:
            try:
                feed._prepare(force=True)
            except (XeroError, Wait) as e:
                _logger.warning('Xero organisation %s: bank feed set-up failed (%s)',
                                feed.organisation_id.id, e)
            self.env['xero.sync.engine']._commit(0)

    # --- what the payloads need from Xero -----------------------------------------------------

    def _prepare(self, force=False):
        """Everything the feed's payloads read from Xero, read or made now: the lock dates and
        role (unless read within the last day, or ``force``), and the Balance accounts of the
        currencies switched on. Xero's errors (and the governor's ``Wait``) go up."""
        self.ensure_one()
        self._refresh_lock_dates(force=force)
        self._ensure_accounts()

    def _refresh_lock_dates(self, force=False):
        """Read PeriodLockDate, EndOfYearLockDate and the connected user's role, unless read
        within the last day."""
        self.ensure_one()
        read = self.lock_dates_read
        if not force and read and fields.Datetime.now() - read < LOCK_DATES_MAX_AGE:
            return
        organisation = self.organisation_id
        dates = organisation._xero().lock_dates()
        user_id = organisation.sudo().token_id.xero_user_id
        role = next((u['role'] for u in organisation._xero().users() if user_id
                    and (u['user_id'] or '').lower() == user_id.lower()), False)
        self.sudo().write({'period_lock_date': dates['period'],
                           'end_of_year_lock_date': dates['end_of_year'],
                           'lock_dates_read': fields.Datetime.now(),
                           'user_role': role or False})

    def _lock_reason(self, date):
        """Why a transaction dated ``date`` cannot go to Xero now, or None."""
        eoy, period = self.end_of_year_lock_date, self.period_lock_date
        if eoy and date <= eoy:
            return _('Held: dated %(date)s, on or before the end of year lock date in Xero '
                     '(%(lock)s). Nobody can post there, advisers included.', date=date, lock=eoy)
        if period and date <= period and self.user_role != ADVISER_ROLE:
            return _('Held: dated %(date)s, on or before the period lock date in Xero (%(lock)s), '
                     'and the connected Xero user is not an Adviser (role: %(role)s).',
                     date=date, lock=period, role=self.user_role or _('unknown'))
        return None

    def _ensure_accounts(self):
        """Give each currency switched on its Balance account: the existing BANK account of that
        name and currency in Xero, else a new one (PUT /Accounts, with an Idempotency-Key; after
        a lost answer the chart is read again first, so the account is found, never doubled)."""
        self.ensure_one()
        missing = self.currency_ids.filtered(lambda c: c.enabled and not c.xero_account_id)
        if not missing:
            return
        organisation = self.organisation_id
        accounts = self.env['xero.account']._import_from_xero(organisation)
        for row in missing:
            existing = row._find_existing(accounts)
            if existing:
                row.write({'xero_account_id': existing.id, 'account_state': 'ready',
                           'account_error': False, 'idempotency_key': False})
                continue
            try:
                created = organisation._xero().create_account(row._account_values(), row._new_key())
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
                self.env['xero.account']._values_from_xero(created), organisation_id=organisation.id))
            row.write({'xero_account_id': account.id, 'account_state': 'ready',
                       'account_error': False, 'idempotency_key': False})
            organisation.message_post(body=_('Created the Xero bank account "%s" for the bank feed.',
                                             account.name))


class XeroBankFeedPart(models.AbstractModel):
    """A row of an organisation's bank feed (a currency, a vendor rule): it belongs to the
    organisation (and its company) and to that organisation's ``xero.bank.feed``. Either one
    given at creation gives the other."""
    _name = 'xero.bank.feed.part'
    _inherit = ['xero.organisation.mixin']
    _description = 'Part of a Xero bank feed'

    bank_feed_id = fields.Many2one('xero.bank.feed', string='Bank feed', index=True,
                                   ondelete='cascade', readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        Feed = self.env['xero.bank.feed']
        for vals in vals_list:
            if vals.get('bank_feed_id') and not vals.get('organisation_id'):
                vals['organisation_id'] = Feed.browse(vals['bank_feed_id']).sudo().organisation_id.id
            elif vals.get('organisation_id') and not vals.get('bank_feed_id'):
                vals['bank_feed_id'] = Feed._of(
                    self.env['xero.organisation'].browse(vals['organisation_id'])).id
        return super().create(vals_list)

    @api.constrains('organisation_id', 'bank_feed_id')
    def _check_bank_feed(self):
        for row in self:
            if row.bank_feed_id.organisation_id != row.organisation_id:
                raise ValidationError(_('A row of the bank feed of %(feed)s cannot belong to %(org)s.',
                                        feed=row.bank_feed_id.organisation_id.name,
                                        org=row.organisation_id.name))
