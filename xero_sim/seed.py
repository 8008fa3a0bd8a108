"""Default demo data: two organisations with a realistic NZ / AU chart of
accounts, GST rates (incl. a two-component compound rate), contacts,
a contact group and items. Tenant ids are fixed so demos can rely on them."""
import datetime as dt

from .util import UTC

NZ_TENANT_ID = '6f1c2a1e-6c2b-4d8e-9b6a-2f3c1e0a9b01'
AU_TENANT_ID = '0b7e3d52-91a4-4f0c-8e0d-5a6b7c8d9e02'

# (Code, Name, Type, extra)
_CHART = [
    ('090', 'Business Bank Account', 'BANK', {'BankAccountNumber': '0212340123456700'}),
    ('091', 'Business Savings Account', 'BANK', {'BankAccountNumber': '0212340123456701'}),
    ('200', 'Sales', 'SALES', {'TaxType': '{out}'}),
    ('260', 'Other Revenue', 'REVENUE', {'TaxType': '{out}'}),
    ('270', 'Interest Income', 'OTHERINCOME', {'TaxType': 'NONE'}),
    ('300', 'Purchases', 'DIRECTCOSTS', {'TaxType': '{in}'}),
    ('310', 'Cost of Goods Sold', 'DIRECTCOSTS', {'TaxType': '{in}'}),
    ('400', 'Advertising', 'OVERHEADS', {'TaxType': '{in}'}),
    ('404', 'Bank Fees', 'OVERHEADS', {'TaxType': 'NONE'}),
    ('429', 'General Expenses', 'OVERHEADS', {'TaxType': '{in}'}),
    ('610', 'Accounts Receivable', 'CURRENT', {'SystemAccount': 'DEBTORS'}),
    ('620', 'Prepayments', 'CURRENT', {}),
    ('630', 'Inventory', 'INVENTORY', {}),
    ('710', 'Office Equipment', 'FIXED', {'TaxType': '{in}'}),
    ('800', 'Accounts Payable', 'CURRLIAB', {'SystemAccount': 'CREDITORS'}),
    ('820', '{gst}', 'CURRLIAB', {'SystemAccount': 'GST'}),
    ('860', 'Rounding', 'CURRLIAB', {'SystemAccount': 'ROUNDING'}),
    ('877', 'Tracking Transfers', 'CURRLIAB', {'SystemAccount': 'TRACKINGTRANSFERS'}),
    ('960', 'Retained Earnings', 'EQUITY', {'SystemAccount': 'RETAINEDEARNINGS'}),
    ('970', 'Owner A Funds Introduced', 'EQUITY', {'EnablePaymentsToAccount': True}),
]


def _rate(name, tax_type, report, components, **flags):
    return dict({'Name': name, 'TaxType': tax_type, 'ReportTaxType': report,
                 'TaxComponents': [{'Name': n, 'Rate': r, 'IsCompound': c,
                                    'IsNonRecoverable': False}
                                   for n, r, c in components]}, **flags)


NZ_TAX_RATES = [
    _rate('15% GST on Income', 'OUTPUT2', 'OUTPUT', [('GST', '15.0000', False)]),
    _rate('15% GST on Expenses', 'INPUT2', 'INPUT', [('GST', '15.0000', False)]),
    _rate('No GST', 'NONE', 'NONE', [('GST', '0.0000', False)]),
    _rate('Zero Rated', 'ZERORATED', 'ZERORATEDOUTPUT', [('GST', '0.0000', False)]),
    _rate('GST Exempt Income', 'EXEMPTOUTPUT', 'EXEMPTOUTPUT', [('GST', '0.0000', False)]),
    _rate('GST on Imports', 'GSTONIMPORTS', 'GSTONIMPORTS', [('GST', '0.0000', False)]),
    # Two components, the second compounding on the first (e.g. a levy
    # charged on the GST-inclusive amount): effective 15 + 2 * 1.15 = 17.3%.
    _rate('GST + Levy on Income', 'TAX001', 'OUTPUT',
          [('GST', '15.0000', False), ('Levy', '2.0000', True)]),
]

