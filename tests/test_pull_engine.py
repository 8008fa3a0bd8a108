"""The pull engine over real HTTP to the simulator, its crons run by Odoo's cron runner: one
organisation's trouble (Xero's answer, or one record Odoo refuses) never stops another, nothing
is skipped between pages, and nothing comes in twice."""
# The errors raised here stand for a localisation's checks: their text is not for translators.
# pylint: disable=translation-required
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time
from odoo.tools import mute_logger

from ..models import xero_pull_engine
from ..xero_sim.seed import NZ_TENANT_ID
from .test_payments import PaymentCase

PAYMENTS = '/api.xro/2.0/Payments'
CONTACTS = '/api.xro/2.0/Contacts'
ACCOUNTS = '/api.xro/2.0/Accounts'
ENGINE_LOGGER = 'odoo.addons.xero_integration.models.xero_pull_engine'


class PullEngineCase(PaymentCase):
    """Organisation A (the NZ demo company) and organisation B (a second NZ company in Xero),
    both on the main company: sales journals route documents to one or the other."""

    def setUp(self):
        super().setUp()
        self.tenant_b = self.sim.add_organisation('Second Company (NZ)', country_code='NZ')
        self.org_b = self.connect_organisations(tenants=[self.tenant_b])
        self.org_b.write({'auto_sync_contacts': True, 'auto_sync_invoices': True, 'auto_sync_payments': True})
        self.org_b.tax_mapping_ids.action_confirm()
        for account, code in ((self.income, '200'), (self.expense, '300')):
            self.env['xero.account.mapping'].create({'organisation_id': self.org_b.id, 'account_id': account.id,
                                                     'xero_account_id': self.xero_account(self.org_b, code).id})
        self.env['xero.journal.mapping'].create({'organisation_id': self.org_b.id, 'journal_id': self.bank.id,
                                                 'xero_account_id': self.xero_account(self.org_b, '090').id})
        Journal = self.env['account.journal']
        sales = Journal.search([*Journal._check_company_domain(self.env.company), ('type', '=', 'sale')], limit=1)
        sales.xero_organisation_id = self.org
        self.sales_b = Journal.create({'name': 'Sales B', 'code': 'SALB', 'type': 'sale',
                                       'xero_organisation_id': self.org_b.id})

    # --- helpers ------------------------------------------------------------------------------

    def invoice(self, organisation, amount=100.0):
        """A posted invoice, pushed to ``organisation``."""
        values = {'journal_id': self.sales_b.id} if organisation == self.org_b else {}
        move = self.make_move(lines=[(amount, 1, self.sale15, 0.0)], **values)
        self.push(organisation)
        self.assertEqual(self.move_link(move).sync_state, 'synced', self.move_link(move).last_error)
        return move

    def move_link(self, move):
        return self.env['xero.move.link'].search([('move_id', '=', move.id)])

    def pay_in_xero(self, move, amount, account='090', organisation=None):
        """A payment entered in Xero; ``organisation`` is the document's, in the env to call
        Xero with (a cron's, while it runs)."""
        link = self.move_link(move)
        return self.xero_payment(organisation or link.organisation_id, link.xero_id, amount, account)

    def xero_payment(self, organisation, invoice_id, amount, account='090'):
        element, = organisation._xero().save('payments', [{
            'invoice': {'invoice_id': invoice_id}, 'account': {'code': account},
            'date': fields.Date.today(), 'amount': amount, 'reference': 'Paid in Xero'}],
            f'test-pay-{invoice_id}-{amount}-{account}')
        self.assertTrue(element.ok, element.errors)
        return element.xero_id

    def sim_contacts(self):
        return self.sim.organisation(NZ_TENANT_ID).contacts

    def registered(self, xero_id):
        return self.env['xero.payment.link'].search([('xero_id', '=', xero_id), ('from_xero', '=', True)])

    def run_cron(self, xmlid):
        """Run a cron as Odoo's cron runner does (its own cursor, its progress loop, real
        commits); it must not fail, whatever happened."""
        cron = self.env.ref(f'xero_integration.{xmlid}')
        with self.enter_registry_test_mode():
            result = cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertIs(result, True, 'the cron run did not fail')
        self.assertEqual(cron.failure_count, 0)

    def assertBothBooks(self, move):
        """Odoo's residual and state say what Xero's AmountDue and Status say."""
        document = self.sim.organisation(self.move_link(move).organisation_id.tenant_id).invoices[
            self.move_link(move).xero_id.lower()]
        self.assertAlmostEqual(move.amount_residual, float(document['AmountDue']), places=2)
        self.assertEqual(document['Status'] == 'PAID', move.payment_state in ('paid', 'in_payment'))


