from odoo import fields, models


class XeroQueueItem(models.Model):
    """Every record waiting for Xero, whatever its kind: what the dashboard's "To send" opens.

    A database view over the link tables, as ``xero.sync.error`` is for the records in error.
    """
    _name = 'xero.queue.item'
    _inherit = ['xero.link.view.mixin']
    _description = 'Xero record to send'
    _auto = False
    _view_columns = 'sync_state, write_date'
    _view_where = "sync_state IN ('pending', 'in_flight')"

    sync_state = fields.Selection([('pending', 'To send'), ('in_flight', 'Sending')], readonly=True)
    write_date = fields.Datetime(string='Queued on', readonly=True)
