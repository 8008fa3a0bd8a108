"""The Odoo side of a synced record (``xero.synced.mixin``): changes made while a request is
on its way, documents reset to draft and posted again, statement lines that Xero holds, and who
may retry or open what. Everything goes over HTTP to the simulator."""
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .common import XeroHttpCase
from .sync_common import ENGINE_LOGGER, INVOICES, SyncCase
from .test_bank_feed import BANK_TRANSACTIONS, BankFeedCase


class TestSyncedRecords(SyncCase):

    def test_edit_while_the_request_is_on_its_way_goes_after_it(self):
        move = self.make_move()
        self.push()
        link = self.link(move)
        self.assertEqual(link.sync_state, 'synced')
        calls = self.calls(INVOICES)
        move.ref = 'PO-1'
        Link = type(self.env['xero.move.link'])
        send = Link._xero_send
        edits = []

        def send_and_edit(links, organisation, kind, payloads, key):
            elements = send(links, organisation, kind, payloads, key)
            if not edits:
                # The user saves a change while Xero is answering the request built before it.
                edits.append(move.write({'ref': 'PO-2'}))
                self.assertEqual(link.sync_state, 'in_flight')
                self.assertTrue(link.need_sync)
            return elements

        with patch.object(Link, '_xero_send', send_and_edit):
            self.push()
        self.assertEqual(len(edits), 1)
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertFalse(link.need_sync)
        doc = self.sim_doc(link)
        self.assertEqual(doc['Reference'], 'PO-2', 'the edit made meanwhile reached Xero')
        self.assertEqual(self.calls(INVOICES), calls + 2, 'the update, then the edit made during it')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)

    @mute_logger(ENGINE_LOGGER)
    def test_edit_during_a_lost_answer_is_sent_as_an_update_after_the_look_up(self):
        self.make_move()
        self.push()  # the contact first
        self.sim.faults.add('drop', method='POST', path=INVOICES, count=1)
        move = self.make_move(ref='PO-OLD')
        self.push()
        link = self.link(move)
        self.assertEqual(link.sync_state, 'in_flight')
        move.ref = 'PO-NEW'
        self.assertTrue(link.need_sync, 'the change waits for the request on its way, not lost')
        self.sim.clock.advance(400)  # past the key window: the look-up decides
        with freeze_time(fields.Datetime.now() + timedelta(minutes=7)):
            self.push()
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertEqual(self.sim_doc(link)['Reference'], 'PO-NEW')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 2, 'one per document')
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)

    @mute_logger(ENGINE_LOGGER)
    def test_look_up_binds_what_xero_holds(self):
        """Found after a lost answer: bound with the hash of what was sent; a later change is
        an update, an unchanged document is not sent again."""
        self.make_move()
        self.push()
        self.sim.faults.add('drop', method='POST', path=INVOICES, count=1)
        move = self.make_move()
        self.push()
        link = self.link(move)
        sent_hash = link.sent_hash
        self.sim.clock.advance(400)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=7)):
            self.push()
        self.assertEqual((link.sync_state, link.pushed_hash), ('synced', sent_hash))
        calls = self.calls(INVOICES)
        move.action_xero_sync()
        self.push()
        self.assertEqual(self.calls(INVOICES), calls, 'unchanged: nothing to send')
        move.ref = 'PO-LATER'
        self.push()
        self.assertEqual(self.calls(INVOICES), calls + 1)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 2)

    def test_reset_to_draft_changed_and_posted_again_updates_the_same_document(self):
        move = self.make_move()
        self.push()
        link = self.link(move)
        xero_id = link.xero_id
        move.button_draft()
        self.assertEqual(move.xero_state, 'draft_in_xero')
        self.assertEqual(dict(move._fields['xero_state']._description_selection(self.env))['draft_in_xero'],
                         'Draft in Odoo, approved in Xero')
        self.assertIn(move, self.env['account.move'].search([('xero_state', '=', 'draft_in_xero')]))
        self.assertNotIn(move, self.env['account.move'].search([('xero_state', '=', 'synced')]))
        self.assertEqual(self.sim_doc(link)['Status'], 'AUTHORISED')
        move.write({'invoice_line_ids': [Command.create({
            'name': 'Extra', 'price_unit': 50.0, 'quantity': 2, 'account_id': self.income.id,
            'tax_ids': [Command.set(self.sale15.ids)]})]})
        move.action_post()
        self.assertEqual(link.sync_state, 'pending')
        self.push()
        doc = self.assertInXeroToTheCent(move)
        self.assertEqual(link.xero_id, xero_id, 'the same Xero document')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)
        self.assertEqual(len(doc['LineItems']), 2)
        self.assertEqual(doc['Status'], 'AUTHORISED')
        self.assertAlmostEqual(float(doc['AmountDue']), move.amount_residual, places=2)
        self.assertAlmostEqual(link.xero_amount_due, 230.0, places=2)
        self.assertEqual(move.xero_state, 'synced')
        bodies = ' '.join(move.message_ids.mapped('body'))
        self.assertIn('stays approved in Xero', bodies)
        self.assertIn('the same document', bodies)

    @mute_logger(ENGINE_LOGGER)
    def test_reposted_document_xero_keeps_says_why(self):
        move = self.make_move()
        self.push()
        link = self.link(move)
        move.button_draft()
        # Xero's accountant locks the period meanwhile: the approved invoice may not change.
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        move.invoice_line_ids[0].price_unit = 300.0
        move.action_post()
        self.push()
        self.assertEqual(move.xero_state, 'error')
        self.assertIn('Posted again in Odoo, but Xero kept %s as it was' % link.xero_number, move.xero_error)
        self.assertIn('lock date', move.xero_error, "Xero's reason")
        doc = self.sim_doc(link)
        self.assertAlmostEqual(float(doc['AmountDue']), 115.0, places=2)
        self.assertAlmostEqual(move.amount_residual, 345.0, places=2)
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1)

    @mute_logger(ENGINE_LOGGER)
    def test_reposted_document_paid_in_xero_says_why(self):
        move = self.make_move()
        self.push()
        link = self.link(move)
        # A customer paid part of it in Xero, not yet known in Odoo.
        element, = self.org._xero().save('payments', [{
                                         'invoice': {'invoice_id': link.xero_id}, 'account': {'code': '090'},
                                         'date': fields.Date.today(), 'amount': 15.0, 'reference': 'Paid in Xero'}],
                                         f'test-pay-{move.id}')
        self.assertTrue(element.ok, element.errors)
        move.button_draft()
        move.invoice_line_ids[0].price_unit = 200.0
        move.action_post()
        self.push()
        self.assertEqual(move.xero_state, 'error')
        self.assertIn('Posted again in Odoo, but Xero kept %s as it was' % link.xero_number, move.xero_error)
        self.assertIn('payment', move.xero_error, "Xero's reason")
        doc = self.sim_doc(link)
        self.assertAlmostEqual(float(doc['AmountDue']), 100.0, places=2, msg='115 less the 15 paid')
        self.assertAlmostEqual(move.amount_residual, 230.0, places=2, msg='the books differ, and Odoo says so')
        self.assertEqual(len(doc['LineItems']), 1)


