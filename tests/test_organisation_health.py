"""What left xero.organisation for models of their own (issue 17): its health (the form's Health
group, the failure digest, the inactivity disconnect), the migration's entry points, and the one
look-up of the Xero administrators they all tell."""
import importlib.util
from datetime import date, timedelta
from pathlib import Path

from odoo import fields
from odoo.tests import new_test_user

from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .common import XeroTransactionCase

MIGRATION = Path(__file__).parents[1] / 'migrations' / '19.0.1.3.0' / 'post-organisation-health.py'


class TestOrganisationHealth(XeroTransactionCase):

    def test_health_row_follows_its_organisation_company(self):
        company_b = self.env['res.company'].create({'name': 'Xero Health Company B'})
        org_a = self.connect_organisations(company=self.env.company, tenants=[NZ_TENANT_ID])
        org_b = self.connect_organisations(company=company_b, tenants=[AU_TENANT_ID])
        Health = self.env['xero.organisation.health']
        health_a, health_b = Health._for(org_a), Health._for(org_b)
        self.assertEqual(Health._for(org_a), health_a, 'one row per organisation')
        self.assertEqual((health_a.company_id, health_b.company_id), (self.env.company, company_b))
        user_a = new_test_user(self.env, login='xero_health_a', groups='base.group_user,xero_integration.group_xero_user',
                               company_id=self.env.company.id, company_ids=self.env.company.ids)
        self.assertEqual(Health.with_user(user_a).search([]), health_a.with_user(user_a),
                         "company B's health is behind the company wall")
        # A disconnected organisation may change company: its health goes with it.
        org_b.sudo().write({'state': 'disconnected', 'token_id': False})
        org_b.company_id = self.env.company
        self.assertEqual(Health.with_user(user_a).search([]), (health_a | health_b).with_user(user_a))

    def test_the_form_reads_health_without_writing(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        Health = self.env['xero.organisation.health']
        self.assertEqual(org.inactivity_disconnect_on, org.last_activity_date + timedelta(days=60))
        self.assertEqual(org.webhook_status, 'No webhook event received')
        self.assertEqual(org.lock_dates_summary, 'none')
        self.assertFalse(Health.search([('organisation_id', '=', org.id)]), 'showing the form writes nothing')
        stored = Health._for(org)
        self.assertEqual(
            [stored[name] for name in ('last_activity_date', 'inactivity_disconnect_on', 'last_sync_summary',
                                       'authorisation_lapses_on', 'webhook_status', 'lock_dates_summary')],
            [org[name] for name in ('last_activity_date', 'inactivity_disconnect_on', 'last_sync_summary',
                                    'authorisation_lapses_on', 'webhook_status', 'lock_dates_summary')])

    def test_health_shows_the_lock_dates_the_bank_feed_read(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.assertEqual(org.lock_dates_summary, 'none')
        self.env['xero.bank.feed']._of(org).write({'period_lock_date': date(2026, 3, 31),
                                                   'end_of_year_lock_date': date(2025, 12, 31)})
        org.invalidate_recordset()
        self.assertEqual(org.lock_dates_summary, 'period 2026-03-31, end of year 2025-12-31')

    def test_crons_run_on_the_health_model(self):
        for xmlid in ('ir_cron_xero_failure_digest', 'ir_cron_xero_inactivity'):
            self.assertEqual(self.env.ref(f'xero_integration.{xmlid}').model_id.model, 'xero.organisation.health')

    def test_upgrade_points_the_crons_at_health_and_keeps_the_dates(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        crons = self.env.ref('xero_integration.ir_cron_xero_failure_digest') | self.env.ref(
            'xero_integration.ir_cron_xero_inactivity')
        # As an install of 19.0.1.2.0 left them: noupdate crons on the organisation, and the dates
        # in the organisation's own columns.
        crons.write({'model_id': self.env['ir.model']._get_id('xero.organisation')})
        digest_date = fields.Datetime.now().replace(microsecond=0) - timedelta(minutes=20)
        self.env.flush_all()
        self.env.cr.execute('ALTER TABLE xero_organisation ADD COLUMN failure_digest_date timestamp, '
                            'ADD COLUMN inactivity_warning_date timestamp')
        self.env.cr.execute('UPDATE xero_organisation SET failure_digest_date = %s WHERE id = %s',
                            (digest_date, org.id))
        spec = importlib.util.spec_from_file_location('xero_post_migrate_19_0_1_3_0', MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, '19.0.1.2.0')
        self.env.invalidate_all()
        self.assertEqual(set(crons.mapped('model_id.model')), {'xero.organisation.health'})
        health = self.env['xero.organisation.health'].search([('organisation_id', '=', org.id)])
        self.assertEqual((health.failure_digest_date, health.inactivity_warning_date), (digest_date, False))


class TestMigrationEntry(XeroTransactionCase):

    def test_migrate_from_one_organisation_starts_on_it(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        action = self.env.ref('xero_integration.action_xero_migration_wizard')
        self.assertEqual((action.res_model, action.target), ('xero.migration.wizard', 'new'))
        Wizard = self.env['xero.migration.wizard']
        one = Wizard.with_context(active_model='xero.organisation', active_ids=org.ids).default_get(['organisation_id'])
        self.assertEqual(one.get('organisation_id'), org.id)
        other = self.connect_organisations(tenants=[AU_TENANT_ID])
        two = Wizard.with_context(active_model='xero.organisation',
                                  active_ids=(org | other).ids).default_get(['organisation_id'])
        self.assertFalse(two.get('organisation_id'), 'several organisations: the admin chooses')


class TestXeroAdministrators(XeroTransactionCase):

    def test_one_list_of_administrators_for_every_message(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        groups = 'base.group_user,xero_integration.group_xero_manager'
        boss = new_test_user(self.env, login='xero_boss', groups=groups, email='boss@example.com')
        gone = new_test_user(self.env, login='xero_gone', groups=groups, email='gone@example.com')
        gone.active = False
        admins = org._xero_administrators()
        self.assertIn(boss, admins)
        self.assertNotIn(gone, admins)
        self.assertNotIn(self.env.ref('base.user_root'), admins)
        emails = self.env['xero.organisation.health']._for(org)._admin_emails().split(',')
        self.assertIn('boss@example.com', emails)
        self.assertNotIn('gone@example.com', emails)
        org._flag_needs_reconnect('refused')
        told = org.activity_ids.user_id
        self.assertEqual(told, admins, 'the reconnect activity goes to the same administrators')
