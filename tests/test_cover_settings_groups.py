"""Settings (the Client Secret kept write-only, the redirect URL, Connect saving what was typed),
Xero's contact groups mirrored, the pull states, and the mapping trail's grouping."""
from psycopg2 import IntegrityError

from odoo.tests import new_test_user
from odoo.tools import mute_logger

from ..const import CONNECT_ROUTE
from ..models.xero_pull_state import PULL_KINDS, SWITCH_OF_PULL
from ..xero_sim.seed import NZ_TENANT_ID
from .common import CLIENT_SECRET, XeroTransactionCase
from .sync_common import SyncCase


class TestCoverSettings(XeroTransactionCase):

    def settings(self, **values):
        return self.env['res.config.settings'].create(values)

    def secret(self):
        return self.env['xero.token']._get_client_secret()

    def test_the_secret_is_never_read_back(self):
        settings = self.settings()
        self.assertFalse(settings.xero_client_secret)
        self.assertTrue(settings.xero_client_secret_set)
        self.assertNotIn(CLIENT_SECRET, str(settings.read()))

    def test_a_typed_secret_replaces_the_saved_one_trimmed(self):
        self.settings(xero_client_secret='  new-secret  ').execute()
        self.assertEqual(self.secret(), 'new-secret')
        stored = self.env['ir.config_parameter'].sudo().get_param('xero_integration.client_secret_enc')
        self.assertTrue(stored and 'new-secret' not in stored, 'kept encrypted')

    def test_an_empty_secret_keeps_the_saved_one(self):
        for empty in (False, '', '   '):
            with self.subTest(empty=empty):
                self.settings(xero_client_secret=empty).execute()
                self.assertEqual(self.secret(), CLIENT_SECRET)

    def test_no_secret_saved(self):
        self.env['xero.token']._set_client_secret(False)
        self.assertFalse(self.settings().xero_client_secret_set)

    def test_the_secret_and_its_flag_are_for_system_administrators_only(self):
        manager = new_test_user(self.env, login='xero_settings_mgr', groups='base.group_user,base.group_erp_manager')
        visible = self.env['res.config.settings'].with_user(manager).fields_get()
        for name in ('xero_client_secret', 'xero_client_secret_set'):
            self.assertNotIn(name, visible)
        self.assertIn('xero_client_id', visible)

    def test_the_client_id_and_scopes_are_system_parameters(self):
        self.settings(xero_client_id='another-client', xero_scopes='openid accounting.settings').execute()
        icp = self.env['ir.config_parameter'].sudo()
        self.assertEqual(icp.get_param('xero_integration.client_id'), 'another-client')
        self.assertEqual(icp.get_param('xero_integration.scopes'), 'openid accounting.settings')

    def test_the_redirect_url_is_the_connect_route_on_the_base_url(self):
        self.env['ir.config_parameter'].sudo().set_param('web.base.url', 'https://erp.example.com/')
        self.assertEqual(self.settings().xero_redirect_url, 'https://erp.example.com' + CONNECT_ROUTE)

    def test_connect_saves_what_was_typed_first(self):
        action = self.settings(xero_client_id='typed-client', xero_client_secret='typed-secret').action_xero_connect()
        self.assertEqual(action, {'type': 'ir.actions.act_url', 'url': CONNECT_ROUTE, 'target': 'self'})
        self.assertEqual(self.env['ir.config_parameter'].sudo().get_param('xero_integration.client_id'), 'typed-client')
        self.assertEqual(self.secret(), 'typed-secret')

    def test_the_organisation_count_says_one_or_many(self):
        self.assertEqual(self.settings().xero_organisation_count, 0)
        self.assertEqual(self.settings().xero_organisation_label, '0 organisations')
        self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.assertEqual(self.settings().xero_organisation_label, '1 organisation')
        self.connect_organisations()
        settings = self.settings()
        self.assertEqual((settings.xero_organisation_count, settings.xero_organisation_label), (2, '2 organisations'))

    def test_where_the_encryption_key_comes_from(self):
        expected = self.env['xero.token']._encryption_key_source() == 'database'
        self.assertEqual(self.settings().xero_key_from_database, expected)


