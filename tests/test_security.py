"""What a security review found: company walls around webhook events and call budgets, a webhook
that refuses what is not Xero's, cron data an upgrade keeps, and branch companies routed."""
import base64
import hashlib
import hmac
import importlib.util
import json
import secrets
from pathlib import Path

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import convert_file, mute_logger

from ..controllers.webhook import MAX_BODY_BYTES, WEBHOOK_ROUTE
from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .common import XeroHttpCase, XeroTransactionCase
from .sync_common import SyncCase

MIGRATION = Path(__file__).parents[1] / 'migrations' / '19.0.1.2.0' / 'post-migrate.py'
RESOURCE = '5f0c7b8a-1111-4f7e-9d55-0123456789ab'


def xero_event(tenant=NZ_TENANT_ID, resource=RESOURCE, **values):
    return dict({'resourceUrl': 'x', 'resourceId': resource, 'eventDateUtc': '2026-11-22T01:00:00.000',
                 'eventType': 'UPDATE', 'eventCategory': 'INVOICE', 'tenantId': tenant,
                 'tenantType': 'ORGANISATION'}, **values)


def delivery(events):
    return {'events': events, 'firstEventSequence': 1, 'lastEventSequence': 1, 'entropy': 'x'}


class TwoCompanies:
    """Company A (the main one) on the NZ organisation, company B on the AU one, a Xero user in
    each, and an event and a call budget per organisation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env['res.company'].create({'name': 'Xero Company B'})
        cls.user_a = new_test_user(cls.env, login='xero_sec_a', password='xero_sec_a_pw1',
                                   groups='base.group_user,xero_integration.group_xero_user',
                                   company_id=cls.company_a.id, company_ids=cls.company_a.ids)
        cls.user_b = new_test_user(cls.env, login='xero_sec_b', password='xero_sec_b_pw1',
                                   groups='base.group_user,xero_integration.group_xero_user',
                                   company_id=cls.company_b.id, company_ids=cls.company_b.ids)

    def make_rows(self):
        org_a = self.connect_organisations(company=self.company_a, tenants=[NZ_TENANT_ID])
        org_b = self.connect_organisations(company=self.company_b, tenants=[AU_TENANT_ID])
        Event = self.env['xero.webhook.event'].sudo()
        Event._store(delivery([xero_event(NZ_TENANT_ID), xero_event(AU_TENANT_ID)]))
        events = {org: Event.search([('organisation_id', '=', org.id)]) for org in (org_a, org_b)}
        Runtime = self.env['xero.organisation.runtime'].sudo()
        # Not the governor's key: its own rows, committed by its own connection while connecting,
        # are outside this test's snapshot.
        budgets = {org: Runtime.create({'key': f'test:{org.id}', 'organisation_id': org.id, 'day_calls': 7})
                   for org in (org_a, org_b)}
        return org_a, org_b, events, budgets


class TestCompanyWalls(TwoCompanies, XeroTransactionCase):

    def test_user_of_b_reads_neither_events_nor_budgets_of_a(self):
        org_a, org_b, events, budgets = self.make_rows()
        for model, rows in (('xero.webhook.event', events), ('xero.organisation.runtime', budgets)):
            with self.subTest(model=model):
                self.assertTrue(rows[org_a] and rows[org_b])
                as_a = self.env[model].with_user(self.user_a)
                as_b = self.env[model].with_user(self.user_b)
                self.assertEqual(as_a.search([]), rows[org_a].with_user(self.user_a))
                self.assertEqual(as_b.search([]), rows[org_b].with_user(self.user_b))
                self.assertEqual(as_b.search([('company_id', '=', self.company_a.id)]), as_b)
                with self.assertRaises(AccessError):
                    as_b.browse(rows[org_a].ids).read(['organisation_id'])
        self.assertEqual(budgets[org_a].with_user(self.user_a).company_id, self.company_a)

    def test_app_budget_and_unknown_tenants_are_nobodys(self):
        org_a, _org_b, _events, _budgets = self.make_rows()
        app = self.env['xero.organisation.runtime'].sudo().create({'key': 'app-test'})
        self.env['xero.webhook.event'].sudo()._store(delivery([xero_event('00000000-0000-0000-0000-000000000000')]))
        for user in (self.user_a, self.user_b):
            self.assertNotIn(app, self.env['xero.organisation.runtime'].with_user(user).search([]))
            self.assertFalse(self.env['xero.webhook.event'].with_user(user).search(
                [('tenant_id', '=', '00000000-0000-0000-0000-000000000000')]))


@tagged('post_install', '-at_install')
class TestCompanyWallsOverRpc(TwoCompanies, XeroHttpCase):

    def test_user_of_b_reads_nothing_of_a_over_json_rpc(self):
        org_a, org_b, events, budgets = self.make_rows()
        self.authenticate('xero_sec_b', 'xero_sec_b_pw1')
        for model, rows in (('xero.webhook.event', events), ('xero.organisation.runtime', budgets)):
            with self.subTest(model=model):
                found = self.make_jsonrpc_request('/web/dataset/call_kw', {
                    'model': model, 'method': 'search_read', 'args': [[], ['organisation_id']],
                    'kwargs': {}})
                self.assertEqual({row['id'] for row in found}, set(rows[org_b].ids))
                with mute_logger('odoo.http'), self.assertRaises(Exception) as caught:
                    self.make_jsonrpc_request('/web/dataset/call_kw', {
                        'model': model, 'method': 'read', 'args': [rows[org_a].ids, ['organisation_id']],
                        'kwargs': {}})
                self.assertIn('AccessError', str(caught.exception))


@tagged('post_install', '-at_install')
class TestWebhookPayloads(XeroHttpCase):
    """Correctly signed, but not Xero's: a clear 4xx, nothing stored, never a 500."""
    KEY = 'webhook-signing-key-for-security-tests'

    def setUp(self):
        super().setUp()
        self.env['res.config.settings'].create({'xero_webhook_key': self.KEY}).set_values()
        self.org = self.connect_organisations(tenants=[NZ_TENANT_ID])

    def post(self, body):
        body = body if isinstance(body, bytes) else json.dumps(body).encode()
        signature = base64.b64encode(hmac.new(self.KEY.encode(), body, hashlib.sha256).digest()).decode()
        return self.url_open(WEBHOOK_ROUTE, data=body,
                             headers={'Content-Type': 'application/json', 'x-xero-signature': signature})

    def events(self):
        return self.env['xero.webhook.event'].sudo().search([])

    def test_malformed_signed_payloads_get_400_and_store_nothing(self):
        malformed = {
            'events missing': {'firstEventSequence': 1, 'entropy': 'x'},
            'events an object': delivery({'0': xero_event()}),
            'events a string': delivery('events'),
            'a list, not an object': [xero_event()],
            'an event not an object': delivery([xero_event(), 'INVOICE']),
            'a very long resource id': delivery([xero_event(resource=secrets.token_hex(5000))]),
            'a resource id not a UUID': delivery([xero_event(resource='not-a-uuid')]),
            'a resource id of another type': delivery([xero_event(resource=12345)]),
            'a tenant of another type': delivery([xero_event(tenant=['x'])]),
            'a category too long': delivery([xero_event(eventCategory='INVOICE' * 20)]),
            'a field missing': delivery([{k: v for k, v in xero_event().items() if k != 'eventDateUtc'}]),
            'nested a thousand deep': b'[' * 5000 + b']' * 5000,
            'not JSON': b'{"events": [',
        }
        before = self.events()
        for name, payload in malformed.items():
            with self.subTest(name), mute_logger('odoo.addons.xero_integration.controllers.webhook'):
                response = self.post(payload)
                self.assertEqual(response.status_code, 400, response.text)
                self.assertNotIn('Traceback', response.text)
                self.assertEqual(self.events(), before, 'nothing stored')
        # One bad event refuses the whole delivery: the good one beside it is not stored either.
        with mute_logger('odoo.addons.xero_integration.controllers.webhook'):
            response = self.post(delivery([xero_event(), xero_event(resource='x' * 100)]))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.events(), before)

    def test_too_large_body_gets_413(self):
        payload = delivery([xero_event(resource=RESOURCE, padding='x' * MAX_BODY_BYTES)])
        response = self.post(payload)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.events())

    def test_a_delivery_writes_no_system_parameter(self):
        ICP = self.env['ir.config_parameter'].sudo()
        params = ICP.search_read([], ['key', 'value'])
        response = self.post(delivery([xero_event()]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(ICP.search_read([], ['key', 'value']), params, 'no parameter written')
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(self.env['res.config.settings'].create({}).xero_webhook_last_event, event.received_date)
        self.org.invalidate_recordset()
        self.assertIn('Last event received', self.org.webhook_status)


class TestCronData(XeroTransactionCase):

    def load_cron_data(self):
        convert_file(self.env, 'xero_integration', 'data/ir_cron_data.xml', {}, mode='update')
        self.env.invalidate_all()

    def test_an_upgrade_keeps_changed_intervals(self):
        data = self.env['ir.model.data'].search([('module', '=', 'xero_integration'), ('model', '=', 'ir.cron')])
        self.assertTrue(data and all(data.mapped('noupdate')))
        # Installs from before 19.0.1.2.0 hold the records without the flag: the file's decides.
        data.write({'noupdate': False})
        push = self.env.ref('xero_integration.ir_cron_xero_push')
        poll = self.env.ref('xero_integration.ir_cron_xero_poll')
        push.interval_number, poll.interval_type = 30, 'hours'
        self.load_cron_data()
        self.assertEqual((push.interval_number, poll.interval_type), (30, 'hours'),
                         'the upgrade kept what the user chose')
        self.assertTrue(push.exists() and poll.exists())

    def test_migration_gives_events_their_company_and_drops_the_parameter(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.env['xero.webhook.event'].sudo()._store(delivery([xero_event()]))
        self.env.flush_all()
        self.env.cr.execute('UPDATE xero_webhook_event SET company_id = NULL')  # as stored before
        ICP = self.env['ir.config_parameter'].sudo()
        ICP.set_param('xero_integration.webhook_last_event', '2026-01-01 00:00:00')
        spec = importlib.util.spec_from_file_location('xero_post_migrate_19_0_1_2_0', MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, '19.0.1.1.0')
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertFalse(ICP.get_param('xero_integration.webhook_last_event'))
        self.assertEqual(self.env['xero.webhook.event'].sudo().search([]).company_id, org.company_id)

    def test_one_cron_sends_to_xero(self):
        crons = self.env['ir.cron'].browse(self.env['ir.model.data'].search([
            ('module', '=', 'xero_integration'), ('model', '=', 'ir.cron')]).mapped('res_id'))
        self.assertEqual(crons.filtered(lambda cron: '_cron_push' in cron.code),
                         self.env.ref('xero_integration.ir_cron_xero_push'))


@tagged('post_install', '-at_install')  # loads a chart for the branch: the registry must be ready
class TestBranchRouting(SyncCase):
    """An Odoo 19 branch books in its parent's accounts and taxes: without an organisation of its
    own, its documents and contacts go to its parent's."""

    def setUp(self):
        super().setUp()
        self.branch = self.env['res.company'].create({'name': 'Xero Branch', 'parent_id': self.env.company.id,
                                                      'country_id': self.env.company.country_id.id})
        self.env.user.company_ids |= self.branch
        # As Odoo does for a new branch: its journals, on its parent's chart.
        self.env['account.chart.template'].try_loading(self.env.company.chart_template, company=self.branch,
                                                       install_demo=False)

    def test_branch_invoice_goes_to_the_parents_organisation(self):
        move = self.make_move(company_id=self.branch.id)
        self.assertEqual(move.company_id, self.branch)
        self.assertFalse(move.xero_error)
        self.push()
        doc = self.assertInXeroToTheCent(move)
        # Both books: Odoo's posted invoice and its residual, Xero's status and amount due.
        self.assertEqual((move.state, doc['Status']), ('posted', 'AUTHORISED'))
        self.assertAlmostEqual(float(doc['AmountDue']), move.amount_residual, places=2)

    def test_branch_contact_goes_to_the_parents_organisation(self):
        partner = self.env['res.partner'].create({'name': 'Branch Customer', 'is_company': True,
                                                  'company_id': self.branch.id})
        partner.action_xero_sync()
        self.assertEqual(self.env['xero.partner.link'].search([('partner_id', '=', partner.id)]).organisation_id,
                         self.org)

    def test_branch_with_its_own_organisation_keeps_it(self):
        own = self.connect_organisations(company=self.branch, tenants=[AU_TENANT_ID])
        Org = self.env['xero.organisation']
        self.assertEqual(Org._route(self.branch)[0], own)
        self.assertEqual(Org._route(self.env.company)[0], self.org)
        self.assertEqual(self.org._routed_companies(), self.env.company)
