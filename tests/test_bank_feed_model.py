"""The bank feed as a model of its own (xero.bank.feed): its preparation runs before the engine
claims lines, never inside the payload hook, and the feed follows its organisation's company."""
import importlib.util
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from ..models import xero_sync_engine
from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .test_bank_feed import BANK_TRANSACTIONS, BankFeedCase

USERS = '/api.xro/2.0/Users'
MIGRATION = Path(__file__).parents[1] / 'migrations' / '19.0.1.3.0' / 'post-bank-feed.py'


class TestBankFeedModel(BankFeedCase):

    def stale_lock_dates(self):
        self.feed().lock_dates_read = fields.Datetime.now() - timedelta(days=2)

    def test_the_organisation_form_edits_its_one_feed(self):
        self.assertFalse(self.org.bank_feed_id, 'no feed before activation')
        self.activate()
        feed = self.org.bank_feed_id
        self.assertEqual(self.org.bank_feed_ids, feed)
        self.assertTrue(feed.activated and self.org.bank_feed_active)
        self.assertEqual(feed.journal_ids, self.card | self.wallet)
        self.assertEqual(self.org.bank_feed_journal_ids, feed.journal_ids)
        self.assertEqual(feed.currency_ids.bank_feed_id, feed)
        self.assertEqual(self.org.bank_feed_currency_ids, feed.currency_ids)
        self.org.bank_feed_account_id = self.xero_account(self.org, '429')
        self.assertEqual(feed.account_id.code, '429', 'written through the organisation')
        rule = self.env['xero.bank.feed.rule'].create({'organisation_id': self.org.id,
                                                       'partner_id': self.uber.id})
        self.assertEqual(rule.bank_feed_id, feed)
        self.assertEqual(self.org.bank_feed_rule_ids, rule)
        self.assertEqual(self.env['xero.bank.feed']._of(self.org), feed, 'one per organisation')
        self.assertTrue(self.org.bank_feed_contact_id)
        self.assertEqual(self.org.xero_user_role, feed.user_role)

    def test_the_organisation_form_buttons_reach_the_feed(self):
        self.activate()
        arch = self.env['xero.organisation'].get_views([(False, 'form')])['views']['form']['arch']
        activate = self.env.ref('xero_integration.action_xero_bank_feed_activate')
        read_again = self.env.ref('xero_integration.action_xero_bank_feed_refresh_lock_dates')
        self.assertIn(f'name="{activate.id}"', arch)
        self.assertIn(f'name="{read_again.id}"', arch)
        self.assertEqual((activate.res_model, activate.target), ('xero.bank.feed.wizard', 'new'))
        cron = self.env.ref('xero_integration.ir_cron_xero_bank_feed')
        Trigger = self.env['ir.cron.trigger'].sudo()
        before = Trigger.search_count([('cron_id', '=', cron.id)])
        result = read_again.with_context(active_model='xero.organisation', active_id=self.org.id,
                                         active_ids=self.org.ids).run()
        self.assertEqual(result['tag'], 'display_notification')
        self.assertEqual(Trigger.search_count([('cron_id', '=', cron.id)]), before + 1,
                         'the cron is woken; nothing waits on Xero')
        self.assertFalse(self.sim.requests)

    def test_the_payload_hook_calls_nothing_in_xero(self):
        self.set_default_account()
        self.activate(currencies=self.eur)
        # A currency switched on after activation has no account yet, and the lock dates are
        # old: what the lines need from Xero is read and made in this run.
        self.feed().currency_ids.filtered(lambda r: r.currency_id == self.gbp).enabled = True
        self.stale_lock_dates()
        lines = self.card_line(-12) | self.card_line(-13, journal=self.wallet)
        lines.action_xero_verify()
        Link = type(self.env['xero.statement.line.link'])
        original = Link._xero_payloads
        inside = []

        def payloads(links):
            before = len(self.sim.requests)
            result = original(links)
            inside.append(len(self.sim.requests) - before)
            return result
        with patch.object(Link, '_xero_payloads', payloads):
            self.push()
        self.assertTrue(inside, 'the payload hook ran')
        self.assertEqual(sum(inside), 0, 'no request to Xero from inside the payload hook')
        self.assertEqual(self.calls(USERS, 'GET'), 1, 'the role was read before, once')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Accounts'), 1, 'the GBP account made before')
        self.assertEqual(set(lines.mapped('xero_feed_state')), {'synced'})
        self.assertEqual(self.calls(BANK_TRANSACTIONS), 1)

    def test_the_preparation_runs_once_per_run_before_the_claim(self):
        self.set_default_account()
        self.activate()
        self.stale_lock_dates()
        lines = self.card_line(-1) | self.card_line(-2) | self.card_line(-3)
        lines.action_xero_verify()
        Link = type(self.env['xero.statement.line.link'])
        Engine = type(self.env['xero.sync.engine'])
        prepare, claim = Link._xero_prepare, Engine._claim
        events = []

        def spy_prepare(links, organisation):
            events.append('prepare')
            return prepare(links, organisation)

        def spy_claim(engine, links, organisation):
            claimed = claim(engine, links, organisation)
            if links._name == Link._name:
                events.append(f'claim {len(claimed)}')
            return claimed
        # One line a batch: three claims of one line, then one that finds nothing.
        with patch.object(Link, '_xero_prepare', spy_prepare), \
                patch.object(Engine, '_claim', spy_claim), \
                patch.object(xero_sync_engine, 'BATCH_SIZE', 1):
            self.push()
        self.assertEqual(events, ['prepare', 'claim 1', 'claim 1', 'claim 1', 'claim 0'])
        self.assertEqual(self.calls(USERS, 'GET'), 1)
        self.assertEqual(set(lines.mapped('xero_feed_state')), {'synced'})

    def test_nothing_on_its_way_prepares_nothing(self):
        self.set_default_account()
        self.activate()
        self.stale_lock_dates()
        self.push()
        self.assertFalse(self.sim.requests, 'no line to send: Xero is not asked')

    def test_the_feed_follows_its_organisations_company(self):
        company_b = self.env['res.company'].create({'name': 'Xero Feed Company B'})
        org_b = self.connect_organisations(company=company_b, tenants=[AU_TENANT_ID])
        Feed = self.env['xero.bank.feed']
        feed_a, feed_b = Feed._of(self.org), Feed._of(org_b)
        self.assertEqual((feed_a.company_id, feed_b.company_id), (self.env.company, company_b))
        groups = 'base.group_user,xero_integration.group_xero_user'
        user_a = new_test_user(self.env, login='xero_feed_a', groups=groups,
                               company_id=self.env.company.id, company_ids=self.env.company.ids)
        user_b = new_test_user(self.env, login='xero_feed_b', groups=groups,
                               company_id=company_b.id, company_ids=company_b.ids)
        self.assertEqual(Feed.with_user(user_a).search([]), feed_a)
        self.assertEqual(Feed.with_user(user_b).search([]), feed_b)
        with self.assertRaises(AccessError):
            feed_a.with_user(user_b).read(['start_date'])
        # A disconnected organisation may move to another company: its feed goes with it.
        org_b.write({'state': 'disconnected'})
        org_b.company_id = self.env.company
        self.assertEqual(feed_b.company_id, self.env.company)
        self.assertEqual(Feed.with_user(user_b).search([]), Feed)
        self.assertEqual(Feed.with_user(user_a).search([]), feed_a | feed_b)

    def test_an_upgrade_moves_the_feed_configured_on_the_organisation_into_its_feed(self):
        """19.0.1.2.0 kept the feed in columns of xero_organisation (an upgrade leaves them in the
        table): the migration makes the feed of each organisation that has one, with its rows."""
        self.activate(currencies=self.eur)
        feed = self.feed()
        rows, rules = feed.currency_ids, self.env['xero.bank.feed.rule'].create({
            'organisation_id': self.org.id, 'partner_id': self.uber.id})
        bare = self.connect_organisations(tenants=[AU_TENANT_ID])
        start, contact = feed.start_date, feed.contact_id
        cron = self.env.ref('xero_integration.ir_cron_xero_bank_feed')
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("""ALTER TABLE xero_organisation ADD COLUMN bank_feed_active boolean,
                          ADD COLUMN bank_feed_start_date date, ADD COLUMN bank_feed_contact_id integer,
                          ADD COLUMN xero_user_role varchar""")
        cr.execute("""UPDATE xero_organisation SET bank_feed_active = true, bank_feed_start_date = %s,
                             bank_feed_contact_id = %s, xero_user_role = 'FINANCIALADVISER'
                       WHERE id = %s""", [start, contact.id, self.org.id])
        cr.execute('UPDATE xero_bank_feed_currency SET bank_feed_id = NULL')
        cr.execute('UPDATE xero_bank_feed_rule SET bank_feed_id = NULL')
        cr.execute('DELETE FROM xero_bank_feed')
        cron.model_id = self.env['ir.model']._get_id('xero.organisation')
        self.env.flush_all()
        self.env.invalidate_all()
        spec = importlib.util.spec_from_file_location('xero_post_migrate_19_0_1_3_0', MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(cr, '19.0.1.2.0')
        self.env.invalidate_all()
        moved = self.env['xero.bank.feed'].search([])
        self.assertEqual(moved.organisation_id, self.org, 'only the organisation with a feed')
        self.assertFalse(bare.bank_feed_id)
        self.assertEqual((moved.activated, moved.start_date, moved.contact_id, moved.user_role),
                         (True, start, contact, 'FINANCIALADVISER'))
        self.assertEqual(moved.company_id, self.org.company_id)
        self.assertEqual((moved.currency_ids, moved.rule_ids), (rows, rules))
        self.assertEqual((self.org.bank_feed_id, self.org.bank_feed_currency_ids), (moved, rows))
        self.assertEqual(cron.model_id.model, 'xero.bank.feed')
