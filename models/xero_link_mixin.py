from odoo import fields, models


class XeroLinkMixin(models.AbstractModel):
    """The Xero side of one Odoo record in one organisation.

    Concrete links add a required Many2one to their Odoo record and two unique constraints:
    one link per (organisation, record) and one per (organisation, Xero id). Links outlive a
    disconnection, so reconnecting resumes instead of creating everything again in Xero.
    Links made before organisations existed have none; the migration wizard assigns one.
    """
    _name = 'xero.link.mixin'
    _description = 'Xero link'

    organisation_id = fields.Many2one('xero.organisation', index=True, ondelete='restrict')
    company_id = fields.Many2one(related='organisation_id.company_id', store=True, index=True)
    xero_id = fields.Char(string='Xero ID', index=True, copy=False)
    sync_state = fields.Selection([
        ('pending', 'To sync'),
        ('synced', 'Synced'),
        ('error', 'Error'),
    ], default='pending', required=True, index=True, copy=False)
    last_error = fields.Text(copy=False)
    last_sync_date = fields.Datetime(copy=False)
    pushed_hash = fields.Char(copy=False, help='Hash of the payload last accepted by Xero.')
