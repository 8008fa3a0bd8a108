from odoo import api, fields, models


def mapping_source(*automatic):
    """The ``source`` of a mapping: how the addon made it (``automatic``: (value, label) pairs),
    or by hand. Read-only: choosing the Xero side by hand makes it 'manual' (see ``write``)."""
    return fields.Selection([*automatic, ('manual', 'By hand')], required=True, default='manual',
                            readonly=True)


class XeroMappingMixin(models.AbstractModel):
    """What an Odoo record (an account, a tax, a journal, a product category) becomes in Xero, in
    one organisation.

    The mapping models share: the organisation (and through it the company), the audit trail in
    the organisation's chatter, the check that the Xero records chosen belong to the mapping's
    organisation, and the rule that a person's choice of the Xero side is theirs from then on
    (an automatic mapping never overwrites it). Each model adds its Odoo record, the unique rule
    "one mapping per organisation and Odoo record" (its column and its name in the database are
    the model's own), and how it maps automatically.
    """
    _name = 'xero.mapping.mixin'
    _inherit = ['xero.organisation.mixin', 'xero.mapping.audit']
    _description = 'Xero mapping'
    _check_company_auto = True

    # Set on each mapping model: its fields that hold Xero records (they must belong to the
    # mapping's organisation), and what choosing one of them by hand writes.
    _mapping_xero_fields = ()
    _mapping_by_hand = {'source': 'manual'}

    @api.constrains(lambda self: ('organisation_id', *self._mapping_xero_fields))
    def _check_mapping_organisation(self):
        self._check_same_organisation(*self._mapping_xero_fields)

    def write(self, vals):
        # Choosing the Xero side by hand is a decision, not a suggestion: unless the write says
        # otherwise itself (an automatic refresh does).
        if set(self._mapping_xero_fields) & set(vals) and not set(self._mapping_by_hand) & set(vals):
            vals = dict(vals, **self._mapping_by_hand)
        return super().write(vals)
