"""The kind table against the SDK it names, and ``to_sdk`` on its own (no HTTP)."""
import dataclasses
import datetime as dt
import enum

import pytest
from xero_python.accounting import AccountingApi
from xero_python.accounting import models as accounting_models

from xero_client import KINDS, MAX_BATCH, MAX_IDS_PER_GET, MAX_PAGE_SIZE, XeroValidationError, to_sdk
from xero_client.kinds import Kind


@pytest.mark.parametrize('kind', sorted(KINDS))
def test_each_kind_names_what_the_sdk_has(kind):
    k = KINDS[kind]
    assert isinstance(k, Kind)
    assert callable(getattr(AccountingApi, k.save)), k.save
    list_model = getattr(accounting_models, k.model)
    element_type = list_model.openapi_types[k.attr]
    assert element_type.startswith('list[')
    element_model = getattr(accounting_models, element_type[5:-1])
    assert k.id_attr in element_model.openapi_types
    assert k.number_attr in element_model.openapi_types


def test_the_ceilings():
    assert (MAX_BATCH, MAX_IDS_PER_GET, MAX_PAGE_SIZE) == (50, 50, 1000)
    with pytest.raises(dataclasses.FrozenInstanceError):
        KINDS['invoices'].save = 'something else'


def test_to_sdk_builds_nested_models_and_enums():
    invoices = to_sdk('Invoices', {'invoices': [{
        'type': 'ACCREC', 'contact': {'contact_id': 'c-1'}, 'date': dt.date(2026, 1, 15),
        'line_amount_types': 'Exclusive',
        'line_items': [{'description': 'x', 'quantity': 2, 'unit_amount': 3.5, 'tax_type': 'OUTPUT2'}]}]})
    invoice = invoices.invoices[0]
    assert isinstance(invoice, accounting_models.Invoice)
    assert invoice.type == 'ACCREC'  # a plain str in the SDK, checked against its values
    assert isinstance(invoice.contact, accounting_models.Contact) and invoice.contact.contact_id == 'c-1'
    assert isinstance(invoice.line_items[0], accounting_models.LineItem)
    assert invoice.line_items[0].unit_amount == 3.5 and invoice.date == dt.date(2026, 1, 15)
    assert isinstance(invoice.line_amount_types, enum.Enum) and invoice.line_amount_types.value == 'Exclusive'


def test_to_sdk_keeps_none_and_enum_members():
    account = to_sdk('Account', {'code': '200', 'name': 'Sales', 'type': accounting_models.AccountType.SALES,
                                 'description': None})
    assert account.type is accounting_models.AccountType.SALES and account.description is None


def test_to_sdk_refuses_an_unknown_value_or_field():
    with pytest.raises(XeroValidationError, match='Account'):
        to_sdk('Account', {'type': 'NOT-A-TYPE'})
    with pytest.raises(KeyError):
        to_sdk('Account', {'no_such_field': 1})