class TestPullIsolation(PullEngineCase):

    @mute_logger(ENGINE_LOGGER)
    def test_xero_faults_on_one_organisation_never_stop_the_other(self):
        move_a, move_b = self.invoice(self.org), self.invoice(self.org_b)
        # The 429 last: Xero's wait it orders holds organisation A until it is over.
        faults = [('garbled', {}), ('status', {'status': 503}),
                  ('rate_limit', {'problem': 'minute', 'retry_after': 30})]
        for n, (kind, options) in enumerate(faults, start=1):
            with self.subTest(fault=kind):
                paid_a, paid_b = self.pay_in_xero(move_a, 10.0 * n), self.pay_in_xero(move_b, 10.0 * n)
                self.sim.faults.add(kind, method='GET', path=PAYMENTS, tenant_id=NZ_TENANT_ID, count=1, **options)
                self.run_cron('ir_cron_xero_poll')
                self.assertEqual(self.sim.faults.fired[-1][0], kind)
                self.assertTrue(self.registered(paid_b), "the other organisation's payment came in, same run")
                self.assertFalse(self.registered(paid_a))
                self.assertBothBooks(move_b)
                # The fault gone (and, after a 429, Xero's wait over), A catches up.
                with freeze_time(fields.Datetime.now() + timedelta(minutes=1)):
                    self.run_cron('ir_cron_xero_poll')
                self.assertEqual(len(self.registered(paid_a)), 1)
                self.assertBothBooks(move_a)
                self.assertBothBooks(move_b)
        self.assertEqual(len(self.env['xero.payment.link'].search([('from_xero', '=', True)])), 2 * len(faults),
                         'none twice')

    @mute_logger(ENGINE_LOGGER)
    def test_contact_pull_goes_on_for_the_other_organisation(self):
        for tenant in (NZ_TENANT_ID, self.tenant_b):
            self.sim.seed(tenant, contacts=[{'Name': f'New in {tenant[:4]}',
                                             'EmailAddress': f'{tenant[:4]}@example.com'}])
        self.sim.faults.add('status', method='GET', path=CONTACTS, tenant_id=NZ_TENANT_ID, count=1, status=503)
        self.run_cron('ir_cron_xero_pull')
        Partner = self.env['res.partner']
        self.assertTrue(Partner.search([('email', '=', f'{self.tenant_b[:4]}@example.com')]))
        self.assertFalse(Partner.search([('email', '=', f'{NZ_TENANT_ID[:4]}@example.com')]))
        self.run_cron('ir_cron_xero_pull')
        self.assertEqual(Partner.search_count([('email', '=', f'{NZ_TENANT_ID[:4]}@example.com')]), 1)

    def test_an_odoo_error_on_one_new_contact_holds_it_and_the_rest_are_created(self):
        self.sim.seed(NZ_TENANT_ID, contacts=[{'Name': name, 'EmailAddress': f'{n}@refusal.example'}
                                              for n, name in enumerate(('Fine One', 'Refused Ltd', 'Fine Two'))])
        Pull = type(self.env['xero.contact.pull'])
        create_partners = Pull._create_partners

        def refuse_one(model, contacts):
            # As a localisation's check on partners would (e.g. a VAT number it finds invalid).
            if any(contact['name'] == 'Refused Ltd' for contact in contacts):
                raise ValidationError('The VAT number of Refused Ltd is not valid.')
            return create_partners(model, contacts)
        with patch.object(Pull, '_create_partners', refuse_one):
            self.run_cron('ir_cron_xero_pull')
        emails = self.env['res.partner'].search([('email', '=like', '%@refusal.example')]).mapped('email')
        self.assertEqual(sorted(emails), ['0@refusal.example', '2@refusal.example'], 'the rest of the batch')
        refused = next(c for c in self.sim_contacts().values() if c['Name'] == 'Refused Ltd')
        review = self.env['xero.review'].search([('xero_id', '=', refused['ContactID'])])
        self.assertEqual((review.kind, review.state), ('contact', 'open'))
        self.assertIn('The VAT number of Refused Ltd is not valid.', review.reason)
        # The accountant fixes it and creates it from the review.
        review.action_create()
        self.assertTrue(self.env['res.partner'].search([('email', '=', '1@refusal.example')]))

    def test_an_odoo_error_on_one_payment_holds_it_and_the_rest_goes_on(self):
        refusing = self.env['account.journal'].create({'name': 'Savings (no payment method)', 'code': 'SAVX',
                                                       'type': 'bank'})
        manual = refusing.inbound_payment_method_line_ids.payment_method_id
        refusing.inbound_payment_method_line_ids = [Command.clear()]
        self.env['xero.journal.mapping'].create({'organisation_id': self.org.id, 'journal_id': refusing.id,
                                                 'xero_account_id': self.xero_account(self.org, '091').id})
        bad, good, other = self.invoice(self.org), self.invoice(self.org), self.invoice(self.org_b)
        refused = self.pay_in_xero(bad, 25.0, account='091')
        paid, paid_b = self.pay_in_xero(good, good.amount_total), self.pay_in_xero(other, 30.0)
        self.run_cron('ir_cron_xero_poll')
        self.assertEqual(len(self.registered(paid)), 1, 'the rest of the page went on')
        self.assertEqual(len(self.registered(paid_b)), 1, 'and the other organisation')
        self.assertBothBooks(good)
        self.assertBothBooks(other)
        self.assertFalse(self.registered(refused))
        self.assertEqual(bad.payment_state, 'not_paid', 'rolled back, that record only')
        review = self.env['xero.review'].search([('xero_id', '=', refused)])
        self.assertEqual((review.state, review.organisation_id), ('open', self.org))
        self.assertIn('payment method', review.reason, "Odoo's own words")
        self.assertNotIn('Traceback', review.reason)
        # Once the journal is fixed, the accountant tries again: registered once, both books agree.
        refusing.inbound_payment_method_line_ids = [Command.create({'payment_method_id': manual.id})]
        review.action_retry()
        self.assertEqual(review.state, 'done')
        self.assertEqual(len(self.registered(refused)), 1)
        self.assertBothBooks(bad)
        self.run_cron('ir_cron_xero_poll')
        self.assertEqual(len(self.registered(refused)), 1, 'not twice')


