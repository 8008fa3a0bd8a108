from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..xero_client import XeroError
from ..xero_client.governor import read_state, resume
from .xero_sync_engine import LINK_MODELS


class XeroOrganisation(models.Model):
    """What syncs and how: the auto-sync switches, the pull's choices, routing, the outbox's figures
    and the call budget of an organisation."""
    _inherit = 'xero.organisation'

    auto_sync_contacts = fields.Boolean(string='Contacts', tracking=True,
                                        help='Pull contacts from Xero every hour, and send changed contacts.')
    auto_sync_invoices = fields.Boolean(
        string='Invoices and credit notes', tracking=True,
        help='Send posted documents as they are posted, and follow their status in Xero.')
    auto_sync_payments = fields.Boolean(string='Payments', tracking=True,
                                        help='Send payments as they are reconciled, and bring payments made in Xero.')
    payment_direction = fields.Selection(
        [('both', 'Both ways'), ('odoo_to_xero', 'Odoo to Xero only'), ('xero_to_odoo', 'Xero to Odoo only')],
        string='Payments go', default='both', required=True, tracking=True,
        help='Where a team records payments in one system only. Odoo to Xero only: payments made in '
             'Xero are not registered in Odoo; each one goes to the review list. Xero to Odoo only: '
             'reconciliations made in Odoo are not sent to Xero; their payment lines say so.')
    auto_sync_bank_feed = fields.Boolean(string='Bank feed', tracking=True,
                                         help='Send verified card and bank transactions.')
    auto_sync_items = fields.Boolean(string='Items', tracking=True,
                                     help='Send new and changed products every hour (with Sync items on).')
    invoice_status = fields.Selection(
        [('AUTHORISED', 'Approved (AUTHORISED)'), ('DRAFT', 'Draft')],
        string='Posted documents go to Xero as', default='AUTHORISED', required=True, tracking=True,
        help='Posted invoices, bills and credit notes are approved in Xero; choose Draft to have '
             'someone approve them in Xero instead.')
    journal_ids = fields.One2many('account.journal', 'xero_organisation_id', string='Journals',
                                  groups='xero_integration.group_xero_manager',
                                  help='Where a company has several organisations, the documents '
                                       'of these journals go to this one.')
    # Read from the governor's row (xero.organisation.runtime), never written here.
    last_call_date = fields.Datetime(string='Last call', compute='_compute_runtime')
    paused_until = fields.Datetime(compute='_compute_runtime')
    calls_today = fields.Integer(string='Calls today', compute='_compute_runtime')
    calls_left_today = fields.Integer(string='Calls left today', compute='_compute_runtime')
    queue_pending_count = fields.Integer(string='To send', compute='_compute_queue')
    queue_in_flight_count = fields.Integer(string='Sending', compute='_compute_queue')
    queue_error_count = fields.Integer(string='In error', compute='_compute_queue')
    synced_today_count = fields.Integer(string='Synced today', compute='_compute_queue')
    queue_progress = fields.Char(string='Progress', compute='_compute_queue',
                                 help='Sent today out of what there is to send today, updated per batch.')

    # --- the pull: what comes from Xero into Odoo, and how ---------------------------------------

    contact_group_ids = fields.One2many('xero.contact.group', 'organisation_id', string='Xero contact groups')
    import_group_ids = fields.Many2many(
        'xero.contact.group', string='Import only these contact groups',
        domain="[('organisation_id', '=', id)]", tracking=True,
        help='Leave empty to bring in every Xero contact, suppliers included. A change applies '
             'from the next pull on.')
    conflict_policy = fields.Selection(
        [('odoo', 'Odoo wins'), ('xero', 'Xero wins')], string='When both sides changed',
        default='odoo', required=True, tracking=True,
        help='When a contact changed in Odoo and in Xero since the last sync. The values that '
             'lose are written in the contact\'s chatter.')
    import_documents = fields.Boolean(
        string='Import invoices and bills made in Xero', tracking=True,
        help='Bring invoices, bills and credit notes created in Xero into Odoo.')
    import_documents_post = fields.Boolean(
        string='Post imported documents', tracking=True,
        help='Imported documents are drafts unless this is on.')
    gone_policy = fields.Selection(
        [('review', 'Put it on the review list'), ('cancel', 'Cancel it in Odoo')],
        string='Documents voided or deleted in Xero', default='review', required=True, tracking=True,
        help='An invoice, bill or credit note of Odoo that is voided or deleted in Xero. Cancel it in Odoo: '
             'as Odoo\'s own Cancel does (its payments are unreconciled; those made in Xero are reversed '
             'when Xero deletes them), and nothing is sent back to Xero. Review list: it stays open in Odoo '
             'until someone decides.')
    pull_state_ids = fields.One2many('xero.pull.state', 'organisation_id', string='Pulls')
    review_count = fields.Integer(compute='_compute_review_count')

    def _runtime(self):
        self.ensure_one()
        with self._budget_cursor() as cr:
            return read_state(cr, f'org:{self.id}') or {}

    def _compute_runtime(self):
        limit = self._rate_limits().day
        for org in self:
            state = org._runtime() if org.id else {}
            org.last_call_date = state.get('last_call_date')
            paused = state.get('paused_until')
            org.paused_until = paused if paused and paused > fields.Datetime.now() else False
            org.calls_today = state.get('day_calls') or 0
            left = state.get('day_remaining')
            org.calls_left_today = left if left is not None else max(limit - org.calls_today, 0)

    def _compute_queue(self):
        start_of_day = fields.Datetime.to_datetime(fields.Date.context_today(self))
        for org in self:
            counts = {'pending': 0, 'in_flight': 0, 'error': 0, 'synced': 0}
            for model in LINK_MODELS:
                Link = self.env[model].sudo()
                for state, count in Link._read_group([('organisation_id', '=', org.id or 0)],
                                                     ['sync_state'], ['__count']):
                    if state in counts and state != 'synced':
                        counts[state] += count
                counts['synced'] += Link.search_count([('organisation_id', '=', org.id or 0),
                                                       ('sync_state', '=', 'synced'),
                                                       ('last_sync_date', '>=', start_of_day)])
            org.queue_pending_count = counts['pending']
            org.queue_in_flight_count = counts['in_flight']
            org.queue_error_count = counts['error']
            org.synced_today_count = counts['synced']
            total = counts['synced'] + counts['pending'] + counts['in_flight']
            org.queue_progress = (_('%(done)s / %(total)s records sent today', done=f"{counts['synced']:,}",
                                    total=f'{total:,}') if total else _('Nothing to send'))

    @api.constrains('journal_ids')
    def _check_journal_company(self):
        for org in self:
            if any(journal.company_id != org.company_id for journal in org.journal_ids):
                raise ValidationError(_('The journals of %s must belong to its company.', org.name))

    # --- actions ------------------------------------------------------------------------------

    def _auto_sync(self, kind):
        """Whether ``kind`` ('contacts', 'invoices', 'payments', 'bank_feed', 'items') syncs by
        itself; with its switch off it syncs only when a user asks."""
        self.ensure_one()
        return bool(kind and self[f'auto_sync_{kind}'])

    def action_sync_now(self):
        """Everything waiting for this organisation goes, whatever its auto-sync switches; the
        pulls run too. Only crons are woken: nothing waits on Xero here."""
        self.check_access('read')
        if not self.env.user.has_group('xero_integration.group_xero_user'):
            raise UserError(_('Only Xero users can sync.'))
        for model in LINK_MODELS:
            if model in self.env:
                self.env[model].sudo().search([('organisation_id', 'in', self.ids),
                                               ('sync_state', 'in', ('pending', 'error'))]).write({'requested': True})
        for org in self:
            for kind in ('contacts', 'documents', 'payments'):
                self.env['xero.pull.state']._for(org, kind).requested = True
        self.env['xero.sync.log']._record_request(self)
        for xmlid in ('ir_cron_xero_push', 'ir_cron_xero_pull', 'ir_cron_xero_poll'):
            self.env.ref(f'xero_integration.{xmlid}').sudo()._trigger()
        return self._notify(_('Sync queued: what is waiting is being sent to Xero in the background.'),
                            kind='info')

    # --- the pull -----------------------------------------------------------------------------

    def _compute_review_count(self):
        for org in self:
            org.review_count = self.env['xero.review'].sudo().search_count(
                [('organisation_id', '=', org.id or 0), ('state', '=', 'open')])

    @api.model
    def _connect_authorised(self, token_data, company):
        """The first pull of contacts runs in a cron, never in the OAuth callback."""
        orgs = super()._connect_authorised(token_data, company)
        if orgs:
            self.env.ref('xero_integration.ir_cron_xero_pull').sudo()._trigger()
        return orgs

    def action_pull_now(self):
        """Wake the pull cron; nothing waits on Xero in the click."""
        if not self.env.user.has_group('xero_integration.group_xero_user'):
            raise UserError(_('Only Xero users can pull from Xero.'))
        self.env.ref('xero_integration.ir_cron_xero_pull').sudo()._trigger()
        return self._notify(_('Pull queued: contacts (and documents, when imported) changed in Xero '
                              'come in within a minute.'), kind='info')

    def action_import_contact_groups(self):
        """Read Xero's contact groups (a read: it may wait on Xero)."""
        self.ensure_one()
        self.check_access('write')
        try:
            groups = self._xero().contact_groups()
        except XeroError as e:
            raise UserError(_('Could not read the contact groups of %(org)s: %(error)s',
                              org=self.name, error=e.message)) from None
        self.env['xero.contact.group'].sudo()._import(self, groups)
        return self._notify(_('Contact groups read from Xero.'))

    def action_view_reviews(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('xero_integration.xero_review_action')
        action['domain'] = [('organisation_id', '=', self.id)]
        return action

    # --- routing ------------------------------------------------------------------------------

    @api.model
    def _of_company(self, company):
        """The organisations (not disconnected) of ``company``; for an Odoo branch with none of
        its own, those of its nearest parent that has some: a branch books in its parent's
        accounts and taxes, which are what the parent's organisation maps."""
        for each in reversed(company.sudo().parent_ids):  # the company itself, then upwards
            orgs = self.sudo().search([('company_id', '=', each.id), ('state', '!=', 'disconnected')])
            if orgs:
                return orgs
        return self.sudo().browse()

    def _routed_companies(self):
        """The companies whose records go to this organisation: its own, and its branches that
        have no organisation of their own."""
        self.ensure_one()
        companies = self.env['res.company'].sudo().search([('id', 'child_of', self.company_id.id)])
        return companies.filtered(lambda company: self in self._of_company(company))

    @api.model
    def _route(self, company, journal=None):
        """The organisation documents of ``company`` (in ``journal``) go to, or a reason why
        they go nowhere. A document never goes to two organisations."""
        orgs = self._of_company(company)
        if journal and journal.sudo().xero_organisation_id:
            org = journal.sudo().xero_organisation_id
            if org in orgs:
                return org, None
            return self.browse(), _('Journal %(journal)s sends to %(org)s, which is disconnected.',
                                    journal=journal.name, org=org.name)
        if len(orgs) == 1:
            return orgs, None
        if not orgs:
            return self.browse(), _('Company %s is not connected to a Xero organisation.', company.name)
        return self.browse(), _('Company %(company)s has several Xero organisations: choose one on '
                                'journal %(journal)s.', company=company.name,
                                journal=journal.name if journal else '')

    # --- the governor's timing ----------------------------------------------------------------

    def _governor_state_until(self):
        self.ensure_one()
        state = self._runtime()
        times = [t for t in (state.get('paused_until'), state.get('retry_at')) if t]
        return max(times) if times else fields.Datetime.now()

    def _wake_push_at(self, until):
        """Run the push again when the organisation may call again: never a long sleep."""
        self.env.ref('xero_integration.ir_cron_xero_push').sudo()._trigger(at=until or None)

    def _resume_if_due(self):
        return self.filtered(lambda org: resume(org._budget_cursor, org.id))

    # --- the dashboard: counts that open their records, and a long run's progress --------------

    difference_count = fields.Integer(string='Differences', compute='_compute_dashboard',
                                      help='Records whose two sides disagree, as the last comparison found them.')
    log_synced_today_count = fields.Integer(
        string='Records synced today', compute='_compute_dashboard',
        help='Records sent, created or updated today, as the sync log counts them.')
    last_runs_summary = fields.Text(string='Last run per kind', compute='_compute_dashboard')
    sync_graph = fields.Html(string='Records synced, last 14 days', compute='_compute_dashboard',
                             sanitize=False)
    has_differences_model = fields.Boolean(compute='_compute_dashboard')
    progress_done = fields.Integer(string='Run: done', compute='_compute_progress')
    progress_total = fields.Integer(string='Run: total', compute='_compute_progress')
    progress_label = fields.Char(string='Running', compute='_compute_progress')
    progress_text = fields.Char(string='Run progress', compute='_compute_progress')

    def _difference_domain(self):
        return [('organisation_id', '=', self.id or 0), ('state', '=', 'open')]

    def _synced_today_domain(self):
        start_of_day = fields.Datetime.to_datetime(fields.Date.context_today(self))
        return [('organisation_id', '=', self.id or 0), ('start_date', '>=', start_of_day),
                ('direction', 'in', ('push', 'pull'))]

    def _compute_dashboard(self):
        Log = self.env['xero.sync.log'].sudo()
        has_differences = 'xero.difference' in self.env
        kinds = [(kind, label) for kind, label in Log._fields['kind']._description_selection(self.env)
                 if kind != 'request']
        today = fields.Date.context_today(self)
        days = [today - timedelta(days=n) for n in range(13, -1, -1)]
        for org in self:
            org.has_differences_model = has_differences
            org.difference_count = (self.env['xero.difference'].sudo().search_count(org._difference_domain())
                                    if has_differences else 0)
            today_logs = Log.search(org._synced_today_domain())
            org.log_synced_today_count = sum(today_logs.mapped(lambda log: log.sent + log.created + log.updated))
            lines = []
            for kind, label in kinds:
                log = Log.search([('organisation_id', '=', org.id or 0), ('kind', '=', kind)], limit=1)
                if log:
                    lines.append(self.env._('%(kind)s: %(date)s, %(count)s records', kind=label,
                                            date=fields.Datetime.to_string(log.start_date),
                                            count=log.sent + log.created + log.updated))
            org.last_runs_summary = '\n'.join(lines) or _('Nothing synced yet')
            per_day = dict.fromkeys(days, 0)
            for log in Log.search([('organisation_id', '=', org.id or 0),
                                   ('start_date', '>=', fields.Datetime.to_datetime(days[0]))]):
                day = fields.Date.context_today(self, log.start_date)
                if day in per_day:
                    per_day[day] += log.sent + log.created + log.updated
            top = max(per_day.values()) or 1
            bars = Markup('').join(
                Markup('<div class="o_xero_bar d-inline-block bg-primary me-1" style="width: 6px; height: %spx;" '
                       'title="%s: %s"></div>') % (max(1, round(24 * count / top)) if count else 1, day, count)
                for day, count in per_day.items())
            org.sync_graph = Markup('<div class="o_xero_sync_graph d-flex align-items-end" style="height: 26px;">'
                                    '%s</div>') % bars

    def _compute_progress(self):
        for org in self:
            state = {}
            if org.id:
                with org._budget_cursor() as cr:
                    cr.execute('SELECT progress_done, progress_total, progress_label '
                               'FROM xero_organisation_runtime WHERE key = %s', (f'org:{org.id}',))
                    row = cr.fetchone()
                state = dict(zip(('done', 'total', 'label'), row)) if row else {}
            org.progress_done = state.get('done') or 0
            org.progress_total = state.get('total') or 0
            org.progress_label = state.get('label') or False
            done, total = org.progress_done, org.progress_total
            org.progress_text = org.progress_label and (
                f'{org.progress_label}: {done:,} / {total:,}' if total else f'{org.progress_label}: {done:,}')

    def _progress(self, done, total=0, label=None):
        """A long run's progress, per batch; committed at once on a cursor of its own, so that
        every user sees it while the run goes on. ``label=None`` clears it (the run is over)."""
        self.ensure_one()
        with self._budget_cursor() as cr:
            cr.execute("""INSERT INTO xero_organisation_runtime
                                 (key, organisation_id, minute_calls, day_calls, progress_done, progress_total,
                                  progress_label)
                          VALUES (%s, %s, 0, 0, %s, %s, %s)
                          ON CONFLICT (key) DO UPDATE SET progress_done = EXCLUDED.progress_done,
                                 progress_total = EXCLUDED.progress_total, progress_label = EXCLUDED.progress_label""",
                       (f'org:{self.id}', self.id, done if label else 0, total if label else 0, label))

    def _progress_clear(self):
        self.ensure_one()
        self._progress(0)

    def _dashboard_action(self, xmlid, domain, name):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(xmlid)
        action.update({'domain': domain, 'context': {}, 'name': f'{self.name}: {name}'})
        return action

    def action_view_to_send(self):
        return self._dashboard_action('xero_integration.xero_queue_item_action',
                                      [('organisation_id', '=', self.id), ('sync_state', '=', 'pending')],
                                      _('To send'))

    def action_view_in_error(self):
        return self._dashboard_action('xero_integration.xero_sync_error_action',
                                      [('organisation_id', '=', self.id)], _('In error'))

    def action_view_synced_today(self):
        return self._dashboard_action('xero_integration.xero_sync_log_action', self._synced_today_domain(),
                                      _('Synced today'))

    def action_view_sync_log(self):
        return self._dashboard_action('xero_integration.xero_sync_log_action',
                                      [('organisation_id', '=', self.id)], _('Sync log'))

    def action_view_differences(self):
        self.ensure_one()
        if 'xero.difference' not in self.env:
            raise UserError(_('The difference report is not installed.'))
        if self.env.ref('xero_integration.xero_difference_action', raise_if_not_found=False):
            return self._dashboard_action('xero_integration.xero_difference_action', self._difference_domain(),
                                          _('Differences'))
        return {'type': 'ir.actions.act_window', 'res_model': 'xero.difference',
                'name': _('%s: Differences', self.name), 'domain': self._difference_domain(),
                'views': [(False, 'list'), (False, 'form')]}

    def action_compare_now(self):
        """Compare the two books of these organisations now (the difference report's reads)."""
        if 'xero.difference' not in self.env:
            raise UserError(_('The difference report is not installed.'))
        if not self.env.user.has_group('xero_integration.group_xero_user'):
            raise UserError(_('Only Xero users can compare.'))
        self.check_access('read')
        self.env['xero.difference'].action_compare_now(self.ids)
        self.invalidate_recordset(['difference_count'])
        count = sum(self.mapped('difference_count'))
        message = (_('The books agree.') if not count else
                   _('1 difference found.') if count == 1 else _('%s differences found.', count))
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'message': message, 'type': 'info' if count else 'success', 'sticky': False,
                           'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'}}}

    @api.model
    def _get_backend_root_menu_ids(self):
        """An organisation opened from a link (an email, a chatter mention) opens in the Xero app,
        with its menus, not in Discuss."""
        return [self.env.ref('xero_integration.menu_xero_root').id]
