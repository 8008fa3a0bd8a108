from datetime import timedelta

from odoo import _, api, fields, models

from .xero_sync_error import ERROR_SOURCES

# Xero drops a refresh token unused for 60 days (XERO_API.md §4).
AUTHORISATION_LIFETIME = timedelta(days=60)
DEFAULT_INACTIVITY_DAYS = 60
WARNING_DAYS = 7
DIGEST_INTERVAL = timedelta(hours=1)


class XeroOrganisation(models.Model):
    """Health at a glance, failure emails, and the 60-day inactivity disconnect."""
    _inherit = 'xero.organisation'

    state = fields.Selection(selection_add=[('inactive', 'Disconnected (inactive)')],
                             ondelete={'inactive': 'set default'})
    authorisation_lapses_on = fields.Datetime(
        compute='_compute_health', help='Xero drops an authorisation whose refresh token is unused for 60 days.')
    last_activity_date = fields.Datetime(
        string='Last activity', compute='_compute_health',
        help='A record sent or received, or a user asking for a sync. A token refresh alone is not activity.')
    inactivity_disconnect_on = fields.Datetime(string='Disconnects if inactive on', compute='_compute_health')
    last_sync_summary = fields.Text(string='Last successful sync', compute='_compute_health')
    webhook_status = fields.Char(compute='_compute_health')
    lock_dates_summary = fields.Char(string='Lock dates in Xero', compute='_compute_health')
    failure_digest_date = fields.Datetime(readonly=True, copy=False)
    inactivity_warning_date = fields.Datetime(readonly=True, copy=False)

    @api.model
    def _inactivity_days(self):
        return int(self.env['ir.config_parameter'].sudo().get_param(
            'xero_integration.inactivity_days') or DEFAULT_INACTIVITY_DAYS)

    def _compute_health(self):
        Log = self.env['xero.sync.log'].sudo()
        days = self._inactivity_days()
        kinds = dict(Log._fields['kind'].selection)
        for org in self:
            token = org.sudo().token_id
            org.authorisation_lapses_on = token.refreshed_date and token.refreshed_date + AUTHORISATION_LIFETIME
            org.last_activity_date = org._last_activity()
            org.inactivity_disconnect_on = org.last_activity_date and org.last_activity_date + timedelta(days=days)
            lines = []
            for kind, label in kinds.items():
                log = Log.search([('organisation_id', '=', org.id or 0), ('kind', '=', kind),
                                  ('failed', '=', 0), ('direction', '!=', 'request')], limit=1)
                if log:
                    lines.append(f'{label}: {fields.Datetime.to_string(log.start_date)}')
            org.last_sync_summary = '\n'.join(lines) or _('Nothing synced yet')
            last_event = org.id and self.env['xero.webhook.event']._last_received(org)
            org.webhook_status = (_('Last event received %s', fields.Datetime.to_string(last_event))
                                  if last_event else _('No webhook event received'))
            period = org['period_lock_date'] if 'period_lock_date' in org._fields else None
            year = org['end_of_year_lock_date'] if 'end_of_year_lock_date' in org._fields else None
            org.lock_dates_summary = ', '.join(filter(None, [
                period and _('period %s', period), year and _('end of year %s', year)])) or _('none')

    def _last_activity(self):
        self.ensure_one()
        log = self.env['xero.sync.log'].sudo().search([('organisation_id', '=', self.id or 0),
                                                       ('activity', '=', True)], limit=1)
        dates = [d for d in (log.start_date, self.connected_date) if d]
        return max(dates) if dates else False

    # --- failure digest -----------------------------------------------------------------------

    @api.model
    def _cron_failure_digest(self):
        now = fields.Datetime.now()
        for org in self.search([('state', '!=', 'disconnected')]):
            if org.failure_digest_date and now - org.failure_digest_date < DIGEST_INTERVAL:
                continue  # a digest, not a storm: at most one an hour
            errors = self.env['xero.sync.error'].sudo().search([('organisation_id', '=', org.id),
                                                                ('error_notified', '=', False)])
            if errors:
                org._send_failure_digest(errors)
                org.failure_digest_date = now
                for model in set(errors.mapped('link_model')):
                    self.env[model].sudo().browse(errors.filtered(lambda e: e.link_model == model).mapped(
                        'link_id')).write({'error_notified': True})

    def _send_failure_digest(self, errors):
        self.ensure_one()
        base_url = self.get_base_url()
        failures = []
        for error in errors[:50]:
            link = error._link()
            record = link[ERROR_SOURCES[error.link_model]] if link else None
            failures.append({
                'name': error.record_name, 'kind': error.kind, 'message': error.last_error or '',
                'url': record and f'{base_url}/odoo/{record._name}/{record.id}' or '',
            })
        template = self.env.ref('xero_integration.mail_template_xero_failure_digest')
        template.with_context(xero_admin_emails=self._admin_emails(), xero_failures=failures,
                              xero_failure_count=len(errors)).send_mail(self.id, force_send=False)
        self.message_post(body=_('Failure digest sent: 1 record newly in error.') if len(errors) == 1 else
                          _('Failure digest sent: %s records newly in error.', len(errors)))

    def _admin_emails(self):
        admins = self.env.ref('xero_integration.group_xero_manager').sudo().all_user_ids.filtered(
            lambda u: u.active and not u.share and u.email)
        emails = set(admins.mapped('email')) | set(self.message_partner_ids.filtered('email').mapped('email'))
        return ','.join(sorted(emails))

    # --- inactivity ---------------------------------------------------------------------------

    @api.model
    def _cron_inactivity(self):
        now = fields.Datetime.now()
        days = timedelta(days=self._inactivity_days())
        for org in self.search([('state', '=', 'connected')]):
            last = org._last_activity()
            if not last:
                continue
            if now >= last + days:
                org._disconnect_inactive()
            elif now >= last + days - timedelta(days=WARNING_DAYS) and (
                    not org.inactivity_warning_date or org.inactivity_warning_date < last):
                org._warn_inactive(last + days)

    def _warn_inactive(self, when):
        self.ensure_one()
        self.inactivity_warning_date = fields.Datetime.now()
        template = self.env.ref('xero_integration.mail_template_xero_inactivity_warning')
        template.with_context(xero_admin_emails=self._admin_emails(),
                              xero_disconnect_on=fields.Datetime.to_string(when)).send_mail(self.id, force_send=False)
        admins = self.env.ref('xero_integration.group_xero_manager').sudo().all_user_ids.filtered(
            lambda u: u.active and not u.share and u.id != 1)
        for admin in admins[:1] or self.env.user:
            self.activity_schedule('mail.mail_activity_data_todo', user_id=admin.id, date_deadline=when.date(),
                                   summary=_('Xero organisation %(org)s disconnects on %(date)s if unused',
                                             org=self.name, date=when.date()),
                                   note=_('No record has gone to or come from Xero for a while. One sync keeps the '
                                          'connection: press Sync now on the organisation.'))

    def _disconnect_inactive(self):
        """Revoke the connection in Xero (after commit, as Disconnect does) and say so; every
        link is kept for a reconnection."""
        self.ensure_one()
        org = self.sudo()
        pending = [(org.token_id.id, org.connection_id)] if org.token_id else []
        org.write({'state': 'inactive', 'connection_id': False, 'token_id': False})
        if pending:
            self._disconnect_in_xero_after_commit(pending)
        template = self.env.ref('xero_integration.mail_template_xero_inactivity_disconnected')
        template.with_context(xero_admin_emails=self._admin_emails()).send_mail(org.id, force_send=False)
        org.message_post(body=_('Disconnected after %s days without sync activity. Links to Xero records are '
                                'kept: connect again to resume.', self._inactivity_days()))
