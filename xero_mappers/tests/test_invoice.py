"""document_payload: payload shape and Xero's totals, to the cent. Odoo's figures are written out
by hand next to each case, so a reader can check them with a calculator."""
import datetime as dt

import pytest

from xero_mappers import document_payload, expected_totals, id_field, number_field
from xero_mappers.tests.builders import document, line, products, sdk_model, text_line


def build(doc):
    payload, predicted = document_payload(doc)
    sdk_model(doc['kind'], payload)  # every payload must be one the SDK accepts
    return payload, predicted


def totals(sub_total, total_tax, total, drift=0.0, tax_drift=0.0):
    return {'sub_total': sub_total, 'total_tax': total_tax, 'total': total, 'drift': drift,
            'tax_drift': tax_drift}


def test_fields_by_kind():
    assert (number_field('invoice'), id_field('invoice')) == ('invoice_number', 'invoice_id')
    assert (number_field('credit_note'), id_field('credit_note')) == \
        ('credit_note_number', 'credit_note_id')


def test_simple_exclusive_invoice():
    # 2 × 150.00 = 300.00, tax 45.00; 3 × 33.33 = 99.99, tax 14.9985 -> 15.00.
    doc = document([line('Desk', 2, 150.0, 300.0, 345.0), line('Chair', 3, 33.33, 99.99, 114.99)],
                   399.99, 60.0, 459.99, reference='SO042')
    payload, predicted = build(doc)
    assert payload == {
        'type': 'ACCREC', 'contact': {'contact_number': 'C-BAY'},
        'date': dt.date(2026, 3, 2), 'due_date': dt.date(2026, 4, 2),
        'line_amount_types': 'Exclusive', 'invoice_number': 'INV/2026/00001',
        'reference': 'SO042', 'currency_code': 'NZD', 'status': 'AUTHORISED',
        'line_items': [
            {'description': 'Desk', 'quantity': 2.0, 'unit_amount': 150.0, 'account_code': '200',
             'tax_type': 'OUTPUT2'},
            {'description': 'Chair', 'quantity': 3.0, 'unit_amount': 33.33,
             'account_code': '200', 'tax_type': 'OUTPUT2'}]}
    assert predicted == totals(399.99, 60.0, 459.99)


def test_fractional_quantity_and_update_id():
    # 2.5 h × 85.00 = 212.50, tax 31.875 -> 31.88.
    doc = document([line('Consulting', 2.5, 85.0, 212.5, 244.38)], 212.5, 31.88, 244.38,
                   xero_id='7a1e6b52-0000-4000-8000-000000000001', status='DRAFT')
    payload, predicted = build(doc)
    assert payload['invoice_id'] == '7a1e6b52-0000-4000-8000-000000000001'
    assert payload['status'] == 'DRAFT'
    assert products(payload)[0]['quantity'] == 2.5
    assert predicted == totals(212.5, 31.88, 244.38)


def test_inclusive_invoice():
    # 115.00 incl. 15 %: 100.00 + 15.00. 3 × 9.99 = 29.97 incl: 29.97/1.15 = 26.0609 -> 26.06,
    # tax 3.91 (Xero: 29.97 × 0.15/1.15 = 3.9091 -> 3.91).
    doc = document([line('Desk', 1, 115.0, 100.0, 115.0, price_include=True),
                    line('Lamp', 3, 9.99, 26.06, 29.97, price_include=True)],
                   126.06, 18.91, 144.97)
    payload, predicted = build(doc)
    assert payload['line_amount_types'] == 'Inclusive'
    assert [(i['quantity'], i['unit_amount']) for i in products(payload)] == \
        [(1.0, 115.0), (3.0, 9.99)]
    assert all('tax_amount' not in i for i in products(payload))
    assert predicted == totals(126.06, 18.91, 144.97)


