"""A payment write answers with its document as the payment left it (spec: Payment.Invoice and
Payment.CreditNote carry Status and AmountDue / RemainingCredit), so that a client needs no
extra read to know the document's new state."""
from decimal import Decimal

from xero_python.accounting import Account, CreditNote, Invoice, Payment, PaymentDelete, Payments

from xero_sim.tests.helpers import raw
from xero_sim.tests.test_invoices import TODAY, create, invoice, line
from xero_sim.tests.test_payments import credit_note

D = Decimal


def test_put_payments_answers_with_each_documents_new_status(api, client, nz, spec):
    full, part = create(api, nz, invoice([line(100)]), invoice([line(200)]))
    answer = api.create_payments(nz, Payments(payments=[
        Payment(invoice=Invoice(invoice_id=full.invoice_id), account=Account(code='090'),
                amount=115, date=TODAY, reference='full'),
        Payment(invoice=Invoice(invoice_id=part.invoice_id), account=Account(code='090'),
                amount=30, date=TODAY, reference='part')])).payments
    spec('Payments', raw(client[2]))
    by_ref = {p.reference: p for p in answer}
    assert (by_ref['full'].invoice.status, by_ref['full'].invoice.amount_due) == ('PAID', D('0.00'))
    assert (by_ref['part'].invoice.status, by_ref['part'].invoice.amount_due) == ('AUTHORISED', D('200.00'))
    # Deleting answers with the document back as it is.
    back = api.delete_payment(nz, by_ref['full'].payment_id, PaymentDelete(status='DELETED')).payments[0]
    assert (back.invoice.status, back.invoice.amount_due) == ('AUTHORISED', D('115.00'))


def test_refund_answer_carries_the_credit_notes_remaining_credit(api, client, nz, spec):
    from xero_python.accounting import CreditNotes
    note = api.create_credit_notes(nz, CreditNotes(credit_notes=[credit_note([line(10)])])).credit_notes[0]
    refund = api.create_payment(nz, Payment(credit_note=CreditNote(credit_note_id=note.credit_note_id),
                                            account=Account(code='090'), amount=4, date=TODAY)).payments[0]
    spec('Payments', raw(client[2]))
    assert (refund.credit_note.status, refund.credit_note.remaining_credit) == ('AUTHORISED', D('7.50'))
