from odoo import _, api, fields, models
from odoo.tools import SQL

from .xero_migration_line import LINKED


class XeroOrganisation(models.Model):
    """Links that name no organisation, and the way to give them one."""
    _inherit = 'xero.organisation'

    legacy_link_count = fields.Integer(string='Xero links without organisation',
                                       compute='_compute_legacy_link_count')
    migration_run_ids = fields.One2many('xero.migration.run', 'organisation_id', string='Migrations',
                                        groups='xero_integration.group_xero_manager')

    @api.model
    def _legacy_link_count(self):
        """Links made before organisations existed (or by an older version): no sync touches
        them until the migration gives them an organisation."""
        return sum(self.env.execute_query(SQL(
            'SELECT count(*) FROM %s WHERE organisation_id IS NULL',
            SQL.identifier(self.env[link]._table)))[0][0] for link in LINKED.values())

    def _compute_legacy_link_count(self):
        count = self._legacy_link_count() if self else 0
        for org in self:
            org.legacy_link_count = count

    def action_migrate(self):
        """Open the migration wizard, on this organisation when there is one."""
        context = {'default_organisation_id': self[:1].id} if len(self) == 1 else {}
        return self.env['xero.migration.wizard']._open(context)

    @api.model
    def _action_open_organisations(self):
        """The Organisations menu: the list, with a banner when links have no organisation."""
        action = self.env['ir.actions.act_window']._for_xml_id('xero_integration.xero_organisation_action')
        count = self._legacy_link_count()
        if not count or not self.env.user.has_group('xero_integration.group_xero_manager'):
            return action
        message = (_('1 Xero link has no organisation.') if count == 1 else
                   _('%s Xero links have no organisation.', count))
        return {'type': 'ir.actions.client', 'tag': 'display_notification', 'params': {
            'title': message, 'type': 'warning', 'sticky': True, 'next': action,
            'message': _('No sync touches them until they have one: press Migrate, choose the '
                         'organisation they were synced with, run the dry run, then Apply.')}}
