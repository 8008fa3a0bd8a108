"""The difference report, over real HTTP to the simulator: differences seeded on both sides are
listed exactly (kind, what differs, both values), each fix works, nothing is left once they are
fixed; a clean organisation lists nothing; one organisation failing does not stop another."""
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from odoo import fields
from odoo.tests import freeze_time
from odoo.tools import mute_logger

from ..xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from .test_bank_feed import BankFeedCase
from .test_payments import PaymentCase

DIFFERENCE_LOGGER = 'odoo.addons.xero_integration.models.xero_difference'


class TestDifferences(PaymentCase, BankFeedCase):

    def setUp(self):
        super().setUp()
        self.minutes = 0

    def next_minute(self):
        """A fresh minute of Xero's budget (60 calls a minute) for each step of a long test."""
        self.minutes += 1
        self.sim.clock.advance(61)
        return freeze_time(fields.Datetime.now() + timedelta(minutes=self.minutes))

    def compare(self, organisation=None):
        with self.next_minute():
            return self.env['xero.difference'].with_context(xero_no_commit=True)._compare(organisation or self.org)

    def open_rows(self, organisation=None):
        return self.env['xero.difference'].search([('organisation_id', '=', (organisation or self.org).id),
                                                   ('state', '=', 'open')])

    def listed(self, organisation=None):
        return sorted((row.kind, row.name, row.field_label, row.odoo_value, row.xero_value)
                      for row in self.open_rows(organisation))

    def sim_org(self):
        return self.sim.organisation(NZ_TENANT_ID)

    def test_seeded_differences_are_listed_fixed_and_gone(self):
        self.org.gone_policy = 'cancel'
        self.set_default_account()
        self.feed().tax_rate_id = self.rate(self.org, 'INPUT2')
        self.activate()
        paid = self.make_move()
        voided = self.make_move(lines=[(200.0, 1, self.sale15, 0.0)])
        edited = self.make_move(lines=[(300.0, 1, self.sale15, 0.0)])
        bill = self.make_move('in_invoice', lines=[(80.0, 1, self.purchase15, 0.0)])
        line = self.card_line(-57.5, partner=self.uber, label='UBER *TRIP')
        line.action_xero_verify()
        self.push()
        self.pay(paid)
        self.push()
        payment_link = self.payment_links(paid)
        self.assertEqual(payment_link.sync_state, 'synced', payment_link.last_error)
        self.assertEqual(self.feed_link(line).sync_state, 'synced', self.feed_link(line).last_error)

        # A clean organisation, every kind synced: nothing listed, and the reads are paged.
        self.sim.counters.reset()
        counts = self.compare()
        self.assertEqual(counts['differences'], 0, self.listed())
        self.assertFalse(self.open_rows())
        self.assertGreater(counts['records'], 0)
        # invoices, credit notes, payments, contacts, bank transactions: one page each
        self.assertEqual(counts['calls'], 5)
        self.assertEqual(sum(self.sim.counters.calls.values()), 5, 'one call per page, none per record')

        # Seeded in Xero, behind Odoo's back.
        xero = self.org._xero()
        xero.delete_payment(payment_link.xero_id, 'test-diff-delete')
        xero.save('invoices', [{'invoice_id': self.link(voided).xero_id, 'status': 'VOIDED'}], 'test-diff-void')
        new_date = fields.Date.today() - timedelta(days=3)
        element, = xero.save('invoices', [{'invoice_id': self.link(edited).xero_id, 'date': new_date}],
                             'test-diff-edit')
        self.assertTrue(element.ok, element.errors)
        vendor_contact = self.sim_org().contacts[self.link(self.vendor).xero_id.lower()]
        vendor_contact['_BalanceAdjust'] = {'AP': 25.0}  # a conversion balance entered in Xero
        self.sim_txn(line)['Status'] = 'DELETED'

        counts = self.compare()
        fmt = self.env.company.currency_id.format
        expected = sorted([
            ('payment', payment_link.payment_id.display_name, 'Only in Odoo', fmt(paid.amount_total), 'Deleted'),
            ('document', voided.name, 'Status', 'Posted', 'VOIDED'),
            ('document', edited.name, 'Date', fields.Date.to_string(edited.invoice_date),
             fields.Date.to_string(new_date)),
            ('contact', self.vendor.display_name, 'Payable', fmt(bill.amount_total), fmt(bill.amount_total + 25.0)),
            ('bank', line.display_name, 'Removed in Xero', self.eur.format(57.5), 'DELETED'),
        ])
        self.assertEqual(self.listed(), expected)
        self.assertEqual(counts['differences'], 5)
        self.assertEqual(sorted(self.open_rows().mapped(lambda row: (row.kind, row.fix))), [
            ('bank', 'sync'), ('contact', 'open_xero'), ('document', 'pull'), ('document', 'sync'),
            ('payment', 'sync')])
        by_name = {row.name: row for row in self.open_rows()}
        self.assertEqual(by_name[voided.name].fix, 'pull')
        self.assertEqual(by_name[edited.name].fix, 'sync')
        # The same comparison again: the same rows, not new ones.
        before = self.open_rows()
        self.compare()
        self.assertEqual(self.open_rows(), before)

        # Each fix, then a comparison: its row resolves.
        for row in self.open_rows().sorted('id'):
            with self.next_minute():
                action = row.with_context(xero_no_commit=True).action_fix()
            if row.fix == 'open_xero':
                url = urlparse(action['url'])
                self.assertEqual(parse_qs(url.query)['shortcode'], [self.org.short_code])
                self.assertIn(row.xero_id.lower(), parse_qs(url.query)['redirecturl'][0].lower())
                del vendor_contact['_BalanceAdjust']  # the accountant reverses it in Xero
            self.compare()
            self.assertEqual(row.state, 'resolved', (row.name, row.field_label, self.listed()))
            self.assertTrue(row.resolved_date)
        self.assertFalse(self.open_rows(), 'nothing listed once they are fixed')
        self.assertEqual(voided.state, 'cancel', 'Pull cancelled the voided invoice in Odoo')
        self.assertEqual(self.sim_doc(self.link(edited))['Date'].isoformat()[:10],
                         fields.Date.to_string(edited.invoice_date), 'Sync now sent Odoo\'s date again')
        self.assertEqual(self.sim_txn(line)['Status'], 'AUTHORISED', 'the line is in Xero again')
        self.assertEqual(len([p for p in self.sim_payments() if p['_doc'][1] == self.link(paid).xero_id.lower()]), 1)

    def test_odoo_side_differences_say_why(self):
        self.org.auto_sync_invoices = False
        move = self.make_move()
        self.compare()
        row, = self.open_rows()
        self.assertEqual((row.kind, row.name, row.field_label, row.xero_value), ('document', move.name,
                                                                                  'Only in Odoo', 'Not sent'))
        self.assertEqual(row.reason, 'Auto-sync of invoices is off for this organisation.')
        self.assertEqual(row.fix, 'sync')
        row.with_context(xero_no_commit=True).action_fix()
        self.assertTrue(self.link(move).xero_id)
        self.compare()
        self.assertEqual(row.state, 'resolved')
        action = row.copy({'fix': 'open_odoo'}).action_fix()
        self.assertEqual((action['res_model'], action['res_id']), ('account.move', move.id))

    @mute_logger(DIFFERENCE_LOGGER)
    def test_one_organisation_failing_does_not_stop_another(self):
        other = self.connect_organisations(tenants=[AU_TENANT_ID])
        self.assertNotEqual(other, self.org)
        self.sim.faults.add('status', status=400, tenant_id=NZ_TENANT_ID, count=None)
        self.sim.organisation(AU_TENANT_ID)  # the other organisation answers
        results = self.env['xero.difference'].with_context(xero_no_commit=True).action_compare_now(
            (self.org | other).ids)
        self.assertIsNone(results[self.org.id])
        self.assertEqual(results[other.id]['differences'], 0)
        self.assertGreater(results[other.id]['calls'], 0)
        self.sim.faults.clear()
        self.env['xero.difference'].with_context(xero_no_commit=True)._cron_compare()
        self.assertFalse(self.open_rows())
