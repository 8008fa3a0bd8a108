import logging
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..xero_client import (XeroError, XeroFatalError, XeroRateLimited, XeroRetryableError,
                           XeroValidationError)
from ..xero_client.governor import Wait
from ..xero_client.kinds import MAX_IDS_PER_GET
from .xero_migration_line import CLASSES, GUID_SQL, LINKED, MODELS

_logger = logging.getLogger(__name__)

APPLY_BATCH = 1000
TAX_BATCH = 200
RETRY_DELAY = timedelta(minutes=1)

# Where each model's rows live, which of them belong to a company, and what Xero kind their
# ids are. Static SQL: only column names chosen by the admin vary, and those are checked
# against information_schema and quoted as identifiers.
SOURCES = {
    'res.partner': ('res_partner r', 'r.company_id IS NULL OR r.company_id = %s', "'contacts'"),
    'account.move': ('account_move r', 'r.company_id = %s',
                     "CASE WHEN r.move_type IN ('out_invoice', 'in_invoice') THEN 'invoices' "
                     "WHEN r.move_type IN ('out_refund', 'in_refund') THEN 'credit_notes' END"),
    'product.product': ('product_product r JOIN product_template t ON t.id = r.product_tmpl_id',
                        't.company_id IS NULL OR t.company_id = %s', "'items'"),
    'account.tax': ('account_tax r', 'r.company_id = %s', "'tax_types'"),
    'account.payment': ('account_payment r', 'r.company_id = %s', "'payments'"),
}
LEGACY_LINKS = {'res.partner': ('xero_partner_link', 'partner_id'),
                'account.move': ('xero_move_link', 'move_id'),
                'product.product': ('xero_product_link', 'product_id')}


