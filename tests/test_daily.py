from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user
from odoo.tools import mute_logger

from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .sync_common import CONTACTS, ENGINE_LOGGER, INVOICES, SyncCase


class TestAutoSync(SyncCase):

    def test_invoices_switch(self):
        self.org.auto_sync_invoices = False
        move = self.make_move()
        self.push()
        self.assertEqual(self.link(move).sync_state, 'pending', 'switch off: it waits for a user')
        self.assertEqual(self.calls(INVOICES), 0)
        move.action_xero_sync()
        self.push()
        self.assertEqual(self.link(move).sync_state, 'synced', 'a user asked: it goes')

    def test_contacts_switch_on_the_pull(self):
        self.org.auto_sync_contacts = False
        cron = self.env.ref('xero_integration.ir_cron_xero_pull')
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertFalse([r for r in self.sim.requests if r.endpoint == CONTACTS], 'no pull with the switch off')
        self.org.action_sync_now()
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertTrue([r for r in self.sim.requests if r.endpoint == CONTACTS], 'Sync now pulls anyway')

    def test_payments_switch(self):
        self.org.auto_sync_payments = False
        move = self.make_move()
        self.push()
        bank = self.env['account.journal'].search(
            [('company_id', '=', self.env.company.id), ('type', '=', 'bank')], limit=1)
        self.env['xero.journal.mapping'].search([('journal_id', '=', bank.id)]).unlink()
        self.env['xero.journal.mapping'].create({'organisation_id': self.org.id, 'journal_id': bank.id,
                                                 'xero_account_id': self.xero_account(self.org, '090').id})
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=move.ids).create(
            {'journal_id': bank.id})._create_payments()
        self.push()
        link = self.env['xero.payment.link'].search([('move_id', '=', move.id)])
        self.assertEqual(link.sync_state, 'pending')
        self.org.action_sync_now()
        self.push()
        self.assertEqual(link.sync_state, 'synced')

    def test_items_switch(self):
        self.org.sync_items = True
        product = self.env['product.product'].create({'name': 'Auto widget', 'default_code': 'AUTO-1'})
        crons = (self.env.ref('xero_integration.ir_cron_xero_queue_items')
                 | self.env.ref('xero_integration.ir_cron_xero_push'))
        with self.enter_registry_test_mode():
            for cron in crons:
                cron.method_direct_trigger()
        self.assertFalse(product.id in self.org.product_link_ids.product_id.ids, 'auto items off: nothing')
        self.org.auto_sync_items = True
        with self.enter_registry_test_mode():
            for cron in crons:
                cron.method_direct_trigger()
        link = self.org.product_link_ids.filtered(lambda link: link.product_id == product)
        self.assertEqual(link.sync_state, 'synced')

    def test_switches_on_several_organisations_at_once(self):
        au = self.connect_organisations(tenants=[AU_TENANT_ID])
        (self.org | au).write({'auto_sync_items': True, 'auto_sync_bank_feed': True})
        self.assertTrue(all((self.org | au).mapped('auto_sync_items')))