class TestSyncedAccess(SyncCase):
    """The actions check the caller's rights on the record itself, company included."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env['res.company'].create({'name': 'Company B'})
        cls.user_b = new_test_user(
            cls.env, login='xero_user_b', company_id=cls.company_b.id, company_ids=cls.company_b.ids,
            groups='base.group_user,account.group_account_invoice,xero_integration.group_xero_user')
        cls.portal = new_test_user(cls.env, login='xero_portal', groups='base.group_portal')

    def refused_invoice(self, partner=None):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        move = self.make_move(partner=partner)
        self.push()
        link = self.link(move)
        self.assertEqual(link.sync_state, 'error')
        return move, link

    @mute_logger(ENGINE_LOGGER)
    def test_user_of_another_company_can_neither_retry_nor_open(self):
        move, link = self.refused_invoice()
        partner = self.env['res.partner'].create({'name': 'Company A only', 'company_id': self.env.company.id})
        partner_link = self.env['xero.partner.link'].create({
            'organisation_id': self.org.id, 'partner_id': partner.id, 'sync_state': 'error',
            'last_error': 'Refused for a test.'})
        for record, record_link in ((move, link), (partner, partner_link)):
            with self.subTest(model=record._name):
                with self.assertRaises(AccessError):
                    record.with_user(self.user_b).action_xero_retry()
                self.assertEqual(record_link.sync_state, 'error', 'its error is kept')
                self.assertTrue(record_link.last_error)
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today() - timedelta(days=365))
        move.action_xero_retry()
        self.push()
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        with self.assertRaises(AccessError):
            move.with_user(self.user_b).action_xero_open()
        action = move.action_xero_open()
        self.assertIn(link.xero_id, action['url'])

    def test_portal_user_gets_nothing(self):
        portal_partner = self.portal.partner_id
        move = self.make_move(partner=portal_partner)
        self.push()
        link = self.link(move)
        self.assertTrue(link.xero_id)
        move.with_user(self.portal).check_access('read')  # the portal shows them their invoice
        for action in ('action_xero_open', 'action_xero_retry', 'action_xero_sync'):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(move.with_user(self.portal), action)()


class TestSyncedStatementLines(BankFeedCase):

    def synced_line(self):
        self.set_default_account()
        self.activate()
        line = self.card_line(-40, partner=self.uber)
        line.action_xero_verify()
        self.push()
        self.assertEqual(line.xero_feed_state, 'synced')
        return line

    def test_delete_is_refused_until_it_is_gone_from_xero(self):
        line = self.synced_line()
        link = self.feed_link(line)
        xero_id = link.xero_id
        with self.assertRaisesRegex(UserError, 'Replace in Xero'):
            line.unlink()
        self.assertTrue(link.exists())
        self.assertEqual(self.sim_txn(line)['Status'], 'AUTHORISED')
        line.action_xero_unverify()
        line.action_xero_replace()
        self.push()
        txn = self.sim.organisation(NZ_TENANT_ID).bank_transactions[xero_id.lower()]
        self.assertEqual(txn['Status'], 'DELETED')
        self.assertFalse(link.xero_id, 'not sent again: the line is unverified')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BankTransactions'), 1)
        line.unlink()
        self.assertFalse(link.exists())

    @mute_logger(ENGINE_LOGGER)
    def test_reconciled_transaction_is_replaced_only_when_asked(self):
        line = self.synced_line()
        link = self.feed_link(line)
        old_id = link.xero_id
        line.action_xero_unverify()
        line.amount = -42
        line.action_xero_verify()
        self.push()
        org = self.sim.organisation(NZ_TENANT_ID)
        self.assertEqual(org.bank_transactions[old_id.lower()]['Status'], 'AUTHORISED')
        self.assertEqual(link.xero_id, old_id)
        self.assertIn('Replace in Xero', link.last_error)
        writes = self.calls(BANK_TRANSACTIONS)
        self.push()
        self.assertEqual(self.calls(BANK_TRANSACTIONS), writes, 'nothing happens on its own')
        with self.assertRaises(AccessError):
            line.with_user(new_test_user(self.env, login='no_xero', groups='base.group_user')).action_xero_replace()
        line.action_xero_replace()
        self.push()
        self.assertEqual(org.bank_transactions[old_id.lower()]['Status'], 'DELETED')
        self.assertNotEqual(link.xero_id, old_id)
        self.assertEqual(str(self.sim_txn(line)['Total']), '42.00')
        self.assertEqual(line.xero_feed_state, 'synced')
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions'],
                                             include_cancelled=False), 0)

    @mute_logger(ENGINE_LOGGER)
    def test_a_delete_xero_refuses_replaces_nothing_and_says_why(self):
        line = self.synced_line()
        link = self.feed_link(line)
        old_id = link.xero_id
        line.action_xero_unverify()
        line.amount = -43
        line.action_xero_verify()
        self.push()
        self.sim.faults.add('status', method='POST', path=BANK_TRANSACTIONS, status=400,
                            body='A reconciled transaction cannot be deleted.')
        line.action_xero_replace()
        self.push()
        self.assertEqual(self.sim_txn(line)['Status'], 'AUTHORISED')
        self.assertEqual((link.sync_state, link.xero_id), ('error', old_id))
        self.assertFalse(link.replacing_xero_id)
        self.assertIn('nothing was replaced', link.last_error)
        self.assertTrue(line.xero_replaceable, 'the person may try again once it is fixed in Xero')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'BankTransactions'), 1)

    def test_the_replace_button_asks_first(self):
        arch = self.env.ref('xero_integration.xero_bank_feed_line_view_form').arch
        self.assertRegex(arch, r'name="action_xero_replace"[^>]*confirm="[^"]*deletes the transaction in Xero')


@tagged('post_install', '-at_install')
class TestSyncedAccessOverRpc(XeroHttpCase):
    """The same holes, tried as the security review did: JSON-RPC calls of the actions."""

    def call(self, record, method):
        return self.make_jsonrpc_request('/web/dataset/call_kw', {
            'model': record._name, 'method': method, 'args': [record.ids], 'kwargs': {}})

    def test_company_b_and_portal_users_over_rpc(self):
        org = self.connect_organisations()[0]
        company_b = self.env['res.company'].create({'name': 'Company B'})
        new_test_user(self.env, login='rpc_xero_b', password='rpc_xero_b_pw1', company_id=company_b.id,
                      company_ids=company_b.ids,
                      groups='base.group_user,account.group_account_invoice,xero_integration.group_xero_user')
        portal = new_test_user(self.env, login='rpc_portal', password='rpc_portal_pw1',
                               groups='base.group_portal')
        partner = self.env['res.partner'].create({'name': 'Company A customer',
                                                  'company_id': self.env.company.id})
        move = self.env['account.move'].create({
            'move_type': 'out_invoice', 'partner_id': portal.partner_id.id,
            'invoice_line_ids': [Command.create({'name': 'Work', 'price_unit': 10.0, 'tax_ids': False})]})
        move.action_post()
        move_link = self.env['xero.move.link'].create({
            'organisation_id': org.id, 'move_id': move.id, 'xero_id': 'x-doc-1',
            'sync_state': 'error', 'last_error': 'Refused for a test.'})
        partner_link = self.env['xero.partner.link'].create({
            'organisation_id': org.id, 'partner_id': partner.id, 'xero_id': 'x-contact-1',
            'sync_state': 'error', 'last_error': 'Refused for a test.'})
        self.authenticate('rpc_xero_b', 'rpc_xero_b_pw1')
        for record in (move, partner):
            for method in ('action_xero_retry', 'action_xero_open'):
                with self.subTest(user='company B', model=record._name, method=method), \
                        self.assertRaises(Exception) as caught:
                    self.call(record, method)
                self.assertIn('AccessError', str(caught.exception))
        self.authenticate('rpc_portal', 'rpc_portal_pw1')
        for method in ('action_xero_retry', 'action_xero_open'):
            with self.subTest(user='portal', method=method), self.assertRaises(Exception) as caught:
                self.call(move, method)
            self.assertIn('AccessError', str(caught.exception))
            self.assertNotIn('x-doc-1', str(caught.exception))
        for link in (move_link, partner_link):
            self.assertEqual((link.sync_state, link.last_error), ('error', 'Refused for a test.'),
                             'nothing was retried')


@tagged('post_install', '-at_install')  # loads a chart for the branch: the registry must be ready
class TestSyncedBranchAccess(SyncCase):
    """A branch's documents go to its parent's organisation: a user working in the branch
    retries and opens them there."""

    @mute_logger(ENGINE_LOGGER)
    def test_branch_user_retries_and_opens_the_branch_invoice(self):
        branch = self.env['res.company'].create({'name': 'Xero Branch', 'parent_id': self.env.company.id,
                                                 'country_id': self.env.company.country_id.id})
        self.env.user.company_ids |= branch
        self.env['account.chart.template'].try_loading(self.env.company.chart_template, company=branch,
                                                       install_demo=False)
        user = new_test_user(self.env, login='xero_branch_user', company_id=branch.id, company_ids=branch.ids,
                             groups='base.group_user,account.group_account_invoice,xero_integration.group_xero_user')
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        move = self.make_move(company_id=branch.id)
        self.push()
        link = self.link(move)
        self.assertEqual((link.sync_state, link.organisation_id), ('error', self.org))
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today() - timedelta(days=365))
        move.with_user(user).action_xero_retry()
        self.assertEqual(link.sync_state, 'pending')
        self.push()
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        self.assertIn(link.xero_id, move.with_user(user).action_xero_open()['url'])
