"""The main paths through Odoo's cron runner, with real commits, in a database of their own.

No ``xero_no_commit`` here, and no test cursor: posting commits and wakes the push cron, the cron
runner (``ir.cron._process_jobs``, what a cron thread calls) takes the ready jobs, each in its
own transactions, and the engine commits before each send and after each batch. Both books are
then read: Odoo's links, states and residuals from a new cursor, Xero's Status and AmountDue from
the simulator over HTTP.
"""
from datetime import timedelta
from unittest.mock import patch

import requests

from odoo import Command, fields
from odoo.tools import mute_logger

from ..xero_sim import server as sim_server
from ..xero_sim.seed import NZ_TENANT_ID
from .common import XeroTransactionCase
from .own_database import OwnDatabaseMixin
from .sync_common import ENGINE_LOGGER, INVOICES

PUSH = 'ir_cron_xero_push'
POLL = 'ir_cron_xero_poll'
PULL = 'ir_cron_xero_pull'
RUNNER = 'odoo.addons.base.models.ir_cron'


class TestCronCommits(OwnDatabaseMixin, XeroTransactionCase):
    """Push, pull and payments as the cron runner runs them, in a database created for the
    class and dropped after it."""
    configure_hosts_in_test_transaction = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.own_env() as env:
            cls._configure_hosts(env, cls.sim.url)
            company = env.company
            Account = env['account.account']
            cls.company_id = company.id
            cls.income_id = Account.search([*Account._check_company_domain(company),
                                            ('account_type', '=', 'income')], limit=1).id
            cls.tax_id = env['account.tax'].create({
                'name': 'GST 15% (cron)', 'amount': 15, 'amount_type': 'percent', 'type_tax_use': 'sale',
                'company_id': company.id}).id
            cls.bank_id = env['account.journal'].search([*env['account.journal']._check_company_domain(company),
                                                         ('type', '=', 'bank')], limit=1).id
            env.ref('base.NZD').active = True
        cls.keep_only_xero_crons()

    def setUp(self):
        super().setUp()
        with self.own_env() as env:
            org = self.connect_organisations(company=env['res.company'].browse(self.company_id),
                                             tenants=[NZ_TENANT_ID], env=env)
            org.write({'auto_sync_contacts': True, 'auto_sync_invoices': True, 'auto_sync_payments': True,
                       'import_documents': True, 'import_documents_post': True})
            code = {account.code: account for account in org.xero_account_ids}
            gst = org.xero_tax_rate_ids.filtered(lambda r: r.tax_type == 'OUTPUT2')[:1]
            mapping = org.tax_mapping_ids.filtered(lambda m: m.tax_id.id == self.tax_id)
            if mapping:
                mapping.xero_tax_rate_id = gst
            else:
                env['xero.tax.mapping'].create({'organisation_id': org.id, 'tax_id': self.tax_id,
                                                'xero_tax_rate_id': gst.id})
            org.tax_mapping_ids.action_confirm()
            mapping = org.account_mapping_ids.filtered(lambda m: m.account_id.id == self.income_id)
            if mapping:
                mapping.xero_account_id = code['200']
            else:
                env['xero.account.mapping'].create({'organisation_id': org.id, 'account_id': self.income_id,
                                                    'xero_account_id': code['200'].id})
            mapping = org.journal_mapping_ids.filtered(lambda m: m.journal_id.id == self.bank_id)
            if mapping:
                mapping.xero_account_id = code['090']
            else:
                env['xero.journal.mapping'].create({'organisation_id': org.id, 'journal_id': self.bank_id,
                                                    'xero_account_id': code['090'].id})
            self.org_id = org.id
            self.partner_id = env['res.partner'].create({'name': f'Cron customer {self._testMethodName}',
                                                         'email': f'{self._testMethodName}@cron.example'}).id
        self.addCleanup(self._forget_organisation)
        # The connection woke the contact pull: the runner takes it, and the test starts quiet.
        self.assertIn(PULL, self.run_cron_worker(), 'connecting wakes the contact pull')
        self.assertCronsHealthy()
        self.sim.counters.reset()
        del self.sim.requests[:]

    def _forget_organisation(self):
        """The simulator is reset before each test: this test's organisation, its links and its
        records in flight go, so that the next test's crons do not send them to a new Xero."""
        with self.own_env() as env:
            org = env['xero.organisation'].browse(self.org_id)
            token = org.token_id
            for model in ('xero.move.link', 'xero.partner.link', 'xero.payment.link', 'xero.product.link',
                          'xero.pull.state', 'xero.review', 'xero.sync.log'):
                env[model].search([('organisation_id', '=', org.id)]).unlink()
            org.write({'state': 'disconnected', 'token_id': False})
            org.unlink()
            token.unlink()
            env['ir.cron.trigger'].search([]).unlink()

    # --- the two books ---------------------------------------------------------------------------

    def post_invoice(self, price=100.0, quantity=1):
        """A customer invoice, posted and committed: returns its id."""
        with self.own_env() as env:
            move = env['account.move'].create({
                'move_type': 'out_invoice', 'partner_id': self.partner_id, 'company_id': self.company_id,
                'invoice_date': fields.Date.today(),
                'invoice_line_ids': [Command.create({'name': 'Cron work', 'price_unit': price, 'quantity': quantity,
                                                     'account_id': self.income_id,
                                                     'tax_ids': [Command.set([self.tax_id])]})],
            })
            move.action_post()
            return move.id

    def odoo_move(self, move_id):
        """What Odoo says of a document, read on a new cursor (what is committed)."""
        with self.own_env() as env:
            move = env['account.move'].browse(move_id)
            link = env['xero.move.link'].search([('move_id', '=', move_id), ('organisation_id', '=', self.org_id)])
            return {'state': move.state, 'payment_state': move.payment_state, 'total': move.amount_total,
                    'residual': move.amount_residual, 'name': move.name,
                    'link': link.read(['sync_state', 'xero_id', 'maybe_sent', 'last_error', 'xero_status',
                                       'from_xero', 'next_attempt_date'])[0] if link else None}

    def xero_get(self, path):
        """GET on the simulator's API, over HTTP, with the organisation's own access token."""
        with self.own_env() as env:
            org = env['xero.organisation'].browse(self.org_id)
            token = org.token_id._get_access_token()
        response = requests.get(f'{self.sim.url}/api.xro/2.0/{path}', timeout=10, headers={
            'Authorization': f'Bearer {token}', 'Xero-Tenant-Id': NZ_TENANT_ID, 'Accept': 'application/json'})
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def xero_invoice(self, xero_id):
        invoice, = self.xero_get(f'Invoices/{xero_id}')['Invoices']
        return invoice

    def assertBooksAgree(self, move_id, status=None):
        """Synced, one document in Xero for it, and both books say the same: Odoo's state and
        residual, Xero's Status and AmountDue."""
        odoo = self.odoo_move(move_id)
        link = odoo['link']
        self.assertTrue(link, 'the document has a link')
        self.assertEqual(link['sync_state'], 'synced', link['last_error'])
        self.assertFalse(link['maybe_sent'])
        invoice = self.xero_invoice(link['xero_id'])
        self.assertEqual(invoice['InvoiceID'].lower(), link['xero_id'].lower())
        self.assertAlmostEqual(float(invoice['Total']), odoo['total'], places=2)
        self.assertAlmostEqual(float(invoice['AmountDue']), odoo['residual'], places=2)
        expected = status or ('PAID' if odoo['payment_state'] in ('paid', 'in_payment') else 'AUTHORISED')
        self.assertEqual(invoice['Status'], expected)
        self.assertEqual(odoo['state'], 'posted')
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)
        return odoo, invoice

    def assertCronsHealthy(self):
        """The runner recorded no failure on any of the addon's crons, and none was switched off."""
        with self.own_env() as env:
            crons = env['ir.cron'].with_context(active_test=False).search(
                [('id', 'in', [env.ref(f'xero_integration.{xmlid}').id for xmlid in (PUSH, POLL, PULL)])])
            self.assertEqual(crons.mapped('failure_count'), [0] * len(crons))
            self.assertTrue(all(crons.mapped('active')))

    def back_off_over(self, move_id):
        with self.own_env() as env:
            env['xero.move.link'].search([('move_id', '=', move_id)]).write(
                {'next_attempt_date': fields.Datetime.now() - timedelta(seconds=1)})
            env.cr.execute("UPDATE xero_organisation_runtime SET retry_at = NULL WHERE key = %s",
                           [f'org:{self.org_id}'])

    def register_payment(self, move_id, amount=None):
        with self.own_env() as env:
            values = {'journal_id': self.bank_id, 'payment_date': fields.Date.today()}
            if amount:
                values.update(amount=amount, payment_difference_handling='open')
            env['account.payment.register'].with_context(
                active_model='account.move', active_ids=[move_id]).create(values)._create_payments()

    def assertPushWoken(self):
        self.assertIn(PUSH, self.ready_crons(), 'the change woke the push cron')

    # --- push -----------------------------------------------------------------------------------

    def test_posted_invoices_go_through_the_cron_runner(self):
        move_ids = [self.post_invoice(100.0), self.post_invoice(250.0, quantity=2)]
        with self.own_env() as env:
            links = env['xero.move.link'].search([('move_id', 'in', move_ids)])
            self.assertEqual(set(links.mapped('sync_state')), {'pending'}, 'posting queues, committed')
        self.assertFalse(self.sim.counters.count(tenant_id=NZ_TENANT_ID), 'posting calls no one')
        self.assertPushWoken()

        self.assertIn(PUSH, self.run_cron_worker())
        for move_id in move_ids:
            self.assertBooksAgree(move_id, status='AUTHORISED')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 2)
        contacts = self.xero_get('Contacts')['Contacts']
        self.assertEqual([c['Name'] for c in contacts if c['Name'] == f'Cron customer {self._testMethodName}'],
                         [f'Cron customer {self._testMethodName}'], 'the contact went once, before its documents')
        with self.own_env() as env:
            partner_link = env['xero.partner.link'].search([('partner_id', '=', self.partner_id),
                                                            ('organisation_id', '=', self.org_id)])
            self.assertEqual(partner_link.sync_state, 'synced')
            log = env['xero.sync.log'].search([('organisation_id', '=', self.org_id), ('direction', '=', 'push'),
                                               ('kind', '=', 'invoices')])
            self.assertRecordValues(log, [{'sent': 2, 'created': 2, 'failed': 0}])
        self.assertCronsHealthy()
        self.assertNotIn(PUSH, self.ready_crons(), 'all was sent: the cron waits for its next time')
        # Nothing is left to send: another pass of the runner sends nothing again.
        self.make_due(PUSH)
        self.run_cron_worker()
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 2)

    @mute_logger(ENGINE_LOGGER)
    def test_link_is_committed_in_flight_before_the_request_leaves(self):
        """What only real commits show: while Xero handles the create, another transaction
        already reads the link as in flight, with the request's key; the answer is lost, and the
        next run settles the document Xero has, without creating it twice."""
        move_id = self.post_invoice(180.0)
        seen = []
        handle_api = sim_server.handle_api

        def watching(sim, req, slow_delay):
            if req.endpoint == INVOICES and req.method in ('PUT', 'POST'):
                # Read by a transaction of its own, while the engine's request is in Xero.
                with self.own_registry.cursor() as cr:
                    cr.execute("SELECT sync_state, maybe_sent, request_key FROM xero_move_link WHERE move_id = %s",
                               [move_id])
                    seen.append((cr.fetchone(), req.headers.get('Idempotency-Key')))
            return handle_api(sim, req, slow_delay)

        self.sim.faults.add('drop', method='POST', path=INVOICES, tenant_id=NZ_TENANT_ID)
        with patch.object(sim_server, 'handle_api', watching):
            self.run_cron_worker()
            (state, maybe_sent, request_key), sent_key = seen[0]
            self.assertEqual((state, maybe_sent), ('in_flight', True),
                             'committed as in flight before the request left')
            self.assertTrue(request_key)
            self.assertTrue(sent_key)
            odoo = self.odoo_move(move_id)
            self.assertEqual((odoo['link']['sync_state'], odoo['link']['maybe_sent']), ('in_flight', True),
                             'the lost answer leaves it in flight, to be settled, not sent afresh')
            self.assertFalse(odoo['link']['xero_id'])
            self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1, 'Xero has it')
            self.assertCronsHealthy()

            self.back_off_over(move_id)
            self.make_due(PUSH)
            self.run_cron_worker()
        odoo, invoice = self.assertBooksAgree(move_id, status='AUTHORISED')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1, 'bound, never created twice')
        self.assertEqual(invoice['InvoiceNumber'], odoo['name'])
        if len(seen) > 1:
            self.assertEqual(seen[1][1], sent_key, 'sent again with the same key, or looked up')
        self.assertCronsHealthy()

    def test_time_budget_spent_the_runner_runs_the_cron_again(self):
        """The budget of a run ends after its first batch (the contacts): the run reports work
        left, the runner reschedules it at once, and its next pass sends the documents."""
        move_ids = [self.post_invoice(10.0 + n) for n in range(3)]
        with patch(f'{RUNNER}.MIN_TIME_PER_JOB', 0), patch(f'{RUNNER}.MIN_RUNS_PER_JOB', 1):
            self.assertIn(PUSH, self.run_cron_worker())
            with self.own_env() as env:
                partner_link = env['xero.partner.link'].search([('partner_id', '=', self.partner_id),
                                                                ('organisation_id', '=', self.org_id)])
                self.assertEqual(partner_link.sync_state, 'synced', 'the first batch is committed')
                links = env['xero.move.link'].search([('move_id', 'in', move_ids)])
                self.assertEqual(set(links.mapped('sync_state')), {'pending'}, 'the rest waits for the next run')
                cron = env.ref(f'xero_integration.{PUSH}')
                progress = env['ir.cron.progress'].search([('cron_id', '=', cron.id)], order='id desc', limit=1)
                self.assertEqual((progress.done, progress.remaining), (1, 3), 'what the run reported')
            self.assertIn(PUSH, self.ready_crons(), 'partially done: the runner takes it again at once')
            self.assertFalse(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'))

            self.run_cron_worker()
        for move_id in move_ids:
            self.assertBooksAgree(move_id, status='AUTHORISED')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 3)
        self.assertNotIn(PUSH, self.ready_crons())
        self.assertCronsHealthy()

    @mute_logger(ENGINE_LOGGER)
    def test_rate_limited_push_wakes_the_cron_when_xero_lets_it_call_again(self):
        """Xero's 429: nothing landed, so the document is back in the queue as it was (not in
        flight), and the push asks the runner to wake it when Xero lets it call again, a
        committed trigger in the future; the runner does not take it before."""
        move_id = self.post_invoice(75.0)
        self.sim.faults.add('rate_limit', method='POST', path=INVOICES, tenant_id=NZ_TENANT_ID,
                            problem='minute', retry_after=60, count=None)
        started = fields.Datetime.now()
        self.run_cron_worker()
        link = self.odoo_move(move_id)['link']
        self.assertEqual((link['sync_state'], link['maybe_sent']), ('pending', False), 'refused before processing')
        self.assertGreater(link['next_attempt_date'], started, 'it waits for Xero')
        self.assertFalse(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'))
        with self.own_env() as env:
            cron = env.ref(f'xero_integration.{PUSH}')
            later = env['ir.cron.trigger'].search([('cron_id', '=', cron.id), ('call_at', '>', started)])
            self.assertTrue(later, 'the push wakes itself for when Xero lets it call again')
        self.assertNotIn(PUSH, self.ready_crons(), 'not before')
        self.assertCronsHealthy()
        # The minute has passed.
        self.sim.faults.clear()
        self.back_off_over(move_id)
        with self.own_env() as env:
            env['ir.cron.trigger'].browse(later.ids).write({'call_at': fields.Datetime.now() - timedelta(seconds=1)})
        self.assertIn(PUSH, self.ready_crons())
        self.run_cron_worker()
        self.assertBooksAgree(move_id, status='AUTHORISED')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertCronsHealthy()

    @mute_logger(ENGINE_LOGGER)
    def test_serialization_failure_rolls_back_the_batch_and_claims_again(self):
        """Another worker commits a change to a row this batch then writes: PostgreSQL refuses
        the batch's transaction (REPEATABLE READ). The engine rolls back that batch only (the
        contacts committed before it stay), claims again on a fresh snapshot and sends, once;
        the runner sees a run that did not fail."""
        move_id = self.post_invoice(90.0)
        Engine = self.own_registry['xero.sync.engine']
        push_links = Engine._push_links
        calls = []

        def concurrent(engine, organisation, links):
            calls.append(links._name)
            if links._name == 'xero.move.link' and calls.count('xero.move.link') == 1:
                links.write({'last_error': 'uncommitted work of the refused batch'})
                links.env.flush_all()
                with self.own_registry.cursor() as other:  # another worker, committed
                    other.execute("UPDATE res_partner SET ref = 'changed by another worker' WHERE id = %s",
                                  [self.partner_id])
                engine.env.cr.execute("UPDATE res_partner SET ref = ref WHERE id = %s", [self.partner_id],
                                      log_exceptions=False)
            return push_links(engine, organisation, links)

        with patch.object(Engine, '_push_links', concurrent):
            self.run_cron_worker()
        self.assertEqual(calls.count('xero.move.link'), 2, 'refused once, claimed and pushed again')
        odoo, _invoice = self.assertBooksAgree(move_id, status='AUTHORISED')
        self.assertFalse(odoo['link']['last_error'], 'the refused batch left nothing behind')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Contacts'), 1, 'the contacts batch stayed')
        with self.own_env() as env:
            partner = env['res.partner'].browse(self.partner_id)
            self.assertEqual(partner.ref, 'changed by another worker', "the other worker's change stands")
            self.assertEqual(env['xero.partner.link'].search([('partner_id', '=', partner.id),
                                                              ('organisation_id', '=', self.org_id)]).sync_state,
                             'synced')
        self.assertCronsHealthy()

    # --- pull -----------------------------------------------------------------------------------

    def test_contact_made_in_xero_comes_in_through_the_pull_cron(self):
        with self.own_env() as env:
            org = env['xero.organisation'].browse(self.org_id)
            element, = org._xero().save('contacts', [{'name': 'Made In Xero Ltd',
                                                      'email_address': 'hello@madeinxero.example'}],
                                        'cron-test-contact')
            self.assertTrue(element.ok, element.errors)
        self.assertNotIn(PULL, self.ready_crons(), 'the pull waits for its hour')
        self.make_due(PULL)
        self.assertIn(PULL, self.run_cron_worker())
        with self.own_env() as env:
            link = env['xero.partner.link'].search([('xero_id', '=', element.xero_id),
                                                    ('organisation_id', '=', self.org_id)])
            self.assertEqual(len(link), 1)
            self.assertEqual(link.sync_state, 'synced')
            self.assertEqual((link.partner_id.name, link.partner_id.email),
                             ('Made In Xero Ltd', 'hello@madeinxero.example'))
            partner_id = link.partner_id.id
            state = env['xero.pull.state'].search([('organisation_id', '=', self.org_id), ('kind', '=', 'contacts')])
            self.assertTrue(state.watermark, 'the next pull starts where this one ended')
            self.assertFalse(state.run_page, 'the run is finished, committed')
        contact, = self.xero_get(f'Contacts/{element.xero_id}')['Contacts']
        self.assertEqual(contact['Name'], 'Made In Xero Ltd')
        # Pulled again: matched by its link, not made twice.
        self.make_due(PULL)
        self.run_cron_worker()
        with self.own_env() as env:
            self.assertEqual(env['res.partner'].search_count([('name', '=', 'Made In Xero Ltd')]), 1)
            self.assertEqual(env['xero.partner.link'].search([('xero_id', '=', element.xero_id)]).partner_id.id,
                             partner_id)
        self.assertCronsHealthy()


    def test_document_made_in_xero_comes_in_through_the_poll_cron(self):
        contact = next(c for c in self.xero_get('Contacts')['Contacts'] if c['Name'] == 'City Limousines')
        with self.own_env() as env:
            org = env['xero.organisation'].browse(self.org_id)
            element, = org._xero().save('invoices', [{
                'type': 'ACCREC', 'contact': {'contact_id': contact['ContactID']}, 'invoice_number': 'XERO-CRON-1',
                'date': fields.Date.today(), 'due_date': fields.Date.today(), 'line_amount_types': 'Exclusive',
                'status': 'AUTHORISED', 'line_items': [{'description': 'Made in Xero', 'quantity': 3.0,
                                                        'unit_amount': 40.0, 'account_code': '200',
                                                        'tax_type': 'OUTPUT2'}]}], 'cron-test-xero-invoice')
            self.assertTrue(element.ok, element.errors)
            self.assertFalse(env['xero.move.link'].search([('xero_id', '=', element.xero_id)]))
        self.make_due(POLL)
        self.assertIn(POLL, self.run_cron_worker())
        with self.own_env() as env:
            link = env['xero.move.link'].search([('xero_id', '=', element.xero_id)])
            self.assertEqual(len(link), 1, 'imported once')
            self.assertTrue(link.from_xero)
            move_id = link.move_id.id
            self.assertEqual(link.move_id.partner_id, env['xero.partner.link'].search(
                [('xero_id', '=', contact['ContactID']), ('organisation_id', '=', self.org_id)]).partner_id,
                'on the contact the pull brought in')
            tax = link.move_id.invoice_line_ids.tax_ids
            self.assertEqual(len(tax), 1)
            self.assertEqual(link.organisation_id.tax_mapping_ids.filtered(lambda m: m.tax_id == tax).xero_tax_type,
                             'OUTPUT2', 'through the tax mapping, reversed')
        odoo, invoice = self.assertBooksAgree(move_id, status='AUTHORISED')
        self.assertAlmostEqual(odoo['total'], 138.0, places=2)
        self.assertEqual(invoice['InvoiceNumber'], 'XERO-CRON-1')
        # The next poll brings nothing new.
        self.make_due(POLL)
        self.run_cron_worker()
        with self.own_env() as env:
            self.assertEqual(env['xero.move.link'].search_count([('xero_id', '=', element.xero_id)]), 1)
        self.assertCronsHealthy()

    # --- payments -------------------------------------------------------------------------------

    def test_payment_registered_in_odoo_goes_through_the_cron(self):
        move_id = self.post_invoice(200.0)
        self.run_cron_worker()
        self.assertBooksAgree(move_id, status='AUTHORISED')
        self.register_payment(move_id, amount=50.0)
        with self.own_env() as env:
            payment_links = env['xero.payment.link'].search([('move_id', '=', move_id)])
            self.assertEqual(payment_links.mapped('sync_state'), ['pending'], 'queued, committed, no call')
        self.assertPushWoken()
        self.run_cron_worker()
        odoo, invoice = self.assertBooksAgree(move_id, status='AUTHORISED')
        self.assertEqual(odoo['payment_state'], 'partial')
        self.assertAlmostEqual(float(invoice['AmountDue']), 230.0 - 50.0, places=2)
        # The rest: Xero's invoice is paid, as Odoo's.
        self.register_payment(move_id)
        self.assertPushWoken()
        self.run_cron_worker()
        odoo, invoice = self.assertBooksAgree(move_id, status='PAID')
        self.assertIn(odoo['payment_state'], ('paid', 'in_payment'))
        self.assertEqual(float(invoice['AmountDue']), 0.0)
        with self.own_env() as env:
            links = env['xero.payment.link'].search([('move_id', '=', move_id)])
            self.assertEqual(links.mapped('sync_state'), ['synced', 'synced'])
        payments = [p for p in self.xero_get('Payments')['Payments'] if p['Status'] == 'AUTHORISED']
        self.assertEqual(sorted(float(p['Amount']) for p in payments), [50.0, 180.0])
        self.assertCronsHealthy()

    def test_payment_made_in_xero_comes_in_through_the_poll_cron(self):
        move_id = self.post_invoice(120.0)
        self.run_cron_worker()
        odoo, _invoice = self.assertBooksAgree(move_id, status='AUTHORISED')
        with self.own_env() as env:
            org = env['xero.organisation'].browse(self.org_id)
            element, = org._xero().save('payments', [{
                'invoice': {'invoice_id': odoo['link']['xero_id']}, 'account': {'code': '090'},
                'date': fields.Date.today(), 'amount': 138.0, 'reference': 'Paid in Xero'}], 'cron-test-pay')
            self.assertTrue(element.ok, element.errors)
        self.assertEqual(self.odoo_move(move_id)['payment_state'], 'not_paid', 'nothing in Odoo before the poll')
        self.make_due(POLL)
        self.assertIn(POLL, self.run_cron_worker())
        odoo, _invoice = self.assertBooksAgree(move_id, status='PAID')
        self.assertIn(odoo['payment_state'], ('paid', 'in_payment'))
        self.assertEqual(odoo['link']['xero_status'], 'PAID')
        with self.own_env() as env:
            link = env['xero.payment.link'].search([('xero_id', '=', element.xero_id)])
            self.assertTrue(link.from_xero)
            self.assertEqual(link.payment_id.journal_id.id, self.bank_id, 'in the journal mapped to 090')
            self.assertAlmostEqual(link.payment_id.amount, 138.0, places=2)
        # It does not go back to Xero: the push has nothing to send.
        calls = self.sim.counters.count(method='PUT', tenant_id=NZ_TENANT_ID) + \
            self.sim.counters.count(method='POST', tenant_id=NZ_TENANT_ID)
        self.make_due(PUSH)
        self.run_cron_worker()
        self.assertEqual(self.sim.counters.count(method='PUT', tenant_id=NZ_TENANT_ID) +
                         self.sim.counters.count(method='POST', tenant_id=NZ_TENANT_ID), calls)
        self.assertCronsHealthy()
