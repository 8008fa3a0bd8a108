from odoo import api, fields, models


class XeroImportedMixin(models.AbstractModel):
    """Settings Xero is the master of, mirrored whole into Odoo: the chart of accounts and the
    tax rates.

    One import routine for both, a kind of the pull engine listed whole (``whole: 'archive'``):
    every record Xero lists is created or updated (only what changed is written), what Xero no
    longer lists is archived by the engine, and a record Odoo refuses is held for review. A
    model says how Xero's plain values (``_xero_read``) become its own (``_values_from_xero``),
    which field Xero knows a record by (``_xero_key``), and how the review list names one.
    """
    _name = 'xero.imported.mixin'
    _inherit = ['xero.organisation.mixin']
    _description = 'Imported whole from Xero'

    # Mirrors of Xero's data: only an import changes them.
    organisation_id = fields.Many2one(readonly=True)
    active = fields.Boolean(default=True, readonly=True)

    _xero_pull_kind = None  # the pull engine's kind, e.g. 'accounts'
    _xero_review_kind = None  # xero.review's kind, e.g. 'account'
    _xero_key = 'xero_id'  # the field holding what Xero identifies a record by

    @api.model
    def _import_from_xero(self, organisation):
        """Create or update the organisation's records from Xero; archive the others. Returns
        the records Xero listed, those Odoo refused (held for review) excepted."""
        return self.env['xero.pull.engine']._read_whole(organisation, self._xero_pull_kind)

    # --- what each model says -------------------------------------------------------------------

    @api.model
    def _xero_read(self, organisation):
        """Xero's records, as the client's typed read gives them (plain dicts)."""
        raise NotImplementedError

    @api.model
    def _values_from_xero(self, record):
        """This model's values of one plain record of ``_xero_read``."""
        raise NotImplementedError

    @api.model
    def _xero_review_name(self, values):
        return values['name']

    def _xero_changes(self, values):
        """What of ``values`` differs from this record: all that an update writes."""
        return self._changed_values(values)

    # --- a kind of the pull engine, listed whole ------------------------------------------------

    @api.model
    def _pull_fetch(self, organisation):
        # 'xero_id' is what the engine matches records by: the key field's value.
        return [dict(values, xero_id=values[self._xero_key])
                for values in map(self._values_from_xero, self._xero_read(organisation))]

    @api.model
    def _pull_existing(self, organisation):
        return {record[self._xero_key]: record for record in self.with_context(active_test=False).search(
            [('organisation_id', '=', organisation.id)])}

    @api.model
    def _pull_one(self, organisation, values, record):
        values = {key: value for key, value in values.items() if key in self._fields}
        if not record:
            return 'created', self.create(dict(values, organisation_id=organisation.id))
        if changed := record._xero_changes(values):
            record.write(changed)
            return 'updated', record
        return None, record

    @api.model
    def _pull_hold(self, organisation, values, reason):
        self.env['xero.review']._hold(organisation, self._xero_review_kind, values['xero_id'],
                                      self._xero_review_name(values), reason, values)
