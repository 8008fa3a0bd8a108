from odoo import _, fields, models, tools
from odoo.exceptions import UserError

from .sync_run import LOG_KINDS, MODEL_KIND
from .xero_sync_error import ERROR_SOURCES


class XeroQueueItem(models.Model):
    """Every record waiting for Xero, whatever its kind: what the dashboard's "To send" opens.

    A database view over the link tables, as ``xero.sync.error`` is for the records in error.
    """
    _name = 'xero.queue.item'
    _description = 'Xero record to send'
    _auto = False
    _order = 'organisation_id, kind, id desc'

    organisation_id = fields.Many2one('xero.organisation', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    kind = fields.Selection([(k, label) for k, label in LOG_KINDS if k in MODEL_KIND.values()], readonly=True)
    sync_state = fields.Selection([('pending', 'To send'), ('in_flight', 'Sending')], readonly=True)
    link_model = fields.Char(readonly=True)
    link_id = fields.Integer(readonly=True)
    record_name = fields.Char(string='Record', compute='_compute_record')
    write_date = fields.Datetime(string='Queued on', readonly=True)

    def init(self):
        selects = []
        for index, model in enumerate(model for model in ERROR_SOURCES if model in self.env):
            table = self.env[model]._table
            selects.append(f"""SELECT id * 10 + {index} AS id, organisation_id, company_id,
                                      '{MODEL_KIND[model]}' AS kind, sync_state, '{model}' AS link_model,
                                      id AS link_id, write_date
                                 FROM {table}
                                WHERE sync_state IN ('pending', 'in_flight') AND organisation_id IS NOT NULL""")
        tools.drop_view_if_exists(self.env.cr, self._table)
        # Table, model and kind names come from the code (ERROR_SOURCES, MODEL_KIND), never from input.
        self.env.cr.execute(f"CREATE VIEW {self._table} AS ({' UNION ALL '.join(selects)})")  # pylint: disable=sql-injection

    def _link(self):
        self.ensure_one()
        return self.env[self.link_model].browse(self.link_id).exists()

    def _compute_record(self):
        for item in self:
            link = item._link()
            record = link[ERROR_SOURCES[item.link_model]] if link else None
            item.record_name = record.display_name if record else _('(deleted)')

    def action_open_record(self):
        self.ensure_one()
        link = self._link()
        if not link:
            raise UserError(_('This record no longer exists.'))
        return link[ERROR_SOURCES[self.link_model]]._get_records_action()