class TestCoverContactGroups(SyncCase):

    def sim_groups(self):
        return self.sim.organisation(NZ_TENANT_ID).contact_groups

    def sim_group(self, name):
        return next(g for g in self.sim_groups().values() if g['Name'] == name)

    def groups(self, active_test=True):
        return self.env['xero.contact.group'].with_context(active_test=active_test).search(
            [('organisation_id', '=', self.org.id)])

    def test_import_mirrors_xeros_active_groups(self):
        self.sim.seed(NZ_TENANT_ID, contact_groups=[{'Name': 'Wholesale'}, {'Name': 'Overseas'}])
        self.org.action_import_contact_groups()
        self.assertEqual(sorted(self.groups().mapped('name')), ['Overseas', 'Preferred customers', 'Wholesale'])
        wholesale = self.groups().filtered(lambda g: g.name == 'Wholesale')
        self.assertEqual(wholesale.xero_id.lower(), self.sim_group('Wholesale')['ContactGroupID'].lower())

    def test_renamed_deleted_and_back_again(self):
        self.sim.seed(NZ_TENANT_ID, contact_groups=[{'Name': 'Wholesale'}, {'Name': 'Overseas'}])
        self.org.action_import_contact_groups()
        first = {g.name: g for g in self.groups()}
        self.sim_group('Wholesale')['Name'] = 'Trade'
        self.sim_group('Overseas')['Status'] = 'DELETED'
        self.org.action_import_contact_groups()
        self.assertEqual(sorted(self.groups().mapped('name')), ['Preferred customers', 'Trade'])
        self.assertEqual(first['Wholesale'].name, 'Trade', 'the same record, renamed')
        self.assertFalse(first['Overseas'].active, 'archived, not deleted')
        self.assertEqual(len(self.groups(active_test=False)), 3)
        self.sim_group('Overseas')['Status'] = 'ACTIVE'
        self.org.action_import_contact_groups()
        self.assertTrue(first['Overseas'].active, 'back in Xero, back in Odoo')
        self.assertEqual(len(self.groups(active_test=False)), 3, 'never twice')

    def test_groups_are_per_organisation(self):
        self.org.action_import_contact_groups()
        au = self.connect_organisations(tenants=[self.sim.organisations[1].tenant_id])
        au.action_import_contact_groups()
        self.assertEqual(len(self.groups()), 1)
        self.assertEqual(len(self.env['xero.contact.group'].search([('organisation_id', '=', au.id)])), 1)
        self.assertNotEqual(self.groups().xero_id, self.env['xero.contact.group'].search(
            [('organisation_id', '=', au.id)]).xero_id)

    def test_xero_unreachable_is_said_and_changes_nothing(self):
        self.org.action_import_contact_groups()
        self.sim.faults.add('status', path='/ContactGroups', status=503)
        self.sim_groups().clear()
        with self.assertRaisesRegex(Exception, 'Could not read the contact groups'):
            self.org.action_import_contact_groups()
        self.assertEqual(self.groups().mapped('name'), ['Preferred customers'])

    def test_only_who_may_change_the_organisation_imports(self):
        clerk = new_test_user(self.env, login='xero_groups_clerk',
                              groups='base.group_user,xero_integration.group_xero_user')
        with self.assertRaises(Exception):
            self.org.with_user(clerk).action_import_contact_groups()
        self.assertFalse(self.groups())


class TestCoverPullState(SyncCase):

    def test_one_state_per_organisation_and_kind(self):
        PullState = self.env['xero.pull.state']
        states = {kind: PullState._for(self.org, kind) for kind, _label in PULL_KINDS}
        self.assertEqual(len(set(states.values())), len(PULL_KINDS))
        for kind, state in states.items():
            self.assertEqual(PullState._for(self.org, kind), state, 'found again, not made again')
        with mute_logger('odoo.sql_db'), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            PullState.create({'organisation_id': self.org.id, 'kind': 'contacts'})

    def test_due_follows_the_switch_or_a_request(self):
        PullState = self.env['xero.pull.state']
        for kind, switch in SWITCH_OF_PULL.items():
            with self.subTest(kind=kind):
                self.org[f'auto_sync_{switch}'] = True
                self.assertTrue(PullState._due(self.org, kind))
                self.org[f'auto_sync_{switch}'] = False
                self.assertFalse(PullState._due(self.org, kind))
                PullState._for(self.org, kind).sudo().write({'requested': True})
                self.assertTrue(PullState._due(self.org, kind), 'a user asked')

    def test_sync_now_requests_the_pulls(self):
        self.org.write({'auto_sync_contacts': False, 'auto_sync_invoices': False, 'auto_sync_payments': False})
        PullState = self.env['xero.pull.state']
        self.assertFalse(PullState._due(self.org, 'contacts'))
        self.org.action_sync_now()
        self.assertTrue(PullState._due(self.org, 'contacts'))


class TestCoverMappingTrail(SyncCase):

    def notes_since(self, mark):
        return [str(m.body) for m in self.org.message_ids if m.id > mark]

    def mark(self):
        return max(self.org.message_ids.ids or [0])

    def accounts(self, count):
        Account = self.env['account.account']
        return Account.search([*Account._check_company_domain(self.env.company),
                               ('id', 'not in', self.org.account_mapping_ids.account_id.ids)], limit=count)

    def test_several_mappings_added_at_once_are_one_message(self):
        mark = self.mark()
        accounts = self.accounts(3)
        target = self.xero_account(self.org, '260')
        self.env['xero.account.mapping'].create([{'organisation_id': self.org.id, 'account_id': a.id,
                                                  'xero_account_id': target.id} for a in accounts])
        notes = self.notes_since(mark)
        self.assertEqual(len(notes), 1, notes)
        self.assertIn('Mapping added:', notes[0])
        self.assertEqual(notes[0].count('<li>'), 3)
        for account in accounts:
            self.assertIn(account.code, notes[0])

    def test_saving_the_same_target_again_posts_nothing(self):
        mapping = self.org.account_mapping_ids.filtered(lambda m: m.account_id == self.income)
        mark = self.mark()
        mapping.write({'xero_account_id': mapping.xero_account_id.id})
        self.assertEqual(self.notes_since(mark), [])

    def test_moving_a_mapping_to_another_account_says_both_sides(self):
        mapping = self.org.account_mapping_ids.filtered(lambda m: m.account_id == self.income)
        other = self.accounts(1)
        mark = self.mark()
        mapping.account_id = other
        notes = self.notes_since(mark)
        self.assertEqual(len(notes), 1)
        self.assertIn('Mapping changed:', notes[0])
        self.assertIn(f'{self.income.code} {self.income.name}', notes[0])
        self.assertIn('is now', notes[0])
        self.assertIn(f'{other.code} {other.name}', notes[0])

    def test_removing_several_is_one_message_naming_each(self):
        mappings = self.org.account_mapping_ids[:2]
        self.assertEqual(len(mappings), 2)
        subjects = [m._audit_subject() for m in mappings]
        mark = self.mark()
        mappings.unlink()
        notes = self.notes_since(mark)
        self.assertEqual(len(notes), 1)
        self.assertIn('Mapping removed:', notes[0])
        for subject in subjects:
            self.assertIn(subject, notes[0])
