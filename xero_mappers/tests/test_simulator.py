"""The payloads sent to the local Xero simulator through the real SDK stack: Xero's returned
SubTotal, TotalTax and Total must be Odoo's figures (no drift) and what the mapper predicted."""
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from xero_client import OAuthClient, XeroApi, make_pkce_pair
from xero_client.oauth import authorize_url
from xero_mappers import contact_payload, document_payload
from xero_mappers.tests.builders import document, line, text_line
from xero_sim.seed import NZ_TENANT_ID

CLIENT_ID, CLIENT_SECRET = 'demo-client-id', 'demo-client-secret'
REDIRECT = 'http://localhost/admin/xero_integration/connect'


@pytest.fixture
def api(sim):
    # The consent flow of xero_client/tests: the simulator hands out tokens the real way.
    verifier, challenge = make_pkce_pair()
    url = authorize_url(sim.url, CLIENT_ID, REDIRECT, 'openid offline_access accounting.invoices',
                        'state-1', challenge)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    response = requests.post(sim.url + '/identity/connect/authorize', allow_redirects=False,
                             data=dict(query, decision='allow'), timeout=10)
    code = parse_qs(urlsplit(response.headers['Location']).query)['code'][0]
    token = OAuthClient(sim.url, CLIENT_ID, CLIENT_SECRET).exchange_code(code, REDIRECT, verifier)
    return XeroApi(sim.url, token['access_token'], tenant_id=NZ_TENANT_ID)


def push(api, doc):
    """Send the document through the client's typed write and read it back as Xero keeps it."""
    payload, predicted = document_payload(doc)
    kind = 'invoices' if doc['kind'] == 'invoice' else 'credit_notes'
    element, = api.save(kind, [payload], key=str(uuid.uuid4()))
    assert element.ok, element.errors
    sent, = api.pull_documents(kind, ids=[element.xero_id])[0]
    return sent, predicted


DOCUMENTS = {
    'exclusive': document([line('Desk', 2, 150.0, 300.0, 345.0),
                           line('Chair', 3, 33.33, 99.99, 114.99)], 399.99, 60.0, 459.99),
    'inclusive': document([line('Desk', 1, 115.0, 100.0, 115.0, price_include=True),
                           line('Lamp', 3, 9.99, 26.06, 29.97, price_include=True)],
                          126.06, 18.91, 144.97),
    'mixed': document([line('Service', 1, 100.0, 100.0, 115.0),
                       line('Gadget', 1, 10.0, 8.7, 10.0, price_include=True),
                       line('Lamp', 7, 9.99, 60.81, 69.93, price_include=True),
                       line('Bolts', 1000, 1.23, 1069.57, 1230.0, price_include=True)],
                      1239.08, 185.85, 1424.93),
    'global rounding': document([line('A', 1, 25.06, 25.06, 28.82),
                                 line('B', 1, 25.61, 25.61, 29.45),
                                 line('C', 1, 25.63, 25.63, 29.47)], 76.3, 11.45, 87.75),
    'group tax': document([line('Wine', 1, 100.03, 100.03, 117.33, tax_type='TAX001',
                                tax_rate=17.3)], 100.03, 17.3, 117.33),
    'discount': document([line('Shoes', 3, 19.99, 52.47, 60.34, discount=12.5)],
                         52.47, 7.87, 60.34, currency_code='EUR', currency_rate=0.5432),
    'bill': document([line('Shoes', 3, 19.99, 52.47, 60.34, discount=12.5, tax_type='INPUT2',
                           account_code='300'),
                      line('Nuts', 1000, 1.2345, 1111.05, 1277.71, discount=10.0,
                           tax_type='INPUT2', account_code='300')],
                     1163.52, 174.53, 1338.05, xero_type='ACCPAY', number='SUP-881'),
    'credit note': document([line('Refund', 2, 50.0, 90.0, 103.5, discount=10.0),
                             line('B', 1, 25.61, 25.61, 29.45), line('C', 1, 25.63, 25.63, 29.47)],
                            141.24, 21.19, 162.43, kind='credit_note', xero_type='ACCRECCREDIT',
                            number='RINV/2026/00001'),
    # Headings and notes are accepted on approved documents and weigh nothing.
    'sections': document([text_line('Hardware'), line('Desk', 1, 150.0, 150.0, 172.5),
                          text_line('Delivered on site', 'line_note')], 150.0, 22.5, 172.5),
    'supplier credit note': document([line('Return', 1, 46.0, 40.0, 46.0, tax_type='INPUT2',
                                           price_include=True, account_code='300')],
                                     40.0, 6.0, 46.0, kind='credit_note',
                                     xero_type='ACCPAYCREDIT', number=None, status='DRAFT'),
}


@pytest.mark.parametrize('name', list(DOCUMENTS))
def test_xero_totals_equal_odoo(sim, api, name):
    doc = DOCUMENTS[name]
    sent, predicted = push(api, doc)
    returned = (sent['sub_total'], sent['total_tax'], sent['total'])
    assert returned == (doc['amount_untaxed'], doc['amount_tax'], doc['amount_total'])
    assert returned == (predicted['sub_total'], predicted['total_tax'], predicted['total'])
    assert (predicted['drift'], predicted['tax_drift']) == (0.0, 0.0)


def test_prediction_without_override_matches_xero(sim, api):
    # The drift the override removes is real: without it Xero says 11.44 / 87.74.
    doc = dict(DOCUMENTS['global rounding'], amount_tax=11.44, amount_total=87.74)
    sent, predicted = push(api, doc)
    assert [line['tax_amount'] for line in sent['lines']] == [3.76, 3.84, 3.84]
    assert (sent['total_tax'], sent['total']) == (11.44, 87.74)
    assert (predicted['total_tax'], predicted['total']) == (11.44, 87.74)


def test_contact_payload_is_accepted(sim, api):
    partner = {'name': 'Azure Interior', 'is_company': True, 'email': 'azure@example.com',
               'phone': '+64 9 123 4567', 'vat': 'NZ 123-456-789', 'ref': 'P00042',
               'street': '4557 De Silva St', 'city': 'Fremont', 'zip': '1010',
               'country_code': 'NZ', 'name_suffix': ' (P00042)'}
    element, = api.save('contacts', [contact_payload(partner)], key=str(uuid.uuid4()))
    assert element.ok, element.errors
    created = next(c for c in api.pull_contacts()[0] if c['xero_id'] == element.xero_id)
    assert (created['name'], created['contact_number'], created['tax_number']) == \
        ('Azure Interior (P00042)', 'P00042', 'NZ 123-456-789')
    assert sorted(kind for kind, a in created['addresses'].items() if a['city'] == 'Fremont') == \
        ['POBOX', 'STREET']
