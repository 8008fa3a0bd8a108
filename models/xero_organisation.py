import logging
import weakref
from urllib.parse import urlencode

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import _, api, fields, models
from odoo.modules.registry import Registry
from odoo.exceptions import UserError
from odoo import sql_db
from odoo.tools import SQL

from ..const import CONNECT_ROUTE, DEEP_LINK_PATHS, HOST_PARAMS
from ..xero_client import OPERATIONS, XeroApi, XeroAuthError, XeroError, XeroTokenExpired, jwt_claims
from ..xero_client.governor import Governor, Limits
from .sync_run import count

_logger = logging.getLogger(__name__)

# cursor -> {(organisation, token, host): XeroApi}: one client per organisation and job.
_CLIENTS = weakref.WeakKeyDictionary()


class XeroOrganisation(models.Model):
    """A Xero organisation (tenant) connected to one Odoo company."""
    _name = 'xero.organisation'
    _description = 'Xero Organisation'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'company_id, name, id'
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    tenant_id = fields.Char(string='Tenant ID', required=True, readonly=True, copy=False, index=True)
    tenant_type = fields.Char(readonly=True, default='ORGANISATION')
    company_id = fields.Many2one('res.company', required=True, index=True, tracking=True,
                                 default=lambda self: self.env.company)
    state = fields.Selection([
        ('connected', 'Connected'),
        ('needs_reconnect', 'Needs reconnect'),
        ('disconnected', 'Disconnected'),
        ('inactive', 'Disconnected (inactive)'),  # by the inactivity cron (xero.organisation.health)
    ], string='Status', required=True, default='connected', readonly=True, tracking=True, copy=False)
    connection_id = fields.Char(string='Xero connection ID', readonly=True, copy=False)
    token_id = fields.Many2one('xero.token', readonly=True, copy=False, ondelete='set null',
                               groups='base.group_system')
    base_currency = fields.Char(readonly=True)
    country_code = fields.Char(readonly=True)
    short_code = fields.Char(readonly=True)
    connected_date = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
    last_error_date = fields.Datetime(readonly=True, copy=False)
    # Who connected it and has not been told yet: the OAuth callback redirects to a server action
    # that reads this, shows one notification and clears it. Stored, because the callback and
    # the page it redirects to are two requests.
    connect_notice_user_id = fields.Many2one('res.users', readonly=True, copy=False)

    # Shown on the form, kept by models of their own: health (models/xero_health.py) and the
    # migration of links without organisation (models/xero_migration_run.py).
    health_id = fields.Many2one('xero.organisation.health', compute='_compute_health_id',
                                search='_search_health_id')
    authorisation_lapses_on = fields.Datetime(related='health_id.authorisation_lapses_on')
    last_activity_date = fields.Datetime(related='health_id.last_activity_date')
    inactivity_disconnect_on = fields.Datetime(related='health_id.inactivity_disconnect_on')
    last_sync_summary = fields.Text(related='health_id.last_sync_summary')
    webhook_status = fields.Char(related='health_id.webhook_status')
    lock_dates_summary = fields.Char(related='health_id.lock_dates_summary')
    legacy_link_count = fields.Integer(string='Xero links without organisation',
                                       compute='_compute_legacy_link_count')

    # --- the bank feed (xero.bank.feed) ---
    # Its configuration and preparation live in models/xero_bank_feed.py, one feed per
    # organisation (made on activation). The organisation's Bank feed tab shows and edits it
    # through these related fields; they are empty (and writes to them ignored) until then.
    bank_feed_ids = fields.One2many('xero.bank.feed', 'organisation_id', string='Bank feeds')
    bank_feed_id = fields.Many2one('xero.bank.feed', string='Bank feed configuration',
                                   compute='_compute_bank_feed_id', search='_search_bank_feed_id')
    bank_feed_active = fields.Boolean(related='bank_feed_id.activated', string='Bank feed active', readonly=False,
                                      tracking=True)
    bank_feed_journal_ids = fields.Many2many(related='bank_feed_id.journal_ids',
                                             groups='xero_integration.group_xero_manager')
    bank_feed_start_date = fields.Date(related='bank_feed_id.start_date', readonly=False, tracking=True)
    bank_feed_currency_ids = fields.One2many(related='bank_feed_id.currency_ids', readonly=False)
    bank_feed_rule_ids = fields.One2many(related='bank_feed_id.rule_ids', readonly=False)
    bank_feed_contact_id = fields.Many2one(related='bank_feed_id.contact_id', readonly=False)
    bank_feed_account_id = fields.Many2one(
        related='bank_feed_id.account_id', readonly=False,
        domain="[('organisation_id', '=', id), ('account_type', '!=', 'BANK')]")
    bank_feed_tax_rate_id = fields.Many2one(related='bank_feed_id.tax_rate_id', readonly=False,
                                            domain="[('organisation_id', '=', id)]")
    xero_period_lock_date = fields.Date(related='bank_feed_id.period_lock_date')
    xero_end_of_year_lock_date = fields.Date(related='bank_feed_id.end_of_year_lock_date')
    xero_lock_dates_read = fields.Datetime(related='bank_feed_id.lock_dates_read')
    xero_user_role = fields.Char(related='bank_feed_id.user_role')

    @api.depends('bank_feed_ids')
    def _compute_bank_feed_id(self):
        for org in self:
            org.bank_feed_id = org.bank_feed_ids[:1]

    def _search_bank_feed_id(self, operator, value):
        return [('bank_feed_ids', operator, value)]
    # --- end of the bank feed ---

    _tenant_uniq = models.Constraint(
        'UNIQUE (tenant_id)',
        'This Xero organisation is already connected to Odoo: one organisation links to one company.')

    def write(self, vals):
        if 'company_id' in vals:
            # Its mappings, defaults and links point at this company's taxes, accounts and
            # records: moving a live organisation would sync another company's books.
            moved = self.filtered(lambda org: org.state in ('connected', 'needs_reconnect')
                                  and org.company_id.id != vals['company_id'])
            if moved:
                raise UserError(_('The company of Xero organisation "%(org)s" cannot change while it '
                                  'is connected: its mappings point at the taxes and accounts of '
                                  '%(company)s. Disconnect it first.',
                                  org=moved[0].name, company=moved[0].company_id.name))
        return super().write(vals)

    def _compute_health_id(self):
        Health = self.env['xero.organisation.health'].sudo()
        for org in self:
            org.health_id = Health._of(org)

    def _search_health_id(self, operator, value):
        health = self.env['xero.organisation.health'].sudo().search([('id', operator, value)])
        return [('id', 'in', health.organisation_id.ids)]

    def _compute_legacy_link_count(self):
        count = self.env['xero.migration.run']._legacy_link_count() if self else 0
        for org in self:
            org.legacy_link_count = count

    @api.ondelete(at_uninstall=False)
    def _unlink_except_connected(self):
        if any(org.state == 'connected' for org in self):
            raise UserError(_('Disconnect a Xero organisation before deleting it; you can also archive it.'))

    # --- actions --------------------------------------------------------------------------

    def action_connect(self):
        """Start (or restart) the consent flow in Xero."""
        return {'type': 'ir.actions.act_url', 'url': CONNECT_ROUTE, 'target': 'self'}

    def action_disconnect(self):
        """Mark the organisation disconnected, then remove the connection in Xero once that is
        committed (and revoke the grant when no organisation uses it any more).

        Nothing else changes: every link between Odoo records and Xero records stays, so a later
        reconnection picks up where it left off.
        """
        self.check_access('write')
        pending = []
        for org in self.sudo():
            if org.token_id:
                # A connection that needs reconnecting has no grant left to remove it with.
                pending.append((org.token_id.id, org.state == 'connected' and org.connection_id))
            org.write({'state': 'disconnected', 'connection_id': False, 'token_id': False})
            org.message_post(body=_('Disconnected from Xero by %s.', self.env.user.name))
        if pending:
            self._disconnect_in_xero_after_commit(pending)
        return True

    def action_refresh_details(self):
        for org in self:
            org._fetch_details()
        return True

    @api.model
    def _disconnect_in_xero_after_commit(self, pending):
        """Once the disconnection is committed: ``DELETE /connections/{id}`` for each
        ``(token id, connection id)`` of ``pending``, then revoke the grants no organisation
        uses any more.

        Not in the button's transaction: a write in Xero cannot be rolled back with it, and the
        organisation's row would stay locked while Xero answers. After commit rather than in a
        cron woken by ``_trigger()``: there is nothing to retry later (a connection left behind
        is never used again, and an unused grant expires in Xero after 60 days), and a cron
        would need the dropped tokens kept somewhere until it runs. Best effort, as before.
        """
        dbname, uid = self.env.cr.dbname, self.env.uid

        @self.env.cr.postcommit.add
        def disconnect_in_xero():
            registry = Registry(dbname)
            try:
                with registry.cursor() as cr:
                    api.Environment(cr, uid, {})['xero.organisation']._delete_connections(pending)
                # A new transaction, which sees a token refreshed by the deletions above.
                with registry.cursor() as cr:
                    tokens = api.Environment(cr, uid, {})['xero.token'].sudo().browse(
                        {token_id for token_id, _connection_id in pending}).exists()
                    unused = tokens.filtered(lambda token: not token.organisation_ids)
                    unused._revoke()
                    unused.unlink()
            except Exception:
                # The disconnection itself is committed; Xero's side is best effort.
                _logger.exception('Xero: removing disconnected organisations in Xero failed')

    @api.model
    def _delete_connections(self, pending):
        for token_id, connection_id in pending:
            token = self.env['xero.token'].sudo().browse(token_id).exists()
            if not (token and connection_id):
                continue
            try:
                XeroApi(self._host('api_url'), token._get_access_token).delete_connection(connection_id)
            except XeroError as e:
                # Already gone on Xero's side, or unreachable: it stays disconnected here.
                _logger.warning('Xero connection %s: removal in Xero failed (%s)', connection_id, e)

    # --- connecting -----------------------------------------------------------------------

    @api.model
    def _host(self, key):
        param, default = HOST_PARAMS[key]
        return (self.env['ir.config_parameter'].sudo().get_param(param) or default).rstrip('/')

    def _xero_deep_link(self, kind, xero_id):
        """The "Open in Xero" address of a record of ``kind`` (a key of ``DEEP_LINK_PATHS``):
        through Xero's organisation login with this organisation's short code, so that a user of
        several organisations lands in the right one (XERO_API.md §10 "Deep links")."""
        if not xero_id:
            return False
        path = DEEP_LINK_PATHS[kind] % xero_id
        if len(self) != 1 or not self.short_code:  # a legacy link, no organisation: Xero's own choice
            return f"{self._host('go_url')}{path}"
        query = urlencode({'shortcode': self.short_code, 'redirecturl': path})
        return f"{self._host('go_url')}/organisationlogin/default.aspx?{query}"

    @api.model
    def _connect_authorised(self, token_data, company):
        """Create or update one organisation per tenant the consent `token_data` just authorised.

        Only the tenants of this authorisation event are taken (``/connections?authEventId=``),
        not every tenant the Xero user ever connected.

        All or nothing: any failure raises, and the caller (the OAuth callback) rolls back and
        withdraws the grant, so that no half-connected organisation is left behind.
        """
        token_model = self.env['xero.token'].sudo()
        token = token_model.create(token_model._values_from_response(token_data))
        auth_event_id = jwt_claims(token_data['access_token']).get('authentication_event_id')
        try:
            connections = XeroApi(self._host('api_url'), token_data['access_token']).get_connections(
                auth_event_id=auth_event_id)
        except XeroError as e:
            raise UserError(_('Xero did not list the organisations it authorised (/connections): %s',
                              e.message)) from e
        orgs = self.browse()
        for connection in connections:
            if connection['tenant_type'] != 'ORGANISATION':
                continue
            org = self.sudo().with_context(active_test=False).search(
                [('tenant_id', '=', connection['tenant_id'])], limit=1)
            values = {
                'name': connection['tenant_name'],
                'tenant_type': connection['tenant_type'],
                'connection_id': connection['id'],
                'token_id': token.id,
                'state': 'connected',
                'active': True,
                'connected_date': fields.Datetime.now(),
                'last_error': False,
                'last_error_date': False,
            }
            if org:
                org.write(values)
            else:
                org = self.sudo().create({**values, 'tenant_id': connection['tenant_id'],
                                          'company_id': self._company_for_connection(connection, company).id})
            orgs |= org
        if not orgs:
            token.unlink()
            return orgs
        # Tokens of earlier consents that no organisation uses any more: withdrawn in Xero too.
        token_model.search([('organisation_ids', '=', False), ('id', '!=', token.id)])._revoke_after_commit()
        for org in orgs:
            org.message_post(body=_('Connected to Xero by %s.', self.env.user.name))
            try:
                org._fetch_details()
            except XeroError as e:
                raise UserError(_('Xero did not give the details of organisation %(org)s: %(error)s',
                                  org=org.name, error=e.message)) from e
        orgs.sudo().connect_notice_user_id = self.env.user
        return orgs

    @api.model
    def _action_connected_notice(self):
        """The organisations list, behind a notification naming what was just connected."""
        action = self.env['ir.actions.act_window']._for_xml_id('xero_integration.xero_organisation_action')
        orgs = self.sudo().search([('connect_notice_user_id', '=', self.env.uid)])
        if not orgs:
            return action  # a reload of the page: nothing new to say
        orgs.connect_notice_user_id = False
        # The company is named only where it is not the one the user is working in.
        names = ', '.join(org.name if org.company_id == self.env.company else
                          self.env._('%(org)s (company %(company)s)', org=org.name, company=org.company_id.name)
                          for org in orgs)
        next_steps = _('Next: open each organisation, confirm the suggested tax mappings on its Taxes '
                       'tab, press Check mappings, and switch on Auto-sync when it says Ready.')
        ready = orgs.filtered(lambda org: org.auto_sync_invoices)
        if ready and ready == orgs:
            next_steps = _('Auto-sync is on: posted invoices go to Xero within minutes. Press Check '
                           'mappings on an organisation to see that nothing is missing.')
        title = _('Connected to Xero') if len(orgs) == 1 else _('%s organisations connected to Xero', len(orgs))
        # The list shows only the companies selected in the switcher: say which are not.
        hidden = orgs.filtered(lambda org: org.company_id not in self.env.companies)
        if hidden:
            next_steps = _('%(orgs)s: company %(companies)s is not selected in the company switcher, so '
                           'the list does not show it; select that company to see it. %(next)s',
                           orgs=', '.join(hidden.mapped('name')),
                           companies=', '.join(hidden.company_id.mapped('name')), next=next_steps)
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'title': title, 'message': f'{names}. {next_steps}', 'type': 'success',
                           'sticky': True, 'next': action}}

    @api.model
    def _company_for_connection(self, connection, company):
        """The company a newly authorised organisation is tied to: the one selected in the
        switcher when Connect was pressed."""
        return company

    def _fetch_details(self):
        self.ensure_one()
        info = self._xero().organisation()
        self.sudo().write({
            'name': info['name'] or self.name,
            'base_currency': info['base_currency'],
            'country_code': info['country_code'],
            'short_code': info['short_code'],
        })

    # --- calling Xero ---------------------------------------------------------------------

    def _api(self, api_token_only=False):
        """A client bound to this organisation, with a token refreshed on demand.

        One client per organisation and cursor, i.e. per job: its HTTP connections are reused
        across the job's calls. Accounting calls go through the organisation's rate governor.
        """
        self.ensure_one()
        token = self.sudo().token_id
        if self.state != 'connected' or not token:
            raise UserError(_('The Xero organisation "%s" is not connected. Connect it again from '
                              'Xero > Organisations.', self.name))
        if api_token_only:
            return XeroApi(self._host('api_url'), token._get_access_token)
        clients = _CLIENTS.setdefault(self.env.cr, {})
        key = (self.id, token.id, self._host('api_url'))
        if key not in clients:
            clients[key] = XeroApi(self._host('api_url'), token._get_access_token,
                                   tenant_id=self.tenant_id, admit=self._governor().call)
        return clients[key]

    def _governor(self):
        return Governor(self._budget_cursor, self.id, limits=self._rate_limits())

    def _budget_cursor(self):
        """A cursor on a connection of its own, committed at once, for the call budget.

        Not ``registry.cursor()``: in Odoo's test mode that shares the test's transaction, and
        the budget must be shared by every worker, tests' threads included, as it is in
        production.
        """
        cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        # Counters that every worker increments: each statement must see the others' commits
        # (under Odoo's default REPEATABLE READ the second worker would fail to serialize).
        cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
        return cr

    def _rate_limits(self):
        icp = self.env['ir.config_parameter'].sudo()
        return Limits(day=int(icp.get_param('xero_integration.daily_call_limit') or 5000))

    def _xero(self):
        """This organisation's door to Xero: the client's typed operations, in plain values.

        ``organisation._xero().find('invoices', numbers=[...])`` calls ``XeroApi.find``; each
        call is counted in the sync log and keeps the organisation's status true (see
        ``_xero_call``). Only the typed operations pass (``xero_client.OPERATIONS``): nothing
        above the client calls the SDK or walks an SDK object.
        """
        self.ensure_one()
        return _Door(self)

    def _xero_call(self, operation, *args, **kwargs):
        """Run one of the client's typed operations for this organisation (what ``_xero()``
        does); keeps the status true.

        Counted in the sync log; an access token Xero drops before its expiry is refreshed
        once; a lost authorisation flags the organisations it concerns. The last-call time and
        the budgets are the governor's business, kept in a row of their own
        (``xero.organisation.runtime``).
        """
        self.ensure_one()
        if operation not in OPERATIONS:
            raise AttributeError(f'XeroApi has no typed operation {operation!r}')
        client = self._api()

        def once():
            count(self.env, 'calls')
            return getattr(client, operation)(*args, **kwargs)
        try:
            try:
                return once()
            except XeroTokenExpired:
                # Xero can drop an access token before its expiry: refresh once, try once more.
                # The first request was refused, so sending it again cannot duplicate anything.
                self.sudo().token_id._get_access_token(force_refresh=True)
                return once()
        except XeroAuthError as e:
            # A lost grant concerns every organisation authorised with it; a 403 only this one.
            orgs = self.sudo().token_id.organisation_ids if getattr(e, 'grant_lost', False) else self
            orgs._set_needs_reconnect(str(e))
            raise

    # --- losing the connection ------------------------------------------------------------

    def _in_own_transaction(self, fn, fallback=True):
        """Run ``fn(organisations)`` in a transaction of its own, committed at once.

        Status bookkeeping must survive a rollback of the caller, and must never make the caller
        wait on another worker: rows that are locked (by the caller itself, or by someone else)
        are skipped, and with ``fallback`` handled in the caller's transaction instead.
        """
        done = self.browse()
        with self.env.registry.cursor() as cr:
            cr.execute(SQL('SELECT id FROM xero_organisation WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED',
                           tuple(self.ids)))
            ids = [row[0] for row in cr.fetchall()]
            if ids:
                fn(self.with_env(self.env(cr=cr, su=True)).browse(ids))
                done = self.browse(ids)
        if fallback and self - done:
            fn((self - done).sudo())
        self.invalidate_recordset()

    def _set_needs_reconnect(self, reason):
        """Flag the organisations and tell the Xero administrators, once."""
        self._in_own_transaction(lambda orgs: orgs._flag_needs_reconnect(reason))

    @api.model
    def _xero_administrators(self):
        """The people told when a connection needs them (reconnect, failures, inactivity): the
        active internal users of the Xero administrators group, OdooBot aside."""
        return self.env.ref('xero_integration.group_xero_manager').sudo().all_user_ids.filtered(
            lambda u: u.active and not u.share and u.id != 1)

    def _flag_needs_reconnect(self, reason):
        orgs = self.filtered(lambda o: o.state == 'connected')
        if not orgs:
            return
        orgs.write({'state': 'needs_reconnect', 'last_error': reason,
                    'last_error_date': fields.Datetime.now()})
        admins = self._xero_administrators()
        template = self.env.ref('xero_integration.mail_template_xero_reconnect', raise_if_not_found=False)
        for org in orgs:
            for admin in admins:
                org.activity_schedule(
                    'mail.mail_activity_data_todo', user_id=admin.id,
                    summary=_('Reconnect Xero organisation %s', org.name),
                    note=_('Xero refused the stored authorisation (%s). Press Connect in Xero settings '
                           'to authorise again; nothing syncs until then.', reason))
            if template and admins:
                template.with_context(xero_admin_emails=','.join(a.email for a in admins if a.email)
                                      ).send_mail(org.id, force_send=False)
            org.message_post(body=_('Xero refused the stored authorisation: %s', reason))


class _Door:
    """The typed operations of ``XeroApi`` for one organisation (see ``_xero``)."""
    __slots__ = ('_organisation',)

    def __init__(self, organisation):
        self._organisation = organisation

    def __getattr__(self, name):
        if name not in OPERATIONS:
            raise AttributeError(f'XeroApi has no typed operation {name!r}')
        return lambda *args, **kwargs: self._organisation._xero_call(name, *args, **kwargs)
