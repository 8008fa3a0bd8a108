"""No document held for rounding: a company that rounds globally, long documents, and bills looked
up after a lost answer.

Odoo rounding globally rounds the sum of a document's exact line amounts; Xero rounds each line
and adds them up. On a long document the two differ by up to half a cent a line, in the untaxed
amount as in the tax. The tax is made to agree line by line (``TaxAmount``); the untaxed
difference goes on one rounding line, to the organisation's rounding account, with a Xero rate
that lands in no box of the tax return. Each test ends by comparing both books: Xero's Total,
TotalTax and AmountDue with Odoo's total, tax and residual.
"""
from datetime import timedelta

from odoo import fields
from odoo.tools import float_round, mute_logger

from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import ENGINE_LOGGER, INVOICES, SyncCase
from .test_idempotency import AFTER, KeyWindowMixin

# What the addon held any document beyond, before: 5 cents.
OLD_CAP = 0.05
ROUNDING = 'Rounding'


class RoundingCase(SyncCase):

    def setUp(self):
        super().setUp()
        self.env.company.tax_calculation_rounding_method = 'round_globally'
        # Untaxed lines take a zero-rated rate, which the GST return reports: the rounding line
        # must not take it.
        self.org.xero_default_tax_rate_id = self.rate(self.org, 'ZERORATED')

    def long_move(self, move_type='out_invoice'):
        """60 lines whose exact untaxed amounts each lose 0.3 to 0.5 of a cent to their own
        rounding: rounded globally, the untaxed total is cents away from the sum of the lines."""
        tax = self.sale15 if move_type in ('out_invoice', 'out_refund') else self.purchase15
        lines = [(round(10.01 + 0.21 * n, 2), 1, tax, 33.33) for n in range(60)]
        move = self.make_move(move_type, lines=lines)
        return move, self.line_drift(move)

    @staticmethod
    def line_drift(move):
        """Odoo's untaxed total minus the sum of its rounded line subtotals (what Xero adds up)."""
        lines = sum(float_round(line.price_subtotal, 2) for line in move.invoice_line_ids)
        return float_round(move.amount_untaxed - lines, 2)

    def assertBothBooks(self, move):
        """Xero's total, tax, subtotal and amount due are Odoo's; each document once in Xero."""
        doc = self.assertInXeroToTheCent(move)
        self.assertAlmostEqual(float(doc['SubTotal']), move.amount_untaxed, places=2)
        self.assertAlmostEqual(float(doc['AmountDue']), move.amount_residual, places=2)
        self.assertEqual(doc['Status'], 'AUTHORISED')
        self.assertEqual(move.payment_state, 'not_paid')
        self.assertAlmostEqual(self.link(move).xero_amount_due, move.amount_residual, places=2)
        self.assertEqual(self.sim.duplicates(NZ_TENANT_ID), 0)
        return doc

    def rounding_lines(self, doc):
        return [line for line in doc['LineItems'] if line.get('Description') == ROUNDING]

    def assertNotInXero(self, move):
        link = self.link(move)
        self.assertFalse(link.xero_id)
        self.assertFalse([d for d in self.sim.organisation(NZ_TENANT_ID).invoices.values()
                          if d.get('InvoiceNumber') == move.name or d.get('Reference') == move.name])


class TestRoundingGlobal(RoundingCase):
    """A long document of a company that rounds globally reaches Xero with Odoo's totals."""

    def _assert_sent_with_a_rounding_line(self, move, drift):
        doc = self.assertBothBooks(move)
        rounding = self.rounding_lines(doc)
        self.assertEqual(len(rounding), 1, 'one rounding line carries the difference')
        self.assertAlmostEqual(float(rounding[0]['LineAmount']), drift, places=2)
        self.assertEqual(float(rounding[0]['TaxAmount']), 0.0)
        # The organisation's rounding account (Xero's ROUNDING system account), ...
        self.assertEqual(rounding[0]['AccountCode'], self.org.xero_rounding_account_id.code)
        self.assertEqual(self.org.xero_rounding_account_id.system_account, 'ROUNDING')
        # ... with the rate that lands in no box of the GST return, not the rate for untaxed lines.
        rate = self.sim.organisation(NZ_TENANT_ID).tax_rates[rounding[0]['TaxType']]
        self.assertEqual(rounding[0]['TaxType'], 'NONE')
        self.assertEqual(rate['ReportTaxType'], 'NONE')
        self.assertNotEqual(rounding[0]['TaxType'], self.org.xero_default_tax_rate_id.tax_type)
        # Xero's tax is Odoo's tax, line by line overrides included: nothing left to drift.
        product = [line for line in doc['LineItems'] if line not in rounding]
        self.assertEqual(len(product), 60)
        self.assertAlmostEqual(sum(float(line['TaxAmount']) for line in product), move.amount_tax, places=2)
        return doc

    def test_sixty_line_invoice_drifting_more_than_five_cents_is_sent(self):
        move, drift = self.long_move()
        self.assertGreater(abs(drift), OLD_CAP, 'more than the 5 cents that used to hold it')
        self.push()
        self._assert_sent_with_a_rounding_line(move, drift)

    def test_sixty_line_bill_drifting_more_than_five_cents_is_sent(self):
        """A bill's discounts are folded into its unit amounts (Xero takes none on bills)."""
        bill, drift = self.long_move('in_invoice')
        self.assertGreater(abs(drift), OLD_CAP)
        self.push()
        doc = self._assert_sent_with_a_rounding_line(bill, drift)
        self.assertEqual(doc['Type'], 'ACCPAY')
        self.assertFalse([line for line in doc['LineItems'] if line.get('DiscountRate')])

    def test_rounding_line_cap_is_half_a_cent_a_line(self):
        Link = self.env['xero.move.link']
        self.assertEqual(Link._rounding_line_cap(1), 0.01)
        self.assertEqual(Link._rounding_line_cap(3), 0.02)
        self.assertEqual(Link._rounding_line_cap(60), 0.30)
        self.assertEqual(Link._rounding_line_cap(60, cash_rounding=-0.04), 0.34)
        # The invoice sent above is well inside its cap.
        move, drift = self.long_move()
        self.assertLessEqual(abs(drift), Link._rounding_line_cap(60))
        self.push()
        self.assertBothBooks(move)


