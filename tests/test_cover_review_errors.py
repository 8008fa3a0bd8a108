"""The list of records in error (one list over every link table, with Retry and Open) and the
records from Xero held for review (link, create, ignore, and what a later pull does to them)."""
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER, SyncCase
from .test_pull import PullCase

PUSH = 'xero_integration.ir_cron_xero_push'


class TestCoverSyncErrors(SyncCase):

    def setUp(self):
        super().setUp()
        self.Error = self.env['xero.sync.error']

    def errors(self):
        self.env.flush_all()  # the list is a view over the link tables
        return self.Error.search([('organisation_id', '=', self.org.id)])

    @mute_logger(ENGINE_LOGGER)
    def make_errors(self):
        """An invoice Xero refuses (in a locked period) and a contact Xero refuses (400)."""
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        self.move = self.make_move()
        self.refused_partner = self.env['res.partner'].create({'name': 'Refused Contact Ltd', 'is_company': True})
        self.push()
        self.sim.faults.add('status', method='POST', path='/Contacts', status=400,
                            body='The contact was refused by the test')
        self.refused_partner.action_xero_sync()
        self.push()
        return self.errors()

    def test_one_list_over_the_kinds_with_xeros_message(self):
        errors = self.make_errors()
        by_kind = {e.kind: e for e in errors}
        self.assertEqual(set(by_kind), {'invoices', 'contacts'})
        self.assertEqual(by_kind['invoices'].record_name, self.move.display_name)
        self.assertIn('lock date', by_kind['invoices'].last_error)
        self.assertEqual(by_kind['contacts'].record_name, self.refused_partner.display_name)
        self.assertIn('refused by the test', by_kind['contacts'].last_error)
        self.assertEqual(set(errors.mapped('company_id')), {self.env.company})
        self.assertEqual({(e.link_model, e.link_id) for e in errors},
                         {('xero.move.link', self.link(self.move).id),
                          ('xero.partner.link', self.link(self.refused_partner).id)})

    def test_retry_all_queues_each_kind_again_and_wakes_the_push(self):
        errors = self.make_errors()
        cron = self.env.ref(PUSH)
        self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]).unlink()
        action = errors.action_retry()
        self.assertEqual(action['params']['message'], 'Queued again for Xero.')
        for record in (self.move, self.refused_partner):
            link = self.link(record)
            self.assertEqual((link.sync_state, link.requested), ('pending', True), record.display_name)
        self.assertFalse(self.errors())
        self.assertTrue(self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]))
        self.sim.set_lock_dates(NZ_TENANT_ID, period=None)
        self.push()
        self.assertEqual({self.link(self.move).sync_state, self.link(self.refused_partner).sync_state}, {'synced'})

    def test_retry_is_for_xero_users_only(self):
        errors = self.make_errors()
        accountant = new_test_user(self.env, login='xero_err_accountant',
                                   groups='base.group_user,account.group_account_manager')
        with self.assertRaises(UserError):
            errors.with_user(accountant).sudo(False).action_retry()
        self.assertEqual(len(self.errors()), 2, 'nothing queued')

    def test_open_record_opens_the_odoo_record(self):
        errors = self.make_errors()
        invoice_error = errors.filtered(lambda e: e.kind == 'invoices')
        action = invoice_error.action_open_record()
        self.assertEqual((action['res_model'], action['res_id']), ('account.move', self.move.id))
        contact_error = errors.filtered(lambda e: e.kind == 'contacts')
        action = contact_error.action_open_record()
        self.assertEqual((action['res_model'], action['res_id']), ('res.partner', self.refused_partner.id))

    def test_an_error_whose_link_is_gone(self):
        errors = self.make_errors()
        contact_error = errors.filtered(lambda e: e.kind == 'contacts')
        contact_error.fetch(['link_model', 'link_id'])  # the list as the user still sees it
        # Removed by another transaction meanwhile (no ORM here: this one's cache is the user's).
        self.env.cr.execute('DELETE FROM xero_partner_link WHERE id = %s', [self.link(self.refused_partner).id])
        contact_error.invalidate_recordset(['record_name'])
        self.assertEqual(contact_error.record_name, '(deleted)')
        with self.assertRaisesRegex(UserError, 'no longer exists'):
            contact_error.action_open_record()

    def test_links_without_an_organisation_are_not_listed(self):
        self.make_errors()
        self.env.flush_all()
        self.env.cr.execute('UPDATE xero_partner_link SET organisation_id = NULL WHERE partner_id = %s',
                            [self.refused_partner.id])
        self.assertEqual(set(self.Error.search([]).mapped('kind')), {'invoices'})

    def test_a_synced_record_leaves_the_list(self):
        self.make_errors()
        self.sim.set_lock_dates(NZ_TENANT_ID, period=None)
        self.link(self.move).action_retry()
        self.push()
        self.assertEqual(self.errors().mapped('kind'), ['contacts'])
        self.assertEqual(self.link(self.move).sync_state, 'synced')


