from odoo import api, fields, models


class XeroOrganisationRuntime(models.Model):
    """What changes on every call: the rate budget, the last call, a parked organisation.

    Kept apart from ``xero.organisation`` so that counting a call never writes a row that a
    user or a sync run may be writing too (a serialization failure there would make Odoo retry
    a whole request whose Xero calls were already made). Only the rate governor writes it, in
    short transactions of its own (``xero_client/governor.py``). The row for the whole app has
    the key 'app'; an organisation's is 'org:<id>'. No foreign key: the governor counts calls
    for organisations its own transaction cannot see yet.
    """
    _name = 'xero.organisation.runtime'
    _description = 'Xero organisation call budget'
    _log_access = False

    key = fields.Char(required=True, readonly=True)
    organisation_id = fields.Integer(readonly=True, index=True)
    last_call_date = fields.Datetime(readonly=True)
    minute_window_start = fields.Datetime(readonly=True)
    minute_calls = fields.Integer(readonly=True, default=0)
    minute_remaining = fields.Integer(readonly=True)
    day_window_start = fields.Datetime(readonly=True)
    day_calls = fields.Integer(readonly=True, default=0)
    day_remaining = fields.Integer(readonly=True)
    retry_at = fields.Datetime(readonly=True)
    paused_until = fields.Datetime(readonly=True)
    # A long run's progress (first pull, large push, migration), written per batch by
    # xero.organisation._progress on this same side cursor, so other users see it during the run.
    progress_done = fields.Integer(readonly=True)
    progress_total = fields.Integer(readonly=True)
    progress_label = fields.Char(readonly=True)
    # For the multi-company rule. Computed, not stored: the governor, which imports nothing from
    # Odoo, writes these rows and knows only the organisation's id. The app's row has none.
    company_id = fields.Many2one('res.company', compute='_compute_company_id',
                                 search='_search_company_id')

    _key_uniq = models.UniqueIndex('(key)')

    def _compute_company_id(self):
        organisations = self.env['xero.organisation'].sudo().with_context(active_test=False).browse(
            {row.organisation_id for row in self if row.organisation_id}).exists()
        company_of = {org.id: org.company_id for org in organisations}
        for row in self:
            row.company_id = company_of.get(row.organisation_id, False)

    @api.model
    def _search_company_id(self, operator, value):
        organisations = self.env['xero.organisation'].sudo().with_context(active_test=False).search(
            [('company_id', operator, value)])
        return [('organisation_id', 'in', organisations.ids)]
