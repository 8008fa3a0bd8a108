import threading
import traceback

from datetime import timedelta

from odoo import Command, SUPERUSER_ID, api, fields
from odoo.tests import freeze_time
from odoo.modules.registry import DummyRLock, Registry
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .common import XeroTransactionCase
from .own_database import OwnDatabaseMixin
from .sync_common import ENGINE_LOGGER, INVOICES

INVOICE_COUNT = 60


class TestTwoWorkers(OwnDatabaseMixin, XeroTransactionCase):
    """Two workers push the same organisation at once, each in its own real transaction.

    This needs committed data, so it builds a company of its own, committed, in a database of
    the class's own (``OwnDatabaseMixin``), dropped after it: nothing is left in the test
    database. At the end of the test its organisation is disconnected there.
    """
    configure_hosts_in_test_transaction = False

    @mute_logger(ENGINE_LOGGER)
    def test_two_workers_send_each_invoice_once_within_the_concurrency_limit(self):
        # The test runner holds the registry lock, which the workers' environments need.
        self.patch(Registry, '_lock', DummyRLock())
        registry = self.own_registry
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            org_id = self._committed_setup(env)
        self.addCleanup(self._disconnect, org_id)
        # Slow answers make the two workers overlap for real.
        self.sim.faults.add('slow', path=INVOICES, method='POST', delay=0.3, count=None)
        errors, barrier = [], threading.Barrier(2)

        def worker():
            try:
                with registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=10)
                    env['xero.sync.engine']._push_organisation(env['xero.organisation'].browse(org_id))
            except Exception:  # noqa: BLE001 - reported below
                errors.append(traceback.format_exc())

        threads = [threading.Thread(target=worker) for _n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertFalse(errors, errors)
        # A document whose contact the other worker was sending waits for the next run.
        with freeze_time(fields.Datetime.now() + timedelta(minutes=1)), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env['xero.sync.engine']._push_organisation(env['xero.organisation'].browse(org_id))
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            links = env['xero.move.link'].search([('organisation_id', '=', org_id)])
            self.assertEqual(len(links), INVOICE_COUNT)
            self.assertEqual(set(links.mapped('sync_state')), {'synced'})
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), INVOICE_COUNT)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)
        self.assertLessEqual(self.sim.counters.max_concurrent(NZ_TENANT_ID), 5)
        self.assertEqual(self.sim.counters.rate_limited_count(NZ_TENANT_ID), 0)

    def _committed_setup(self, env):
        self._configure_hosts(env, self.sim.url)
        company = env['res.company'].create({'name': 'Two Workers Ltd', 'currency_id': env.ref('base.USD').id})
        env['account.chart.template'].try_loading('generic_coa', company, install_demo=False)
        env = env(context={'allowed_company_ids': company.ids})
        org = self.connect_organisations(company=company, tenants=[NZ_TENANT_ID], env=env)
        org.write({'auto_sync_contacts': True, 'auto_sync_invoices': True})
        org.tax_mapping_ids.action_confirm()
        income = env['account.account'].search([*env['account.account']._check_company_domain(company),
                                                ('account_type', '=', 'income')])
        sales = org.xero_account_ids.filtered(lambda a: a.code == '200')
        for account in income - org.account_mapping_ids.account_id:
            env['xero.account.mapping'].create({'organisation_id': org.id, 'account_id': account.id,
                                                'xero_account_id': sales.id})
        org.account_mapping_ids.filtered(lambda m: m.account_id in income).xero_account_id = sales
        tax = env['account.tax'].search([('company_id', '=', company.id), ('type_tax_use', '=', 'sale'),
                                         ('amount', '=', 15)], limit=1)
        if tax and not org.tax_mapping_ids.filtered(lambda m: m.tax_id == tax):
            env['xero.tax.mapping'].create({'organisation_id': org.id, 'tax_id': tax.id,
                                            'xero_tax_rate_id': org.xero_tax_rate_ids.filtered(
                                                lambda r: r.tax_type == 'OUTPUT2').id})
        partners = env['res.partner'].create([{'name': f'Worker customer {n}', 'company_id': company.id}
                                              for n in range(6)])
        moves = env['account.move'].with_company(company).create([{
            'move_type': 'out_invoice', 'partner_id': partners[n % 6].id, 'company_id': company.id,
            'invoice_line_ids': [Command.create({'name': 'Work', 'price_unit': 10 + n, 'account_id': income[0].id,
                                                 'tax_ids': [Command.set(tax.ids)]})],
        } for n in range(INVOICE_COUNT)])
        moves.action_post()
        return org.id

    def _disconnect(self, org_id):
        """Remove the organisation and its links (the documents stay, committed): the other
        tests connect the simulator's tenant again and expect no organisation besides theirs."""
        with self.own_registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            org = env['xero.organisation'].browse(org_id)
            token = org.token_id
            for model in ('xero.move.link', 'xero.partner.link', 'xero.payment.link', 'xero.product.link'):
                env[model].search([('organisation_id', '=', org_id)]).unlink()
            org.write({'state': 'disconnected', 'token_id': False})
            org.unlink()
            token.unlink()
            env['ir.config_parameter'].search([('key', '=like', 'xero_integration.%')]).unlink()
