"""Webhook events and settings: which cron an event wakes, what is stored for whom, what is
marked handled, the signing key kept write-only; and the controller's answers to what is not a
delivery (no key configured, the wrong method)."""
import base64
import hashlib
import hmac
import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.webhook import WEBHOOK_ROUTE
from ..models.res_config_settings_webhook import KEY_PARAM
from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .common import XeroHttpCase, XeroTransactionCase

PULL = 'xero_integration.ir_cron_xero_pull'
POLL = 'xero_integration.ir_cron_xero_poll'


def event(resource, category='INVOICE', tenant=NZ_TENANT_ID, when='2026-11-22T01:00:00.000', **values):
    return dict({'resourceUrl': 'x', 'resourceId': resource, 'eventDateUtc': when, 'eventType': 'UPDATE',
                 'eventCategory': category, 'tenantId': tenant, 'tenantType': 'ORGANISATION'}, **values)


def uuid_of(n):
    return f'5f0c7b8a-1111-4f7e-9d55-{n:012d}'


def delivery(*events):
    return {'events': list(events), 'firstEventSequence': 1, 'lastEventSequence': len(events), 'entropy': 'x'}


class TestCoverWebhookEvents(XeroTransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env['res.company'].create({'name': 'Webhook Co B'})

    def setUp(self):
        super().setUp()
        self.nz = self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.au = self.connect_organisations(tenants=[AU_TENANT_ID], company=self.company_b)
        self.Event = self.env['xero.webhook.event'].sudo()
        self.crons = {xmlid: self.env.ref(xmlid) for xmlid in (PULL, POLL)}
        self.env['ir.cron.trigger'].search([('cron_id', 'in', [c.id for c in self.crons.values()])]).unlink()

    def woken(self):
        triggers = self.env['ir.cron.trigger'].search([])
        return {xmlid for xmlid, cron in self.crons.items() if cron in triggers.cron_id}

    def test_a_contact_event_wakes_the_contact_pull(self):
        self.assertEqual(self.Event._store(delivery(event(uuid_of(1), 'CONTACT'))), 1)
        self.assertEqual(self.woken(), {PULL})

    def test_a_credit_note_event_wakes_the_poll(self):
        self.assertEqual(self.Event._store(delivery(event(uuid_of(1), 'CREDITNOTE'))), 1)
        self.assertEqual(self.woken(), {POLL})

    def test_one_delivery_of_several_categories_wakes_each_cron_once(self):
        new = self.Event._store(delivery(event(uuid_of(1), 'CONTACT'), event(uuid_of(2), 'INVOICE'),
                                         event(uuid_of(3), 'INVOICE'), event(uuid_of(4), 'CREDITNOTE')))
        self.assertEqual(new, 4)
        self.assertEqual(self.woken(), {PULL, POLL})
        self.assertEqual(len(self.env['ir.cron.trigger'].search([('cron_id', '=', self.crons[POLL].id)])), 1)

    def test_a_category_the_addon_does_not_read_is_kept_but_wakes_nothing(self):
        new = self.Event._store(delivery(event(uuid_of(1), 'SUBSCRIPTION')))
        self.assertEqual(new, 0)
        self.assertEqual(self.woken(), set())
        stored = self.Event.search([('resource_id', '=', uuid_of(1))])
        self.assertEqual((stored.category, stored.state, stored.organisation_id), ('SUBSCRIPTION', 'new', self.nz))

    def test_the_same_event_in_one_delivery_is_stored_once(self):
        same = event(uuid_of(1))
        self.assertEqual(self.Event._store(delivery(same, dict(same))), 1)
        self.assertEqual(self.Event.search_count([('resource_id', '=', uuid_of(1))]), 1)

    def test_the_same_resource_at_another_time_is_another_event(self):
        self.Event._store(delivery(event(uuid_of(1))))
        self.assertEqual(self.Event._store(delivery(event(uuid_of(1), when='2026-11-22T02:00:00.000'))), 1)
        self.assertEqual(self.Event.search_count([('resource_id', '=', uuid_of(1))]), 2)

    def test_a_repeated_delivery_wakes_nothing_again(self):
        self.Event._store(delivery(event(uuid_of(1))))
        self.env['ir.cron.trigger'].search([]).unlink()
        self.assertEqual(self.Event._store(delivery(event(uuid_of(1)))), 0)
        self.assertEqual(self.woken(), set())

    def test_events_go_to_their_organisation_and_its_company(self):
        self.Event._store(delivery(event(uuid_of(1)), event(uuid_of(2), tenant=AU_TENANT_ID)))
        nz_event = self.Event.search([('resource_id', '=', uuid_of(1))])
        au_event = self.Event.search([('resource_id', '=', uuid_of(2))])
        self.assertEqual((nz_event.organisation_id, nz_event.company_id), (self.nz, self.nz.company_id))
        self.assertEqual((au_event.organisation_id, au_event.company_id), (self.au, self.company_b))
        self.assertNotEqual(self.nz.company_id, self.company_b)

    def test_an_event_of_a_disconnected_organisation_is_ignored(self):
        self.au.state = 'disconnected'
        self.assertEqual(self.Event._store(delivery(event(uuid_of(1), tenant=AU_TENANT_ID))), 0)
        stored = self.Event.search([('resource_id', '=', uuid_of(1))])
        self.assertEqual((stored.state, stored.organisation_id.id, stored.company_id.id), ('ignored', False, False))
        self.assertEqual(self.woken(), set())

    def test_the_event_is_stored_as_sent(self):
        self.Event._store(delivery(event(uuid_of(7), 'INVOICE', eventType='CREATE', when='2026-11-22T01:02:03.456')))
        stored = self.Event.search([('resource_id', '=', uuid_of(7))])
        self.assertRecordValues(stored, [{'tenant_id': NZ_TENANT_ID, 'category': 'INVOICE', 'event_type': 'CREATE',
                                          'event_date': '2026-11-22T01:02:03.456', 'state': 'new'}])
        self.assertTrue(stored.received_date)

    def test_an_empty_delivery_is_xeros_intent_to_receive(self):
        self.assertEqual(self.Event._store(delivery()), 0)
        self.assertFalse(self.Event.search([]))

    def test_the_schema_is_checked_before_anything_is_stored(self):
        good = event(uuid_of(1))
        for payload, words in (
                (None, '"events" must be a list'),
                ({'events': None}, '"events" must be a list'),
                (delivery(good, 42), 'event 1 is not an object'),
                (delivery(good, event(uuid_of(2), eventType='')), 'event 1: "eventType"'),
                (delivery(good, event(uuid_of(2), tenant='NZ')), 'event 1: "tenantId" is not a UUID'),
                (delivery(event(uuid_of(2), eventCategory=None)), 'event 0: "eventCategory"'),
                (delivery(event(uuid_of(2), when='2' * 65)), 'event 0: "eventDateUtc"')):
            with self.subTest(words=words), self.assertRaises(ValidationError) as caught:
                self.Event._store(payload)
            self.assertIn(words, str(caught.exception))
        self.assertFalse(self.Event.search([]))
        self.assertEqual(self.woken(), set())

    def test_polled_invoice_events_are_marked_handled_per_organisation(self):
        self.Event._store(delivery(event(uuid_of(1)), event(uuid_of(2), 'CREDITNOTE'), event(uuid_of(3), 'CONTACT'),
                                   event(uuid_of(4), tenant=AU_TENANT_ID)))
        self.Event._mark_processed(self.nz)
        states = {e.resource_id: e.state for e in self.Event.search([])}
        self.assertEqual(states, {uuid_of(1): 'processed', uuid_of(2): 'processed', uuid_of(3): 'new',
                                  uuid_of(4): 'new'})

    def test_last_received_per_organisation(self):
        self.assertFalse(self.Event._last_received())
        self.Event._store(delivery(event(uuid_of(1))))
        first = self.Event.search([])
        first.received_date = fields.Datetime.now() - timedelta(hours=2)
        self.Event._store(delivery(event(uuid_of(2), tenant=AU_TENANT_ID)))
        au_event = self.Event.search([('tenant_id', '=', AU_TENANT_ID)])
        self.assertEqual(self.Event._last_received(self.nz), first.received_date)
        self.assertEqual(self.Event._last_received(self.au), au_event.received_date)
        self.assertEqual(self.Event._last_received(), au_event.received_date, 'the newest of all')
        self.nz.invalidate_recordset()
        self.assertIn(fields.Datetime.to_string(first.received_date), self.nz.webhook_status)


class TestCoverWebhookSettings(XeroTransactionCase):

    def settings(self, **values):
        return self.env['res.config.settings'].create(values)

    def test_the_key_is_stored_encrypted_and_read_back_for_the_controller_only(self):
        self.settings(xero_webhook_key='  the-signing-key  ').set_values()
        stored = self.env['ir.config_parameter'].sudo().get_param(KEY_PARAM)
        self.assertTrue(stored)
        self.assertNotIn('the-signing-key', stored)
        self.assertEqual(self.env['res.config.settings']._xero_webhook_key(), 'the-signing-key')
        self.assertTrue(self.settings().xero_webhook_key_set)

    def test_an_empty_key_keeps_the_saved_one(self):
        self.settings(xero_webhook_key='first-key').set_values()
        self.settings(xero_webhook_key=False).set_values()
        self.assertEqual(self.env['res.config.settings']._xero_webhook_key(), 'first-key')

    def test_no_key_saved(self):
        self.assertEqual(self.env['res.config.settings']._xero_webhook_key(), '')
        self.assertFalse(self.settings().xero_webhook_key_set)

    def test_the_url_follows_the_base_url(self):
        self.env['ir.config_parameter'].sudo().set_param('web.base.url', 'https://books.example.com/')
        self.assertEqual(self.settings().xero_webhook_url, 'https://books.example.com' + WEBHOOK_ROUTE)

    def test_the_key_is_for_system_administrators_only(self):
        manager = new_test_user(self.env, login='xero_hook_settings', groups='base.group_user,base.group_erp_manager')
        visible = self.env['res.config.settings'].with_user(manager).fields_get()
        self.assertNotIn('xero_webhook_key', visible)
        self.assertNotIn('xero_webhook_key_set', visible)
        self.assertIn('xero_webhook_url', visible)


@tagged('post_install', '-at_install')
class TestCoverWebhookController(XeroHttpCase):

    def post(self, payload, key):
        body = json.dumps(payload).encode()
        signature = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
        return self.url_open(WEBHOOK_ROUTE, data=body,
                             headers={'Content-Type': 'application/json', 'x-xero-signature': signature})

    def test_without_a_key_every_delivery_is_refused(self):
        """Nothing configured: no signature can be right, not even one made with an empty key."""
        self.connect_organisations(tenants=[NZ_TENANT_ID])
        for key in ('', 'any-key'):
            with self.subTest(key=key):
                response = self.post(delivery(event(uuid_of(1))), key)
                self.assertEqual(response.status_code, 401)
                self.assertNotIn('Traceback', response.text)
        self.assertFalse(self.env['xero.webhook.event'].sudo().search([]))

    def test_a_key_replaced_in_settings_takes_over_at_once(self):
        self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.env['res.config.settings'].create({'xero_webhook_key': 'old-key'}).set_values()
        self.assertEqual(self.post(delivery(), 'old-key').status_code, 200)
        self.env['res.config.settings'].create({'xero_webhook_key': 'new-key'}).set_values()
        self.assertEqual(self.post(delivery(), 'old-key').status_code, 401)
        self.assertEqual(self.post(delivery(event(uuid_of(1))), 'new-key').status_code, 200)
        self.assertEqual(len(self.env['xero.webhook.event'].sudo().search([])), 1)

    def test_a_get_is_not_a_delivery(self):
        self.env['res.config.settings'].create({'xero_webhook_key': 'k'}).set_values()
        with mute_logger('odoo.http'):
            response = self.url_open(WEBHOOK_ROUTE)
        self.assertEqual(response.status_code, 405)
        self.assertNotIn('Traceback', response.text)

    def test_the_signature_covers_the_exact_bytes(self):
        """Re-serialised JSON (other spacing) no longer matches the signature Xero made."""
        self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.env['res.config.settings'].create({'xero_webhook_key': 'k'}).set_values()
        body = json.dumps(delivery(event(uuid_of(1))), separators=(',', ':')).encode()
        signature = base64.b64encode(hmac.new(b'k', body, hashlib.sha256).digest()).decode()
        spaced = json.dumps(json.loads(body)).encode()
        response = self.url_open(WEBHOOK_ROUTE, data=spaced,
                                 headers={'Content-Type': 'application/json', 'x-xero-signature': signature})
        self.assertEqual(response.status_code, 401)
        response = self.url_open(WEBHOOK_ROUTE, data=body,
                                 headers={'Content-Type': 'application/json', 'x-xero-signature': signature})
        self.assertEqual(response.status_code, 200)
