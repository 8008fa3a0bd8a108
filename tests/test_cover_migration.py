"""The migration wizard's choices (what it detects in another connector's columns, what it
refuses before a run is made, a run again keeping the admin's choices) and the report's
download (its columns, a class filter, a run that does not exist)."""
import csv
import io
import uuid

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.migration import COLUMNS
from ..xero_sim.seed import NZ_TENANT_ID
from .common import XeroHttpCase
from .sync_common import SyncCase


class TestCoverMigrationWizard(SyncCase):

    def setUp(self):
        super().setUp()
        self.partners = self.env['res.partner'].create([{'name': f'Other connector {n}'} for n in range(4)])

    def add_column(self, table, column, values):
        """Another connector's column on ``table``, holding ``values`` (by record)."""
        self.env.flush_all()
        self.env.cr.execute(f'ALTER TABLE {table} ADD COLUMN {column} varchar')
        for record, value in values.items():
            self.env.cr.execute(f'UPDATE {table} SET {column} = %s WHERE id = %s', (value, record.id))
        self.env.invalidate_all()

    def wizard(self, **context):
        context.setdefault('default_organisation_id', self.org.id)
        return self.env['xero.migration.wizard'].with_context(**context).create({})

    def column(self, wizard, name):
        return wizard.column_ids.filtered(lambda c: c.column == name)

    def test_detection_counts_values_and_ids_and_shows_a_sample(self):
        ids = [str(uuid.uuid4()) for _ in range(2)]
        self.add_column('res_partner', 'x_xero_ref', {
            self.partners[0]: ids[0].upper(), self.partners[1]: f'  {ids[1]}  ',
            self.partners[2]: 'CUST-7', self.partners[3]: '   '})
        column = self.column(self.wizard(), 'x_xero_ref')
        self.assertRecordValues(column, [{'model': 'res.partner', 'value_count': 3, 'id_count': 2,
                                          'kind': 'contacts'}])
        self.assertEqual(len(column.sample.split(', ')), 3)
        self.assertIn('CUST-7', column.sample)
        self.assertNotIn('  ', column.sample, 'values are shown trimmed')

    def test_a_column_mostly_not_ids_starts_ignored(self):
        self.add_column('res_partner', 'x_xero_code', {
            self.partners[0]: str(uuid.uuid4()), self.partners[1]: 'A-1', self.partners[2]: 'A-2'})
        column = self.column(self.wizard(), 'x_xero_code')
        self.assertEqual((column.value_count, column.id_count, column.kind), (3, 1, 'ignore'))

    def test_columns_without_xero_in_their_name_or_of_other_tables_are_not_offered(self):
        self.add_column('res_partner', 'x_legacy_ref', {self.partners[0]: str(uuid.uuid4())})
        self.add_column('res_country', 'x_xero_id', {self.env.ref('base.nz'): str(uuid.uuid4())})
        columns = self.wizard().column_ids.mapped('column')
        self.assertNotIn('x_legacy_ref', columns)
        self.assertNotIn('x_xero_id', columns)

    def test_the_addons_own_columns_are_not_offered(self):
        for model in ('res.partner', 'account.move', 'account.tax', 'account.payment', 'product.product'):
            own = {name for name, field in self.env[model]._fields.items()
                   if field.store and 'xero' in name and 'xero_integration' in field._modules}
            offered = set(self.wizard().column_ids.filtered(lambda c, m=model: c.model == m).mapped('column'))
            self.assertFalse(own & offered, model)

    def test_a_tax_column_is_read_as_tax_types(self):
        tax = self.make_tax('Other connector GST', 15)
        self.add_column('account_tax', 'x_xero_tax', {tax: 'OUTPUT2', self.sale15: 'INPUT2'})
        column = self.column(self.wizard(), 'x_xero_tax')
        self.assertEqual((column.value_count, column.id_count, column.kind), (2, 2, 'tax_types'))

    def test_nothing_chosen_is_refused(self):
        wizard = self.wizard()
        wizard.use_legacy = False
        with self.assertRaisesRegex(UserError, 'at least one source'):
            wizard.action_dry_run()
        self.assertFalse(self.env['xero.migration.run'].search([]))

    def test_a_kind_the_table_cannot_hold_is_refused(self):
        self.add_column('res_partner', 'x_xero_ref', {self.partners[0]: str(uuid.uuid4())})
        wizard = self.wizard()
        self.column(wizard, 'x_xero_ref').kind = 'items'
        with self.assertRaisesRegex(UserError, 'cannot hold a Xero item ID'):
            wizard.action_dry_run()
        self.assertFalse(self.env['xero.migration.run'].search([]))

    def test_a_column_that_is_not_another_connectors_is_refused(self):
        wizard = self.wizard()
        wizard.column_ids = [(0, 0, {'model': 'res.partner', 'column': 'name', 'kind': 'contacts'})]
        with self.assertRaisesRegex(UserError, 'Column name is not a column of another Xero connector'):
            wizard.action_dry_run()

    def test_a_disconnected_organisation_is_refused(self):
        wizard = self.wizard()
        self.org.state = 'disconnected'
        with self.assertRaisesRegex(UserError, 'is not connected'):
            wizard.action_dry_run()

    def test_the_dry_run_records_the_choices_and_wakes_the_cron(self):
        self.add_column('res_partner', 'x_xero_ref', {self.partners[0]: str(uuid.uuid4())})
        cron = self.env.ref('xero_integration.ir_cron_xero_migrate')
        self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]).unlink()
        wizard = self.wizard()
        wizard.use_legacy = False
        self.column(wizard, 'x_xero_ref').kind = 'contacts'
        action = wizard.action_dry_run()
        run = self.env['xero.migration.run'].browse(action['res_id'])
        self.assertEqual((run.organisation_id, run.use_legacy), (self.org, False))
        self.assertEqual(run.columns, [{'model': 'res.partner', 'column': 'x_xero_ref', 'kind': 'contacts'}])
        self.assertEqual(run.line_ids.mapped('res_id'), [self.partners[0].id])
        self.assertEqual(set(run.line_ids.mapped('state')), {'to_check'})
        self.assertTrue(self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]))
        self.assertFalse(self.sim.requests, 'the dry run reads from Xero in the cron, not in the click')

    def test_run_again_keeps_the_admins_choices(self):
        self.add_column('res_partner', 'x_xero_ref', {self.partners[0]: str(uuid.uuid4())})
        self.add_column('res_partner', 'x_xero_other', {self.partners[1]: str(uuid.uuid4())})
        wizard = self.wizard()
        self.assertEqual((self.column(wizard, 'x_xero_ref').kind, self.column(wizard, 'x_xero_other').kind),
                         ('contacts', 'contacts'), 'both look like contact ids')
        self.column(wizard, 'x_xero_other').kind = 'ignore'
        run = self.env['xero.migration.run'].browse(wizard.action_dry_run()['res_id'])
        action = run.action_run_again()
        self.assertEqual(action['res_model'], 'xero.migration.wizard')
        again = self.env['xero.migration.wizard'].with_context(
            action['context'], default_organisation_id=self.org.id).create({})
        self.assertEqual(again.previous_run_id, run)
        self.assertEqual((self.column(again, 'x_xero_ref').kind, self.column(again, 'x_xero_other').kind),
                         ('contacts', 'ignore'), 'what was left out stays out')

    def test_the_legacy_count(self):
        self.assertEqual(self.wizard().legacy_count, 0)
        self.env['xero.partner.link'].create([{'partner_id': p.id, 'xero_id': str(uuid.uuid4())}
                                              for p in self.partners[:3]])
        self.assertEqual(self.wizard().legacy_count, 3)

    def test_only_xero_administrators_run_it(self):
        user = new_test_user(self.env, login='xero_mig_user', groups='base.group_user,xero_integration.group_xero_user')
        wizard = self.wizard()
        with self.assertRaises(Exception):
            wizard.with_user(user).action_dry_run()
        self.assertFalse(self.env['xero.migration.run'].search([]))