class TestCoverReview(PullCase):

    def hold_twins(self, name='Twin Holdings', email='same@twin.example'):
        twins = self.env['res.partner'].create([{'name': f'{name} A', 'email': email},
                                                {'name': f'{name} B', 'email': email}])
        contact = self.sim_add(Name=name, EmailAddress=email)
        self.pull()
        review = self.env['xero.review'].search([('xero_id', '=', contact['ContactID'])])
        self.assertEqual(review.state, 'open')
        return twins, contact, review

    def test_create_makes_a_new_partner_instead_of_either_candidate(self):
        twins, contact, review = self.hold_twins()
        partners_before = self.env['res.partner'].search_count([])
        review.action_create()
        self.assertEqual(review.state, 'done')
        partner = self.partner_of(contact)
        self.assertTrue(partner)
        self.assertNotIn(partner, twins)
        self.assertEqual(partner.name, 'Twin Holdings')
        self.assertEqual(self.env['res.partner'].search_count([]), partners_before + 1)

    def test_link_needs_a_chosen_partner(self):
        _twins, contact, review = self.hold_twins()
        with self.assertRaisesRegex(UserError, 'Choose the partner'):
            review.action_link()
        self.assertEqual(review.state, 'open')
        self.assertFalse(self.partner_of(contact))

    def test_link_a_partner_outside_the_candidates(self):
        _twins, contact, review = self.hold_twins()
        chosen = self.env['res.partner'].create({'name': 'Somebody Else Ltd'})
        review.partner_id = chosen
        review.action_link()
        self.assertEqual(self.partner_of(contact), chosen)
        self.assertEqual(chosen.name, 'Twin Holdings', "linked, the partner takes Xero's details")

    def test_only_contacts_are_linked_or_created(self):
        _twins, _contact, review = self.hold_twins()
        document = self.env['xero.review'].create({
            'organisation_id': self.org.id, 'kind': 'document', 'xero_id': 'doc-1', 'name': 'INV-1',
            'reason': 'No mapping', 'data': {'kind': 'invoices'}})
        document.partner_id = self.customer
        with self.assertRaisesRegex(UserError, 'Only contacts'):
            document.action_link()
        (review | document).action_create()
        self.assertEqual((review.state, document.state), ('done', 'open'), 'a document is not created from here')

    def test_ignored_stays_ignored_when_xero_changes_the_contact(self):
        _twins, contact, review = self.hold_twins()
        review.action_ignore()
        self.assertEqual(review.state, 'ignored')
        self.sim_change(contact, Name='Twin Holdings Renamed')
        self.pull()
        self.assertEqual(self.env['xero.review'].search([('xero_id', '=', contact['ContactID'])]), review)
        self.assertEqual((review.state, review.name), ('ignored', 'Twin Holdings'))
        self.assertFalse(self.partner_of(contact))

    def test_an_open_review_follows_xeros_changes(self):
        _twins, contact, review = self.hold_twins()
        self.sim_change(contact, Name='Twin Holdings Group')
        self.pull()
        self.assertEqual(self.env['xero.review'].search([('xero_id', '=', contact['ContactID'])]), review)
        self.assertEqual(review.name, 'Twin Holdings Group')
        self.assertEqual(review.data['name'], 'Twin Holdings Group')

    def test_hold_is_once_per_organisation_kind_and_id(self):
        Review = self.env['xero.review']
        first = Review._hold(self.org, 'contact', 'X-1', 'First', 'why', {'name': 'First'})
        again = Review._hold(self.org, 'contact', 'X-1', 'Second', 'why not', {'name': 'Second'},
                             candidates=self.customer)
        self.assertEqual(first, again)
        self.assertEqual((again.name, again.reason, again.candidate_partner_ids), ('Second', 'why not', self.customer))
        other_kind = Review._hold(self.org, 'document', 'X-1', 'Doc', 'why', {})
        self.assertNotEqual(other_kind, first)
        first.action_ignore()
        self.assertEqual(Review._hold(self.org, 'contact', 'X-1', 'Third', 'x', {}).name, 'Second')

    def test_a_held_contact_made_again_in_odoo_is_not_reheld_after_done(self):
        twins, contact, review = self.hold_twins()
        review.partner_id = twins[0]
        review.action_link()
        self.sim.clock.advance(60)
        self.sim_change(contact, EmailAddress='changed@twin.example')
        counts = self.pull()
        self.assertEqual(counts['held'], 0)
        self.assertEqual(review.state, 'done')
        self.assertEqual(twins[0].email, 'changed@twin.example')

    def test_last_pull_counts_the_held(self):
        self.hold_twins()
        state = self.env['xero.pull.state'].search([('organisation_id', '=', self.org.id), ('kind', '=', 'contacts')])
        self.assertEqual(state.last_held, 1)
        self.assertLessEqual(state.last_pull_date, fields.Datetime.now() + timedelta(seconds=1))
