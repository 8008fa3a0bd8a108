from datetime import timedelta

from odoo import Command, SUPERUSER_ID, api, fields
from odoo.tests import freeze_time
from odoo.modules.registry import DummyRLock, Registry
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from . import test_sync_workers
from .common import XeroTransactionCase
from .own_database import OwnDatabaseMixin
from .sync_common import ENGINE_LOGGER, INVOICES

INVOICE_COUNT = 260
WORKERS = 5


class TestPushPool(OwnDatabaseMixin, XeroTransactionCase):
    """The push cron's pool: several workers of one run push one organisation, each in its own
    real transaction. Needs committed data, as ``TestTwoWorkers``, whose clean-up it shares, in a
    database of the class's own (dropped after it)."""
    configure_hosts_in_test_transaction = False

    _disconnect = test_sync_workers.TestTwoWorkers._disconnect

    def setUp(self):
        super().setUp()
        # The test runner holds the registry lock, which the workers' environments need.
        self.patch(Registry, '_lock', DummyRLock())
        with self.own_registry.cursor() as cr:
            self.org_id = self._committed_setup(api.Environment(cr, SUPERUSER_ID, {}))
        self.addCleanup(self._disconnect, self.org_id)

    def _committed_setup(self, env):
        """A company of its own (each test commits one), as ``TestTwoWorkers``'s, with
        INVOICE_COUNT posted invoices of 6 customers."""
        self._configure_hosts(env, self.sim.url)
        company = env['res.company'].create({'name': f'Push Pool Ltd {self._testMethodName}',
                                             'currency_id': env.ref('base.USD').id})
        env['account.chart.template'].try_loading('generic_coa', company, install_demo=False)
        env = env(context={'allowed_company_ids': company.ids})
        org = self.connect_organisations(company=company, tenants=[NZ_TENANT_ID], env=env)
        org.write({'auto_sync_contacts': True, 'auto_sync_invoices': True})
        org.tax_mapping_ids.action_confirm()
        income = env['account.account'].search([*env['account.account']._check_company_domain(company),
                                                ('account_type', '=', 'income')], limit=1)
        sales = org.xero_account_ids.filtered(lambda a: a.code == '200')
        mapping = org.account_mapping_ids.filtered(lambda m: m.account_id == income)
        if mapping:
            mapping.xero_account_id = sales
        else:
            env['xero.account.mapping'].create({'organisation_id': org.id, 'account_id': income.id,
                                                'xero_account_id': sales.id})
        tax = env['account.tax'].search([('company_id', '=', company.id), ('type_tax_use', '=', 'sale'),
                                         ('amount', '=', 15)], limit=1)
        if not org.tax_mapping_ids.filtered(lambda m: m.tax_id == tax):
            env['xero.tax.mapping'].create({'organisation_id': org.id, 'tax_id': tax.id,
                                            'xero_tax_rate_id': org.xero_tax_rate_ids.filtered(
                                                lambda r: r.tax_type == 'OUTPUT2').id})
        partners = env['res.partner'].create([{'name': f'Pool customer {n}', 'company_id': company.id}
                                              for n in range(6)])
        env['account.move'].with_company(company).create([{
            'move_type': 'out_invoice', 'partner_id': partners[n % 6].id, 'company_id': company.id,
            'invoice_line_ids': [Command.create({'name': 'Work', 'price_unit': 10 + n,
                                                 'account_id': income.id, 'tax_ids': [Command.set(tax.ids)]})],
        } for n in range(INVOICE_COUNT)]).action_post()
        return org.id

    def _run_pool(self):
        with self.own_registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            engine = env['xero.sync.engine']
            return engine._push_pool(env['xero.organisation'].browse(self.org_id), WORKERS)

    def _admitted_calls(self):
        """Calls the organisation's governor admitted (its day counter)."""
        with self.own_registry.cursor() as cr:
            cr.execute("SELECT day_calls FROM xero_organisation_runtime WHERE key = %s",
                       (f'org:{self.org_id}',))
            row = cr.fetchone()
            return row[0] if row else 0

    @mute_logger(ENGINE_LOGGER)
    def test_pool_sends_each_invoice_once_and_every_call_through_the_governor(self):
        # Slow answers keep the workers' calls overlapping for real.
        self.sim.faults.add('slow', path=INVOICES, method='POST', delay=0.3, count=None)
        admitted_before = self._admitted_calls()
        calls_before = self.sim.counters.count(tenant_id=NZ_TENANT_ID)
        done = self._run_pool()
        # Documents whose contact another worker was sending wait for the next run.
        with freeze_time(fields.Datetime.now() + timedelta(minutes=1)):
            done += self._run_pool()

        with self.own_registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            links = env['xero.move.link'].search([('organisation_id', '=', self.org_id)])
            self.assertEqual(len(links), INVOICE_COUNT)
            self.assertEqual(set(links.mapped('sync_state')), {'synced'})
            self.assertEqual(len(set(links.mapped('xero_id'))), INVOICE_COUNT)
            partner_links = env['xero.partner.link'].search([('organisation_id', '=', self.org_id)])
            self.assertEqual(set(partner_links.mapped('sync_state')), {'synced'})
        self.assertGreaterEqual(done, INVOICE_COUNT + len(partner_links),
                                'the pool reports the links its workers handled')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), INVOICE_COUNT)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)
        self.assertEqual(self.sim.counters.rate_limited_count(NZ_TENANT_ID), 0)
        # The workers did run at once, and never more at once than Xero allows.
        self.assertGreaterEqual(self.sim.counters.max_concurrent(NZ_TENANT_ID), 2)
        self.assertLessEqual(self.sim.counters.max_concurrent(NZ_TENANT_ID), 5)
        # Every call Xero received for the organisation was admitted by its governor.
        self.assertEqual(self._admitted_calls() - admitted_before,
                         self.sim.counters.count(tenant_id=NZ_TENANT_ID) - calls_before)

    def test_worker_error_fails_the_run_after_every_worker_ended(self):
        """A worker's exception is raised by the pool's own thread, as a single worker's would
        be (the run is not reported as a success), and only once the others have ended."""
        calls = []
        origin = self.own_registry['xero.sync.engine']._push_model

        def push_model(engine, organisation, model):
            calls.append(model)
            if len(calls) == 1:
                raise RuntimeError('one worker broke')
            return origin(engine, organisation, model)

        self.patch(self.own_registry['xero.sync.engine'], '_push_model', push_model)
        with mute_logger(ENGINE_LOGGER), self.assertRaisesRegex(RuntimeError, 'one worker broke'):
            self._run_pool()
        with self.own_registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            links = env['xero.move.link'].search([('organisation_id', '=', self.org_id)])
            self.assertFalse(links.filtered(lambda l: l.sync_state == 'in_flight'),
                             'no worker was left sending when the error was raised')