class TestPullPaging(PullEngineCase):

    def test_payments_made_in_xero_while_paging_are_all_registered_once(self):
        moves = [self.invoice(self.org, amount=100.0 + n) for n in range(10)]
        before, during = moves[:5], [(self.move_link(move).xero_id, move.amount_total) for move in moves[5:]]
        for move in before:
            self.pay_in_xero(move, 40.0)
        Pull = type(self.env['xero.payment.pull'])
        fetch = Pull._pull_fetch
        pages = []

        def fetch_while_xero_changes(model, organisation, stream, since, page, page_size):
            result = fetch(model, organisation, stream, since, page, page_size)
            if organisation.id == self.org.id:
                pages.append((since, page))
                if len(pages) == 1:
                    # Someone pays the other invoices in Xero while Odoo reads the first page.
                    for invoice_id, amount in during:
                        self.xero_payment(organisation, invoice_id, amount)
            return result
        state = self.env['xero.pull.state']._for(self.org, 'payments')
        with patch.object(xero_pull_engine, 'PAGE_SIZE', 2), \
                patch.object(Pull, '_pull_fetch', fetch_while_xero_changes):
            # A slow machine may need more than one run of the cron (each stops at its time
            # budget and resumes where it stopped), as Odoo's runner would re-run it.
            for _run in range(5):
                self.run_cron('ir_cron_xero_poll')
                if state.watermark and not state.run_page:
                    break
        self.assertFalse(state.run_page, 'the run is over')
        self.assertEqual(len({since for since, _page in pages}), 1, 'every page with the same since')
        numbers = [page for _since, page in pages]
        self.assertEqual(sorted(numbers), numbers, 'a resumed run goes on from its page')
        self.assertEqual(max(numbers), 6, 'ten payments, pages of two: the sixth says there is no more')
        for move in moves:
            self.assertEqual(len(self.env['xero.payment.link'].search([('move_id', '=', move.id),
                                                                      ('from_xero', '=', True)])), 1, move.name)
            self.assertBothBooks(move)
        newest = max(p['UpdatedDateUTC'] for p in self.sim_payments()).replace(tzinfo=None)
        self.assertLess(abs((state.watermark - newest).total_seconds()), 0.001, "Xero's greatest UpdatedDateUTC")
        self.run_cron('ir_cron_xero_poll')
        self.assertEqual(self.env['xero.payment.link'].search_count([('from_xero', '=', True)]), len(moves),
                         'none twice')

    def test_a_run_cut_short_resumes_at_its_page_with_the_same_since(self):
        moves = [self.invoice(self.org, amount=50.0 + n) for n in range(5)]
        paid = [self.pay_in_xero(move, 20.0) for move in moves]
        Engine = type(self.env['xero.pull.engine'])
        commits = []

        def time_up_after_three_batches(engine, processed, remaining=None):
            commits.append(processed)
            return len(commits) < 3
        page_size = patch.object(xero_pull_engine, 'PAGE_SIZE', 2)
        page_size.start()
        self.addCleanup(page_size.stop)
        with patch.object(xero_pull_engine, 'BATCH_RECORDS', 1), patch.object(xero_pull_engine, 'FIRST_BATCH', 1), \
                patch.object(Engine, '_commit', time_up_after_three_batches):
            counts = self.env['xero.payment.pull']._pull(self.org)
        self.assertTrue(counts['stopped'])
        state = self.env['xero.pull.state']._for(self.org, 'payments')
        self.assertEqual((state.run_page, state.run_offset), (2, 1), 'page 2, its first record done')
        self.assertFalse(state.run_since, 'the since of a first pull: everything')
        self.assertFalse(state.watermark, 'not moved before the last page')
        self.assertEqual(len(self.env['xero.payment.link'].search([('xero_id', 'in', paid)])), 3)
        requests = len([r for r in self.sim.requests if r.endpoint == PAYMENTS])
        counts = self.env['xero.payment.pull'].with_context(xero_no_commit=True)._pull(self.org)
        self.assertEqual(counts['created'], 2, 'the rest, nothing again')
        self.assertEqual([r.query.get('page') for r in self.sim.requests if r.endpoint == PAYMENTS][requests:],
                         ['2', '3'], 'resumed at its page')
        self.assertEqual(len(self.env['xero.payment.link'].search([('xero_id', 'in', paid)])), 5)
        self.assertTrue(state.watermark)
        for move in moves:
            self.assertBothBooks(move)

    def test_a_cycle_cut_short_in_its_first_kind_goes_on_to_the_kinds_after_it(self):
        move = self.invoice(self.org, amount=80.0)
        self.pay_in_xero(move, 30.0)
        Engine = type(self.env['xero.pull.engine'])
        documents = self.env['xero.pull.state']._for(self.org, 'documents')
        # The cycle's previous invocation stopped at its time in the documents' run, before the
        # payments were reached: this one goes on with the documents, then the payments.
        documents.write({'run_page': 1, 'run_offset': 0, 'run_since': documents.watermark,
                         'run_stream': 'invoices', 'run_watermark': documents.watermark, 'requested': True})
        with patch.object(Engine, '_continuing', lambda engine: True):
            self.run_cron('ir_cron_xero_poll')
        self.assertFalse(documents.run_page, "the documents' run is over")
        self.assertEqual(self.env['xero.payment.link'].search_count(
            [('move_id', '=', move.id), ('from_xero', '=', True)]), 1, 'the payments were read in the same cycle')
        self.assertBothBooks(move)


