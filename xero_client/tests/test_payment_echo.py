"""A payment's Element carries its document as Xero's answer left it (Status and AmountDue, or
RemainingCredit for a credit note), read through the real SDK from the simulator."""
import datetime as dt

import pytest

from xero_client import OAuthClient, XeroApi
from xero_sim.seed import NZ_TENANT_ID

from .test_client import CLIENT_ID, CLIENT_SECRET, REDIRECT, consent


@pytest.fixture
def api(sim):
    code, verifier = consent(sim)
    token = OAuthClient(sim.url, CLIENT_ID, CLIENT_SECRET).exchange_code(code, REDIRECT, verifier)
    return XeroApi(sim.url, token['access_token'], tenant_id=NZ_TENANT_ID)


def test_payment_elements_carry_the_documents_status_and_amount_due(sim, api):
    contact = next(iter(sim.organisation(NZ_TENANT_ID).contacts.values()))
    invoice = api.save('invoices', [{
        'type': 'ACCREC', 'contact': {'contact_id': contact['ContactID']}, 'status': 'AUTHORISED',
        'date': dt.date(2026, 1, 15), 'due_date': dt.date(2026, 2, 15),
        'line_items': [{'description': 'x', 'quantity': 1, 'unit_amount': 100,
                        'account_code': '200', 'tax_type': 'OUTPUT2'}],
    }], key='echo-inv')[0]
    assert invoice.ok, invoice.errors
    part, full = api.save('payments', [
        {'invoice': {'invoice_id': invoice.xero_id}, 'account': {'code': '090'}, 'amount': 15,
         'date': dt.date(2026, 1, 16), 'reference': 'echo-1'},
        {'invoice': {'invoice_id': invoice.xero_id}, 'account': {'code': '090'}, 'amount': 100,
         'date': dt.date(2026, 1, 17), 'reference': 'echo-2'}], key='echo-pay')
    assert (part.echo['document_status'], part.echo['document_amount_due']) == ('AUTHORISED', 100.0)
    assert (full.echo['document_status'], full.echo['document_amount_due']) == ('PAID', 0.0)
    back, = api.delete_payment(full.xero_id, 'echo-del')
    assert (back.status, back.echo['document_status'], back.echo['document_amount_due']) == (
        'DELETED', 'AUTHORISED', 100.0)
    # Other kinds carry no such thing.
    assert 'document_status' not in invoice.echo