def test_mixed_document_converts_included_lines_exactly():
    # Service 100.00 excl: tax 15.00. Gadget 10.00 incl: 8.70 + 1.30 (Odoo: total − base).
    # Lamp 7 × 9.99 = 69.93 incl: 60.81 + 9.12. Odoo tax 25.42, total 194.93.
    # Xero, exclusive: 8.70 × 0.15 = 1.305 -> 1.31 and 60.81 × 0.15 = 9.1215 -> 9.12: 25.43,
    # one cent too many, taken from the Gadget (its 1.31 lies 0.005 above the exact tax).
    doc = document([line('Service', 1, 100.0, 100.0, 115.0),
                    line('Gadget', 1, 10.0, 8.7, 10.0, price_include=True),
                    line('Lamp', 7, 9.99, 60.81, 69.93, price_include=True)],
                   169.51, 25.42, 194.93)
    payload, predicted = build(doc)
    assert payload['line_amount_types'] == 'Exclusive'
    items = products(payload)
    # 7 × 8.6871 = 60.8097 -> 60.81: the quantity survives the conversion.
    assert [(i['quantity'], i['unit_amount']) for i in items] == \
        [(1.0, 100.0), (1.0, 8.7), (7.0, 8.6871)]
    assert [i['tax_amount'] for i in items] == [15.0, 1.3, 9.12]
    assert predicted == totals(169.51, 25.42, 194.93)


def test_mixed_document_falls_back_to_one_unit():
    # 1000 × 1.23 = 1230.00 incl: 1069.57 + 160.43. No 4-dp unit amount of 1000 units gives
    # 1069.57 (1.0696 -> 1069.60, 1.0695 -> 1069.50), so one unit of 1069.57 is sent.
    doc = document([line('Service', 1, 100.0, 100.0, 115.0),
                    line('Bolts', 1000, 1.23, 1069.57, 1230.0, price_include=True)],
                   1169.57, 175.43, 1345.0)
    payload, predicted = build(doc)
    bolts = products(payload)[1]
    assert bolts['description'] == 'Bolts (1000 × 1.23)'
    assert (bolts['quantity'], bolts['unit_amount']) == (1.0, 1069.57)
    # Xero: 1069.57 × 0.15 = 160.4355 -> 160.44; Odoo's 160.43 is sent instead.
    assert [i['tax_amount'] for i in products(payload)] == [15.0, 160.43]
    assert predicted == totals(1169.57, 175.43, 1345.0)


def test_discount_on_sales_invoice_is_a_discount_rate():
    # 3 × 19.99 = 59.97 less 12.5 % = 52.47375 -> 52.47; tax 7.8705 -> 7.87.
    doc = document([line('Shoes', 3, 19.99, 52.47, 60.34, discount=12.5)], 52.47, 7.87, 60.34)
    payload, predicted = build(doc)
    assert products(payload) == [{'description': 'Shoes', 'quantity': 3.0, 'unit_amount': 19.99,
                                  'discount_rate': 12.5, 'account_code': '200',
                                  'tax_type': 'OUTPUT2'}]
    assert predicted == totals(52.47, 7.87, 60.34)


def test_discount_with_more_than_two_decimals_is_folded():
    # 4 × 25.00 less 33.333 % = 66.667 -> 66.67: 25 × 0.66667 = 16.66675 -> 16.6668,
    # 4 × 16.6668 = 66.6672 -> 66.67. Tax 10.0005 -> 10.00.
    doc = document([line('Ticket', 4, 25.0, 66.67, 76.67, discount=33.333)], 66.67, 10.0, 76.67)
    payload, predicted = build(doc)
    item = products(payload)[0]
    assert 'discount_rate' not in item
    assert (item['quantity'], item['unit_amount']) == (4.0, 16.6668)
    assert predicted == totals(66.67, 10.0, 76.67)


def test_discount_on_bill_is_folded_into_unit_amount():
    # Shoes: 19.99 × 0.875 = 17.49125 -> 17.4913; 3 × 17.4913 = 52.4739 -> 52.47 = Odoo's.
    # Nuts: 1000 × 1.2345 less 10 % = 1111.05; no 4-dp unit of 1000 gives it: one unit.
    # Tax 7.8705 -> 7.87 and 166.6575 -> 166.66; global 1163.52 × 0.15 = 174.528 -> 174.53.
    doc = document([line('Shoes', 3, 19.99, 52.47, 60.34, discount=12.5, tax_type='INPUT2',
                         account_code='300'),
                    line('Nuts', 1000, 1.2345, 1111.05, 1277.71, discount=10.0,
                         tax_type='INPUT2', account_code='300')],
                   1163.52, 174.53, 1338.05, xero_type='ACCPAY', number='SUP-881',
                   reference='BILL/2026/00001')
    payload, predicted = build(doc)
    assert payload['type'] == 'ACCPAY'
    assert (payload['invoice_number'], payload['reference']) == ('SUP-881', 'BILL/2026/00001')
    assert products(payload) == [
        {'description': 'Shoes', 'quantity': 3.0, 'unit_amount': 17.4913, 'account_code': '300',
         'tax_type': 'INPUT2'},
        {'description': 'Nuts (1000 × 1.2345 less 10%)', 'quantity': 1.0,
         'unit_amount': 1111.05, 'account_code': '300', 'tax_type': 'INPUT2'}]
    assert predicted == totals(1163.52, 174.53, 1338.05)