class TestSyncLog(SyncCase):

    @mute_logger(ENGINE_LOGGER)
    def test_log_counts_a_run_with_failures(self):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today() - timedelta(days=30))
        self.make_move()
        self.make_move()
        bad = self.make_move(invoice_date=fields.Date.today() - timedelta(days=40))
        self.push()
        log = self.env['xero.sync.log'].search([('organisation_id', '=', self.org.id), ('kind', '=', 'invoices')])
        self.assertEqual(len(log), 1, 'one row per run and kind')
        self.assertRecordValues(log, [{'direction': 'push', 'sent': 3, 'created': 2, 'failed': 1}])
        self.assertGreaterEqual(log.calls, 1)
        self.assertIn(bad.name, log.errors)
        self.assertIn('lock date', log.errors)
        contacts = self.env['xero.sync.log'].search([('organisation_id', '=', self.org.id), ('kind', '=', 'contacts')])
        self.assertEqual(contacts.created, 1)

    @mute_logger(ENGINE_LOGGER)
    def test_error_list_retry_and_retry_all(self):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        moves = self.make_move() | self.make_move() | self.make_move()
        self.push()
        errors = self.env['xero.sync.error'].search([('organisation_id', '=', self.org.id)])
        self.assertEqual(len(errors), 3)
        self.assertEqual(set(errors.mapped('kind')), {'invoices'})
        self.assertIn('lock date', errors[0].last_error)
        self.assertIn(errors[0].record_name, moves.mapped('name'))
        self.sim.set_lock_dates(NZ_TENANT_ID, period=None)
        errors[0].action_retry()
        self.push()
        self.assertEqual(self.env['xero.sync.error'].search_count([('organisation_id', '=', self.org.id)]), 2)
        self.env['xero.sync.error'].search([('organisation_id', '=', self.org.id)]).action_retry()
        self.push()
        self.assertFalse(self.env['xero.sync.error'].search([('organisation_id', '=', self.org.id)]))
        self.assertEqual({self.link(m).sync_state for m in moves}, {'synced'})

    def test_old_log_rows_are_pruned(self):
        Log = self.env['xero.sync.log']
        old = Log.create({'organisation_id': self.org.id, 'kind': 'invoices', 'direction': 'push', 'sent': 1,
                          'start_date': fields.Datetime.now() - timedelta(days=91)})
        recent = Log.create({'organisation_id': self.org.id, 'kind': 'invoices', 'direction': 'push', 'sent': 1,
                             'start_date': fields.Datetime.now() - timedelta(days=89)})
        Log._cron_prune()
        self.assertFalse(old.exists())
        self.assertTrue(recent.exists())


class TestFailureEmails(SyncCase):

    def setUp(self):
        super().setUp()
        # A digest goes to someone: a Xero administrator with an address (with nobody to tell,
        # the organisation says so instead: test_frictions).
        self.org._xero_administrators()[:1].email = 'xero.admin@example.com'

    def digests(self):
        return self.env['mail.mail'].search([('subject', 'like', 'could not sync')])

    @mute_logger(ENGINE_LOGGER)
    def test_digest_once_for_many_failures_then_again_after_the_hour(self):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        for _n in range(4):
            self.make_move()
        self.push()
        self.env['xero.organisation.health']._cron_failure_digest()
        self.env['xero.organisation.health']._cron_failure_digest()
        self.assertEqual(len(self.digests()), 1, 'a digest, not a storm')
        self.assertIn('lock date', self.digests().body_html)
        self.assertTrue(any('Failure digest sent' in (m.body or '') for m in self.org.message_ids), 'chatter trace')
        with freeze_time(fields.Datetime.now() + timedelta(minutes=30)), self.enter_registry_test_mode():
            self.make_move()
            self.push()
            self.env['xero.organisation.health']._cron_failure_digest()
        self.assertEqual(len(self.digests()), 1, 'not within the hour')
        with freeze_time(fields.Datetime.now() + timedelta(minutes=61)):
            self.env['xero.organisation.health']._cron_failure_digest()
        self.assertEqual(len(self.digests()), 2)

    @mute_logger(ENGINE_LOGGER, 'odoo.addons.xero_integration.models.xero_token')
    def test_connection_loss_email_goes_at_once(self):
        self.sim.invalidate_refresh_tokens()
        self.org.sudo().token_id.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.make_move()
        with self.enter_registry_test_mode():
            self.push()
        self.assertEqual(self.org.state, 'needs_reconnect')
        self.assertTrue(self.env['mail.mail'].search([('subject', 'like', f'reconnect {self.org.name}')]))


