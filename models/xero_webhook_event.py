import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Which cron an event wakes: Xero sends no payment events, so an invoice update also means
# "read that invoice's payments".
CRON_OF_CATEGORY = {
    'CONTACT': 'xero_integration.ir_cron_xero_pull',
    'INVOICE': 'xero_integration.ir_cron_xero_poll',
    'CREDITNOTE': 'xero_integration.ir_cron_xero_poll',
}
LAST_EVENT_PARAM = 'xero_integration.webhook_last_event'


class XeroWebhookEvent(models.Model):
    """An event Xero sent to the webhook, stored as received and handled by the pull crons.

    The controller only stores and wakes: nothing is processed inline, so Xero gets its answer
    well within 5 seconds. The same event received twice is stored once.
    """
    _name = 'xero.webhook.event'
    _description = 'Xero webhook event'
    _order = 'id desc'
    _log_access = False

    organisation_id = fields.Many2one('xero.organisation', index=True, ondelete='cascade', readonly=True)
    company_id = fields.Many2one(related='organisation_id.company_id', store=True)
    tenant_id = fields.Char(required=True, readonly=True)
    category = fields.Char(required=True, readonly=True)
    event_type = fields.Char(required=True, readonly=True)
    resource_id = fields.Char(required=True, readonly=True)
    event_date = fields.Char(required=True, readonly=True, help="Xero's eventDateUtc, as sent.")
    received_date = fields.Datetime(readonly=True)
    state = fields.Selection([('new', 'To handle'), ('processed', 'Handled'), ('ignored', 'Ignored')],
                             default='new', required=True, readonly=True, index=True)

    _event_uniq = models.UniqueIndex('(tenant_id, category, event_type, resource_id, event_date)')

    @api.model
    def _store(self, payload):
        """Store the events of one webhook delivery; wake the crons they concern. Returns the
        number of new events."""
        now = fields.Datetime.now()
        organisations = {org.tenant_id: org for org in self.env['xero.organisation'].sudo().search(
            [('state', '=', 'connected')])}
        crons, new = set(), 0
        for event in payload.get('events') or []:
            tenant = str(event.get('tenantId') or '')
            category = str(event.get('eventCategory') or '')
            organisation = organisations.get(tenant)
            if not organisation:
                _logger.info('Xero webhook: event for tenant %s, which is not connected here: ignored', tenant)
            rows = self.env.execute_query(SQL(
                """INSERT INTO xero_webhook_event (organisation_id, tenant_id, category, event_type,
                                                   resource_id, event_date, received_date, state)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (tenant_id, category, event_type, resource_id, event_date) DO NOTHING
                   RETURNING id""",
                organisation.id if organisation else None, tenant, category,
                str(event.get('eventType') or ''), str(event.get('resourceId') or ''),
                str(event.get('eventDateUtc') or ''), now, 'new' if organisation else 'ignored'))
            if rows and organisation and category in CRON_OF_CATEGORY:
                new += 1
                crons.add(CRON_OF_CATEGORY[category])
        self.env['ir.config_parameter'].sudo().set_param(LAST_EVENT_PARAM, fields.Datetime.to_string(now))
        for xmlid in crons:
            self.env.ref(xmlid).sudo()._trigger()
        return new

    def _mark_processed(self, organisation):
        self.search([('organisation_id', '=', organisation.id), ('state', '=', 'new'),
                     ('category', 'in', ('INVOICE', 'CREDITNOTE'))]).write({'state': 'processed'})
