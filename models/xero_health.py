from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import format_datetime

from .xero_sync_error import ERROR_SOURCES

# Xero drops a refresh token unused for 60 days (XERO_API.md §4).
AUTHORISATION_LIFETIME = timedelta(days=60)
DEFAULT_INACTIVITY_DAYS = 60
WARNING_DAYS = 7
DIGEST_INTERVAL = timedelta(hours=1)


class XeroOrganisationHealth(models.Model):
    """The health of one organisation: what the form's Health group shows, the failure digest,
    and the 60-day inactivity disconnect.

    One row per organisation, made the first time a cron has something to remember for it (the
    last digest, the last warning); until then the organisation reads a row in memory (``_of``),
    so that showing a form never writes.
    """
    _name = 'xero.organisation.health'
    _description = 'Xero organisation health'
    _inherit = ['xero.organisation.mixin']

    failure_digest_date = fields.Datetime(readonly=True, copy=False)
    inactivity_warning_date = fields.Datetime(readonly=True, copy=False)
    authorisation_lapses_on = fields.Datetime(
        compute='_compute_health', help='Xero drops an authorisation whose refresh token is unused for 60 days.')
    last_activity_date = fields.Datetime(
        string='Last activity', compute='_compute_health',
        help='A record sent or received, or a user asking for a sync. A token refresh alone is not activity.')
    inactivity_disconnect_on = fields.Datetime(string='Disconnects if inactive on', compute='_compute_health')
    last_sync_summary = fields.Text(string='Last successful sync', compute='_compute_health')
    webhook_status = fields.Char(compute='_compute_health')
    lock_dates_summary = fields.Char(string='Lock dates in Xero', compute='_compute_health')

    _organisation_uniq = models.UniqueIndex('(organisation_id)')

    @api.model
    def _of(self, organisation):
        """The health row of ``organisation``, or one in memory when it has none yet."""
        origin = organisation._origin
        health = self.search([('organisation_id', '=', origin.id)], limit=1) if origin else self.browse()
        return health or self.new({'organisation_id': origin.id})

    @api.model
    def _for(self, organisation):
        """The stored health row of ``organisation``, made when missing (for the crons)."""
        health = self.sudo().search([('organisation_id', '=', organisation.id)], limit=1)
        return health or self.sudo().create({'organisation_id': organisation.id})

    @api.model
    def _inactivity_days(self):
        return int(self.env['ir.config_parameter'].sudo().get_param(
            'xero_integration.inactivity_days') or DEFAULT_INACTIVITY_DAYS)

    def _compute_health(self):
        Log = self.env['xero.sync.log'].sudo()
        days = self._inactivity_days()
        kinds = dict(Log._fields['kind']._description_selection(self.env))
        for health in self:
            org = health.organisation_id._origin
            org_id = org.id or 0
            token = org.sudo().token_id
            health.authorisation_lapses_on = token.refreshed_date and token.refreshed_date + AUTHORISATION_LIFETIME
            health.last_activity_date = self._last_activity(org)
            health.inactivity_disconnect_on = (health.last_activity_date
                                               and health.last_activity_date + timedelta(days=days))
            lines = []
            for kind, label in kinds.items():
                log = Log.search([('organisation_id', '=', org_id), ('kind', '=', kind),
                                  ('failed', '=', 0), ('direction', '!=', 'request')], limit=1)
                if log:
                    lines.append(f'{label}: {format_datetime(self.env, log.start_date)}')
            health.last_sync_summary = '\n'.join(lines) or _('Nothing synced yet')
            last_event = org and self.env['xero.webhook.event']._last_received(org)
            health.webhook_status = (_('Last event received %s', fields.Datetime.to_string(last_event))
                                     if last_event else _('No webhook event received'))
            # Xero's lock dates, as the bank feed last read them.
            period, year = org.xero_period_lock_date, org.xero_end_of_year_lock_date
            health.lock_dates_summary = ', '.join(filter(None, [
                period and _('period %s', period), year and _('end of year %s', year)])) or _('none')

    @api.model
    def _last_activity(self, organisation):
        log = self.env['xero.sync.log'].sudo().search([('organisation_id', '=', organisation._origin.id or 0),
                                                       ('activity', '=', True)], limit=1)
        dates = [d for d in (log.start_date, organisation.connected_date) if d]
        return max(dates) if dates else False

    def _admin_emails(self):
        """The Xero administrators' addresses and the organisation's followers'."""
        self.ensure_one()
        org = self.organisation_id
        emails = (set(org._xero_administrators().filtered('email').mapped('email'))
                  | set(org.message_partner_ids.filtered('email').mapped('email')))
        return ','.join(sorted(emails))

    # --- failure digest -----------------------------------------------------------------------

    @api.model
    def _cron_failure_digest(self):
        now = fields.Datetime.now()
        for org in self.env['xero.organisation'].search([('state', '!=', 'disconnected')]):
            health = self._for(org)
            if health.failure_digest_date and now - health.failure_digest_date < DIGEST_INTERVAL:
                continue  # a digest, not a storm: at most one an hour
            errors = self.env['xero.sync.error'].sudo().search([('organisation_id', '=', org.id),
                                                                ('error_notified', '=', False)])
            if errors:
                health._send_failure_digest(errors)
                health.failure_digest_date = now
                for model in set(errors.mapped('link_model')):
                    self.env[model].sudo().browse(errors.filtered(lambda e: e.link_model == model).mapped(
                        'link_id')).write({'error_notified': True})

    def _send_failure_digest(self, errors):
        self.ensure_one()
        org = self.organisation_id
        base_url = org.get_base_url()
        failures = []
        for error in errors[:50]:
            link = error._link()
            record = link[ERROR_SOURCES[error.link_model]] if link else None
            failures.append({
                'name': error.record_name, 'kind': error.kind, 'message': error.last_error or '',
                'url': record and f'{base_url}/odoo/{record._name}/{record.id}' or '',
            })
        # The template falls back on the company's address: that is someone too.
        recipients = self._admin_emails() or org.company_id.email
        if not recipients:
            self._digest_without_recipients(errors)
            return
        template = self.env.ref('xero_integration.mail_template_xero_failure_digest')
        template.with_context(xero_admin_emails=recipients, xero_failures=failures,
                              xero_failure_count=len(errors)).send_mail(org.id, force_send=False)
        org.message_post(body=_('Failure digest sent: 1 record newly in error.') if len(errors) == 1 else
                         _('Failure digest sent: %s records newly in error.', len(errors)))

    def _digest_without_recipients(self, errors):
        """Nobody has an address to receive the digest: say so on the organisation, and give a
        person (a Xero administrator, else the current user) an activity, rather than claim a
        digest went."""
        org = self.organisation_id
        admins = org._xero_administrators()
        if admins:
            reason = _('no Xero administrator (%s), no follower of the organisation and not the company '
                       'has an email address', ', '.join(admins.mapped('name')))
        else:
            reason = _('no user is a Xero administrator, and neither a follower of the organisation nor '
                       'the company has an email address')
        records = (_('1 record newly in error') if len(errors) == 1 else
                   _('%s records newly in error', len(errors)))
        message = _('Failure digest not sent (%(records)s): nobody could be told, because %(reason)s. '
                    'Give a Xero administrator an email address (Settings > Users).',
                    records=records, reason=reason)
        org.message_post(body=message)
        org.activity_schedule('mail.mail_activity_data_todo', user_id=(admins[:1] or self.env.user).id,
                              summary=_('Xero: %s, and nobody emailed', records), note=message)

    # --- inactivity ---------------------------------------------------------------------------

    @api.model
    def _cron_inactivity(self):
        now = fields.Datetime.now()
        days = timedelta(days=self._inactivity_days())
        for org in self.env['xero.organisation'].search([('state', '=', 'connected')]):
            last = self._last_activity(org)
            if not last:
                continue
            if now >= last + days:
                self._for(org)._disconnect_inactive()
            elif now >= last + days - timedelta(days=WARNING_DAYS):
                health = self._for(org)
                if not health.inactivity_warning_date or health.inactivity_warning_date < last:
                    health._warn_inactive(last + days)

    def _warn_inactive(self, when):
        self.ensure_one()
        org = self.organisation_id
        self.inactivity_warning_date = fields.Datetime.now()
        template = self.env.ref('xero_integration.mail_template_xero_inactivity_warning')
        template.with_context(xero_admin_emails=self._admin_emails(),
                              xero_disconnect_on=fields.Datetime.to_string(when)).send_mail(org.id, force_send=False)
        for admin in org._xero_administrators()[:1] or self.env.user:
            org.activity_schedule('mail.mail_activity_data_todo', user_id=admin.id, date_deadline=when.date(),
                                  summary=_('Xero organisation %(org)s disconnects on %(date)s if unused',
                                            org=org.name, date=when.date()),
                                  note=_('No record has gone to or come from Xero for a while. One sync keeps the '
                                         'connection: press Sync now on the organisation.'))

    def _disconnect_inactive(self):
        """Revoke the connection in Xero (after commit, as Disconnect does) and say so; every
        link is kept for a reconnection."""
        self.ensure_one()
        org = self.organisation_id.sudo()
        pending = [(org.token_id.id, org.connection_id)] if org.token_id else []
        org.write({'state': 'inactive', 'connection_id': False, 'token_id': False})
        if pending:
            org._disconnect_in_xero_after_commit(pending)
        template = self.env.ref('xero_integration.mail_template_xero_inactivity_disconnected')
        template.with_context(xero_admin_emails=self._admin_emails()).send_mail(org.id, force_send=False)
        org.message_post(body=_('Disconnected after %s days without sync activity. Links to Xero records are '
                                'kept: connect again to resume.', self._inactivity_days()))
