import json
from datetime import timedelta
from unittest import skipUnless

from odoo import Command, fields
from odoo.tests import freeze_time
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from .common import XeroTransactionCase
from .mapping_common import MappingMixin, sim_has

ITEMS = '/api.xro/2.0/Items'
PUSH_LOGGER = 'odoo.addons.xero_integration.models.xero_product_link'


@skipUnless(sim_has('POST', '/Items'), 'the simulator has no Items endpoint yet')
class TestMappingItems(MappingMixin, XeroTransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sale15 = cls.make_tax('GST 15% items', 15)
        Product = cls.env['product.product']
        cls.widget = Product.create({
            'name': 'Widget', 'default_code': 'WIDGET', 'list_price': 10.5, 'standard_price': 4.125,
            'taxes_id': [Command.set(cls.sale15.ids)], 'supplier_taxes_id': [Command.clear()]})
        cls.service = Product.create({'name': 'Support hour', 'default_code': 'SUPPORT', 'list_price': 90,
                                      'purchase_ok': False, 'taxes_id': [Command.clear()]})
        cls.no_code = Product.create({'name': 'Mystery box', 'list_price': 1})
        cls.products = cls.widget | cls.service | cls.no_code

    def _items_calls(self, method='POST'):
        return self.sim.counters.count(method=method, endpoint=ITEMS)

    def _sim_item(self, org, code):
        return next((i for i in self.sim_org(org.name).items.values() if i['Code'] == code), None)

    def _link(self, org, product):
        return org.product_link_ids.filtered(lambda link: link.product_id == product)

    def test_switch_off_sends_nothing(self):
        nz, _au = self.connect()
        self.assertFalse(nz.sync_items)
        with self.assertRaisesRegex(UserError, 'Item sync is off'):
            nz.action_push_items()
        with self.assertRaisesRegex(UserError, 'Item sync is off'):
            nz.action_pull_items()
        self.assertEqual(self._items_calls() + self._items_calls('GET') + self._items_calls('PUT'), 0)
        self.assertFalse(nz.product_link_ids)
        nz.sync_items = True
        cron = self.env.ref('xero_integration.ir_cron_xero_queue_items')
        push = self.env.ref('xero_integration.ir_cron_xero_push')
        triggers = self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)])
        action = nz.action_push_items()
        self.assertEqual(action['params']['type'], 'info')
        self.assertEqual(self._items_calls(), 0, 'the button does not wait on Xero')
        self.assertGreater(self.env['ir.cron.trigger'].search_count([('cron_id', '=', cron.id)]),
                           len(triggers), 'it wakes the item cron')
        push_triggers = self.env['ir.cron.trigger'].search_count([('cron_id', '=', push.id)])
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(self._items_calls(), 0, 'the item cron only queues')
        self.assertGreater(self.env['ir.cron.trigger'].search_count([('cron_id', '=', push.id)]),
                           push_triggers, 'and wakes the push cron, the one that sends')
        with self.enter_registry_test_mode():
            push.method_direct_trigger()
        nz.invalidate_recordset()
        self.assertEqual(self._items_calls(), 1)
        self.assertIn('Mystery box', self._link(nz, self.no_code).last_error, 'refused, with the reason')
        self.assertEqual(self._link(nz, self.widget).sync_state, 'synced')

    def test_push_items(self):
        nz, _au = self.connect()
        nz.sync_items = True
        self.mapping_of(nz, self.sale15).action_confirm()
        self.env['xero.product.link']._push_items(nz, self.products)
        self.assertEqual(self._items_calls(), 1)

        request = [r for r in self.sim.requests if r.endpoint == ITEMS][0]
        self.assertEqual(request.query.get('summarizeErrors', '').lower(), 'false')
        self.assertEqual(request.query.get('unitdp'), '4')
        key = request.headers.get('Idempotency-Key')
        self.assertTrue(key and len(key) <= 128)

        widget = self._sim_item(nz, 'WIDGET')
        self.assertEqual(widget['Name'], 'Widget')
        self.assertEqual(float(widget['SalesDetails']['UnitPrice']), 10.5)
        self.assertEqual(widget['SalesDetails']['AccountCode'], '200', 'the default sales account')
        self.assertEqual(widget['SalesDetails']['TaxType'], 'OUTPUT2', 'the confirmed tax mapping')
        self.assertEqual(float(widget['PurchaseDetails']['UnitPrice']), 4.125)
        self.assertEqual(widget['PurchaseDetails']['AccountCode'], '300')
        self.assertFalse(self._sim_item(nz, 'SUPPORT')['IsPurchased'])

        link = self._link(nz, self.widget)
        self.assertRecordValues(link, [{'sync_state': 'synced', 'xero_id': widget['ItemID'], 'code': 'WIDGET',
                                        'last_error': False}])
        self.assertRecordValues(self._link(nz, self.no_code), [{'sync_state': 'error', 'xero_id': False}])
        self.assertIn('no internal reference', self._link(nz, self.no_code).last_error)

        # Nothing changed: nothing is sent. A change goes out as an update of the same item.
        self.env['xero.product.link']._push_items(nz, self.widget | self.service)
        self.assertEqual(self._items_calls(), 1)
        self.widget.list_price = 11
        self.env['xero.product.link']._push_items(nz, self.products)
        self.assertEqual(self._items_calls(), 2)
        self.assertEqual(float(self._sim_item(nz, 'WIDGET')['SalesDetails']['UnitPrice']), 11.0)
        self.assertEqual(len(self.sim_org(nz.name).items), 4, 'two seeded items, two pushed')

    def test_refused_item_keeps_its_reason_and_goes_again(self):
        nz, _au = self.connect()
        nz.sync_items = True
        # Xero deletes the account the defaults point at: items using it are refused.
        nz._xero().delete_account(self.xero_account(nz, '300').xero_id)
        self.env['xero.product.link']._push_items(nz, self.widget | self.service)
        self.assertEqual(self._items_calls(), 1)
        self.assertRecordValues(self._link(nz, self.widget), [{'sync_state': 'error', 'xero_id': False}])
        self.assertIn("Account code '300' is not a valid code", self._link(nz, self.widget).last_error)
        self.assertEqual(self._link(nz, self.service).sync_state, 'synced', 'the rest of the batch landed')
        self.assertTrue(self._sim_item(nz, 'SUPPORT'))

        nz.xero_purchase_account_id = self.xero_account(nz, '310')
        self.env['xero.product.link']._push_items(nz, self.widget | self.service)
        self.assertEqual(self._items_calls(), 2)
        self.assertRecordValues(self._link(nz, self.widget), [{'sync_state': 'synced', 'last_error': False}])
        self.assertEqual(self._sim_item(nz, 'WIDGET')['PurchaseDetails']['AccountCode'], '310')

    @mute_logger(PUSH_LOGGER, 'odoo.addons.xero_integration.models.xero_sync_engine')
    def test_lost_answer_is_found_in_xero_before_sending_again(self):
        nz, _au = self.connect()
        nz.sync_items = True
        # Xero creates the items, but the answer never arrives.
        self.sim.faults.add('drop', method='POST', path=ITEMS)
        self.env['xero.product.link']._push_items(nz, self.widget | self.service)
        links = self._link(nz, self.widget) | self._link(nz, self.service)
        self.assertEqual(set(links.mapped('sync_state')), {'in_flight'}, 'outcome unknown')
        self.assertTrue(all(links.mapped('maybe_sent')))
        self.assertTrue(self._sim_item(nz, 'WIDGET'), 'it landed in Xero')
        # Past Xero's key window (both clocks): a look-up decides, not a replay of the key.
        self.sim.clock.advance(400)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=7)):
            self.env['xero.product.link']._push_items(nz, self.widget | self.service)
        self.assertEqual(self._link(nz, self.widget).xero_id, self._sim_item(nz, 'WIDGET')['ItemID'])
        self.assertEqual(set(links.mapped('sync_state')), {'synced'})
        posts = [r for r in self.sim.requests if r.endpoint == ITEMS and r.method == 'POST']
        self.assertEqual(len(posts), 1, 'found by its code in Xero: not sent a second time')
        self.assertEqual(len(self.sim_org(nz.name).items), 4)

    @mute_logger(PUSH_LOGGER, 'odoo.addons.xero_integration.models.xero_sync_engine')
    def test_lost_answer_inside_the_key_window_is_replayed(self):
        nz, _au = self.connect()
        nz.sync_items = True
        self.sim.faults.add('drop', method='POST', path=ITEMS)
        self.env['xero.product.link']._push_items(nz, self.widget | self.service)
        self.env['xero.product.link']._push_items(nz, self.widget | self.service)
        links = self._link(nz, self.widget) | self._link(nz, self.service)
        self.assertEqual(set(links.mapped('sync_state')), {'synced'})
        keys = [r.headers.get('Idempotency-Key') for r in self.sim.requests
                if r.endpoint == ITEMS and r.method == 'POST']
        self.assertEqual(len(keys), 2)
        self.assertEqual(keys[0], keys[1], 'the same request, with the same key')
        self.assertEqual(self.sim.counters.idempotent_replays, 1, "Xero's stored answer")
        self.assertEqual(self._link(nz, self.widget).xero_id, self._sim_item(nz, 'WIDGET')['ItemID'])
        self.assertEqual(len(self.sim_org(nz.name).items), 4, 'nothing twice')

    @mute_logger(PUSH_LOGGER, 'odoo.addons.xero_integration.models.xero_sync_engine')
    def test_rate_limit_stops_the_run(self):
        nz, _au = self.connect()
        nz.sync_items = True
        products = self.env['product.product'].create([
            {'name': f'Nut {n}', 'default_code': f'NUT-{n:03d}'} for n in range(60)])
        self.sim.faults.add('rate_limit', method='POST', path=ITEMS, problem='minute', retry_after=30)
        self.env['xero.product.link']._push_items(nz, products)
        self.assertEqual(self._items_calls(), 1, 'the second batch waits for the next run')
        links = nz.product_link_ids
        self.assertEqual(set(links.mapped('sync_state')), {'pending'}, 'postponed, not failed')
        self.assertIn('rate limit', links.sorted('product_id')[0].last_error)
        # Within Retry-After the governor keeps the organisation from calling at all.
        self.env['xero.product.link']._push_items(nz, products)
        self.assertEqual(self._items_calls(), 1)
        with freeze_time(fields.Datetime.now() + timedelta(seconds=61)):
            self.env['xero.product.link']._push_items(nz, products)
        self.assertEqual(set(links.mapped('sync_state')), {'synced'})

    def test_batches_of_fifty(self):
        nz, _au = self.connect()
        nz.sync_items = True
        products = self.env['product.product'].create([
            {'name': f'Bolt {n}', 'default_code': f'BOLT-{n:03d}', 'list_price': n} for n in range(120)])
        self.env['xero.product.link']._push_items(nz, products)
        self.assertEqual(self._items_calls(), 3)
        sizes = [len(json.loads(r.body)['Items']) for r in self.sim.requests if r.endpoint == ITEMS]
        self.assertEqual(sizes, [50, 50, 20])
        keys = {r.headers.get('Idempotency-Key') for r in self.sim.requests if r.endpoint == ITEMS}
        self.assertEqual(len(keys), 3)
        self.assertEqual(set(self.env['xero.product.link'].search(
            [('product_id', 'in', products.ids)]).mapped('sync_state')), {'synced'})

    def test_duplicate_codes_refused_before_sending(self):
        nz, _au = self.connect()
        nz.sync_items = True
        twin = self.env['product.product'].create({'name': 'Widget twin', 'default_code': 'WIDGET'})
        self.env['xero.product.link']._push_items(nz, self.widget | twin)
        self.assertEqual(self._link(nz, self.widget).sync_state, 'synced')
        self.assertIn("'WIDGET' is also used by", self._link(nz, twin).last_error)

    def test_pull_items(self):
        nz, _au = self.connect()
        nz.sync_items = True
        existing = self.env['product.product'].create({'name': 'Training (Odoo name)', 'default_code': 'Train'})
        nz.action_pull_items()
        dev = self.env['product.product'].search([('default_code', '=', 'DevD')])
        self.assertRecordValues(dev, [{'name': 'Development work - developer onsite per day', 'list_price': 500.0,
                                       'sale_ok': True, 'purchase_ok': False}])
        self.assertRecordValues(existing, [{'name': 'Training course', 'list_price': 1200.0,
                                            'standard_price': 650.0, 'purchase_ok': True}])
        self.assertEqual(set(nz.product_link_ids.mapped('sync_state')), {'synced'})
        # What was just pulled is not pushed back.
        self.env['xero.product.link']._push_items(nz, dev | existing)
        self.assertEqual(self._items_calls(), 0)
