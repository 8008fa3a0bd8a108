from odoo import fields, models
from odoo.exceptions import ValidationError


def check_same_organisation(organisation, xero_records):
    """Refuse Xero records (accounts, tax rates; a list of records, empty ones ignored) that
    belong to another organisation than ``organisation``: a mapping across organisations would
    send one tenant's codes to another."""
    for record in xero_records:
        if record and record.organisation_id != organisation:
            raise ValidationError(organisation.env._("%(kind)s '%(name)s' belongs to %(other)s, not to %(org)s.",
                                    kind=record._description, name=record.display_name,
                                    other=record.organisation_id.name, org=organisation.name))


class XeroOrganisationMixin(models.AbstractModel):
    """A record that belongs to one Xero organisation, and through it to one company.

    It goes with its organisation: these are copies of Xero's data and choices about it, not
    links to Xero records (those outlive an organisation, see xero.link.mixin).
    """
    _name = 'xero.organisation.mixin'
    _description = 'Belongs to a Xero organisation'

    organisation_id = fields.Many2one('xero.organisation', required=True, index=True,
                                      ondelete='cascade')
    company_id = fields.Many2one(related='organisation_id.company_id', store=True, index=True)

    def _changed_values(self, values):
        """The part of ``values`` that differs from this record.

        Imports write only that: rewriting unchanged rows takes their locks and makes two
        imports of the same organisation fail on each other with serialization errors.
        """
        self.ensure_one()
        changed = {}
        for name, value in values.items():
            field = self._fields[name]
            if field.convert_to_record(field.convert_to_cache(value, self), self) != self[name]:
                changed[name] = value
        return changed

    def _check_same_organisation(self, *field_names):
        for record in self:
            check_same_organisation(record.organisation_id, [record[name] for name in field_names])