AU_TAX_RATES = [
    _rate('GST on Income', 'OUTPUT', 'OUTPUT', [('GST', '10.0000', False)]),
    _rate('GST on Expenses', 'INPUT', 'INPUT', [('GST', '10.0000', False)]),
    _rate('GST Free Income', 'EXEMPTOUTPUT', 'EXEMPTOUTPUT', [('GST', '0.0000', False)]),
    _rate('GST Free Expenses', 'EXEMPTEXPENSES', 'EXEMPTEXPENSES', [('GST', '0.0000', False)]),
    _rate('BAS Excluded', 'BASEXCLUDED', 'BASEXCLUDED', [('GST', '0.0000', False)]),
    _rate('No GST', 'NONE', 'NONE', [('GST', '0.0000', False)]),
    _rate('GST on Imports', 'GSTONIMPORTS', 'GSTONIMPORTS', [('GST', '0.0000', False)]),
    # Wine equalisation tax then GST on top: 29% + 10% compound = 41.9%.
    _rate('WET and GST on Income', 'TAX001', 'OUTPUT',
          [('WET', '29.0000', False), ('GST', '10.0000', True)]),
]

_CURRENCIES = {'NZD': 'New Zealand Dollar', 'AUD': 'Australian Dollar',
               'USD': 'United States Dollar', 'EUR': 'Euro',
               'GBP': 'British Pound'}


def chart(base_currency, gst_name, out_tax, in_tax):
    accounts = []
    for code, name, acc_type, extra in _CHART:
        acc = {'Code': code, 'Name': name.replace('{gst}', gst_name), 'Type': acc_type}
        for key, value in extra.items():
            if value == '{out}':
                value = out_tax
            elif value == '{in}':
                value = in_tax
            acc[key] = value
        if acc_type == 'BANK':
            acc['CurrencyCode'] = base_currency
        accounts.append(acc)
    return accounts


def contacts(suffix):
    return [
        {'Name': 'Bayside Club' + suffix, 'FirstName': 'Bob', 'LastName': 'Partridge',
         'EmailAddress': 'bob.partridge@bayside.example', 'ContactNumber': 'C-BAY'},
        {'Name': 'City Limousines' + suffix, 'EmailAddress': 'accounts@citylimo.example'},
        {'Name': 'Marine Systems' + suffix, 'EmailAddress': 'ap@marine.example'},
        {'Name': 'PowerDirect' + suffix},
    ]


def items(sales_tax, purchase_tax):
    return [
        {'Code': 'DevD', 'Name': 'Development work - developer onsite per day',
         'Description': 'Development work - developer onsite per day',
         'IsSold': True, 'IsPurchased': False,
         'SalesDetails': {'UnitPrice': '500.00', 'AccountCode': '200', 'TaxType': sales_tax}},
        {'Code': 'Train', 'Name': 'Training course', 'Description': 'Training course',
         'IsSold': True, 'IsPurchased': True,
         'SalesDetails': {'UnitPrice': '1200.00', 'AccountCode': '200', 'TaxType': sales_tax},
         'PurchaseDetails': {'UnitPrice': '650.00', 'AccountCode': '300',
                             'TaxType': purchase_tax}},
    ]


def default_organisations():
    """[(constructor kwargs, seed kwargs)] for the two demo companies."""
    created = dt.datetime(2019, 11, 14, 18, 10, 38, tzinfo=UTC)
    nz = dict(name='Demo Company (NZ)', base_currency='NZD', country_code='NZ',
              tenant_id=NZ_TENANT_ID, short_code='!mBdQr', created=created,
              tax_number='101-234-567', financial_year_end=(31, 3))
    au = dict(name='Demo Company (AU)', base_currency='AUD', country_code='AU',
              tenant_id=AU_TENANT_ID, short_code='!kRw8n', created=created,
              tax_number='12 345 678 901', financial_year_end=(30, 6))
    nz_seed = dict(
        currencies=[{'Code': c, 'Description': _CURRENCIES[c]}
                    for c in ('NZD', 'AUD', 'USD', 'EUR', 'GBP')],
        tax_rates=NZ_TAX_RATES,
        accounts=chart('NZD', 'GST', 'OUTPUT2', 'INPUT2'),
        contacts=contacts(''), items=items('OUTPUT2', 'INPUT2'),
        contact_groups=[{'Name': 'Preferred customers', 'Contacts': ['Bayside Club']}])
    au_seed = dict(
        currencies=[{'Code': c, 'Description': _CURRENCIES[c]}
                    for c in ('AUD', 'NZD', 'USD', 'EUR', 'GBP')],
        tax_rates=AU_TAX_RATES,
        accounts=chart('AUD', 'GST', 'OUTPUT', 'INPUT'),
        contacts=contacts(''), items=items('OUTPUT', 'INPUT'),
        contact_groups=[{'Name': 'Preferred customers', 'Contacts': ['Bayside Club']}])
    return [(nz, nz_seed), (au, au_seed)]