class TestRoundingHeld(RoundingCase):
    """What cannot be made to agree is held with a reason an accountant can act on, and goes
    once that is fixed."""

    def _set_rate_status(self, tax_type, status):
        """Xero's rate changes status (deleted in Xero, or restored), then the chart is imported."""
        self.sim.organisation(NZ_TENANT_ID).tax_rates[tax_type]['Status'] = status
        self.org.action_import_chart()

    def test_no_rate_outside_the_tax_return_holds_with_a_reason(self):
        self._set_rate_status('NONE', 'DELETED')
        move, drift = self.long_move()
        self.assertTrue(drift)
        self.push()
        link = self.link(move)
        self.assertEqual(link.sync_state, 'error')
        self.assertIn('outside the tax return', link.last_error)
        self.assertIn("'No GST'", link.last_error)
        self.assertIn('import the chart', link.last_error)
        self.assertIn(self.org.name, link.last_error)
        self.assertTrue(any('outside the tax return' in (m.body or '') for m in move.message_ids),
                        'said on the document too')
        self.assertIn('outside the tax return', move.xero_error)
        self.assertNotInXero(move)
        # Not the zero-rated rate for untaxed lines instead: that would land in the return.
        self.assertFalse(self.calls(INVOICES))
        # Restored in Xero and imported again: Retry sends it, and the books agree.
        self._set_rate_status('NONE', 'ACTIVE')
        link.action_retry()
        self.push()
        self.assertBothBooks(move)
        self.assertEqual(len(self.rounding_lines(self.sim_doc(link))), 1)

    def test_no_rounding_account_holds_with_a_reason(self):
        account = self.org.xero_rounding_account_id
        self.org.xero_rounding_account_id = False
        move, drift = self.long_move()
        self.assertTrue(drift)
        self.push()
        link = self.link(move)
        self.assertEqual(link.sync_state, 'error')
        self.assertIn('Rounding account', link.last_error)
        self.assertIn('Mapping tab', link.last_error)
        self.assertNotInXero(move)
        self.org.xero_rounding_account_id = account
        link.action_retry()
        self.push()
        self.assertBothBooks(move)

    def test_difference_beyond_rounding_is_held_not_sent(self):
        """A gap the lines' rounding cannot explain is held, with both figures and the cap."""
        move, _drift = self.long_move()
        link = self.link(move)
        values = link._document_values()
        predicted = {'drift': 0.31, 'total': float_round(move.amount_total + 0.31, 2)}
        reason = link._rounding_line(values, predicted)
        self.assertIn('more than the rounding of its 60 lines can explain', reason)
        self.assertIn('0.3', reason)
        self.assertEqual(len(values['lines']), 60, 'no rounding line added')
        # Within the cap, the same document takes one.
        self.assertIsNone(link._rounding_line(values, dict(predicted, drift=0.30)))
        self.assertEqual(values['lines'][-1]['tax_type'], 'NONE')
        self.push()
        self.assertBothBooks(move)


class TestBillLookUpNeverByTotal(KeyWindowMixin, RoundingCase):
    """After a lost answer, past Xero's key window, a bill is found by its contact, number and
    Reference (Odoo's own name), whatever its total."""

    @mute_logger(ENGINE_LOGGER)
    def test_bill_landed_with_another_total_is_found_not_sent_again(self):
        self.push()
        self.lose_answer('POST', INVOICES, how='status')  # Xero creates it; the answer is lost
        bill = self.make_move('in_invoice', lines=[(100.0, 1, self.purchase15, 0.0)], ref='INV-7781')
        self.push()
        link = self.link(bill)
        self.assertEqual(link.sync_state, 'in_flight', 'outcome unknown: Xero may have it')
        landed = [d for d in self.sim.organisation(NZ_TENANT_ID).invoices.values()
                  if d.get('Reference') == bill.name]
        self.assertEqual(len(landed), 1)
        # Meanwhile the accountant corrects the bill in Odoo: another price, another date.
        bill.button_draft()
        bill.write({'invoice_date': bill.invoice_date - timedelta(days=1),
                    'invoice_line_ids': [fields.Command.update(bill.invoice_line_ids.id, {'price_unit': 103.33})]})
        bill.action_post()
        self.assertNotAlmostEqual(float(landed[0]['Total']), bill.amount_total, places=2,
                                  msg='what Xero holds has another total than Odoo now')
        with self.later(AFTER):
            self.push()
        self.assertGreaterEqual(self.calls(INVOICES, 'GET'), 1, 'looked up in Xero')
        self.assertEqual(self.sim.counters.created(NZ_TENANT_ID, 'Invoices'), 1, 'never sent again as new')
        self.assertEqual(link.xero_id.lower(), landed[0]['InvoiceID'].lower(), 'bound to the bill Xero holds')
        # The correction went as an update of that bill.
        doc = self.assertBothBooks(bill)
        self.assertEqual(doc['InvoiceNumber'], 'INV-7781')
        self.assertEqual(doc['Date'], bill.invoice_date, 'the corrected date went too')
