import re

from odoo import _, api, fields, models
from odoo.tools import SQL

from .xero_move_link import XERO_TYPES
from .xero_tax_mapping import MAPPABLE_TAX_USES, rate_mismatch

GUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
GUID_SQL = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

CLASSES = [
    ('to_check', 'To check'),
    ('will_link', 'Will link'),
    ('already_linked', 'Already linked'),
    ('conflict', 'Conflict'),
    ('not_found', 'Not found'),
    ('unsupported', 'Not supported'),
]
MODELS = [
    ('res.partner', 'Contact'),
    ('account.move', 'Invoice / credit note'),
    ('product.product', 'Product'),
    ('account.tax', 'Tax'),
    ('account.payment', 'Payment'),
]
KINDS = [
    ('contacts', 'Contact'),
    ('invoices', 'Invoice'),
    ('credit_notes', 'Credit note'),
    ('items', 'Item'),
    ('tax_types', 'Tax type'),
    ('payments', 'Payment'),
]
# The Odoo models whose Xero side is a link row, and the link model of each.
LINKED = {
    'res.partner': 'xero.partner.link',
    'account.move': 'xero.move.link',
    'product.product': 'xero.product.link',
}
# What the engine keeps on a link it has just bound; a migrated link starts from there.
SYNCED_VALUES = {
    'sync_state': 'synced', 'last_error': None, 'idempotency_key': None, 'maybe_sent': False,
    'attempt_count': 0, 'next_attempt_date': None, 'waiting_dependency': False, 'pushed_hash': None,
}