def test_bill_without_vendor_reference_has_no_number():
    doc = document([line('Paper', 1, 20.0, 20.0, 23.0, tax_type='INPUT2')], 20.0, 3.0, 23.0,
                   xero_type='ACCPAY', number=None)
    payload, _predicted = build(doc)
    assert 'invoice_number' not in payload


def test_credit_notes():
    # Customer credit note: 2 × 50.00 less 10 % = 90.00 (no discounts on credit notes: 45.00 a
    # unit), tax 13.50.
    doc = document([line('Refund', 2, 50.0, 90.0, 103.5, discount=10.0)], 90.0, 13.5, 103.5,
                   kind='credit_note', xero_type='ACCRECCREDIT', number='RINV/2026/00001',
                   xero_id='0d3b1f1e-0000-4000-8000-000000000002')
    payload, predicted = build(doc)
    assert payload['credit_note_number'] == 'RINV/2026/00001'
    assert payload['credit_note_id'] == '0d3b1f1e-0000-4000-8000-000000000002'
    assert 'invoice_number' not in payload and 'invoice_id' not in payload
    assert products(payload) == [{'description': 'Refund', 'quantity': 2.0, 'unit_amount': 45.0,
                                  'account_code': '200', 'tax_type': 'OUTPUT2'}]
    assert predicted == totals(90.0, 13.5, 103.5)
    # Supplier credit note, inclusive: 46.00 incl = 40.00 + 6.00.
    doc = document([line('Return', 1, 46.0, 40.0, 46.0, tax_type='INPUT2', price_include=True)],
                   40.0, 6.0, 46.0, kind='credit_note', xero_type='ACCPAYCREDIT', number=None)
    payload, predicted = build(doc)
    assert (payload['type'], payload['line_amount_types']) == ('ACCPAYCREDIT', 'Inclusive')
    assert predicted == totals(40.0, 6.0, 46.0)


def test_foreign_currency_rate_sent_or_left_out():
    lines = [line('Desk', 1, 100.0, 100.0, 115.0)]
    payload, _ = build(document(lines, 100.0, 15.0, 115.0, currency_code='EUR',
                                currency_rate=1.0876))
    assert (payload['currency_code'], payload['currency_rate']) == ('EUR', 1.0876)
    payload, _ = build(document(lines, 100.0, 15.0, 115.0, currency_code='EUR',
                                currency_rate=0.61234567))
    assert payload['currency_rate'] == 0.612346  # Xero keeps 6 decimals
    payload, _ = build(document(lines, 100.0, 15.0, 115.0, currency_code='USD'))
    assert payload['currency_code'] == 'USD' and 'currency_rate' not in payload


def test_global_rounding_gets_tax_overrides():
    # Xero's own example: per line 3.759 -> 3.76, 3.8415 -> 3.84, 3.8445 -> 3.84 = 11.44;
    # Odoo (round globally): 76.30 × 0.15 = 11.445 -> 11.45. The missing cent goes to the line
    # rounded down the most (3.8445).
    lines = [line('A', 1, 25.06, 25.06, 28.82), line('B', 1, 25.61, 25.61, 29.45),
             line('C', 1, 25.63, 25.63, 29.47)]
    payload, predicted = build(document(lines, 76.3, 11.45, 87.75))
    assert [i['tax_amount'] for i in products(payload)] == [3.76, 3.84, 3.85]
    assert predicted == totals(76.3, 11.45, 87.75)
    without = dict(payload, line_items=[{k: v for k, v in i.items() if k != 'tax_amount'}
                                        for i in payload['line_items']])
    assert expected_totals(without, {'OUTPUT2': 15.0}) == \
        {'sub_total': 76.3, 'total_tax': 11.44, 'total': 87.74}


