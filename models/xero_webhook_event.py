import logging
import uuid

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Which cron an event wakes: Xero sends no payment events, so an invoice update also means
# "read that invoice's payments".
CRON_OF_CATEGORY = {
    'CONTACT': 'xero_integration.ir_cron_xero_pull',
    'INVOICE': 'xero_integration.ir_cron_xero_poll',
    'CREDITNOTE': 'xero_integration.ir_cron_xero_poll',
}
# Xero's webhook schema (xero-webhooks.yaml): ids are UUIDs, the rest short strings. Anything
# longer is not Xero's: it would not even fit the unique index of a row.
UUID_FIELDS = ('tenantId', 'resourceId')
SHORT_FIELDS = ('eventCategory', 'eventType', 'eventDateUtc')
MAX_SHORT = 64


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
    def _parse(self, payload):
        """The events of one delivery, checked against Xero's schema before anything is stored;
        raises ValidationError saying what is wrong (the webhook answers 400)."""
        # The messages answer Xero's webhook sender (a 400), not a person: not translated.
        # pylint: disable=translation-required
        events = payload.get('events') if isinstance(payload, dict) else None
        if not isinstance(events, list):
            raise ValidationError('"events" must be a list')
        for n, event in enumerate(events):
            if not isinstance(event, dict):
                raise ValidationError(f'event {n} is not an object')
            for name in UUID_FIELDS + SHORT_FIELDS:
                value = event.get(name)
                if not isinstance(value, str) or not value or len(value) > MAX_SHORT:
                    raise ValidationError(f'event {n}: "{name}" must be a string of 1 to {MAX_SHORT} characters')
            for name in UUID_FIELDS:
                try:
                    uuid.UUID(event[name])
                except ValueError:
                    raise ValidationError(f'event {n}: "{name}" is not a UUID') from None
        return events

    @api.model
    def _store(self, payload):
        """Store the events of one webhook delivery; wake the crons they concern. Returns the
        number of new events. A delivery with one malformed event is refused whole
        (ValidationError), before anything is stored."""
        events = self._parse(payload)
        now = fields.Datetime.now()
        organisations = {org.tenant_id: org for org in self.env['xero.organisation'].sudo().search(
            [('state', '=', 'connected')])}
        crons, new = set(), 0
        for event in events:
            tenant = event['tenantId']
            category = event['eventCategory']
            organisation = organisations.get(tenant)
            if not organisation:
                _logger.info('Xero webhook: event for tenant %s, which is not connected here: ignored', tenant)
            rows = self.env.execute_query(SQL(
                """INSERT INTO xero_webhook_event (organisation_id, company_id, tenant_id, category,
                                                   event_type, resource_id, event_date,
                                                   received_date, state)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (tenant_id, category, event_type, resource_id, event_date) DO NOTHING
                   RETURNING id""",
                organisation.id if organisation else None,
                organisation.company_id.id if organisation else None, tenant, category, event['eventType'],
                event['resourceId'], event['eventDateUtc'], now, 'new' if organisation else 'ignored'))
            if rows and organisation and category in CRON_OF_CATEGORY:
                new += 1
                crons.add(CRON_OF_CATEGORY[category])
        for xmlid in crons:
            self.env.ref(xmlid).sudo()._trigger()
        return new

    @api.model
    def _last_received(self, organisation=None):
        """When the last event (of ``organisation``) arrived: read from the events themselves,
        so that a delivery writes nothing but its events."""
        domain = [('organisation_id', '=', organisation.id)] if organisation else []
        return self.sudo().search(domain, limit=1).received_date

    def _mark_processed(self, organisation):
        self.search([('organisation_id', '=', organisation.id), ('state', '=', 'new'),
                     ('category', 'in', ('INVOICE', 'CREDITNOTE'))]).write({'state': 'processed'})