class XeroMigrationRun(models.Model):
    """One migration of Xero ids into links of one organisation: a dry run, then an apply.

    The dry run reads every candidate back from the organisation in Xero (GETs of up to 50 ids,
    through the governor) and classifies it; it changes no link, no record and nothing in Xero.
    The apply creates or assigns the links of the candidates classified "will link", marked
    synced, in batches committed one by one. Both run in the migration cron, never in a click.
    Nothing is deleted: what is not applied stays as it was, for a later run.
    """
    _name = 'xero.migration.run'
    _description = 'Xero migration'
    _order = 'id desc'

    organisation_id = fields.Many2one('xero.organisation', required=True, readonly=True,
                                      index=True, ondelete='cascade')
    company_id = fields.Many2one(related='organisation_id.company_id', store=True)
    state = fields.Selection([
        ('checking', 'Dry run'), ('checked', 'Dry run done'), ('applying', 'Applying'),
        ('done', 'Done'),
    ], required=True, default='checking', readonly=True)
    use_legacy = fields.Boolean(string='Links without organisation', readonly=True)
    columns = fields.Json(readonly=True, help='[{"model", "column", "kind"}]: the columns taken over.')
    sources_summary = fields.Char(string='Sources', compute='_compute_sources_summary')
    line_ids = fields.One2many('xero.migration.line', 'run_id', string='Candidates', readonly=True)
    contacts_derived = fields.Boolean(readonly=True)
    call_count = fields.Integer(string='Calls to Xero', readonly=True)
    waiting_until = fields.Datetime(readonly=True)
    last_error = fields.Text(readonly=True)
    dry_run_date = fields.Datetime(string='Dry run finished', readonly=True)
    applied_date = fields.Datetime(string='Applied', readonly=True)
    line_count = fields.Integer(string='Number of candidates', compute='_compute_counts')
    to_check_count = fields.Integer(compute='_compute_counts')
    will_link_count = fields.Integer(compute='_compute_counts')
    already_linked_count = fields.Integer(compute='_compute_counts')
    conflict_count = fields.Integer(compute='_compute_counts')
    not_found_count = fields.Integer(compute='_compute_counts')
    unsupported_count = fields.Integer(compute='_compute_counts')
    applied_count = fields.Integer(compute='_compute_counts')
    summary = fields.Html(compute='_compute_counts', sanitize=False)

    @api.depends('organisation_id')
    def _compute_display_name(self):
        for run in self:
            run.display_name = _('Migration #%(id)s to %(org)s', id=run.id or '', org=run.organisation_id.name)

    def _compute_sources_summary(self):
        for run in self:
            parts = [_('links without organisation')] if run.use_legacy else []
            parts += [f"{self.env[c['model']]._table}.{c['column']}" for c in run.columns or []]
            run.sources_summary = ', '.join(parts)

    def _compute_counts(self):
        labels = dict(CLASSES)
        for run in self:
            counts = {}
            for model, state, applied, count in self.env['xero.migration.line']._read_group(
                    [('run_id', '=', run.id or 0)], ['model', 'state', 'applied'], ['__count']):
                counts[model, state] = counts.get((model, state), 0) + count
                counts['applied'] = counts.get('applied', 0) + (count if applied else 0)
            for state in labels:
                run[f'{state}_count'] = sum(n for key, n in counts.items() if key[1:] == (state,))
            run.line_count = sum(n for key, n in counts.items() if key != 'applied')
            run.applied_count = counts.get('applied', 0)
            run.summary = run._summary_table(counts)

    def _summary_table(self, counts):
        """Counts per model and class, as a small table."""
        states = [s for s, _label in CLASSES if any(k[1:] == (s,) for k in counts if k != 'applied')]
        models_ = [m for m, _label in MODELS if any(k[0] == m for k in counts if k != 'applied')]
        if not models_:
            return False
        line_fields = self.env['xero.migration.line']._fields  # the labels in the user's language
        labels, model_labels = (dict(line_fields[f]._description_selection(self.env)) for f in ('state', 'model'))
        head = Markup('').join(Markup('<th class="text-end">%s</th>') % labels[s] for s in states)
        body = Markup('').join(
            Markup('<tr><td>%s</td>%s</tr>') % (model_labels[m], Markup('').join(
                Markup('<td class="text-end">%s</td>') % counts.get((m, s), 0) for s in states))
            for m in models_)
        return Markup('<table class="table table-sm o_xero_migration_summary"><thead><tr><th/>%s'
                      '</tr></thead><tbody>%s</tbody></table>') % (head, body)

    # --- actions ------------------------------------------------------------------------------

    def action_apply(self):
        """Queue the apply; the migration cron makes the links in batches."""
        self._check_manager()
        for run in self:
            if run.state != 'checked':
                raise UserError(_('Apply comes after a finished dry run.'))
        self.write({'state': 'applying', 'last_error': False, 'waiting_until': False})
        self._wake()
        return True

    def action_resume(self):
        self._check_manager()
        self.write({'waiting_until': False, 'last_error': False})
        self._wake()
        return True

    def action_sync_now(self):
        self.ensure_one()
        return self.organisation_id.action_sync_now()

    def action_open_lines(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('xero_integration.xero_migration_line_action')
        state = self.env.context.get('xero_line_state')
        action['domain'] = [('run_id', '=', self.id)]
        action['context'] = {f'search_default_{state}': 1} if state else {}
        return action

    # --- the entry points: links without organisation ---------------------------------------

    @api.model
    def _legacy_link_count(self):
        """Links made before organisations existed (or by an older version): no sync touches
        them until the migration gives them an organisation."""
        return sum(self.env.execute_query(SQL(
            'SELECT count(*) FROM %s WHERE organisation_id IS NULL',
            SQL.identifier(self.env[link]._table)))[0][0] for link in LINKED.values())

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

    def action_download(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': f'/xero_integration/migration/{self.id}/report.csv'}

    def action_run_again(self):
        """The same sources, against the organisation of the admin's choice: what was not found
        here may belong there."""
        self.ensure_one()
        return self.env['xero.migration.wizard']._open({
            'default_use_legacy': self.use_legacy,
            'default_previous_run_id': self.id,
        })

    def _check_manager(self):
        # Runs are for Xero administrators only (ir.model.access.csv).
        self.check_access('write')

    def _wake(self, at=None):
        self.env.ref('xero_integration.ir_cron_xero_migrate').sudo()._trigger(at=at)

    # --- candidates -----------------------------------------------------------------------------

    def _collect(self):
        """Insert one line per candidate: legacy links of the organisation's company and
        non-empty values of the chosen columns. Plain SQL: a run can hold 50,000 of them."""
        self.ensure_one()
        company = self.organisation_id.company_id.id
        if self.use_legacy:
            for model, (link_table, field) in LEGACY_LINKS.items():
                table, company_clause, kind = SOURCES[model]
                self._insert_lines(model, 'legacy', _('Link without organisation'), SQL(
                    f"SELECT l.{field} AS res_id, NULLIF(trim(l.xero_id), '') AS value, "
                    f"l.id AS link_id, {kind} AS kind FROM {link_table} l "
                    f"JOIN {table} ON r.id = l.{field} "
                    f"WHERE l.organisation_id IS NULL AND ({company_clause})", company))
        for spec in self.columns or []:
            model, column = spec['model'], spec['column']
            table, company_clause, kind = SOURCES[model]
            self._insert_lines(model, 'column', f'{self.env[model]._table}.{column}', SQL(
                f"SELECT r.id AS res_id, NULLIF(trim(r.%s::text), '') AS value, NULL::int AS link_id, "
                f"{kind} AS kind FROM {table} WHERE r.%s IS NOT NULL AND ({company_clause})",
                SQL.identifier(column), SQL.identifier(column), company))
        self._screen_candidates()

    def _insert_lines(self, model, source_type, source, select):
        self.env.execute_query(SQL("""
            INSERT INTO xero_migration_line (run_id, model, res_id, source_type, source,
                legacy_link_id, xero_kind, xero_id, state, message, applied,
                create_uid, write_uid, create_date, write_date)
            SELECT %(run)s, %(model)s, c.res_id, %(source_type)s, %(source)s, c.link_id, c.kind,
                   CASE WHEN c.kind = 'tax_types' THEN c.value ELSE lower(c.value) END,
                   CASE WHEN c.kind IS NULL OR c.kind = 'payments' OR c.value IS NULL
                        THEN 'unsupported' ELSE 'to_check' END,
                   CASE WHEN c.kind IS NULL THEN %(no_kind)s
                        WHEN c.kind = 'payments' THEN %(payments)s
                        WHEN c.value IS NULL THEN %(no_value)s END,
                   false, %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM (%(select)s) c WHERE c.value IS NOT NULL OR c.link_id IS NOT NULL
             ORDER BY c.res_id""",
            run=self.id, model=model, source_type=source_type, source=source, select=select,
            uid=self.env.uid,
            no_kind=_('Only invoices, bills and credit notes have a Xero document.'),
            payments=_('Payments do not sync to Xero yet: nothing to take over for now.'),
            no_value=_('This link holds no Xero id: nothing to take over.')))

    def _screen_candidates(self):
        """Before asking Xero: values that are no Xero id, and candidates of this run that
        claim the same Xero id or the same record twice."""
        Line = self.env['xero.migration.line']
        self.env.execute_query(SQL(
            "UPDATE xero_migration_line SET state = 'unsupported', message = %s "
            "WHERE run_id = %s AND state = 'to_check' AND xero_kind <> 'tax_types' AND xero_id !~ %s",
            _('Not a Xero id.'), self.id, GUID_SQL))
        rules = (
            # the same pair from two sources: the first (a legacy link before a column) does it
            ('model, res_id, xero_id', 'already_linked', 'xero_id',
             _('The same record and Xero id as another candidate of this run.')),
            ('model, xero_id', 'conflict', 'res_id::text',
             _('Claimed by several Odoo records: record %s comes first; resolve it by hand.')),
            ('model, res_id', 'conflict', 'xero_id',
             _('This record has several Xero ids: %s comes first; resolve it by hand.')),
        )
        for partition, state, winner, message in rules:
            self.env.execute_query(SQL(f"""
                WITH ranked AS (
                    SELECT id, row_number() OVER w AS rank, first_value({winner}) OVER w AS winner
                      FROM xero_migration_line WHERE run_id = %s AND state = 'to_check'
                    WINDOW w AS (PARTITION BY {partition}
                                 ORDER BY source_type <> 'legacy', res_id, id))
                UPDATE xero_migration_line l SET state = %s, message = format(%s, r.winner)
                  FROM ranked r WHERE l.id = r.id AND r.rank > 1""", self.id, state, message))
        Line.invalidate_model()

    def _derive_document_contacts(self):
        """The contact of a document found in Xero is the partner's Xero contact: link it too,
        when the partner has none in this organisation and no candidate of its own. Otherwise
        the next change to the document would send its partner as a new contact."""
        # One NOT EXISTS per column, never an OR across two: each becomes a hashed anti-join
        # (with an OR, PostgreSQL compares every document with every contact line).
        self.env.execute_query(SQL("""
            WITH found AS (
                SELECT DISTINCT ON (m.commercial_partner_id, lower(l.xero_contact_id))
                       m.commercial_partner_id AS partner_id, lower(l.xero_contact_id) AS contact_id,
                       m.name AS document
                  FROM xero_migration_line l JOIN account_move m ON m.id = l.res_id
                 WHERE l.run_id = %(run)s AND l.model = 'account.move'
                   AND l.state IN ('will_link', 'already_linked') AND l.xero_contact_id IS NOT NULL
                   AND m.commercial_partner_id IS NOT NULL
                 ORDER BY m.commercial_partner_id, lower(l.xero_contact_id), m.id)
            INSERT INTO xero_migration_line (run_id, model, res_id, source_type, source, xero_kind,
                xero_id, state, applied, create_uid, write_uid, create_date, write_date)
            SELECT %(run)s, 'res.partner', f.partner_id, 'document_contact', %(label)s || f.document,
                   'contacts', f.contact_id, 'to_check', false,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM found f
             WHERE NOT EXISTS (SELECT 1 FROM xero_partner_link p WHERE p.organisation_id = %(org)s
                                  AND p.xero_id IS NOT NULL AND p.partner_id = f.partner_id)
               AND NOT EXISTS (SELECT 1 FROM xero_partner_link p WHERE p.organisation_id = %(org)s
                                  AND lower(p.xero_id) = f.contact_id)
               AND NOT EXISTS (SELECT 1 FROM xero_migration_line o WHERE o.run_id = %(run)s
                                  AND o.model = 'res.partner' AND o.res_id = f.partner_id)
               AND NOT EXISTS (SELECT 1 FROM xero_migration_line o WHERE o.run_id = %(run)s
                                  AND o.model = 'res.partner' AND o.xero_id = f.contact_id)
             ORDER BY f.partner_id""",
            run=self.id, org=self.organisation_id.id, uid=self.env.uid, label=_('Contact of ')))
        self._screen_candidates()
        self.contacts_derived = True

    # --- the cron -------------------------------------------------------------------------------

    @api.model
    def _cron_migrate(self):
        """Dry runs and applies that are due, in batches committed one by one."""
        runs = self.search([('state', 'in', ('checking', 'applying'))], order='id')
        self._progress(0, remaining=sum(run._remaining() for run in runs))
        now = fields.Datetime.now()
        for run in runs:
            if run.waiting_until and run.waiting_until > now:
                continue
            if not run._process():
                return

    def _remaining(self):
        Line = self.env['xero.migration.line']
        if self.state == 'checking':
            return Line.search_count([('run_id', '=', self.id), ('state', '=', 'to_check')])
        return Line.search_count([('run_id', '=', self.id), ('state', '=', 'will_link'),
                                  ('applied', '=', False)])

    def _progress(self, processed, remaining=None):
        """Commit progress (in the cron); False when the cron's time is up."""
        if self.env.context.get('xero_no_commit'):
            self.env.flush_all()
            return True
        left = self.env['ir.cron']._commit_progress(processed, remaining=remaining)
        # Nothing of a finished batch is needed again: keep the worker's memory flat.
        self.env.invalidate_all()
        return bool(left)

    def _process(self):
        """Work on this run until it is finished, has to wait, or the cron's time is up."""
        self.ensure_one()
        organisation = self.organisation_id.sudo()
        while self.state in ('checking', 'applying'):
            try:
                done = self._check_next(organisation) if self.state == 'checking' \
                    else self._apply_next(organisation)
            except Wait as wait:
                self._postpone(wait.until, str(wait))
                return True
            except XeroRateLimited as e:
                self._postpone(organisation._governor_state_until(), e.message)
                return True
            except XeroRetryableError as e:
                self._postpone(fields.Datetime.now() + RETRY_DELAY, e.message)
                return True
            except (XeroError, UserError) as e:
                # Lost authorisation, a disconnected organisation: a person has to act. The
                # run stays where it is; Resume (or the hourly cron) goes on. Nothing of the
                # failed batch was written: lines are written only once Xero has answered.
                self.last_error = getattr(e, 'message', None) or str(e)
                _logger.info('Xero migration %s stopped: %s', self.id, self.last_error)
                self._progress(0)
                return True
            if not self._progress(done):
                return False
        return True

    def _postpone(self, until, reason):
        self.write({'waiting_until': until, 'last_error': reason})
        self._wake(at=until)
        self._progress(0)

    def _next_lines(self, state, size):
        """The next lines of ``state`` not applied yet, in id order, of one model and kind.

        Plain SQL on the (run_id, state, applied, id) index: the ORM's domain for a false
        boolean ("IS NOT TRUE") would scan every line already done, batch after batch."""
        where = SQL('run_id = %s AND state = %s AND NOT applied', self.id, state)
        first = self.env.execute_query(SQL(
            'SELECT model, xero_kind FROM xero_migration_line WHERE %s ORDER BY id LIMIT 1', where))
        if not first:
            return self.env['xero.migration.line']
        model, kind = first[0]
        rows = self.env.execute_query(SQL(
            'SELECT id FROM xero_migration_line WHERE %s AND model = %s AND xero_kind IS NOT DISTINCT FROM %s '
            'ORDER BY id LIMIT %s', where, model, kind, size))
        return self.env['xero.migration.line'].sudo().browse([row[0] for row in rows])

    def _check_next(self, organisation):
        Line = self.env['xero.migration.line'].sudo()
        first = self._next_lines('to_check', 1)
        if not first:
            if not self.contacts_derived:
                self._derive_document_contacts()
            else:
                self.write({'state': 'checked', 'dry_run_date': fields.Datetime.now(),
                            'waiting_until': False, 'last_error': False})
            return 0
        size = TAX_BATCH if first.xero_kind == 'tax_types' else MAX_IDS_PER_GET
        lines = self._next_lines('to_check', size)
        try:
            lines._check(organisation)
        except (XeroValidationError, XeroFatalError) as e:
            # Xero refuses this look-up itself: say so on its lines rather than ask again forever.
            Line._write_rows([{'id': line.id, 'state': 'unsupported',
                               'message': _('Xero refused the look-up: %s', e.message)} for line in lines])
        if first.xero_kind != 'tax_types':
            self.env.execute_query(SQL('UPDATE xero_migration_run SET call_count = COALESCE(call_count, 0) + 1 '
                                       'WHERE id = %s', self.id))
            self.invalidate_recordset(['call_count'])
        if self.waiting_until or self.last_error:
            self.write({'waiting_until': False, 'last_error': False})
        return len(lines)

    def _apply_next(self, organisation):
        Line = self.env['xero.migration.line'].sudo()
        lines = self._next_lines('will_link', APPLY_BATCH)
        if not lines:
            self.write({'state': 'done', 'applied_date': fields.Datetime.now(), 'last_error': False})
            return 0
        try:
            with self.env.cr.savepoint():
                rows = lines._apply(organisation)
        except psycopg2.IntegrityError:
            # A sync made one of these links meanwhile: go one by one to find which.
            rows = []
            for line in lines:
                try:
                    with self.env.cr.savepoint():
                        rows += line._apply(organisation)
                except psycopg2.IntegrityError:
                    rows.append(line._outcome('conflict', _('Linked by a sync since the dry run: run it again.')))
        Line._write_rows(rows)
        return len(lines)
