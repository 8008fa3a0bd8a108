import time
from datetime import timedelta

from odoo import api, fields, models

from .sync_run import COUNTS, DEFAULT_RETENTION_DAYS, LOG_KINDS, end_run, start_run


class XeroSyncLog(models.Model):
    """One row per sync run of one kind for one organisation: what it did, and its first errors."""
    _name = 'xero.sync.log'
    _inherit = ['xero.organisation.mixin']
    _description = 'Xero sync log'
    _order = 'start_date desc, id desc'

    kind = fields.Selection(LOG_KINDS, required=True, readonly=True)
    direction = fields.Selection([('push', 'Odoo → Xero'), ('pull', 'Xero → Odoo'), ('request', 'Asked')],
                                 required=True, readonly=True)
    start_date = fields.Datetime(string='Start', required=True, readonly=True, index=True)
    duration = fields.Float(string='Seconds', readonly=True, digits=(16, 3))
    sent = fields.Integer(readonly=True)
    created = fields.Integer(readonly=True)
    updated = fields.Integer(readonly=True)
    failed = fields.Integer(readonly=True)
    skipped = fields.Integer(readonly=True)
    calls = fields.Integer(string='Xero calls', readonly=True)
    errors = fields.Text(string='First errors', readonly=True)
    user_id = fields.Many2one('res.users', string='Asked by', readonly=True)
    activity = fields.Boolean(compute='_compute_activity', store=True,
                              help='Something was sent or received, or a user asked for a sync: '
                                   'this keeps the connection from lapsing.')

    @api.depends('sent', 'created', 'updated', 'direction')
    def _compute_activity(self):
        for log in self:
            log.activity = log.direction == 'request' or bool(log.sent or log.created or log.updated)

    @api.model
    def _start(self, organisation, kind, direction):
        """Begin a run: what this cursor's transaction counts from now on is the run's
        (``sync_run.count``), and is rolled back with the transaction or savepoint it was made in."""
        return start_run(self.env, organisation.id, kind, direction, fields.Datetime.now())

    @api.model
    def _finish(self, run):
        """End the run and write its row, with the counts that stand (none: no row)."""
        end_run(self.env, run)
        counts, errors = run.totals()
        if not any(counts.values()):
            return self.browse()  # nothing happened: no row for an empty run
        return self.sudo().create({
            'organisation_id': run.organisation_id, 'kind': run.kind, 'direction': run.direction,
            'start_date': run.start,
            'duration': round(time.monotonic() - run.started, 3),
            'errors': '\n'.join(errors) or False,
            **{key: counts[key] for key in COUNTS},
        })

    @api.model
    def _record_request(self, organisations):
        """A user asked for a sync: that is activity too."""
        now = fields.Datetime.now()
        self.sudo().create([{'organisation_id': org.id, 'kind': 'request', 'direction': 'request',
                             'start_date': now, 'user_id': self.env.uid} for org in organisations])

    @api.model
    def _cron_prune(self):
        days = int(self.env['ir.config_parameter'].sudo().get_param(
            'xero_integration.log_retention_days') or DEFAULT_RETENTION_DAYS)
        self.sudo().search([('start_date', '<', fields.Datetime.now() - timedelta(days=days))]).unlink()