class TestInactivity(SyncCase):

    def mails(self, text):
        return self.env['mail.mail'].search([('subject', 'like', text)])

    def test_warning_then_disconnect_on_a_frozen_clock(self):
        move = self.make_move()
        self.push()
        start = fields.Datetime.now()
        with freeze_time(start + timedelta(days=54)):
            self.env['xero.organisation.health']._cron_inactivity()
            self.assertEqual(self.org.state, 'connected')
            self.assertTrue(self.mails('will be disconnected on'), '7 days before: a warning')
            self.assertTrue(self.org.activity_ids, 'and an activity')
        with freeze_time(start + timedelta(days=61)), mute_logger('odoo.addons.xero_integration.models.xero_health'):
            self.env['xero.organisation.health']._cron_inactivity()
        self.assertEqual(self.org.state, 'inactive')
        self.assertTrue(self.mails('was disconnected after a period without syncing'))
        self.assertTrue(self.link(move).xero_id, 'every link is kept')
        # Reconnecting resumes where it stopped, with no duplicates.
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.assertEqual(org, self.org)
        self.assertEqual(org.state, 'connected')
        move.ref = 'after reconnect'
        self.push()
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)

    def test_activity_resets_the_clock(self):
        self.make_move()
        self.push()
        start = fields.Datetime.now()
        with freeze_time(start + timedelta(days=50)), self.enter_registry_test_mode():
            self.make_move()
            self.push()  # something sent: activity (the token is refreshed in the test's transaction)
        with freeze_time(start + timedelta(days=61)):
            self.env['xero.organisation.health']._cron_inactivity()
        self.assertEqual(self.org.state, 'connected')
        self.assertFalse(self.mails('will be disconnected on'))