class XeroMigrationLine(models.Model):
    """One candidate of a migration run: an Odoo record, a Xero id, and what the run found.

    Rows are written with SQL in bulk (a run can hold tens of thousands); the ORM reads them for
    the screens and the report.
    """
    _name = 'xero.migration.line'
    _description = 'Xero migration candidate'
    _order = 'run_id, id'

    run_id = fields.Many2one('xero.migration.run', required=True, index=True, ondelete='cascade',
                             readonly=True)
    organisation_id = fields.Many2one(related='run_id.organisation_id')
    model = fields.Selection(MODELS, string='Odoo model', required=True, readonly=True)
    res_id = fields.Integer(string='Record ID', required=True, readonly=True)
    record_name = fields.Char(string='Odoo record', readonly=True)
    source_type = fields.Selection([('legacy', 'Link without organisation'),
                                    ('column', 'Column of another connector'),
                                    ('document_contact', 'Contact of a migrated document')],
                                   required=True, readonly=True)
    source = fields.Char(readonly=True, help='The legacy link, the table column, or the document '
                                             'the Xero id comes from.')
    legacy_link_id = fields.Integer(readonly=True)
    xero_kind = fields.Selection(KINDS, string='Xero kind', readonly=True)
    xero_id = fields.Char(string='Xero ID', readonly=True)
    state = fields.Selection(CLASSES, string='Result', required=True, default='to_check',
                             readonly=True)
    message = fields.Char(readonly=True)
    xero_number = fields.Char(readonly=True)
    xero_status = fields.Char(readonly=True)
    xero_total = fields.Float(readonly=True)
    xero_contact_id = fields.Char(readonly=True)
    applied = fields.Boolean(readonly=True, default=False)

    # The cron takes the next batch in id order among the lines of one state (and not applied).
    _run_state_idx = models.Index('(run_id, state, applied, id)')

    def action_open_record(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_window', 'res_model': self.model, 'res_id': self.res_id,
                'view_mode': 'form', 'target': 'current'}

    # --- bulk writes ----------------------------------------------------------------------------

    @api.model
    def _write_rows(self, rows):
        """Write ``rows`` ({'id': .., field: value}) with one statement per set of fields."""
        groups = {}
        for row in rows:
            groups.setdefault(tuple(sorted(row)), []).append(row)
        for keys, group in groups.items():
            names = [name for name in keys if name != 'id']
            casts = {name: self._fields[name].column_type[1] for name in names}
            values = SQL(', ').join(
                SQL('(%s)', SQL(', ').join([SQL('%s::int', row['id'])] + [
                    SQL(f'%s::{casts[name]}', row[name]) for name in names]))
                for row in group)
            self.env.execute_query(SQL(
                "UPDATE xero_migration_line l SET %s, write_date = now() AT TIME ZONE 'UTC' "
                "FROM (VALUES %s) AS v(id, %s) WHERE l.id = v.id",
                SQL(', ').join(SQL('%s = v.%s', SQL.identifier(n), SQL.identifier(n)) for n in names),
                values, SQL(', ').join(SQL.identifier(n) for n in names)))
        self.invalidate_model()

    # --- the dry run ----------------------------------------------------------------------------

    def _check(self, organisation):
        """Classify these lines (one model, one kind, at most 50 of them) against the links of
        ``organisation`` and against Xero. Raises the governor's ``Wait`` before writing
        anything when Xero cannot be called now."""
        if not self:
            return
        kind = self[0].xero_kind
        records = self.env[self[0].model].sudo().with_context(active_test=False).browse(
            self.mapped('res_id')).exists()
        names = {record.id: record.display_name for record in records}
        if kind == 'tax_types':
            rows = self._classify_taxes(organisation, records)
        else:
            rows, to_find = self._classify_locally(organisation, names)
            if to_find:
                elements = organisation._xero().find(kind, ids=to_find.mapped('xero_id'))
                rows += to_find._classify_found(
                    organisation, {el.xero_id.lower(): el for el in elements if el.xero_id})
        res_ids = {line.id: line.res_id for line in self}
        self._write_rows([dict(row, record_name=names.get(res_ids[row['id']])) for row in rows])

    def _row(self, state, message=None, element=None, link=None, **extra):
        row = {'id': self.id, 'state': state, 'message': message or None,
               'xero_number': None, 'xero_status': None, 'xero_total': None,
               'xero_contact_id': None}
        if element is not None:
            row.update(xero_number=element.number, xero_status=element.status,
                       xero_total=element.total, xero_contact_id=element.echo.get('contact_id'))
        elif link is not None:
            row.update(xero_number=link.xero_number, xero_status=link.xero_status)
        row.update(extra)
        return row

    def _existing(self, organisation):
        """({res_id: link}, {xero_id: link}) of this organisation for these lines."""
        Link = self.env[LINKED[self[0].model]].sudo().with_context(active_test=False)
        field = Link._xero_record_field
        links = Link.search(['&', ('organisation_id', '=', organisation.id),
                             '|', (field, 'in', self.mapped('res_id')),
                             ('xero_id', 'in', self.mapped('xero_id'))])
        return ({link[field].id: link for link in links},
                {link.xero_id.lower(): link for link in links if link.xero_id})

    def _classify_locally(self, organisation, names):
        """What the links alone decide; the rest is returned to be looked up in Xero."""
        model = self[0].model
        by_record, by_xero = self._existing(organisation)
        field = self.env[LINKED[model]]._xero_record_field
        rows, to_find = [], self.browse()
        for line in self:
            own = by_record.get(line.res_id)
            other = by_xero.get(line.xero_id)
            if line.res_id not in names:
                rows.append(line._row('unsupported', _('The Odoo record no longer exists.')))
            elif own and own.xero_id and own.xero_id.lower() == line.xero_id:
                rows.append(line._row('already_linked', link=own))
            elif own and own.xero_id:
                rows.append(line._row('conflict', _('Already linked to Xero id %(id)s in %(org)s.',
                                                    id=own.xero_id, org=organisation.name)))
            elif own and (own.maybe_sent or own.sync_state == 'in_flight'):
                rows.append(line._row('conflict', _('Being sent to %s right now: run the migration '
                                                    'again once that sync has ended.', organisation.name)))
            elif other:
                rows.append(line._row('conflict', _('This Xero id is linked to %(record)s in %(org)s.',
                                                    record=other[field].display_name, org=organisation.name)))
            else:
                to_find |= line
        return rows, to_find

    def _classify_found(self, organisation, found):
        rows = []
        for line in self:
            element = found.get(line.xero_id)
            if element is None:
                rows.append(line._row('not_found', _('Not in %s: it probably belongs to another '
                                                     'organisation.', organisation.name)))
                continue
            if line.model == 'account.move':
                move = self.env['account.move'].sudo().browse(line.res_id)
                expected = XERO_TYPES[move.move_type][1]
                if element.echo.get('type') and element.echo['type'] != expected:
                    rows.append(line._row('conflict', _('A %(xero)s in Xero, but a %(odoo)s in Odoo.',
                                                        xero=element.echo['type'], odoo=expected),
                                          element=element))
                    continue
            rows.append(line._row('will_link', element=element))
        return rows

    def _classify_taxes(self, organisation, taxes):
        """Xero tax types come from the organisation's tax rates (imported when it connected, and
        again with Import chart & taxes); a type is taken over only when its rate matches."""
        rates = {rate.tax_type.upper(): rate for rate in organisation.sudo().xero_tax_rate_ids}
        mappings = {m.tax_id.id: m for m in organisation.sudo().tax_mapping_ids}
        rows = []
        for line in self:
            tax = taxes.filtered(lambda t: t.id == line.res_id)
            rate = rates.get((line.xero_id or '').upper())
            mapping = mappings.get(line.res_id)
            extra = {'xero_number': rate.name, 'xero_status': rate.status} if rate else {}
            if not tax:
                rows.append(line._row('unsupported', _('The Odoo record no longer exists.')))
            elif mapping and mapping.xero_tax_type.upper() == (line.xero_id or '').upper():
                rows.append(line._row('already_linked', **extra))
            elif mapping:
                rows.append(line._row('conflict', _('Already mapped to %(type)s in %(org)s.',
                                                    type=mapping.xero_tax_type, org=organisation.name)))
            elif tax.type_tax_use not in MAPPABLE_TAX_USES:
                rows.append(line._row('unsupported', _('Only sales and purchase taxes go to Xero.')))
            elif not rate or not rate.active:
                rows.append(line._row('not_found', _('%(org)s has no tax type %(type)s.',
                                                     org=organisation.name, type=line.xero_id)))
            elif reason := rate_mismatch(tax, rate):
                rows.append(line._row('conflict', reason, **extra))
            else:
                rows.append(line._row('will_link', **extra))
        return rows

    # --- the apply ------------------------------------------------------------------------------

    def _apply(self, organisation):
        """Create or assign the links of these 'will link' lines (one model), checking again
        what may have changed since the dry run. Returns the rows to write on the lines."""
        if not self:
            return []
        if self[0].model == 'account.tax':
            return self._apply_taxes(organisation)
        Link = self.env[LINKED[self[0].model]].sudo()
        by_record, by_xero = self._existing(organisation)
        field = Link._xero_record_field
        legacy = {link.id: link for link in Link.browse(
            [line.legacy_link_id for line in self if line.legacy_link_id]).exists()}
        assign, fill, create, rows = [], [], [], []
        for line in self:
            own, other = by_record.get(line.res_id), by_xero.get(line.xero_id)
            if own and own.xero_id and own.xero_id.lower() == line.xero_id:
                rows.append(line._outcome('already_linked', _('Linked since the dry run.')))
                continue
            if (own and (own.xero_id or own.maybe_sent or own.sync_state == 'in_flight')) or (
                    other and other[field].id != line.res_id):
                rows.append(line._outcome('conflict', _('Changed since the dry run: run it again.')))
                continue
            values = line._link_values(organisation)
            old = legacy.get(line.legacy_link_id)
            if own:
                fill.append((own.id, values))
            elif old and not old.organisation_id and (old.xero_id or '').lower() == line.xero_id:
                assign.append((old.id, values))
            else:
                values.pop('company_id')  # related to the organisation: the ORM fills it
                create.append(dict(values, **{field: line.res_id}))
            rows.append(line._outcome('will_link', line.message, applied=True))
        self._update_links(Link, assign + fill)
        if create:
            Link.create(create)
        return rows

    def _outcome(self, state, message, applied=False):
        return {'id': self.id, 'state': state, 'message': message or None, 'applied': applied}

    def _link_values(self, organisation):
        values = dict(SYNCED_VALUES, organisation_id=organisation.id,
                      company_id=organisation.company_id.id, xero_id=self.xero_id,
                      xero_number=self.xero_number or None, xero_status=self.xero_status or None,
                      last_sync_date=fields.Datetime.now())
        if self.model == 'account.move':
            values['xero_total'] = self.xero_total or 0.0
        if self.model == 'product.product':
            values['code'] = self.xero_number or None
        return values

    @api.model
    def _update_links(self, Link, updates):
        """Assign legacy links and fill empty ones in one statement per model."""
        if not updates:
            return
        names = list(updates[0][1])
        casts = {name: Link._fields[name].column_type[1] for name in names}
        values = SQL(', ').join(
            SQL('(%s)', SQL(', ').join([SQL('%s::int', link_id)] + [
                SQL(f'%s::{casts[name]}', values[name]) for name in names]))
            for link_id, values in updates)
        self.env.execute_query(SQL(
            'UPDATE %s l SET %s, write_uid = %s, write_date = now() AT TIME ZONE \'UTC\' '
            'FROM (VALUES %s) AS v(id, %s) WHERE l.id = v.id',
            SQL.identifier(Link._table),
            SQL(', ').join(SQL('%s = v.%s', SQL.identifier(n), SQL.identifier(n)) for n in names),
            self.env.uid, values, SQL(', ').join(SQL.identifier(n) for n in names)))
        Link.invalidate_model()

    def _apply_taxes(self, organisation):
        rates = {rate.tax_type.upper(): rate for rate in organisation.sudo().xero_tax_rate_ids}
        mapped = set(organisation.sudo().tax_mapping_ids.tax_id.ids)
        rows, create = [], []
        for line in self:
            if line.res_id in mapped:
                rows.append(line._outcome('conflict', _('Mapped since the dry run: run it again.')))
                continue
            create.append({'organisation_id': organisation.id, 'tax_id': line.res_id, 'state': 'confirmed',
                           'xero_tax_rate_id': rates[line.xero_id.upper()].id})
            rows.append(line._outcome('will_link', line.message, applied=True))
        self.env['xero.tax.mapping'].sudo().create(create)
        return rows