class TestWholeLists(PullEngineCase):
    """Kinds Xero lists whole in one answer (its chart here), read by an administrator's button:
    one record Odoo refuses, or one organisation's trouble with Xero, stops nothing else."""

    NEW = (('481', 'Fine one'), ('482', 'Refused'), ('483', 'Fine two'))

    def setUp(self):
        super().setUp()
        for tenant in (NZ_TENANT_ID, self.tenant_b):
            self.sim.seed(tenant, accounts=[{'Code': code, 'Name': name, 'Type': 'EXPENSE'} for code, name in self.NEW])

    def codes(self, organisation):
        new = [code for code, _name in self.NEW]
        return sorted(self.env['xero.account'].search(
            [('organisation_id', '=', organisation.id), ('code', 'in', new)]).mapped('code'))

    def assertChartAsXero(self, organisation, tenant):
        listed = {str(account['AccountID']).lower() for account in self.sim.organisation(tenant).accounts.values()}
        imported = self.env['xero.account'].search([('organisation_id', '=', organisation.id)])
        self.assertEqual(set(imported.mapped('xero_id')), listed, 'every account Xero lists, active, none twice')

    @mute_logger(ENGINE_LOGGER)
    def test_an_odoo_error_on_one_imported_account_holds_it_and_imports_the_rest(self):
        Account = type(self.env['xero.account'])
        pull_one = Account._pull_one

        def refuse_one(model, organisation, values, account):
            # As a rule of this database on accounts would.
            if organisation == self.org and values['code'] == '482':
                raise ValidationError('Account 482 breaks a rule of this database.')
            return pull_one(model, organisation, values, account)
        with patch.object(Account, '_pull_one', refuse_one):
            (self.org | self.org_b).action_import_chart()
        self.assertEqual(self.codes(self.org), ['481', '483'], 'the rest of the chart')
        self.assertEqual(self.codes(self.org_b), ['481', '482', '483'])
        self.assertChartAsXero(self.org_b, self.tenant_b)
        refused = next(a for a in self.sim.organisation(NZ_TENANT_ID).accounts.values() if a['Code'] == '482')
        review = self.env['xero.review'].search([('xero_id', '=', str(refused['AccountID']).lower())])
        self.assertEqual((review.kind, review.state, review.organisation_id), ('account', 'open', self.org))
        self.assertIn('Account 482 breaks a rule of this database.', review.reason)
        # Once the cause is fixed, it comes in from the review list.
        review.action_retry()
        self.assertEqual(review.state, 'done')
        self.assertChartAsXero(self.org, NZ_TENANT_ID)

    @mute_logger(ENGINE_LOGGER)
    def test_xero_error_on_one_organisation_leaves_the_others_chart_in(self):
        self.sim.faults.add('status', method='GET', path=ACCOUNTS, tenant_id=NZ_TENANT_ID, count=1, status=503)
        notification = (self.org | self.org_b).action_import_chart()
        self.assertEqual(self.sim.faults.fired[-1][0], 'status')
        self.assertEqual(notification['params']['type'], 'warning')
        self.assertIn(self.org.name, notification['params']['message'])
        self.assertEqual(self.codes(self.org), [])
        self.assertChartAsXero(self.org_b, self.tenant_b)
        self.org.action_import_chart()
        self.assertChartAsXero(self.org, NZ_TENANT_ID)

    @mute_logger(ENGINE_LOGGER)
    def test_an_odoo_error_on_one_pulled_item_holds_it_and_pulls_the_rest(self):
        self.org.sync_items = True
        Link = type(self.env['xero.product.link'])
        pull_one = Link._pull_one

        def refuse_one(model, organisation, record, link):
            if record['code'] == 'DevD':
                raise ValidationError('Products coded DevD need an approval in this database.')
            return pull_one(model, organisation, record, link)
        with patch.object(Link, '_pull_one', refuse_one):
            self.org.action_pull_items()
        items = {str(item['ItemID']).lower(): item['Code']
                 for item in self.sim.organisation(NZ_TENANT_ID).items.values()}
        refused = next(xero_id for xero_id, code in items.items() if code == 'DevD')
        linked = self.org.product_link_ids.filtered('xero_id')
        self.assertEqual(set(linked.mapped('xero_id')), set(items) - {refused}, 'the other items, once each')
        self.assertEqual(set(linked.mapped('product_id.default_code')), set(items.values()) - {'DevD'})
        review = self.env['xero.review'].search([('xero_id', '=', refused)])
        self.assertEqual((review.kind, review.state), ('item', 'open'))
        self.assertIn('Products coded DevD need an approval in this database.', review.reason)
        review.action_retry()
        self.assertEqual(review.state, 'done')
        self.assertEqual(set(self.org.product_link_ids.filtered('xero_id').mapped('xero_id')), set(items))
