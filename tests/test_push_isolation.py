import time
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import DummyRLock, Registry

from ..xero_mappers.keys import KEY_WINDOW
from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .common import XeroTransactionCase
from .own_database import OwnDatabaseMixin
from .sync_common import INVOICES

# (tenant, currency, sales tax rate, Xero tax type): organisation A first, then B.
TENANTS = ((NZ_TENANT_ID, 'base.NZD', 15, 'OUTPUT2'), (AU_TENANT_ID, 'base.AUD', 10, 'OUTPUT'))
LOOK_UP_FAULTS = {
    '503': dict(kind='status', status=503),
    '429': dict(kind='rate_limit', problem='minute', retry_after=60),
    'garbled': dict(kind='garbled'),
}


class TestPushIsolation(OwnDatabaseMixin, XeroTransactionCase):
    """One organisation's trouble stops no one else, and no record is lost or sent twice.

    Two companies, each connected to its own organisation, committed through cursors of their
    own, in a database of the class's own (dropped after it); the push runs through Odoo's cron
    runner (``method_direct_trigger``), real commits included. Faults are injected into
    organisation A only; organisation A goes first in each run, so B's invoice going in the same
    run shows that A's trouble did not stop the run.
    """
    configure_hosts_in_test_transaction = False

    def setUp(self):
        super().setUp()
        # The test runner holds the registry lock, which the cron's cursors need.
        self.patch(Registry, '_lock', DummyRLock())
        with self.cursor_env() as env:
            self._configure_hosts(env, self.sim.url)
            self.orgs = [self._committed_organisation(env, *tenant) for tenant in TENANTS]
        self.addCleanup(self._disconnect)

    # --- the acceptance runs --------------------------------------------------------------------

    def test_look_up_after_a_lost_answer_fails_with_503(self):
        self._look_up_fault('503')

    def test_look_up_after_a_lost_answer_is_rate_limited(self):
        self._look_up_fault('429')

    def test_look_up_after_a_lost_answer_cannot_be_decoded(self):
        self._look_up_fault('garbled')

    def _look_up_fault(self, fault):
        org_a, org_b = self.orgs
        # A's create lands in Xero, its answer is lost: the next attempt must look it up first.
        move_a = self._post(org_a)
        self.sim.faults.add('drop', method='POST', path=INVOICES, tenant_id=org_a['tenant'])
        self._run_cron()
        link_a = self._link(move_a)
        self.assertEqual((link_a['sync_state'], link_a['maybe_sent']), ('in_flight', True))
        # The back-off is over; the look-up of A now fails, while B has an invoice to send.
        move_b = self._post(org_b)
        self._back_off_over(move_a)
        self._key_window_over(move_a)
        # Organisations whose last push is the oldest go first: with no push written down, A
        # (the first made) goes first, so that its trouble comes before B's turn.
        with self.cursor_env() as env:
            env['xero.sync.log'].search([('direction', '=', 'push')]).unlink()
        self.sim.faults.add(method='GET', path=INVOICES, tenant_id=org_a['tenant'], count=None,
                            **LOOK_UP_FAULTS[fault])
        requests_before = len(self.sim.requests)
        self._run_cron()
        faulted = [n for n, r in enumerate(self.sim.requests[requests_before:], requests_before)
                   if r.method == 'GET' and r.tenant_id == org_a['tenant'] and r.endpoint == INVOICES]
        sent_b = [n for n, r in enumerate(self.sim.requests[requests_before:], requests_before)
                  if r.method in ('PUT', 'POST') and r.tenant_id == org_b['tenant'] and r.endpoint == INVOICES]
        self.assertTrue(faulted and sent_b and faulted[0] < sent_b[0], 'A was looked up, and before B went')
        self.assertBooksAgree(move_b)
        link_a = self._link(move_a)
        self.assertEqual((link_a['sync_state'], link_a['maybe_sent']), ('in_flight', True),
                         'A waits, still to be looked up before any new create')
        self.assertTrue(link_a['last_error'])
        self.assertGreater(link_a['next_attempt_date'], fields.Datetime.now(), 'A waits before trying again')
        # The fault is gone: A is found in Xero and bound, never created twice.
        self.sim.faults.clear()
        self._back_off_over(move_a)
        self._run_cron()
        self.assertBooksAgree(move_a)

    def test_unreadable_answer_to_a_create_is_looked_up_not_sent_again(self):
        org_a, org_b = self.orgs
        move_a, move_b = self._post(org_a), self._post(org_b)
        # Xero creates A's invoice, and its answer cannot be decoded.
        self.sim.faults.add('garbled', method='POST', path=INVOICES, tenant_id=org_a['tenant'])
        self._run_cron()
        self.assertBooksAgree(move_b)
        link_a = self._link(move_a)
        self.assertEqual((link_a['sync_state'], link_a['maybe_sent']), ('in_flight', True))
        self.assertEqual(len(self._xero_documents(move_a)), 1, 'Xero has it already')
        self._back_off_over(move_a)
        self._run_cron()
        self.assertBooksAgree(move_a)

    def test_payload_error_marks_that_record_only(self):
        org_a, org_b = self.orgs
        bad, good = self._post(org_a), self._post(org_a)
        move_b = self._post(org_b)
        Link = self.own_registry['xero.move.link']
        payloads = Link._xero_payloads

        def refuse_bad(links):
            if bad['id'] in links.move_id.ids:
                raise UserError('The customer of this invoice has no tax number.')
            return payloads(links)
        with patch.object(Link, '_xero_payloads', refuse_bad):
            self._run_cron()
        self.assertBooksAgree(good)
        self.assertBooksAgree(move_b)
        link = self._link(bad)
        self.assertEqual(link['sync_state'], 'error')
        self.assertIn('The customer of this invoice has no tax number.', link['last_error'])
        self.assertFalse(self._xero_documents(bad), 'nothing of it went to Xero')
        # Corrected, then Retry: it goes.
        self._retry(bad)
        self._run_cron()
        self.assertBooksAgree(bad)

    def test_bind_error_keeps_the_document_found_in_xero(self):
        org_a, org_b = self.orgs
        move_a, move_b = self._post(org_a), self._post(org_b)
        Link = self.own_registry['xero.move.link']
        bind_extra = Link._xero_bind_extra

        def fail_in_a(link, element, payload):
            if link.organisation_id.id == org_a['id']:
                # A statement that fails in the database, as a constraint would: without the
                # engine's savepoint the whole transaction would be aborted.
                link.env.cr.execute('SELECT 1 / 0', log_exceptions=False)
            return bind_extra(link, element, payload)
        with patch.object(Link, '_xero_bind_extra', fail_in_a):
            self._run_cron()
        self.assertBooksAgree(move_b)
        link = self._link(move_a)
        self.assertEqual((link['sync_state'], link['maybe_sent']), ('error', True))
        self.assertIn('division by zero', link['last_error'])
        self.assertEqual(len(self._xero_documents(move_a)), 1, 'it reached Xero')
        self._retry(move_a)
        self._run_cron()
        self.assertBooksAgree(move_a)

    def test_time_budget_spent_stops_taking_organisations_and_wakes_the_cron(self):
        org_a, org_b = self.orgs
        move_a, move_b = self._post(org_a), self._post(org_b)
        with self.cursor_env() as env:
            cron = env.ref('xero_integration.ir_cron_xero_push')
            env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]).unlink()
        with self.cursor_env() as env:
            # The budget is spent from the start: one organisation is taken, not the next.
            env['xero.sync.engine'].with_context(cron_end_time=time.monotonic())._cron_push()
        self.assertEqual(self._link(move_a)['sync_state'], 'synced')
        self.assertEqual(self._link(move_b)['sync_state'], 'pending')
        with self.cursor_env() as env:
            cron = env.ref('xero_integration.ir_cron_xero_push')
            self.assertTrue(env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]),
                            'the push wakes itself for the rest')
            # The next run starts with the organisation this one did not reach.
            engine = env['xero.sync.engine']
            order = engine._push_order(env['xero.organisation'].browse([org_a['id'], org_b['id']]))
            self.assertEqual(order.ids, [org_b['id'], org_a['id']])
        self._run_cron()
        self.assertBooksAgree(move_b)

    def test_claim_skips_a_row_changed_since_the_snapshot_without_an_error(self):
        """Expected concurrency is no error: under REPEATABLE READ, locking a row another worker
        committed after this transaction began fails; the claim takes the others, and the
        Odoo log gets no ``ERROR ... could not serialize access``."""
        org_a = self.orgs[0]
        moves = [self._post(org_a) for _n in range(3)]
        with self.cursor_env() as env:
            Link = env['xero.move.link']
            links = Link.search([('move_id', 'in', [move['id'] for move in moves])], order='id')
            self.assertEqual(len(links), 3)  # this transaction's snapshot is taken
            with self.cursor_env() as other:
                other['xero.move.link'].browse(links[1].id).write({'last_error': 'Another worker was here.'})
            engine = env['xero.sync.engine']
            with self.assertNoLogs(level='ERROR'):
                claimed = engine._claim(Link, env['xero.organisation'].browse(org_a['id']))
                locked = engine._try_lock(links)
            self.assertEqual(claimed, links - links[1])
            self.assertEqual(locked, links - links[1])

    # --- helpers --------------------------------------------------------------------------------

    @contextmanager
    def cursor_env(self):
        with self.own_registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def _run_cron(self):
        """One run of the push cron through Odoo's cron runner: it must neither fail nor log an
        error, whatever Xero answered."""
        with self.cursor_env() as env, self.assertNoLogs(level='ERROR'), \
                patch('odoo.addons.base.models.ir_cron.MIN_TIME_PER_JOB', 120):
            # (a generous time budget: the budget is another test's subject)
            result = env.ref('xero_integration.ir_cron_xero_push').method_direct_trigger()
        self.assertIs(result, True)
        with self.cursor_env() as env:
            self.assertEqual(env.ref('xero_integration.ir_cron_xero_push').failure_count, 0)
            self.assertTrue(env.ref('xero_integration.ir_cron_xero_push').active)

    def _post(self, org):
        with self.cursor_env() as env:
            company = env['res.company'].browse(org['company'])
            env = env(context={'allowed_company_ids': company.ids})
            move = env['account.move'].with_company(company).create({
                'move_type': 'out_invoice', 'partner_id': org['partner'], 'company_id': company.id,
                'invoice_date': fields.Date.today(),
                'invoice_line_ids': [Command.create({
                    'name': 'Work', 'price_unit': 100 + env['account.move'].search_count([]),
                    'account_id': org['income'], 'tax_ids': [Command.set([org['tax']])]})],
            })
            move.action_post()
            return {'id': move.id, 'name': move.name, 'tenant': org['tenant'], 'org': org['id']}

    def _link(self, move):
        with self.cursor_env() as env:
            link = env['xero.move.link'].search([('move_id', '=', move['id'])])
            return link.read(['sync_state', 'maybe_sent', 'last_error', 'next_attempt_date', 'xero_id'])[0]

    def _back_off_over(self, move):
        with self.cursor_env() as env:
            env['xero.move.link'].search([('move_id', '=', move['id'])]).write(
                {'next_attempt_date': fields.Datetime.now() - timedelta(seconds=1)})
            # Xero's Retry-After has passed too.
            env.cr.execute("UPDATE xero_organisation_runtime SET retry_at = NULL WHERE key = %s",
                           [f'org:{move["org"]}'])

    def _key_window_over(self, move):
        """Xero's Idempotency-Key window has passed, on both clocks: the next attempt is a
        look-up, not a replay of the key."""
        self.sim.clock.advance(400)
        with self.cursor_env() as env:
            link = env['xero.move.link'].search([('move_id', '=', move['id'])])
            link.write({'key_sent_date': link.key_sent_date - KEY_WINDOW - timedelta(minutes=1)})

    def _retry(self, move):
        """What Retry does on the record, once the cause is fixed."""
        with self.cursor_env() as env:
            env['xero.move.link'].search([('move_id', '=', move['id'])])._mark_pending()

    def _xero_documents(self, move):
        org = self.sim.organisation(move['tenant'])
        return [doc for doc in org.invoices.values() if doc.get('InvoiceNumber') == move['name']]

    def assertBooksAgree(self, move):
        """Synced, one document in Xero, and both books say the same."""
        link = self._link(move)
        self.assertEqual(link['sync_state'], 'synced', link['last_error'])
        docs = self._xero_documents(move)
        self.assertEqual(len(docs), 1, 'exactly one document in Xero')
        self.assertEqual(docs[0]['InvoiceID'].lower(), link['xero_id'].lower())
        with self.cursor_env() as env:
            odoo_move = env['account.move'].browse(move['id'])
            self.assertEqual((odoo_move.state, odoo_move.payment_state), ('posted', 'not_paid'))
            self.assertEqual(docs[0]['Status'], 'AUTHORISED')
            self.assertAlmostEqual(float(docs[0]['AmountDue']), odoo_move.amount_residual, places=2)
        self.assertEqual(self.sim.duplicates(move['tenant']), 0)

    def _committed_organisation(self, env, tenant, currency, rate, tax_type):
        currency = env.ref(currency)
        currency.active = True
        company = env['res.company'].create({'name': f'{self._testMethodName} {currency.name}',
                                             'currency_id': currency.id})
        env['account.chart.template'].try_loading('generic_coa', company, install_demo=False)
        env = env(context={'allowed_company_ids': company.ids})
        org = self.connect_organisations(company=company, tenants=[tenant], env=env)
        org.write({'auto_sync_contacts': True, 'auto_sync_invoices': True})
        org.tax_mapping_ids.action_confirm()
        Account = env['account.account']
        income = Account.search([*Account._check_company_domain(company), ('account_type', '=', 'income')])
        sales = org.xero_account_ids.filtered(lambda a: a.code == '200')
        for account in income - org.account_mapping_ids.account_id:
            env['xero.account.mapping'].create({'organisation_id': org.id, 'account_id': account.id,
                                                'xero_account_id': sales.id})
        org.account_mapping_ids.filtered(lambda m: m.account_id in income).xero_account_id = sales
        tax = env['account.tax'].create({'name': f'Sales tax {rate}%', 'amount': rate, 'type_tax_use': 'sale',
                                         'company_id': company.id})
        env['xero.tax.mapping'].create({'organisation_id': org.id, 'tax_id': tax.id,
                                        'xero_tax_rate_id': org.xero_tax_rate_ids.filtered(
                                            lambda r: r.tax_type == tax_type)[:1].id})
        partner = env['res.partner'].create({'name': f'Isolation customer {currency.name}', 'company_id': company.id})
        return {'id': org.id, 'tenant': tenant, 'company': company.id, 'partner': partner.id,
                'income': income[0].id, 'tax': tax.id}

    def _disconnect(self):
        """Remove the organisations and their links (the documents stay, committed): the other
        tests connect the simulator's tenants again and expect no organisation besides theirs."""
        with self.cursor_env() as env:
            for org_id in [org['id'] for org in self.orgs]:
                org = env['xero.organisation'].browse(org_id)
                token = org.token_id
                for model in ('xero.move.link', 'xero.partner.link', 'xero.payment.link', 'xero.product.link'):
                    env[model].search([('organisation_id', '=', org_id)]).unlink()
                org.write({'state': 'disconnected', 'token_id': False})
                org.unlink()
                token.unlink()
            env['ir.config_parameter'].search([('key', '=like', 'xero_integration.%')]).unlink()
