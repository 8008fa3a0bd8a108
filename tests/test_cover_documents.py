"""Documents as a user meets them in the lists: "Sync to Xero" on a mixed selection says what
went and what did not, the Xero status is searchable, the error says why a document has no
organisation, and a document never sent has nothing to void."""
from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER, INVOICES, SyncCase


class TestCoverDocumentActions(SyncCase):

    def setUp(self):
        super().setUp()
        self.org.auto_sync_invoices = False  # nothing goes by itself: the user's action decides

    def message(self, action):
        return action['params']['message']

    def test_one_document_is_said_in_the_singular(self):
        move = self.make_move()
        action = move.action_xero_sync()
        self.assertEqual(self.message(action), '1 document queued for Xero; it is sent in the background.')
        self.assertEqual(action['params']['type'], 'info')
        self.assertTrue(self.link(move).requested)
        self.assertFalse([r for r in self.sim.requests if r.endpoint == INVOICES], 'sent in the background')

    def test_a_mixed_selection_says_what_was_not_sent(self):
        posted = self.make_move() | self.make_move('in_invoice')
        draft = self.make_move(post=False)
        entry = self.env['account.move'].create({'move_type': 'entry', 'line_ids': []})
        action = (posted | draft | entry).action_xero_sync()
        message = self.message(action)
        self.assertIn('2 documents queued for Xero; they are sent in the background.', message)
        self.assertIn('Not sent: 2', message)
        self.assertEqual(action['params']['type'], 'info')
        self.assertFalse(self.env['xero.move.link'].search([('move_id', 'in', (draft | entry).ids)]))
        self.push()
        self.assertEqual({self.link(m).sync_state for m in posted}, {'synced'})

    def test_nothing_to_send_is_a_warning(self):
        draft = self.make_move(post=False)
        action = draft.action_xero_sync()
        self.assertEqual(action['params']['type'], 'warning')
        self.assertIn('0 documents queued', self.message(action))
        self.assertIn('Not sent: 1', self.message(action))

    def test_the_xero_status_is_searchable(self):
        Move = self.env['account.move']
        self.org.auto_sync_invoices = True
        synced = self.make_move()
        self.push()
        waiting = self.make_move()
        never = self.make_move(post=False)
        ours = [('id', 'in', (synced | waiting | never).ids)]
        self.assertEqual(Move.search(ours + [('xero_state', '=', 'synced')]), synced)
        self.assertEqual(Move.search(ours + [('xero_state', '=', 'pending')]), waiting)
        self.assertEqual(Move.search(ours + [('xero_state', 'in', ('synced', 'pending'))]), synced | waiting)
        self.assertIn(never, Move.search(ours + [('xero_state', '=', 'none')]))
        self.assertEqual((synced.xero_state, waiting.xero_state, never.xero_state), ('synced', 'pending', 'none'))
        self.assertTrue(synced.xero_number)
        self.assertEqual(synced.xero_status, 'AUTHORISED')
        self.assertAlmostEqual(synced.xero_amount_due, synced.amount_total)

    @mute_logger(ENGINE_LOGGER)
    def test_an_error_shows_on_the_document_and_retry_sends_it(self):
        self.sim.set_lock_dates(NZ_TENANT_ID, period=fields.Date.today())
        move = self.make_move()
        move.action_xero_sync()
        self.push()
        self.assertEqual(move.xero_state, 'error')
        self.assertIn('lock date', move.xero_error)
        self.assertEqual(self.env['account.move'].search([('id', '=', move.id), ('xero_state', '=', 'error')]), move)
        self.sim.set_lock_dates(NZ_TENANT_ID, period=None)
        move.action_xero_retry()
        self.push()
        move.invalidate_recordset()
        self.assertEqual((move.xero_state, move.xero_error), ('synced', False))

    def test_a_document_of_a_company_without_organisation_says_why(self):
        self.org.sudo().state = 'disconnected'
        move = self.make_move()
        self.assertFalse(self.env['xero.move.link'].search([('move_id', '=', move.id)]))
        self.assertEqual(move.xero_state, 'none')
        self.assertTrue(move.xero_error, 'it says why it does not go')
        action = move.action_xero_sync()
        self.assertIn('Not sent: 1', self.message(action))
        self.assertEqual(action['params']['type'], 'warning')

    def test_open_in_xero_before_it_is_there(self):
        move = self.make_move()
        with self.assertRaisesRegex(UserError, 'is not in Xero yet'):
            move.action_xero_open()
        move.action_xero_sync()
        self.push()
        action = move.action_xero_open()
        self.assertEqual(action['type'], 'ir.actions.act_url')
        self.assertIn(self.link(move).xero_id.lower(), action['url'].lower())

    def test_cancelling_a_document_never_sent_voids_nothing(self):
        move = self.make_move()
        link = self.link(move)
        self.assertEqual(link.sync_state, 'pending')
        move.button_cancel()
        self.org.auto_sync_invoices = True
        self.org.action_sync_now()
        self.push()
        self.assertFalse([r for r in self.sim.requests if r.endpoint == INVOICES],
                         'nothing was in Xero: nothing to create, nothing to void')
        self.assertFalse(link.xero_id)

    def test_cancelling_a_synced_document_voids_it_in_xero(self):
        self.org.auto_sync_invoices = True
        move = self.make_move()
        self.push()
        link = self.link(move)
        move.button_cancel()
        self.assertEqual(link.sync_state, 'pending')
        self.push()
        self.assertEqual(link.xero_status, 'VOIDED')
        self.assertEqual(self.sim_doc(link)['Status'], 'VOIDED')
