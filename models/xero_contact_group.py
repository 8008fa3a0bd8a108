from odoo import fields, models


class XeroContactGroup(models.Model):
    """A contact group of a Xero organisation, as Xero last listed it (read-only mirror)."""
    _name = 'xero.contact.group'
    _inherit = ['xero.organisation.mixin']
    _description = 'Xero contact group'
    _order = 'organisation_id, name'

    organisation_id = fields.Many2one(readonly=True)
    xero_id = fields.Char(string='ContactGroupID', required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    active = fields.Boolean(default=True, readonly=True)

    _organisation_xero_uniq = models.Constraint('UNIQUE (organisation_id, xero_id)',
                                                'A Xero contact group is listed once per organisation.')

    def _import(self, organisation, groups):
        """Mirror Xero's list: new ones added, renamed ones renamed, gone ones archived."""
        existing = {g.xero_id: g for g in self.with_context(active_test=False).search(
            [('organisation_id', '=', organisation.id)])}
        seen = set()
        for group in groups:
            seen.add(group['xero_id'])
            active = group.get('status') != 'DELETED'
            record = existing.get(group['xero_id'])
            if not record:
                self.create({'organisation_id': organisation.id, 'xero_id': group['xero_id'],
                             'name': group['name'], 'active': active})
            elif (record.name, record.active) != (group['name'], active):
                record.write({'name': group['name'], 'active': active})
        gone = [g for key, g in existing.items() if key not in seen and g.active]
        for group in gone:
            group.active = False
