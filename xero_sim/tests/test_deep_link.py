"""Xero's deep links (XERO_API.md §10): the simulator's page names the organisation of the
short code and the document the link points at."""
from urllib.parse import urlencode

import requests

from xero_sim.tests.test_invoices import create, invoice, line


def deep_link(sim, short_code, redirect):
    query = urlencode({'shortcode': short_code, 'redirecturl': redirect})
    return requests.get(f'{sim.url}/organisationlogin/default.aspx?{query}', timeout=5)


def test_the_page_names_the_organisation_and_the_invoice(sim, api, nz, au):
    inv = create(api, nz, invoice([line(100)]))[0]
    nz_org, au_org = sim.organisation(nz), sim.organisation(au)
    page = deep_link(sim, nz_org.short_code, f'/AccountsReceivable/View.aspx?InvoiceID={inv.invoice_id}')
    assert page.status_code == 200
    assert nz_org.name in page.text and inv.invoice_number in page.text
    # The other organisation's short code: the same id is not there.
    other = deep_link(sim, au_org.short_code, f'/AccountsReceivable/View.aspx?InvoiceID={inv.invoice_id}')
    assert other.status_code == 200
    assert au_org.name in other.text and 'is not in this organisation' in other.text


def test_an_unknown_short_code_is_404(sim):
    assert deep_link(sim, '!nope', '/Contacts/View/x').status_code == 404
