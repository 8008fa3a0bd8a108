from odoo import fields, models

PULL_KINDS = [('contacts', 'Contacts'), ('documents', 'Invoices and bills'), ('payments', 'Payments'),
              ('items', 'Items')]
# The auto-sync switch each pull follows.
SWITCH_OF_PULL = {'contacts': 'contacts', 'documents': 'invoices', 'payments': 'payments', 'items': 'items'}


class XeroPullState(models.Model):
    """Where the pull of one kind from one organisation stands: Xero's own greatest
    ``UpdatedDateUTC`` seen (the next ``If-Modified-Since``), the run under way, and what the
    last run did.

    The watermark comes from Xero's data, never from the local clock, and moves only when a
    run has read its last page: every page of a run is asked with the same ``since``
    (``run_since``), so records changed in Xero between two pages are never skipped. A run cut
    short (time limit, Xero's answer) resumes at ``run_page``, after the ``run_offset`` records
    of that page already handled. The row is locked while a batch is handled: a second worker
    skips the organisation instead of pulling it twice.
    """
    _name = 'xero.pull.state'
    _inherit = ['xero.organisation.mixin']
    _description = 'Xero pull state'

    kind = fields.Selection(PULL_KINDS, required=True)
    watermark = fields.Datetime(string='Changed in Xero up to', readonly=True)
    last_pull_date = fields.Datetime(readonly=True)
    last_created = fields.Integer(readonly=True)
    last_matched = fields.Integer(readonly=True)
    last_updated = fields.Integer(readonly=True)
    last_held = fields.Integer(string='Last held for review', readonly=True)
    last_calls = fields.Integer(readonly=True)
    run_since = fields.Datetime(readonly=True, help='The If-Modified-Since of the run under way.')
    run_stream = fields.Char(readonly=True, help='What the run under way reads now (e.g. invoices, then credit notes).')
    run_page = fields.Integer(readonly=True, help='The page the run under way reads; 0 when no run is under way.')
    run_offset = fields.Integer(readonly=True, help='Records of that page already handled.')
    run_watermark = fields.Datetime(readonly=True, help="The greatest UpdatedDateUTC the run under way has seen.")
    requested = fields.Boolean(readonly=True, help='A user asked for this pull: it runs even with auto-sync off.')

    _organisation_kind_uniq = models.Constraint('UNIQUE (organisation_id, kind)',
                                                'One pull state per organisation and kind.')

    def _due(self, organisation, kind):
        """Whether this pull should run now: its switch is on, or a user asked for it."""
        return organisation._auto_sync(SWITCH_OF_PULL[kind]) or self._for(organisation, kind).requested

    def _for(self, organisation, kind):
        state = self.sudo().search([('organisation_id', '=', organisation.id), ('kind', '=', kind)])
        return state or self.sudo().create({'organisation_id': organisation.id, 'kind': kind})
