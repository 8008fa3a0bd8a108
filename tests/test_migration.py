import csv
import io
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.migration import csv_report
from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .common import XeroHttpCase
from .sync_common import CONTACTS, ENGINE_LOGGER, SyncCase

LINK_TABLES = ('xero_partner_link', 'xero_move_link', 'xero_product_link')
RUN_LOGGER = 'odoo.addons.xero_integration.models.xero_migration_run'
UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'


class TestMigration(SyncCase):
    """The migration wizard against the simulator: legacy links without an organisation, and the
    Xero ids another connector left in its columns."""

    def setUp(self):
        super().setUp()
        Partner = self.env['res.partner']
        self.already = Partner.create({'name': 'Already Linked Ltd', 'is_company': True})
        self.clash = Partner.create({'name': 'Clash Ltd', 'is_company': True})
        self.taker = Partner.create({'name': 'Taker Ltd', 'is_company': True})
        self.stranger = Partner.create({'name': 'Stranger Pty', 'is_company': True})
        nz = self.sim.organisation(NZ_TENANT_ID)
        self.nz_contacts = {c['Name']: c['ContactID'] for c in nz.contacts.values()}
        au = self.sim.organisation(AU_TENANT_ID)
        self.au_contact = next(iter(au.contacts.values()))['ContactID']

    # --- helpers ------------------------------------------------------------------------------

    def make_legacy(self):
        """What an older version left: a contact, an invoice, a credit note and a product synced
        with NZ, their links without organisation; and links the dry run must sort out."""
        self.sim.seed(NZ_TENANT_ID, items=[{'Code': 'MIG-1', 'Name': 'Migrated item'}])
        self.product = self.env['product.product'].create({'name': 'Migrated item', 'default_code': 'MIG-1'})
        self.invoice = self.make_move()
        self.refund = self.make_move('out_refund')
        self.push()
        self.invoice_number = self.link(self.invoice).xero_number
        self.env.flush_all()
        for table in LINK_TABLES:
            self.env.cr.execute(f'UPDATE {table} SET organisation_id = NULL, company_id = NULL, '
                                f'xero_number = NULL, xero_status = NULL')
        self.env.invalidate_all()
        item = next(i for i in self.sim.organisation(NZ_TENANT_ID).items.values() if i['Code'] == 'MIG-1')
        Link = self.env['xero.partner.link']
        self.env['xero.product.link'].create({'product_id': self.product.id, 'xero_id': item['ItemID']})
        # Already linked: the same pair exists in NZ.
        Link.create({'organisation_id': self.org.id, 'partner_id': self.already.id, 'sync_state': 'synced',
                     'xero_id': self.nz_contacts['City Limousines']})
        Link.create({'partner_id': self.already.id, 'xero_id': self.nz_contacts['City Limousines']})
        # Conflicts: a record linked to another contact in NZ, and a contact linked to another record.
        Link.create({'organisation_id': self.org.id, 'partner_id': self.clash.id, 'sync_state': 'synced',
                     'xero_id': self.nz_contacts['Marine Systems']})
        Link.create({'partner_id': self.clash.id, 'xero_id': self.nz_contacts['PowerDirect']})
        Link.create({'partner_id': self.taker.id, 'xero_id': self.nz_contacts['Marine Systems']})
        # Not found: a contact of the AU organisation.
        Link.create({'partner_id': self.stranger.id, 'xero_id': self.au_contact})
        self.sim.counters.reset()
        del self.sim.requests[:]

    def migrate(self, organisation=None, legacy=True, columns=None, apply=False, previous=None):
        """The wizard's dry run, then the cron; with ``apply``, Apply and the cron again."""
        context = {'default_organisation_id': (organisation or self.org).id}
        if previous:
            context['default_previous_run_id'] = previous.id
        wizard = self.env['xero.migration.wizard'].with_context(context).create({'use_legacy': legacy})
        for column in wizard.column_ids:
            column.kind = (columns or {}).get(column.column, 'ignore')
        action = wizard.action_dry_run()
        run = self.env['xero.migration.run'].browse(action['res_id'])
        self.run_cron()
        self.assertEqual(run.state, 'checked', run.last_error)
        if apply:
            run.action_apply()
            self.run_cron()
            self.assertEqual(run.state, 'done', run.last_error)
        return run

    def run_cron(self):
        self.env['xero.migration.run'].with_context(xero_no_commit=True)._cron_migrate()

    def lines(self, run, **where):
        return run.line_ids.filtered(lambda l: all(l[k] == v for k, v in where.items()))

    def state_of(self, run, record):
        line = self.lines(run, model=record._name, res_id=record.id)
        return line.state if len(line) == 1 else line.mapped('state')

    def snapshot(self):
        """Links, mappings and the records they name, as rows."""
        self.env.flush_all()
        rows = {}
        for table in LINK_TABLES:
            self.env.cr.execute(f'SELECT id, organisation_id, xero_id, xero_number, xero_status, sync_state, '
                                f'idempotency_key, write_date FROM {table} ORDER BY id')
            rows[table] = self.env.cr.fetchall()
        for table in ('res_partner', 'account_move', 'product_product', 'account_tax', 'xero_tax_mapping'):
            self.env.cr.execute(f'SELECT count(*), max(write_date) FROM {table}')
            rows[table] = self.env.cr.fetchall()
        return rows

    def created_in(self, tenant):
        return {kind: self.sim.counters.created(tenant, kind)
                for kind in ('Contacts', 'Invoices', 'CreditNotes', 'Items')}

    # --- the dry run --------------------------------------------------------------------------

    def test_dry_run_classifies_in_four_classes_and_changes_nothing(self):
        self.make_legacy()
        self.assertEqual(self.org.legacy_link_count, 8)
        before = self.snapshot()
        run = self.migrate()
        self.assertEqual(self.snapshot(), before, 'no link, record or mapping changed')
        self.assertEqual({r.method for r in self.sim.requests}, {'GET'}, 'only reads reached Xero')
        self.assertEqual(sum(self.created_in(NZ_TENANT_ID).values()), 0)
        self.assertEqual(self.state_of(run, self.customer), 'will_link')
        self.assertEqual(self.state_of(run, self.invoice), 'will_link')
        self.assertEqual(self.state_of(run, self.refund), 'will_link')
        self.assertEqual(self.state_of(run, self.product), 'will_link')
        self.assertEqual(self.state_of(run, self.already), 'already_linked')
        self.assertEqual(self.state_of(run, self.clash), 'conflict')
        self.assertIn(self.nz_contacts['Marine Systems'], self.lines(run, res_id=self.clash.id).message)
        self.assertEqual(self.state_of(run, self.taker), 'conflict')
        self.assertIn('Clash Ltd', self.lines(run, res_id=self.taker.id).message)
        self.assertEqual(self.state_of(run, self.stranger), 'not_found')
        invoice_line = self.lines(run, model='account.move', res_id=self.invoice.id)
        self.assertEqual((invoice_line.xero_number, invoice_line.xero_status), (self.invoice_number, 'AUTHORISED'))
        self.assertEqual(self.lines(run, model='product.product').xero_number, 'MIG-1')
        # One GET per kind: contacts, invoices, credit notes, items (the rest was decided locally).
        self.assertEqual(run.call_count, 4)
        self.assertEqual(len(self.sim.requests), 4)
        self.assertEqual((run.will_link_count, run.already_linked_count, run.conflict_count,
                          run.not_found_count), (4, 1, 2, 1))
        self.assertIn('Already linked', run.summary)
        report = csv_report(self.env['xero.migration.line'], [('run_id', '=', run.id)]).decode()
        self.assertEqual(len(report.strip().splitlines()), 1 + len(run.line_ids))
        self.assertIn(self.au_contact, report)

    def test_ids_are_read_back_50_at_a_time(self):
        partners = self.env['res.partner'].create([{'name': f'Many {n}'} for n in range(120)])
        contacts = [{'Name': f'Many {n}'} for n in range(120)]
        self.sim.seed(NZ_TENANT_ID, contacts=contacts)
        ids = {c['Name']: c['ContactID'] for c in self.sim.organisation(NZ_TENANT_ID).contacts.values()}
        self.env['xero.partner.link'].create([{'partner_id': p.id, 'xero_id': ids[p.name]} for p in partners])
        run = self.migrate()
        self.assertEqual(run.will_link_count, 120)
        self.assertEqual(self.calls(CONTACTS, 'GET'), 3, '120 ids in 3 GETs')

    # --- apply --------------------------------------------------------------------------------

    def test_apply_legacy_links_then_sync_creates_nothing(self):
        self.make_legacy()
        run = self.migrate(apply=True)
        self.assertEqual(run.applied_count, 4)
        for record in (self.customer, self.invoice, self.refund):
            link = self.link(record)
            self.assertEqual(link.sync_state, 'synced')
            self.assertTrue(link.xero_id)
        self.assertEqual(self.link(self.invoice).xero_number, self.invoice_number)
        self.assertEqual(self.link(self.invoice).xero_status, 'AUTHORISED')
        product_link = self.env['xero.product.link'].search([('product_id', '=', self.product.id)])
        self.assertEqual((product_link.organisation_id, product_link.code), (self.org, 'MIG-1'))
        self.assertEqual(self.env['xero.partner.link'].search_count(
            [('partner_id', '=', self.customer.id)]), 1, 'the legacy link itself got the organisation')
        self.assertEqual(self.org.legacy_link_count, 4, 'what was not applied stays as it was')
        # "Sync this organisation now": nothing migrated is created again in Xero.
        run.action_sync_now()
        self.push()
        self.assertEqual(self.created_in(NZ_TENANT_ID), dict.fromkeys(('Contacts', 'Invoices', 'CreditNotes', 'Items'), 0))
        self.assertFalse([r for r in self.sim.requests if r.method in ('PUT', 'POST')])
        # A real change goes as an update of the document Xero has.
        self.invoice.ref = 'Changed after the migration'
        self.push()
        self.assertEqual(self.calls('/api.xro/2.0/Invoices', 'POST'), 1)
        self.assertEqual(self.created_in(NZ_TENANT_ID)['Invoices'], 0)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)

    def test_conflict_is_left_untouched_and_listed(self):
        self.make_legacy()
        clash_links = self.env['xero.partner.link'].search([('partner_id', '=', self.clash.id)])
        before = [(l.id, l.organisation_id.id, l.xero_id, l.sync_state) for l in clash_links]
        run = self.migrate(apply=True)
        self.assertEqual([(l.id, l.organisation_id.id, l.xero_id, l.sync_state) for l in clash_links], before)
        line = self.lines(run, res_id=self.clash.id)
        self.assertEqual((line.state, line.applied), ('conflict', False))
        taker_link = self.env['xero.partner.link'].search([('partner_id', '=', self.taker.id)])
        self.assertFalse(taker_link.organisation_id)
        listed = run.with_context(xero_line_state='conflict').action_open_lines()
        self.assertEqual(self.env['xero.migration.line'].search(listed['domain'] + [('state', '=', 'conflict')]),
                         self.lines(run, state='conflict'))
        self.assertIn('search_default_conflict', listed['context'])

    def test_not_found_is_left_for_a_run_against_another_organisation(self):
        self.make_legacy()
        run = self.migrate(apply=True)
        legacy = self.env['xero.partner.link'].search([('partner_id', '=', self.stranger.id)])
        self.assertFalse(legacy.organisation_id, 'not found in NZ: left as it was')
        au = self.connect_organisations(tenants=[AU_TENANT_ID])
        action = run.action_run_again()
        self.assertEqual(action['context']['default_previous_run_id'], run.id)
        second = self.migrate(organisation=au, previous=run, apply=True)
        self.assertEqual(self.state_of(second, self.stranger), 'will_link')
        self.assertEqual(legacy.organisation_id, au)
        self.assertEqual(legacy.sync_state, 'synced')
        self.assertEqual(self.state_of(second, self.clash), 'not_found', 'NZ ids are not in AU')

    def test_twice_changes_nothing_the_second_time(self):
        self.make_legacy()
        first = self.migrate(apply=True)
        after_first = self.snapshot()
        with self.assertRaises(UserError):
            first.action_apply()
        self.run_cron()
        second = self.migrate(apply=True)
        self.assertEqual(second.will_link_count, 0)
        self.assertEqual(second.applied_count, 0)
        self.assertEqual(self.snapshot(), after_first)

    # --- another connector's columns ----------------------------------------------------------

    def test_apply_from_another_connectors_columns(self):
        bill = self.make_move('in_invoice')
        invoice = self.make_move()
        self.push()
        ids = {record: self.link(record).xero_id for record in (bill, invoice, self.customer, self.vendor)}
        customer_id = ids[self.customer]
        # Another connector: ids in its own columns, no links of ours.
        self.env.flush_all()
        self.env.cr.execute('DELETE FROM xero_move_link; DELETE FROM xero_partner_link')
        self.env.cr.execute("""
            ALTER TABLE res_partner ADD COLUMN x_xero_contact_id varchar;
            ALTER TABLE account_move ADD COLUMN xero_invoice_id varchar;
            ALTER TABLE account_tax ADD COLUMN xero_tax_type varchar;
            ALTER TABLE account_payment ADD COLUMN xero_payment_id varchar;
            ALTER TABLE product_product ADD COLUMN xero_last_sync varchar""")
        other_gst = self.make_tax('Other GST 15%', 15)
        ten = self.make_tax('Ten percent', 10)
        payment = self.env['account.payment'].create({'amount': 10.0, 'payment_type': 'inbound',
                                                      'partner_id': self.customer.id})
        self.env.flush_all()
        cr = self.env.cr
        cr.execute('UPDATE res_partner SET x_xero_contact_id = %s WHERE id = %s', (customer_id.upper(), self.customer.id))
        cr.execute('UPDATE account_move SET xero_invoice_id = %s WHERE id = %s', (ids[invoice], invoice.id))
        cr.execute('UPDATE account_move SET xero_invoice_id = %s WHERE id = %s', (ids[bill], bill.id))
        cr.execute("UPDATE account_tax SET xero_tax_type = 'OUTPUT2' WHERE id IN %s", ((other_gst.id, ten.id),))
        cr.execute("UPDATE account_payment SET xero_payment_id = %s WHERE id = %s", (self.au_contact, payment.id))
        cr.execute("UPDATE product_product SET xero_last_sync = '2024-01-31 10:00'")
        self.env.invalidate_all()
        self.sim.counters.reset()
        del self.sim.requests[:]

        wizard = self.env['xero.migration.wizard'].with_context(default_organisation_id=self.org.id).create({})
        found = {(c.model, c.column): c.kind for c in wizard.column_ids}
        self.assertEqual(found, {
            ('res.partner', 'x_xero_contact_id'): 'contacts', ('account.move', 'xero_invoice_id'): 'documents',
            ('account.tax', 'xero_tax_type'): 'tax_types', ('account.payment', 'xero_payment_id'): 'payments',
            ('product.product', 'xero_last_sync'): 'ignore'}, "the admin's choices start from what the values look like")
        run = self.migrate(legacy=False, apply=True, columns={
            'x_xero_contact_id': 'contacts', 'xero_invoice_id': 'documents', 'xero_tax_type': 'tax_types',
            'xero_payment_id': 'payments'})
        self.assertEqual(self.state_of(run, self.customer), 'will_link')
        self.assertEqual(self.state_of(run, self.vendor), 'will_link', "the bill's contact is linked with it")
        self.assertEqual(self.lines(run, res_id=self.vendor.id, model='res.partner').source_type, 'document_contact')
        self.assertEqual(self.state_of(run, other_gst), 'will_link')
        self.assertEqual(self.state_of(run, ten), 'conflict', 'a tax type is taken over only when the rate matches')
        self.assertEqual(self.state_of(run, payment), 'unsupported')
        self.assertIn('Payments', self.lines(run, model='account.payment').message)
        for record in (self.customer, self.vendor, invoice, bill):
            link = self.link(record)
            self.assertEqual((link.sync_state, link.xero_id), ('synced', ids[record]))
        self.assertEqual(self.mapping_of(self.org, other_gst).xero_tax_type, 'OUTPUT2')
        self.assertFalse(self.mapping_of(self.org, ten))
        self.org.action_sync_now()
        self.push()
        self.assertEqual(sum(self.created_in(NZ_TENANT_ID).values()), 0)
        # The other connector's columns are left as they were.
        cr.execute('SELECT x_xero_contact_id FROM res_partner WHERE id = %s', (self.customer.id,))
        self.assertEqual(cr.fetchone()[0], customer_id.upper())

    def test_values_that_are_no_xero_id_are_not_supported(self):
        self.env['xero.partner.link'].create({'partner_id': self.taker.id, 'xero_id': 'CUST-0042'})
        run = self.migrate()
        self.assertEqual(self.state_of(run, self.taker), 'unsupported')
        self.assertFalse(self.sim.requests)

    # --- Xero's limits ------------------------------------------------------------------------

    @mute_logger(RUN_LOGGER)
    def test_a_429_postpones_the_dry_run_through_the_cron(self):
        self.make_legacy()
        self.sim.faults.add('rate_limit', path=CONTACTS, method='GET', problem='minute', retry_after=20, count=1)
        wizard = self.env['xero.migration.wizard'].with_context(default_organisation_id=self.org.id).create({})
        run = self.env['xero.migration.run'].browse(wizard.action_dry_run()['res_id'])
        self.run_cron()
        self.assertEqual(run.state, 'checking')
        self.assertTrue(run.waiting_until and run.waiting_until > fields.Datetime.now())
        self.assertTrue(self.env['ir.cron.trigger'].search([
            ('cron_id', '=', self.env.ref('xero_integration.ir_cron_xero_migrate').id),
            ('call_at', '>=', run.waiting_until)]), 'the cron wakes itself for then; nothing sleeps')
        self.assertTrue(self.lines(run, xero_kind='contacts', state='to_check'), 'nothing written for that batch')
        # Before its time the governor itself says wait, without calling Xero.
        calls = len(self.sim.requests)
        run.with_context(xero_no_commit=True)._process()
        self.assertEqual(len(self.sim.requests), calls)
        self.assertEqual(run.state, 'checking')
        with freeze_time(fields.Datetime.now() + timedelta(minutes=1)):
            self.run_cron()
        self.assertEqual(run.state, 'checked')
        self.assertEqual(self.state_of(run, self.customer), 'will_link')

    # --- upgrade path and rights --------------------------------------------------------------

    @mute_logger(ENGINE_LOGGER)
    def test_legacy_links_are_untouched_by_a_sync(self):
        legacy = self.env['xero.partner.link'].create({'partner_id': self.taker.id, 'sync_state': 'pending',
                                                       'xero_id': self.nz_contacts['PowerDirect']})
        move = self.make_move(post=False)
        legacy_move = self.env['xero.move.link'].create({'move_id': move.id, 'sync_state': 'pending'})
        links = [legacy, legacy_move]
        before = [(l.organisation_id, l.sync_state, l.xero_id, l.write_date) for l in links]
        self.push()
        self.assertFalse(self.sim.requests, 'no sync reads or writes a link without organisation')
        self.assertEqual([(l.organisation_id, l.sync_state, l.xero_id, l.write_date) for l in links], before)
        self.assertEqual(self.org.legacy_link_count, 2)
        banner = self.env['xero.migration.run']._action_open_organisations()
        self.assertEqual(banner['params']['title'], '2 Xero links have no organisation.')
        self.assertEqual(banner['params']['next']['res_model'], 'xero.organisation')

    def test_only_xero_administrators_migrate(self):
        user = new_test_user(self.env, login='xero_user_mig', groups='base.group_user,xero_integration.group_xero_user')
        with self.assertRaises(AccessError):
            self.env['xero.migration.wizard'].with_user(user).create({'organisation_id': self.org.id})
        self.make_legacy()
        run = self.migrate()
        with self.assertRaises(AccessError):
            run.with_user(user).action_apply()


