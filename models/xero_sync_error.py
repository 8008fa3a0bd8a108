from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from .sync_run import LOG_KINDS, MODEL_KIND

# Each link table, and the field that names its Odoo record.
ERROR_SOURCES = {
    'xero.partner.link': 'partner_id', 'xero.move.link': 'move_id', 'xero.payment.link': 'payment_id',
    'xero.product.link': 'product_id', 'xero.statement.line.link': 'statement_line_id',
    'xero.feed.payment.link': 'statement_line_id', 'xero.allocation.link': 'move_id',
}


class XeroLinkView(models.AbstractModel):
    """A database view over every link table (``ERROR_SOURCES``): one row per link that
    ``_view_where`` selects, with ``_view_columns`` of the link; the record and its action go back
    to the link itself."""
    _name = 'xero.link.view.mixin'
    _description = 'Xero links, one list across kinds'
    _auto = False
    _order = 'organisation_id, kind, id desc'
    _view_columns = ''
    _view_where = ''

    organisation_id = fields.Many2one('xero.organisation', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    kind = fields.Selection([(k, label) for k, label in LOG_KINDS if k in MODEL_KIND.values()], readonly=True)
    link_model = fields.Char(readonly=True)
    link_id = fields.Integer(readonly=True)
    record_name = fields.Char(string='Record', compute='_compute_record')

    def _sources(self):
        return [(model, field) for model, field in ERROR_SOURCES.items() if model in self.env]

    def init(self):
        if self._abstract:
            return
        selects = []
        for index, (model, _field) in enumerate(self._sources()):
            table = self.env[model]._table
            selects.append(f"""SELECT id * 10 + {index} AS id, organisation_id, company_id,
                                      '{MODEL_KIND[model]}' AS kind, '{model}' AS link_model, id AS link_id,
                                      {self._view_columns}
                                 FROM {table} WHERE {self._view_where} AND organisation_id IS NOT NULL""")
        tools.drop_view_if_exists(self.env.cr, self._table)
        # Table, model and kind names come from the code (ERROR_SOURCES, MODEL_KIND), never from input.
        self.env.cr.execute(f"CREATE VIEW {self._table} AS ({' UNION ALL '.join(selects)})")  # pylint: disable=sql-injection

    @api.depends('link_model', 'link_id')
    def _compute_record(self):
        for item in self:
            link = item._link()
            record = link[ERROR_SOURCES[item.link_model]] if link else None
            item.record_name = record.display_name if record else _('(deleted)')

    def _link(self):
        self.ensure_one()
        return self.env[self.link_model].browse(self.link_id).exists()

    def action_open_record(self):
        self.ensure_one()
        link = self._link()
        if not link:
            raise UserError(_('This record no longer exists.'))
        return link[ERROR_SOURCES[self.link_model]]._get_records_action()


class XeroSyncError(models.Model):
    """Every record in error, whatever its kind: one list to read Xero's message and retry.

    A database view over the link tables; retrying goes back to the link itself.
    """
    _name = 'xero.sync.error'
    _inherit = ['xero.link.view.mixin']
    _description = 'Xero record in error'
    _auto = False
    _view_columns = 'last_error, write_date, error_notified'
    _view_where = "sync_state = 'error'"

    last_error = fields.Text(string='Message', readonly=True)
    write_date = fields.Datetime(string='Failed on', readonly=True)
    error_notified = fields.Boolean(readonly=True)

    def action_retry(self):
        """Retry one or all of the selection: each goes again with a fresh key."""
        for model in set(self.mapped('link_model')):
            link_ids = self.filtered(lambda e: e.link_model == model).mapped('link_id')
            self.env[model].browse(link_ids).exists().action_retry()
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'message': _('Queued again for Xero.'), 'type': 'info', 'sticky': False,
                           'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'}}}