def test_global_rounding_down_and_over_several_cents():
    # 3 × 10.05: per line 1.5075 -> 1.51 = 4.53; global 30.15 × 0.15 = 4.5225 -> 4.52.
    # All three are equally far: the first gives the cent back.
    lines = [line(n, 1, 10.05, 10.05, 11.56) for n in 'ABC']
    payload, predicted = build(document(lines, 30.15, 4.52, 34.67))
    assert [i['tax_amount'] for i in products(payload)] == [1.5, 1.51, 1.51]
    assert predicted == totals(30.15, 4.52, 34.67)
    # 10 × 10.03: per line 1.5045 -> 1.50 = 15.00; global 100.30 × 0.15 = 15.045 -> 15.05:
    # five cents, one each to five lines, never two to one line.
    lines = [line(str(n), 1, 10.03, 10.03, 11.53) for n in range(10)]
    payload, predicted = build(document(lines, 100.3, 15.05, 115.35))
    assert [i['tax_amount'] for i in products(payload)] == [1.51] * 5 + [1.5] * 5
    assert predicted == totals(100.3, 15.05, 115.35)


def test_group_tax_rounded_per_component():
    # TAX001 = GST 15 % + levy 2 % on the GST-inclusive amount, 17.3 % in Xero.
    # Odoo: 100.03 × 0.15 = 15.0045 -> 15.00; (100.03 + 15.00) × 0.02 = 2.3006 -> 2.30: 17.30.
    # Xero: 100.03 × 0.173 = 17.30519 -> 17.31.
    doc = document([line('Wine', 1, 100.03, 100.03, 117.33, tax_type='TAX001', tax_rate=17.3),
                    line('Glass', 2, 5.0, 10.0, 11.5)], 110.03, 18.8, 128.83)
    payload, predicted = build(doc)
    assert [i['tax_amount'] for i in products(payload)] == [17.3, 1.5]
    assert predicted == totals(110.03, 18.8, 128.83)


def test_description_only_lines():
    lines = [text_line('Hardware'), line('Desk', 1, 150.0, 150.0, 172.5),
             text_line('Delivered on site', 'line_note'), text_line('  ', 'line_subsection'),
             text_line('Installation', 'line_subsection'), line('Fitting', 1, 50.0, 50.0, 57.5)]
    payload, predicted = build(document(lines, 200.0, 30.0, 230.0))
    assert [i['description'] for i in payload['line_items']] == \
        ['Hardware', 'Desk', 'Delivered on site', 'Installation', 'Fitting']
    assert payload['line_items'][0] == {'description': 'Hardware'}
    assert payload['line_items'][2] == {'description': 'Delivered on site'}
    assert predicted == totals(200.0, 30.0, 230.0)
    plain = dict(payload, line_items=products(payload))
    assert expected_totals(payload, {'OUTPUT2': 15}) == expected_totals(plain, {'OUTPUT2': 15})


def test_untaxed_document_drift_is_reported():
    # No taxed line to carry a correction: Odoo says 100.01, Xero will say 100.00.
    doc = document([line('Interest', 1, 100.0, 100.0, 100.0, tax_type='NONE', tax_rate=0.0,
                         account_code='270')], 100.01, 0.0, 100.01)
    payload, predicted = build(doc)
    assert payload['line_amount_types'] == 'Exclusive'
    assert 'tax_amount' not in products(payload)[0]
    assert predicted == totals(100.0, 0.0, 100.0, drift=-0.01)


def test_tax_difference_beyond_rounding_is_not_hidden():
    # Odoo charged no tax but the line maps to OUTPUT2: a mapping error, not a rounding one.
    doc = document([line('Desk', 1, 100.0, 100.0, 100.0)], 100.0, 0.0, 100.0)
    payload, predicted = build(doc)
    assert 'tax_amount' not in products(payload)[0]
    assert predicted == totals(100.0, 15.0, 115.0, drift=15.0, tax_drift=15.0)


def test_expected_totals_from_payload_alone():
    payload = {'line_amount_types': 'Inclusive', 'line_items': [
        {'description': 'A', 'quantity': 1.0, 'unit_amount': 11.5, 'tax_type': 'OUTPUT2',
         'tax_amount': 1.5},
        {'description': 'Note'}]}
    assert expected_totals(payload) == {'sub_total': 10.0, 'total_tax': 1.5, 'total': 11.5}
    del payload['line_items'][0]['tax_amount']
    with pytest.raises(ValueError, match='OUTPUT2'):
        expected_totals(payload)


def test_refuses_what_it_cannot_map():
    with pytest.raises(ValueError, match='display_type'):
        document_payload(document([dict(line('X', 1, 1.0, 1.0, 1.15), display_type='tax')],
                                  1.0, 0.15, 1.15))
    with pytest.raises(ValueError, match='tax type'):
        document_payload(document([line('X', 1, 1.0, 1.0, 1.0, tax_type=None, tax_rate=0.0)],
                                  1.0, 0.0, 1.0))
