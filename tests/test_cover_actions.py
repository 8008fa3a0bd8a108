"""The organisation's buttons as a user presses them: Sync now and Pull now only wake crons and
say so, Reviews opens this organisation's, Refresh details reads Xero again, Connect restarts the
consent; and the mapping check's wording (one or several problems, names escaped)."""
from odoo.exceptions import UserError
from odoo.tests import new_test_user

from ..const import CONNECT_ROUTE
from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .sync_common import SyncCase

CRONS = ('ir_cron_xero_push', 'ir_cron_xero_pull', 'ir_cron_xero_poll')


class TestCoverOrganisationButtons(SyncCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(cls.env, login='xero_buttons_accountant',
                                       groups='base.group_user,account.group_account_manager')
        cls.clerk = new_test_user(cls.env, login='xero_buttons_clerk',
                                  groups='base.group_user,xero_integration.group_xero_user')

    def setUp(self):
        super().setUp()
        self.crons = {xmlid: self.env.ref(f'xero_integration.{xmlid}') for xmlid in CRONS}
        self.env['ir.cron.trigger'].search([]).unlink()

    def woken(self):
        triggers = self.env['ir.cron.trigger'].search([])
        return {xmlid for xmlid, cron in self.crons.items() if cron in triggers.cron_id}

    def test_sync_now_wakes_the_crons_and_calls_nothing_itself(self):
        self.org.write({'auto_sync_invoices': False, 'auto_sync_contacts': False})
        move = self.make_move()
        del self.sim.requests[:]
        action = self.org.with_user(self.clerk).action_sync_now()
        self.assertEqual(action['params']['type'], 'info')
        self.assertIn('Sync queued', action['params']['message'])
        self.assertEqual(self.woken(), set(CRONS))
        self.assertFalse(self.sim.requests, 'nothing waits on Xero in the click')
        self.assertTrue(self.link(move).requested, 'what waits goes, whatever the switches')
        request = self.env['xero.sync.log'].search([('organisation_id', '=', self.org.id),
                                                    ('direction', '=', 'request')])
        self.assertEqual(request.user_id, self.clerk, 'the log says who asked')
        self.push()
        self.assertEqual(self.link(move).sync_state, 'synced')

    def test_sync_now_is_for_xero_users(self):
        with self.assertRaises(Exception):
            self.org.with_user(self.accountant).action_sync_now()
        self.assertEqual(self.woken(), set())

    def test_pull_now_wakes_the_pull_only(self):
        action = self.org.with_user(self.clerk).action_pull_now()
        self.assertIn('Pull queued', action['params']['message'])
        self.assertEqual(self.woken(), {'ir_cron_xero_pull'})
        self.assertFalse(self.sim.requests)

    def test_pull_now_is_for_xero_users(self):
        with self.assertRaisesRegex(UserError, 'Only Xero users can pull'):
            self.org.with_user(self.accountant).action_pull_now()
        self.assertEqual(self.woken(), set())

    def test_reviews_opens_this_organisations_only(self):
        au = self.connect_organisations(tenants=[AU_TENANT_ID])
        Review = self.env['xero.review']
        mine = Review._hold(self.org, 'contact', 'NZ-1', 'Mine', 'why', {'name': 'Mine'})
        theirs = Review._hold(au, 'contact', 'AU-1', 'Theirs', 'why', {'name': 'Theirs'})
        action = self.org.action_view_reviews()
        self.assertEqual(action['res_model'], 'xero.review')
        found = Review.search(action['domain'])
        self.assertIn(mine, found)
        self.assertNotIn(theirs, found)
        self.org.invalidate_recordset(['review_count'])
        self.assertEqual(self.org.review_count, 1)
        mine.action_ignore()
        self.org.invalidate_recordset(['review_count'])
        self.assertEqual(self.org.review_count, 0, 'only open reviews count')

    def test_refresh_details_reads_the_name_and_currency_again(self):
        self.sim.organisation(NZ_TENANT_ID).name = 'Demo Company (NZ) Renamed'
        self.org.action_refresh_details()
        self.assertEqual(self.org.name, 'Demo Company (NZ) Renamed')
        self.assertEqual(self.org.base_currency, 'NZD')
        self.assertTrue([r for r in self.sim.requests if r.endpoint == '/api.xro/2.0/Organisation'])

    def test_connect_restarts_the_consent(self):
        self.assertEqual(self.org.action_connect(), {'type': 'ir.actions.act_url', 'url': CONNECT_ROUTE,
                                                      'target': 'self'})

    def test_a_connected_organisation_cannot_be_deleted(self):
        with self.assertRaisesRegex(UserError, 'Disconnect a Xero organisation before deleting it'):
            self.org.unlink()
        self.assertTrue(self.org.exists())


class TestCoverMappingCheckWording(SyncCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The books in the organisation's currency: no currency problem in the list.
        nzd = cls.env.ref('base.NZD')
        nzd.active = True
        cls.env.company.currency_id = nzd

    def check(self):
        action = self.org.action_check_mappings()
        return self.env['xero.mapping.check'].browse(action['res_id'])

    def test_everything_mapped_says_so(self):
        wizard = self.check()
        self.assertEqual(wizard.problem_count, 0, wizard.problems)  # the set-up maps what is needed
        self.assertFalse(wizard.problems)
        self.assertIn(f'Everything the posted documents of {self.env.company.name} need is mapped',
                      str(wizard.summary))

    def test_one_problem_is_said_in_the_singular(self):
        tax = self.make_tax('Unmapped 7%', 7)
        self.make_move(lines=[(100.0, 1, tax, 0.0)])
        wizard = self.check()
        self.assertEqual(wizard.problem_count, 1, wizard.problems)
        self.assertEqual(wizard.headline, '1 problem to fix before the posted documents can sync to Xero:')
        self.assertIn("Tax 'Unmapped 7%' has no Xero tax type", wizard.problems[0])

    def test_several_problems_in_the_plural(self):
        for name, amount in (('Unmapped 7%', 7), ('Unmapped 8%', 8)):
            self.make_move(lines=[(100.0, 1, self.make_tax(name, amount), 0.0)])
        wizard = self.check()
        self.assertEqual(wizard.problem_count, 2, wizard.problems)
        self.assertEqual(wizard.headline, '2 problems to fix before the posted documents can sync to Xero:')
        self.assertEqual(str(wizard.summary).count('<li>'), 2)

    def test_a_name_with_markup_is_shown_as_text(self):
        tax = self.make_tax('<b>Bold</b> & 9%', 9)
        self.make_move(lines=[(100.0, 1, tax, 0.0)])
        summary = str(self.check().summary)
        self.assertNotIn('<b>Bold</b>', summary)
        self.assertIn('&lt;b&gt;Bold&lt;/b&gt; &amp; 9%', summary)

    def test_check_again_after_the_fix(self):
        tax = self.make_tax('Unmapped 15%', 15)
        self.make_move(lines=[(100.0, 1, tax, 0.0)])
        wizard = self.check()
        self.assertEqual(wizard.problem_count, 1)
        self.env['xero.tax.mapping'].create({'organisation_id': self.org.id, 'tax_id': tax.id,
                                             'xero_tax_rate_id': self.rate(self.org, 'OUTPUT2').id,
                                             'state': 'confirmed'})
        action = wizard.action_check_again()
        self.assertEqual((action['res_model'], action['res_id'], action['target']),
                         ('xero.mapping.check', wizard.id, 'new'))
        self.assertEqual(wizard.problem_count, 0)
