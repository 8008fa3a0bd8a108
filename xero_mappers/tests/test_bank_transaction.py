"""bank_transaction_payload, delete_payload, render_description and statement_csv."""
import csv
import datetime as dt
import io

import pytest

from xero_client import to_sdk
from xero_mappers import (bank_transaction_payload, delete_payload, render_description,
                          statement_csv)

DAY = dt.date(2026, 3, 2)


def values(**kw):
    return dict({'amount': -57.5, 'date': DAY, 'reference': 'ODOO-1a2b3c4d-BSL7',
                 'contact_id': 'c-1', 'bank_account_id': 'a-1', 'currency_code': 'EUR',
                 'description': 'Taxi to airport', 'account_code': '493',
                 'tax_type': 'INPUT2', 'xero_id': None}, **kw)


def sdk(payload):
    return to_sdk('BankTransactions', {'bank_transactions': [payload]})


def test_money_out_is_a_reconciled_spend_with_one_inclusive_line():
    payload = bank_transaction_payload(values())
    assert payload == {
        'type': 'SPEND', 'contact': {'contact_id': 'c-1'}, 'bank_account': {'account_id': 'a-1'},
        'date': DAY, 'reference': 'ODOO-1a2b3c4d-BSL7', 'currency_code': 'EUR',
        'is_reconciled': True, 'line_amount_types': 'Inclusive', 'status': 'AUTHORISED',
        'line_items': [{'description': 'Taxi to airport', 'quantity': 1.0, 'unit_amount': 57.5,
                        'account_code': '493', 'tax_type': 'INPUT2'}],
    }
    model = sdk(payload).bank_transactions[0]
    assert model.line_amount_types.value == 'Inclusive' and model.is_reconciled is True


def test_money_in_is_a_receive_and_no_tax_is_said_explicitly():
    payload = bank_transaction_payload(values(amount=120.004, tax_type=None, xero_id='t-9'))
    assert (payload['type'], payload['line_amount_types']) == ('RECEIVE', 'NoTax')
    assert payload['line_items'] == [{'description': 'Taxi to airport', 'quantity': 1.0,
                                      'unit_amount': 120.0, 'account_code': '493'}]
    assert payload['bank_transaction_id'] == 't-9'
    sdk(payload)


@pytest.mark.parametrize('change, message', [
    ({'amount': 0.001}, '0.00'), ({'account_code': None}, 'No Xero account'),
    ({'reference': ''}, 'reference'), ({'reference': 'x' * 256}, 'reference')])
def test_refused_before_sending(change, message):
    with pytest.raises(ValueError, match=message):
        bank_transaction_payload(values(**change))


def test_the_description_falls_back_to_the_reference():
    assert bank_transaction_payload(values(description='  '))['line_items'][0]['description'] \
        == 'ODOO-1a2b3c4d-BSL7'


def test_delete_payload_sends_what_was_pushed_with_status_deleted():
    pushed = bank_transaction_payload(values())
    payload = delete_payload(pushed, 't-9')
    assert payload == dict(pushed, bank_transaction_id='t-9', status='DELETED')
    assert 'bank_transaction_id' not in pushed
    sdk(payload)


def test_render_description():
    data = {'label': 'UBER *TRIP', 'partner': 'Uber', 'ref': None, 'date': '2026-03-02'}
    assert render_description('{partner}: {label} {ref}', data) == 'Uber: UBER *TRIP '
    assert render_description('{label} ({unknown})', data) == 'UBER *TRIP ({unknown})'
    assert render_description('broken {', data) == 'broken {'
    assert render_description('', data) == 'UBER *TRIP'


def test_statement_csv_has_xeros_columns_and_formats():
    text = statement_csv([
        {'date': DAY, 'amount': -57.5, 'payee': 'Uber', 'description': 'Taxi, airport',
         'reference': 'R1'},
        {'date': dt.date(2026, 12, 31), 'amount': 1200, 'payee': None, 'description': '',
         'reference': 'R2'}])
    assert text.splitlines()[0] == 'Date,Amount,Payee,Description,Reference'
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ['02/03/2026', '-57.50', 'Uber', 'Taxi, airport', 'R1']
    assert rows[2] == ['31/12/2026', '1200.00', '', '', 'R2']


# --- bill plus payment ------------------------------------------------------------------------

def test_bill_of_a_card_line_is_an_authorised_accpay_bill_numbered_by_the_line():
    from xero_mappers.bank_transaction import bill_payload
    payload = bill_payload(values())
    assert payload == {
        'type': 'ACCPAY', 'contact': {'contact_id': 'c-1'}, 'date': DAY, 'due_date': DAY,
        'invoice_number': 'ODOO-1a2b3c4d-BSL7', 'reference': 'ODOO-1a2b3c4d-BSL7',
        'currency_code': 'EUR', 'line_amount_types': 'Inclusive', 'status': 'AUTHORISED',
        'line_items': [{'description': 'Taxi to airport', 'quantity': 1.0, 'unit_amount': 57.5,
                        'account_code': '493', 'tax_type': 'INPUT2'}],
    }
    model = to_sdk('Invoices', {'invoices': [payload]}).invoices[0]
    assert model.type == 'ACCPAY' and model.invoice_number == 'ODOO-1a2b3c4d-BSL7'
    with pytest.raises(ValueError, match='money out'):
        bill_payload(values(amount=10))


def test_bill_payment_is_the_lines_amount_from_the_card_account():
    from xero_mappers.bank_transaction import bill_payment_payload, void_bill_payload
    payload = bill_payment_payload({'bill_id': 'b-1', 'bank_account_id': 'a-1', 'amount': -57.504,
                                    'date': DAY, 'reference': 'ODOO-1a2b3c4d-BSL7'})
    assert payload == {'invoice': {'invoice_id': 'b-1'}, 'account': {'account_id': 'a-1'},
                       'date': DAY, 'amount': 57.5, 'reference': 'ODOO-1a2b3c4d-BSL7',
                       'is_reconciled': True}
    model = to_sdk('Payments', {'payments': [payload]}).payments[0]
    assert model.is_reconciled is True and model.invoice.invoice_id == 'b-1'
    assert void_bill_payload('b-1', 'N') == {'invoice_id': 'b-1', 'invoice_number': 'N',
                                             'status': 'VOIDED'}
