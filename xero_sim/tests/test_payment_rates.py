"""A payment's CurrencyRate, as Xero keeps it: the rate given with the payment, or the
document's own when none is given, returned by GET /Payments (which the poll reads)."""
from decimal import Decimal

from xero_python.accounting import CurrencyCode

from xero_sim.tests.helpers import raw
from xero_sim.tests.test_invoices import create, invoice, line
from xero_sim.tests.test_payments import pay

D = Decimal


def test_currency_rate_given_or_the_documents(api, client, nz, spec):
    inv = create(api, nz, invoice([line(100)], currency_code=CurrencyCode.EUR, currency_rate=D('0.5')))[0]
    assert inv.currency_rate == D('0.5')
    given = pay(api, nz, inv.invoice_id, 50, currency_rate=D('0.4'))
    assert given.currency_rate == D('0.4')
    spec('Payments', raw(client[2]))
    default = pay(api, nz, inv.invoice_id, 20)
    assert default.currency_rate == D('0.5'), "the document's rate when the payment gives none"
    read = {p.payment_id: p.currency_rate for p in api.get_payments(nz).payments}
    spec('Payments', raw(client[2]))
    assert (read[given.payment_id], read[default.payment_id]) == (D('0.4'), D('0.5'))
    on_invoice = api.get_invoice(nz, inv.invoice_id).invoices[0]
    assert sorted(p.currency_rate for p in on_invoice.payments) == [D('0.4'), D('0.5')]