class TestTwoCompanies(SyncCase):
    """Two companies, each with its own organisation and its own records in every list the
    addon has (organisation, mappings, Xero's chart, contact and document links, sync log,
    errors); a user of one company sees none of the other's. The second test switches the
    addon's record rules off and shows the other company's records then in view: the first
    test holds because of the rules, not for want of records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref('base.AUD').active = True
        cls.other = cls.env['res.company'].create({'name': 'Second Company Ltd',
                                                   'currency_id': cls.env.ref('base.AUD').id})
        cls.env['account.chart.template'].try_loading('generic_coa', cls.other, install_demo=False)
        Account = cls.env['account.account']
        cls.au_income = Account.search([*Account._check_company_domain(cls.other),
                                        ('account_type', '=', 'income')], limit=1)
        cls.au_gst = cls.env['account.tax'].create({'name': 'GST 10% (AU)', 'amount': 10, 'amount_type': 'percent',
                                                   'type_tax_use': 'sale', 'company_id': cls.other.id})
        cls.au_customer = cls.env['res.partner'].create({'name': 'Sydney Customer Pty', 'is_company': True,
                                                         'company_id': cls.other.id})

    def _connect_au(self):
        """AU's organisation on the second company, mapped, with a document synced and one in
        error (Xero's lock date), and NZ's the same on the main company."""
        au = self.connect_organisations(tenants=[AU_TENANT_ID], company=self.other)
        au.write({'auto_sync_contacts': True, 'auto_sync_invoices': True})
        rate = au.xero_tax_rate_ids.filtered(lambda r: r.tax_type == 'OUTPUT')[:1]
        mapping = au.tax_mapping_ids.filtered(lambda m: m.tax_id == self.au_gst)
        if mapping:
            mapping.xero_tax_rate_id = rate
        else:
            self.env['xero.tax.mapping'].create({'organisation_id': au.id, 'tax_id': self.au_gst.id,
                                                 'xero_tax_rate_id': rate.id})
        au.tax_mapping_ids.action_confirm()
        sales = self.xero_account(au, '200')
        mapping = au.account_mapping_ids.filtered(lambda m: m.account_id == self.au_income)
        if mapping:
            mapping.xero_account_id = sales
        else:
            self.env['xero.account.mapping'].create({'organisation_id': au.id, 'account_id': self.au_income.id,
                                                     'xero_account_id': sales.id})
        locked = fields.Date.today() - timedelta(days=30)
        self.sim.set_lock_dates(AU_TENANT_ID, period=locked)
        self.sim.set_lock_dates(NZ_TENANT_ID, period=locked)
        old = fields.Date.today() - timedelta(days=40)
        au_moves = [self._au_move(), self._au_move(invoice_date=old)]
        nz_moves = [self.make_move(), self.make_move(invoice_date=old)]
        self.push()
        self.push(au)
        # Each company has records of its own in every list the test separates.
        Sudo = self.env(su=True)
        for org, moves in ((self.org, nz_moves), (au, au_moves)):
            links = Sudo['xero.move.link'].search([('move_id', 'in', [move.id for move in moves])])
            self.assertEqual(sorted(links.mapped('sync_state')), ['error', 'synced'], links.mapped('last_error'))
            self.assertEqual(links.organisation_id, org)
            self.assertTrue(Sudo['xero.partner.link'].search([('organisation_id', '=', org.id)]))
            self.assertTrue(Sudo['xero.sync.log'].search([('organisation_id', '=', org.id)]))
            self.assertEqual(Sudo['xero.sync.error'].search_count([('organisation_id', '=', org.id)]), 1)
            self.assertTrue(org.tax_mapping_ids and org.xero_account_ids and org.account_mapping_ids)
            # Its health row, as the crons make it.
            self.assertTrue(self.env['xero.organisation.health']._for(org))
        return au

    def _au_move(self, **values):
        move = self.env['account.move'].with_company(self.other).create(dict({
            'move_type': 'out_invoice', 'partner_id': self.au_customer.id, 'company_id': self.other.id,
            'invoice_date': fields.Date.today(),
            'invoice_line_ids': [Command.create({'name': 'Sydney work', 'price_unit': 300.0,
                                                 'account_id': self.au_income.id,
                                                 'tax_ids': [Command.set(self.au_gst.ids)]})],
        }, **values))
        move.action_post()
        return move

    def _user(self, company, login):
        return new_test_user(self.env, login=login, groups='base.group_user,xero_integration.group_xero_user',
                             company_id=company.id, company_ids=[company.id])

    def _seen(self, user):
        """The organisations whose records ``user`` finds, list by list."""
        env = self.env(user=user)
        seen = {'xero.organisation': env['xero.organisation'].search([])}
        for model in ('xero.move.link', 'xero.partner.link', 'xero.sync.log', 'xero.sync.error',
                      'xero.tax.mapping', 'xero.account.mapping', 'xero.account', 'xero.organisation.health'):
            seen[model] = env[model].search([]).organisation_id
        return seen

    def test_no_leak_between_companies(self):
        au = self._connect_au()
        orgs = self.org | au
        self.assertEqual(len(orgs.company_id), 2)
        user = self._user(self.env.company, 'xero_company_a')
        env = self.env(user=user)
        self.assertEqual(env['xero.organisation'].search([]), self.org)
        self.assertFalse(env['xero.move.link'].search([('organisation_id', '=', au.id)]))
        self.assertFalse(env['xero.sync.log'].search([('organisation_id', '=', au.id)]))
        self.assertFalse(env['xero.sync.error'].search([('organisation_id', '=', au.id)]))
        self.assertTrue(env['xero.sync.log'].search([('organisation_id', '=', self.org.id)]))
        # Every list, both ways: each company's user sees its own organisation's records only.
        user_b = self._user(self.other, 'xero_company_b')
        for login, member, org in (('A', user, self.org), ('B', user_b, au)):
            for model, seen in self._seen(member).items():
                self.assertEqual(seen, org, f"company {login}'s user sees {model} of {org.name} only")
        # Nor can a record of the other company be read by its id.
        au_link = self.env['xero.move.link'].search([('organisation_id', '=', au.id)], limit=1)
        with self.assertRaises(AccessError):
            au_link.with_user(user).read(['xero_id'])

    def test_without_the_record_rules_the_other_company_is_in_view(self):
        """The same records, the addon's rules switched off: company A's user now finds AU's
        records in every list, so the separation above is the rules' doing."""
        au = self._connect_au()
        user = self._user(self.env.company, 'xero_company_a')
        Rule = self.env['ir.rule']
        rules = Rule.search([('model_id.model', 'in', ['xero.organisation', 'xero.move.link', 'xero.partner.link',
                                                       'xero.sync.log', 'xero.sync.error', 'xero.tax.mapping',
                                                       'xero.account.mapping', 'xero.account',
                                                       'xero.organisation.health'])])
        self.assertEqual(len(rules.model_id), 9, 'one rule for each list')
        self.assertTrue(all(rule['global'] for rule in rules), 'they bind every user')
        with self.env.cr.savepoint(flush=True) as savepoint:
            rules.active = False
            for model, seen in self._seen(user).items():
                self.assertEqual(seen, self.org | au, f'without its rule, {model} shows both companies')
            savepoint.rollback()
        # The rules are back: what was computed without them goes from the caches.
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertTrue(all(rules.mapped('active')))
        for model, seen in self._seen(user).items():
            self.assertEqual(seen, self.org, f'with its rule, {model} shows company A only')
