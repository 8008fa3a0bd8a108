from odoo import fields, models


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

    _key_uniq = models.UniqueIndex('(key)')