@tagged('post_install', '-at_install')
class TestMigrationReport(XeroHttpCase):
    """The report downloads as CSV, for Xero administrators only."""

    def test_csv_download(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        partner = self.env['res.partner'].create({'name': 'Report Ltd'})
        run = self.env['xero.migration.run'].create({'organisation_id': org.id, 'use_legacy': True,
                                                     'state': 'checked'})
        self.env['xero.migration.line'].create([
            {'run_id': run.id, 'model': 'res.partner', 'res_id': partner.id, 'record_name': 'Report Ltd',
             'source_type': 'legacy', 'xero_kind': 'contacts', 'xero_id': UNKNOWN_ID, 'state': 'not_found',
             'message': 'Not in it'},
            {'run_id': run.id, 'model': 'res.partner', 'res_id': partner.id, 'source_type': 'column',
             'xero_kind': 'contacts', 'xero_id': 'x', 'state': 'unsupported'},
        ])
        self.assertEqual(run.action_download()['url'], f'/xero_integration/migration/{run.id}/report.csv')
        self.authenticate('admin', 'admin')
        response = self.url_open(f'/xero_integration/migration/{run.id}/report.csv?state=not_found')
        self.assertEqual(response.status_code, 200)
        self.assertIn('text/csv', response.headers['Content-Type'])
        rows = list(csv.reader(io.StringIO(response.text)))
        self.assertEqual(rows[0][:3], ['model', 'res_id', 'record_name'])
        self.assertEqual([row[6] for row in rows[1:]], [UNKNOWN_ID], 'filtered on the class')
        new_test_user(self.env, login='xero_user_csv', password='xero_user_csv',
                      groups='base.group_user,xero_integration.group_xero_user')
        self.authenticate('xero_user_csv', 'xero_user_csv')
        with mute_logger('odoo.http'):
            response = self.url_open(f'/xero_integration/migration/{run.id}/report.csv')
        self.assertEqual(response.status_code, 403)
