from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.xero_migration_line import GUID_SQL, MODELS

# The tables whose columns another connector may have filled with Xero ids, and what an id
# there can only be.
TABLES = {
    'res_partner': 'res.partner',
    'account_move': 'account.move',
    'account_tax': 'account.tax',
    'account_payment': 'account.payment',
    'product_product': 'product.product',
}
COLUMN_KINDS = [
    ('ignore', 'Ignore'),
    ('contacts', 'Xero contact ID'),
    ('documents', 'Xero invoice / credit note ID'),
    ('items', 'Xero item ID'),
    ('tax_types', 'Xero tax type'),
    ('payments', 'Xero payment ID'),
]
KIND_OF_MODEL = {
    'res.partner': 'contacts',
    'account.move': 'documents',
    'product.product': 'items',
    'account.tax': 'tax_types',
    'account.payment': 'payments',
}
TAX_TYPE_SQL = '^[A-Za-z0-9_]{1,50}$'


class XeroMigrationWizard(models.TransientModel):
    """Migrate: choose the organisation, then the sources of Xero ids, then run a dry run."""
    _name = 'xero.migration.wizard'
    _description = 'Migrate Xero links'

    organisation_id = fields.Many2one('xero.organisation', required=True,
                                      domain=[('state', '=', 'connected')],
                                      help='The organisation these Xero ids are read back from '
                                           'and linked to: the one previously connected.')
    legacy_count = fields.Integer(string='How many', compute='_compute_legacy_count')
    use_legacy = fields.Boolean(string='Links without organisation', default=True)
    column_ids = fields.One2many('xero.migration.wizard.column', 'wizard_id', string='Columns')
    previous_run_id = fields.Many2one('xero.migration.run', readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        # Opened from one organisation (its form, or the list with one selected): that one.
        context = self.env.context
        if ('organisation_id' in fields_list and not values.get('organisation_id')
                and context.get('active_model') == 'xero.organisation' and len(context.get('active_ids') or []) == 1):
            values['organisation_id'] = context['active_ids'][0]
        if 'column_ids' in fields_list:
            previous = self.env['xero.migration.run'].browse(values.get('previous_run_id'))
            chosen = {(c['model'], c['column']): c['kind'] for c in previous.columns or []}
            columns = []
            for column in self._detect_columns():
                if previous:
                    column['kind'] = chosen.get((column['model'], column['column']), 'ignore')
                columns.append(Command.create(column))
            values['column_ids'] = columns
        return values

    def _compute_legacy_count(self):
        count = self.env['xero.migration.run']._legacy_link_count()
        for wizard in self:
            wizard.legacy_count = count

    @api.model
    def _open(self, context=None):
        return {'type': 'ir.actions.act_window', 'res_model': self._name, 'view_mode': 'form',
                'target': 'new', 'name': _('Migrate Xero links'), 'context': context or {}}

    @api.model
    def _detect_columns(self):
        """Text columns whose name contains "xero" on the five tables, other than this addon's
        own, with how many values they hold and how many of those look like Xero ids."""
        rows = self.env.execute_query(SQL(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name IN %s AND column_name ILIKE %s "
            "AND data_type IN ('character varying', 'text', 'uuid', 'character') "
            "ORDER BY table_name, column_name", tuple(TABLES), '%xero%'))
        columns = []
        for table, column in rows:
            model = TABLES[table]
            field = self.env[model]._fields.get(column)
            if field is not None and 'xero_integration' in field._modules:
                continue
            pattern = TAX_TYPE_SQL if model == 'account.tax' else GUID_SQL
            filled = SQL("%s IS NOT NULL AND trim(%s::text) <> ''", SQL.identifier(column),
                         SQL.identifier(column))
            count, ids = self.env.execute_query(SQL(
                "SELECT count(*), count(*) FILTER (WHERE lower(trim(%s::text)) ~ %s) FROM %s WHERE %s",
                SQL.identifier(column), pattern, SQL.identifier(table), filled))[0]
            sample = ', '.join(row[0] for row in self.env.execute_query(SQL(
                "SELECT DISTINCT trim(%s::text) FROM %s WHERE %s LIMIT 3",
                SQL.identifier(column), SQL.identifier(table), filled)))
            looks_right = count and ids * 2 >= count
            columns.append({'model': model, 'column': column, 'value_count': count, 'id_count': ids,
                            'sample': sample, 'kind': KIND_OF_MODEL[model] if looks_right else 'ignore'})
        return columns

    def action_dry_run(self):
        """Record the choices as a run, list its candidates, and let the cron read them back
        from Xero. Nothing is linked before the admin presses Apply on the result."""
        self.ensure_one()
        if not self.env.user.has_group('xero_integration.group_xero_manager'):
            raise UserError(_('Only Xero administrators can migrate links.'))
        organisation = self.organisation_id
        if organisation.state != 'connected':
            raise UserError(_('%s is not connected: connect it first, then migrate.', organisation.name))
        detected = {(c['model'], c['column']) for c in self._detect_columns()}
        columns = []
        for column in self.column_ids.filtered(lambda c: c.kind != 'ignore'):
            if (column.model, column.column) not in detected:
                raise UserError(_('Column %s is not a column of another Xero connector.', column.column))
            if column.kind != KIND_OF_MODEL[column.model]:
                raise UserError(_('Column %(column)s of %(model)s cannot hold a %(kind)s.',
                                  column=column.column, model=column.model,
                                  kind=dict(column._fields['kind']._description_selection(self.env))[column.kind]))
            columns.append({'model': column.model, 'column': column.column, 'kind': column.kind})
        if not self.use_legacy and not columns:
            raise UserError(_('Choose at least one source of Xero ids.'))
        run = self.env['xero.migration.run'].create({
            'organisation_id': organisation.id, 'use_legacy': self.use_legacy, 'columns': columns,
        })
        run._collect()
        run._wake()
        return {'type': 'ir.actions.act_window', 'res_model': run._name, 'res_id': run.id,
                'view_mode': 'form', 'target': 'current'}


class XeroMigrationWizardColumn(models.TransientModel):
    _name = 'xero.migration.wizard.column'
    _description = 'Column holding Xero ids'

    wizard_id = fields.Many2one('xero.migration.wizard', required=True, ondelete='cascade')
    model = fields.Selection(MODELS, string='Odoo model', required=True, readonly=True)
    column = fields.Char(required=True, readonly=True)
    value_count = fields.Integer(string='Values', readonly=True)
    id_count = fields.Integer(string='Look like Xero ids', readonly=True)
    sample = fields.Char(readonly=True)
    kind = fields.Selection(COLUMN_KINDS, string='Holds', required=True, default='ignore')