@tagged('post_install', '-at_install')
class TestCoverMigrationReport(XeroHttpCase):

    def setUp(self):
        super().setUp()
        self.org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.partner = self.env['res.partner'].create({'name': 'Report, "Quoted" Ltd'})
        self.run = self.env['xero.migration.run'].create({'organisation_id': self.org.id, 'use_legacy': True,
                                                          'state': 'checked'})

    def download(self, run_id, query=''):
        return self.url_open(f'/xero_integration/migration/{run_id}/report.csv{query}')

    def rows(self, response):
        self.assertEqual(response.status_code, 200, response.text[:300])
        return list(csv.reader(io.StringIO(response.text)))

    def test_every_column_and_value_as_written(self):
        xero_id = str(uuid.uuid4())
        self.env['xero.migration.line'].create([
            {'run_id': self.run.id, 'model': 'res.partner', 'res_id': self.partner.id,
             'record_name': self.partner.name, 'source_type': 'legacy', 'xero_kind': 'contacts',
             'xero_id': xero_id, 'state': 'will_link', 'xero_number': 'C-1', 'applied': True,
             'message': 'Line one\nand two'},
            {'run_id': self.run.id, 'model': 'res.partner', 'res_id': self.partner.id, 'source_type': 'column',
             'xero_kind': 'contacts', 'xero_id': 'x', 'state': 'unsupported'}])
        self.authenticate('admin', 'admin')
        header, first, second = self.rows(self.download(self.run.id))
        self.assertEqual(header, list(COLUMNS))
        first, second = dict(zip(header, first)), dict(zip(header, second))
        self.assertEqual((first['record_name'], first['xero_id'], first['applied'], first['message']),
                         (self.partner.name, xero_id, '1', 'Line one\nand two'), 'quotes, commas, newlines kept')
        self.assertEqual((second['record_name'], second['xero_number'], second['applied']), ('', '', '0'),
                         'empty values are empty, not False')

    def test_a_run_without_candidates_is_its_header(self):
        self.authenticate('admin', 'admin')
        response = self.download(self.run.id)
        self.assertEqual(self.rows(response), [list(COLUMNS)])
        self.assertIn(f'xero-migration-{self.run.id}.csv', response.headers['Content-Disposition'])

    def test_a_class_with_no_candidate(self):
        self.env['xero.migration.line'].create({
            'run_id': self.run.id, 'model': 'res.partner', 'res_id': self.partner.id, 'source_type': 'legacy',
            'xero_kind': 'contacts', 'xero_id': 'x', 'state': 'unsupported'})
        self.authenticate('admin', 'admin')
        self.assertEqual(self.rows(self.download(self.run.id, '?state=conflict')), [list(COLUMNS)])

    def test_another_runs_lines_are_not_in_it(self):
        other = self.env['xero.migration.run'].create({'organisation_id': self.org.id, 'use_legacy': True})
        self.env['xero.migration.line'].create({
            'run_id': other.id, 'model': 'res.partner', 'res_id': self.partner.id, 'source_type': 'legacy',
            'xero_kind': 'contacts', 'xero_id': 'other-run', 'state': 'unsupported'})
        self.authenticate('admin', 'admin')
        self.assertEqual(self.rows(self.download(self.run.id)), [list(COLUMNS)])

    def test_a_run_that_does_not_exist_is_not_a_server_error(self):
        self.authenticate('admin', 'admin')
        with mute_logger('odoo.http'):
            response = self.download(self.run.id + 1000)
        self.assertIn(response.status_code, (403, 404), response.text[:300])
        self.assertNotIn('Traceback', response.text)

    def test_anonymous_is_sent_to_login(self):
        response = self.url_open(f'/xero_integration/migration/{self.run.id}/report.csv', allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn('/web/login', response.headers['Location'])
