"""Payments and allocations are two link models (issue 17): a reconciliation becomes a
``xero.payment.link`` or a ``xero.allocation.link``, each sending only its own kinds; the
19.0.1.3.0 migration moves the allocation rows of the old single table with their Xero state and
their keys."""
import importlib.util
from pathlib import Path

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from ..xero_mappers.keys import batch_key
from .common import XeroTransactionCase
from .sync_common import ENGINE_LOGGER
from .test_payments import PaymentCase
from .test_security import TwoCompanies

MIGRATION = Path(__file__).parents[1] / 'migrations' / '19.0.1.3.0' / 'post-allocation_links.py'
PAYMENT_KINDS = ('payments', 'payment_deletes', 'batch_payments', 'batch_payment_deletes', 'credits', 'credit_voids')
ALLOCATION_KINDS = ('allocations', 'allocation_deletes', 'credit_allocations', 'credit_allocation_deletes')


def load_migration():
    spec = importlib.util.spec_from_file_location('xero_post_allocation_links_19_0_1_3_0', MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestAllocationLinkMigration(PaymentCase):
    """Databases made before 19.0.1.3.0 hold their allocations in ``xero_payment_link``."""

    def setUp(self):
        super().setUp()
        # The columns of fields that left xero.payment.link, as an upgrade finds them (the test's
        # transaction rolls the DDL back).
        self.env.cr.execute("""ALTER TABLE xero_payment_link ADD COLUMN IF NOT EXISTS credit_note_id INTEGER,
                                                         ADD COLUMN IF NOT EXISTS credit_link_id INTEGER""")

    def old_row(self, **values):
        """One row of the old single table, written by SQL as 19.0.1.2.0 would have it."""
        self.env.flush_all()
        values = dict({'organisation_id': self.org.id, 'company_id': self.org.company_id.id,
                       'sync_state': 'pending', 'currency_id': self.env.company.currency_id.id,
                       'date': fields.Date.today()}, **values)
        columns = ', '.join(values)
        self.env.cr.execute(f"INSERT INTO xero_payment_link ({columns}) VALUES %s RETURNING id",
                            [tuple(values.values())])
        return self.env.cr.fetchone()[0]

    def migrate(self):
        moved = load_migration().move_allocation_links(self.env.cr)
        self.env.invalidate_all()
        return moved

    def test_allocations_move_with_their_xero_ids_states_keys_and_errors(self):
        invoice = self.make_move()
        refund = self.make_move('out_refund', lines=[(40.0, 1, self.sale15, 0.0)])
        sent_at = fields.Datetime.now()
        payment = self.old_row(kind='payments', move_id=invoice.id, amount=10.0, xero_id='pay-1',
                               xero_status='AUTHORISED', sync_state='synced')
        synced = self.old_row(kind='allocations', move_id=invoice.id, credit_note_id=refund.id, amount=40.0,
                              xero_id='alloc-1', xero_status='AUTHORISED', sync_state='synced',
                              pushed_hash='hash-1')
        in_flight = self.old_row(kind='allocations', move_id=invoice.id, credit_note_id=refund.id, amount=5.0,
                                 sync_state='in_flight', maybe_sent=True, idempotency_key='odoo-allocations-k1',
                                 request_key='odoo-b-r1', request_digest='d1', key_sent_date=sent_at,
                                 sent_hash='s1', last_error='Xero returned no result for this record.',
                                 attempt_count=2)
        credit = self.old_row(kind='credits', payment_id=None, amount=200.0, xero_id='over-1',
                              xero_status='AUTHORISED', sync_state='synced', credit_type='RECEIVE-OVERPAYMENT')
        refused = self.old_row(kind='credit_allocations', move_id=invoice.id, credit_link_id=credit, amount=85.0,
                               sync_state='error', last_error='Xero said no', to_delete=True,
                               xero_id='alloc-2', xero_status='AUTHORISED')

        self.assertEqual(self.migrate(), 3)

        Payment, Allocation = self.env['xero.payment.link'], self.env['xero.allocation.link']
        self.assertEqual(Payment.browse([payment, credit]).exists().mapped('kind'), ['payments', 'credits'])
        self.assertFalse(Payment.browse([synced, in_flight, refused]).exists(), 'gone from the payments table')
        moved = Allocation.browse([synced, in_flight, refused]).exists()
        self.assertEqual(len(moved), 3, 'the same ids in the new table')
        first, second, third = (Allocation.browse(i) for i in (synced, in_flight, refused))
        self.assertEqual((first.kind, first.xero_id, first.xero_status, first.sync_state, first.pushed_hash,
                          first.move_id, first.credit_note_id, first.amount, first.organisation_id),
                         ('allocations', 'alloc-1', 'AUTHORISED', 'synced', 'hash-1', invoice, refund, 40.0, self.org))
        self.assertEqual((second.sync_state, second.maybe_sent, second.idempotency_key, second.request_key,
                          second.request_digest, second.key_sent_date, second.sent_hash, second.last_error,
                          second.attempt_count),
                         ('in_flight', True, 'odoo-allocations-k1', 'odoo-b-r1', 'd1', sent_at, 's1',
                          'Xero returned no result for this record.', 2))
        self.assertEqual(second._xero_kind(), 'allocations')
        self.assertEqual((third.kind, third.credit_link_id.id, third.sync_state, third.last_error, third.to_delete,
                          third.company_id), ('credit_allocations', credit, 'error', 'Xero said no', True,
                                              self.org.company_id))
        self.assertEqual(third._xero_kind(), 'credit_allocation_deletes')
        self.assertEqual(self.env['xero.sync.error'].search([('link_model', '=', 'xero.allocation.link')]).link_id,
                         refused, 'listed with the errors')
        # New allocations come after the moved ones.
        new = Allocation.create({'organisation_id': self.org.id, 'kind': 'allocations', 'move_id': invoice.id})
        self.assertGreater(new.id, max(synced, in_flight, refused))
        self.assertEqual(self.migrate(), 0, 'a second run has nothing to move')

    @mute_logger(ENGINE_LOGGER)
    def test_a_moved_allocation_is_sent_with_the_key_it_was_queued_with(self):
        invoice = self.make_move()
        refund = self.make_move('out_refund', lines=[(40.0, 1, self.sale15, 0.0)])
        self.push()
        key = 'odoo-allocations-0123456789abcdef0123456789abcdef'
        link_id = self.old_row(kind='allocations', move_id=invoice.id, credit_note_id=refund.id, amount=40.0,
                               idempotency_key=key)
        self.migrate()
        link = self.env['xero.allocation.link'].browse(link_id)
        del self.sim.requests[:]
        self.push()
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        note = self.sim_doc(self.link(refund))
        self.assertEqual([a['AllocationID'] for a in note['Allocations']], [link.xero_id.lower()])
        keys = [r.headers.get('Idempotency-Key') for r in self.sim.requests
                if r.method == 'PUT' and r.path.endswith('/Allocations')]
        self.assertEqual(keys, [f'{batch_key([key])}-0'], 'the key stored before the upgrade')

    def test_a_new_database_is_left_alone(self):
        self.assertIsNone(load_migration().migrate(self.env.cr, None))


class TestLinkKindsApart(PaymentCase):
    """Each link model queues, sends and looks up only its own kinds."""

    def test_each_model_sends_and_looks_up_only_its_own_kinds(self):
        Payment, Allocation = self.env['xero.payment.link'], self.env['xero.allocation.link']
        self.assertEqual({value for value, _label in Payment._fields['kind'].selection},
                         {'payments', 'batch_payments', 'credits'})
        self.assertEqual({value for value, _label in Allocation._fields['kind'].selection},
                         {'allocations', 'credit_allocations'})
        for model, foreign in ((Payment, ALLOCATION_KINDS), (Allocation, PAYMENT_KINDS)):
            for kind in foreign:
                with self.subTest(model=model._name, kind=kind):
                    with self.assertRaisesRegex(ValueError, 'does not send'):
                        model._xero_send(self.org, kind, [{'invoice': {'invoice_id': 'x'}}], 'key')
                    with self.assertRaisesRegex(ValueError, 'does not look up'):
                        model._xero_find(self.org, kind, [])
        self.assertFalse(self.sim.requests, 'nothing reached Xero')

    def test_a_credit_note_makes_an_allocation_link_and_money_a_payment_link(self):
        invoice, other = self.make_move(), self.make_move()
        refund = self.make_move('out_refund', lines=[(40.0, 1, self.sale15, 0.0)])
        self.push()
        (invoice | refund).line_ids.filtered(lambda l: l.account_id.account_type == 'asset_receivable').reconcile()
        self.pay(other)
        allocation = self.credit_note_allocations(invoice)
        self.assertEqual((allocation.kind, allocation.credit_note_id, allocation._xero_kind()),
                         ('allocations', refund, 'allocations'))
        self.assertFalse(self.payment_links(invoice), 'no payment link for an allocation')
        self.assertEqual(self.payment_links(other).mapped('kind'), ['payments'])
        self.assertFalse(self.credit_note_allocations(other), 'no allocation link for a payment')
        self.push()
        self.assertEqual(allocation.sync_state, 'synced', allocation.last_error)
        allocation.partial_id.unlink()
        self.assertEqual((allocation.to_delete, allocation._xero_kind()), (True, 'allocation_deletes'))
        self.assertEqual(invoice.xero_allocation_link_ids, allocation, "the document's Xero tab lists it")

    @mute_logger(ENGINE_LOGGER)
    def test_an_undone_allocation_leaves_xero_before_a_payment_of_the_same_invoice(self):
        """The two models are pushed one after the other: the allocation a person removed goes
        first, so that the payment that now settles the whole invoice fits its amount due."""
        invoice = self.make_move()
        refund = self.make_move('out_refund', lines=[(40.0, 1, self.sale15, 0.0)])
        self.push()
        (invoice | refund).line_ids.filtered(lambda l: l.account_id.account_type == 'asset_receivable').reconcile()
        self.push()
        allocation = self.credit_note_allocations(invoice)
        self.assertEqual(allocation.sync_state, 'synced', allocation.last_error)
        allocation.partial_id.unlink()
        self.pay(invoice)
        self.push()
        payment = self.payment_links(invoice)
        self.assertEqual((allocation.sync_state, allocation.xero_status), ('synced', 'DELETED'), allocation.last_error)
        self.assertEqual(payment.sync_state, 'synced', payment.last_error)
        self.assertEqual(self.sim_doc(self.link(invoice))['Status'], 'PAID')


class TestAllocationLinkCompanyWall(TwoCompanies, XeroTransactionCase):
    """The allocation links have the payment links' wall: a Xero user reads his companies'
    only, and only the addon writes them."""

    def test_users_read_only_their_companys_allocations(self):
        org_a, org_b, _events, _budgets = self.make_rows()
        Allocation = self.env['xero.allocation.link'].sudo()
        rows = {org: Allocation.create({'organisation_id': org.id, 'kind': 'allocations', 'xero_id': f'a-{org.id}'})
                for org in (org_a, org_b)}
        for user, org in ((self.user_a, org_a), (self.user_b, org_b)):
            with self.subTest(user=user.login):
                self.assertEqual(self.env['xero.allocation.link'].with_user(user).search([]).ids, rows[org].ids)
        with self.assertRaises(AccessError):
            rows[org_a].with_user(self.user_a).write({'last_error': 'edited by hand'})
