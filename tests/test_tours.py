"""The accountant's main paths in a real browser: Odoo tours in headless Chromium.

Tours cannot wait on crons, and cannot run on Xero's own pages: between tours the test runs the
push as the cron would, and on the simulator's consent page it presses "Allow access" itself,
through a script the browser runs on every page it opens (only that page is touched).
"""
import json
import unittest
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser, _find_executable, websocket

from ..xero_sim.seed import NZ_TENANT_ID
from .common import XeroHttpCase
from .mapping_common import MappingMixin


@tagged('post_install', '-at_install')
class TestTours(MappingMixin, XeroHttpCase):

    def setUp(self):
        super().setUp()
        try:
            _find_executable()
        except unittest.SkipTest:
            raise unittest.SkipTest('Chromium is not installed, so the browser tours cannot run '
                                    '(scripts/lib.sh ensure_chromium installs it when run as root)') from None
        if websocket is None:
            raise unittest.SkipTest('The websocket-client package is missing from the virtualenv '
                                    '(scripts/requirements-odoo.txt pins it): the browser tours cannot run')

    def start_tour(self, url_path, tour_name, **kwargs):
        """start_tour as admin, pressing "Allow access" on the simulator's consent page when the
        browser gets there (a script the browser runs on every page; it touches only that one)."""
        source = """
            if (location.origin === %s && location.pathname === '/identity/connect/authorize') {
                document.addEventListener('DOMContentLoaded', () => document.getElementById('allow').click());
            }""" % json.dumps(self.sim.url)
        navigate_to = ChromeBrowser.navigate_to
        handle_console = ChromeBrowser._handle_console

        def navigate(browser, url, wait_stop=False):
            browser._websocket_request('Page.addScriptToEvaluateOnNewDocument', params={'source': source})
            return navigate_to(browser, url, wait_stop=wait_stop)

        def console(browser, type, args=None, stackTrace=None, **kw):  # noqa: A002 - CDP's name
            # Debian's odoo-19 leaves mail's selfie_segmentation library out, and the asset bundle
            # says so in the console (README, Troubleshooting): harmless here. Any other error
            # in the console fails the tour.
            if type == 'error' and 'selfie_segmentation' in json.dumps(args or []):
                return None
            return handle_console(browser, type, args, stackTrace, **kw)
        with patch.object(ChromeBrowser, 'navigate_to', navigate), \
                patch.object(ChromeBrowser, '_handle_console', console):
            return super().start_tour(url_path, tour_name, login='admin', timeout=120, **kwargs)

    def push(self, org):
        self.env['xero.sync.engine'].with_context(xero_no_commit=True)._push_organisation(org)
        self.env.invalidate_all()

    def connected_nz(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        org.write({'auto_sync_contacts': True, 'auto_sync_invoices': True, 'auto_sync_payments': True})
        company = self.env.company
        Account = self.env['account.account']
        income = Account.search([*Account._check_company_domain(company), ('account_type', '=', 'income')])
        for account in income - org.account_mapping_ids.account_id:
            self.env['xero.account.mapping'].create({'organisation_id': org.id, 'account_id': account.id,
                                                     'xero_account_id': self.xero_account(org, '200').id})
        bank = self.env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1)
        org.journal_mapping_ids.filtered(lambda m: m.journal_id == bank).unlink()
        self.env['xero.journal.mapping'].create({'organisation_id': org.id, 'journal_id': bank.id,
                                                 'xero_account_id': self.xero_account(org, '090').id})
        return org

    def draft_invoice(self, **values):
        tax = self.env.company.account_sale_tax_id
        return self.env['account.move'].create(dict({
            'move_type': 'out_invoice',
            'partner_id': self.env['res.partner'].create({'name': 'Ridgeway Bakery Ltd', 'is_company': True}).id,
            'invoice_date': fields.Date.today(),
            'invoice_line_ids': [Command.create({'name': 'Bread delivery', 'quantity': 4, 'price_unit': 62.5,
                                                 'tax_ids': [Command.set(tax.ids)]})],
        }, **values))

    # --- the tours ------------------------------------------------------------------------------

    def test_connect(self):
        self.start_tour('/odoo/settings', 'xero_connect')
        orgs = self.env['xero.organisation'].search([])
        self.assertEqual(set(orgs.mapped('state')), {'connected'})
        self.assertFalse(orgs.connect_notice_user_id, 'the notification was shown')

    def test_map_tax(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        mapping = org.tax_mapping_ids.filtered(lambda m: m.xero_tax_type == 'OUTPUT2')
        self.assertEqual(mapping.state, 'suggested')
        self.start_tour(f'/odoo/xero-organisations/{org.id}', 'xero_map_tax')
        self.env.invalidate_all()
        self.assertEqual(mapping.state, 'confirmed')

    def test_invoice_synced_then_paid(self):
        org = self.connected_nz()
        org.tax_mapping_ids.action_confirm()
        invoice = self.draft_invoice()
        url = f'/odoo/action-account.action_move_out_invoice_type/{invoice.id}'
        self.start_tour(url, 'xero_invoice_post')
        self.env.invalidate_all()
        self.assertEqual(invoice.state, 'posted')
        self.push(org)  # what the cron would do
        self.assertEqual(invoice.xero_state, 'synced', invoice.xero_error)
        self.start_tour(url, 'xero_invoice_synced_pay')
        self.env.invalidate_all()
        self.assertIn(invoice.payment_state, ('paid', 'in_payment'))
        self.push(org)
        link = self.env['xero.payment.link'].search([('move_id', '=', invoice.id)])
        self.assertEqual(link.sync_state, 'synced', link.last_error)

    def test_sync_log_and_retry(self):
        org = self.connected_nz()
        org.tax_mapping_ids.action_confirm()
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today() - timedelta(days=30))
        invoice = self.draft_invoice(invoice_date=fields.Date.today() - timedelta(days=40))
        invoice.action_post()
        self.push(org)
        link = self.env['xero.move.link'].search([('move_id', '=', invoice.id)])
        self.assertEqual(link.sync_state, 'error')
        self.start_tour('/odoo/action-xero_integration.xero_sync_log_action', 'xero_sync_log_retry')
        self.env.invalidate_all()
        self.assertEqual(link.sync_state, 'pending', 'queued again with a fresh key')

    def test_verify_card_transaction(self):
        org = self.connected_nz()
        org.auto_sync_bank_feed = True
        card = self.env['account.journal'].create({'name': 'Tour card', 'code': 'TCRD', 'type': 'credit'})
        currency = self.env.company.currency_id
        wizard = self.env['xero.bank.feed.wizard'].create({
            'organisation_id': org.id, 'journal_ids': [Command.set(card.ids)],
            'currency_ids': [Command.set(currency.ids)], 'start_date': fields.Date.today() - timedelta(days=7)})
        wizard.action_activate()
        self.env['xero.bank.feed'].with_context(xero_no_commit=True)._cron_bank_feed()
        org.bank_feed_account_id = self.xero_account(org, '429')
        line = self.env['account.bank.statement.line'].create({
            'journal_id': card.id, 'date': fields.Date.today(), 'payment_ref': 'TOUR COFFEE', 'amount': -4.5})
        self.assertEqual(line.xero_feed_state, 'pending_verification')
        self.start_tour('/odoo/action-xero_integration.xero_bank_feed_line_action', 'xero_verify_card_transaction')
        self.env.invalidate_all()
        self.assertTrue(line.xero_verified)
        self.push(org)  # what the cron would do
        self.env.invalidate_all()
        self.assertEqual(line.xero_feed_state, 'synced', line.xero_feed_reason)

    def test_dashboard(self):
        org = self.connected_nz()
        org.tax_mapping_ids.action_confirm()
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today() - timedelta(days=30))
        invoice = self.draft_invoice(invoice_date=fields.Date.today() - timedelta(days=40))
        invoice.action_post()
        self.push(org)
        self.assertEqual(self.env['xero.move.link'].search([('move_id', '=', invoice.id)]).sync_state, 'error')
        self.start_tour('/odoo', 'xero_dashboard')
