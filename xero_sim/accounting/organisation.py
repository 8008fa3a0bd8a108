"""GET /Organisation and GET/PUT /Currencies."""
from ..messages import json_response
from .base import apply_order, envelope, filter_where, ok, read_body, validation_error


def organisation_json(org):
    out = {
        'OrganisationID': org.tenant_id, 'APIKey': '', 'Name': org.name,
        'LegalName': org.legal_name, 'PaysTax': True, 'Version': org.version,
        'OrganisationType': org.organisation_type,
        'BaseCurrency': org.base_currency, 'CountryCode': org.country_code,
        'IsDemoCompany': False, 'OrganisationStatus': 'ACTIVE',
        'FinancialYearEndDay': org.financial_year_end[0],
        'FinancialYearEndMonth': org.financial_year_end[1],
        'SalesTaxBasis': 'INVOICE' if org.country_code == 'NZ' else 'ACCRUALS',
        'SalesTaxPeriod': 'TWOMONTHS' if org.country_code == 'NZ' else 'QUARTERLY1',
        'DefaultSalesTax': 'Tax Exclusive', 'DefaultPurchasesTax': 'Tax Inclusive',
        'CreatedDateUTC': org.created, 'Timezone': org.timezone,
        'OrganisationEntityType': org.organisation_type,
        'ShortCode': org.short_code, 'Class': 'DEMO', 'Edition': 'BUSINESS',
        'LineOfBusiness': 'Software simulation',
        'Addresses': [{'AddressType': 'STREET', 'AddressLine1': '1 Simulation Street',
                       'City': 'Wellington' if org.country_code == 'NZ' else 'Sydney',
                       'Country': org.country_code}],
        'Phones': [], 'ExternalLinks': [], 'PaymentTerms': {},
    }
    if org.tax_number:
        out['TaxNumber'] = org.tax_number
    if org.period_lock_date:
        out['PeriodLockDate'] = org.period_lock_date
    if org.end_of_year_lock_date:
        out['EndOfYearLockDate'] = org.end_of_year_lock_date
    return out


def get_organisation(sim, req, org):
    return json_response(200, envelope(sim, 'Organisations', [organisation_json(org)]))


def get_currencies(sim, req, org):
    items = apply_order(req, filter_where(req, list(org.currencies.values())))
    return ok(sim, 'Currencies', items)


def put_currencies(sim, req, org):
    elements = read_body(req, 'Currencies')
    for element in elements:
        code = str(element.get('Code') or '').upper()
        if len(code) != 3 or not code.isalpha():
            raise validation_error('Currency code %r is not valid' % code)
        if code not in org.currencies:
            org.currencies[code] = {'Code': code,
                                    'Description': element.get('Description') or code}
    return ok(sim, 'Currencies', [org.currencies[str(e['Code']).upper()] for e in elements])


ROUTES = [
    ('GET', '/Organisation', get_organisation),
    ('GET', '/Currencies', get_currencies),
    ('PUT', '/Currencies', put_currencies),
]
