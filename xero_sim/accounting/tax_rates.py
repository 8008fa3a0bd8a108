"""TaxRates: GET, PUT (create), POST (update), GET /TaxRates/{TaxType}.

EffectiveRate adds compound components on top of the amount plus the
non-compound taxes (10% + 5% compound = 15.5%); DisplayTaxRate is the plain
sum of the component rates. Xero does not support If-Modified-Since here."""
from decimal import Decimal

from ..util import dec, round4
from .base import (ApiError, Invalid, apply_order, filter_where, not_found, ok,
                   read_body, validation_body)


def effective_rate(components):
    simple = sum((c['Rate'] for c in components if not c.get('IsCompound')), Decimal(0))
    compound = sum((c['Rate'] * (Decimal(100) + simple) / Decimal(100)
                    for c in components if c.get('IsCompound')), Decimal(0))
    return round4(simple + compound)


def build_tax_rate(org, data, existing=None):
    errors = []
    rate = dict(existing) if existing else {
        'Status': 'ACTIVE', 'CanApplyToAssets': True, 'CanApplyToEquity': True,
        'CanApplyToExpenses': True, 'CanApplyToLiabilities': True,
        'CanApplyToRevenue': True}
    name = str(data.get('Name') or rate.get('Name') or '').strip()
    if not name:
        errors.append('Name is mandatory.')
    elif len(name) > 50:
        errors.append('Name must be 50 characters or fewer.')
    elif any(r['Name'].lower() == name.lower() and r['TaxType'] != rate.get('TaxType')
             for r in org.tax_rates.values()):
        errors.append('Tax rate name must be unique.')
    comps_in = data.get('TaxComponents')
    if comps_in is None and existing:
        comps_in = existing['TaxComponents']
    components = []
    if not comps_in:
        errors.append('At least one tax component is required.')
    for comp in comps_in or []:
        try:
            value = dec(comp.get('Rate'))
        except ValueError:
            value = None
        if value is None or value < 0:
            errors.append('Tax component rate must be a non-negative number.')
            continue
        if value != round4(value):
            errors.append('Tax component rates can have at most 4 decimal places.')
            continue
        components.append({'Name': str(comp.get('Name') or name), 'Rate': round4(value),
                           'IsCompound': bool(comp.get('IsCompound', False)),
                           'IsNonRecoverable': bool(comp.get('IsNonRecoverable', False))})
    status = data.get('Status')
    if status and status not in ('ACTIVE', 'DELETED', 'ARCHIVED'):
        errors.append('Status %s is not valid.' % status)
    if errors:
        raise Invalid(*errors)
    rate['Name'] = name
    rate['TaxComponents'] = components
    rate['ReportTaxType'] = data.get('ReportTaxType') or rate.get('ReportTaxType') or 'OUTPUT'
    if status:
        rate['Status'] = status
    rate['DisplayTaxRate'] = round4(sum((c['Rate'] for c in components), Decimal(0)))
    rate['EffectiveRate'] = effective_rate(components)
    if not rate.get('TaxType'):
        wanted = data.get('TaxType')
        if wanted and wanted not in org.tax_rates and existing is None:
            rate['TaxType'] = str(wanted)
        else:
            while True:
                org.sequences['TAX'] += 1
                code = 'TAX%03d' % org.sequences['TAX']
                if code not in org.tax_rates:
                    break
            rate['TaxType'] = code
    return rate


def add_tax_rate(org, data):
    """Seeding: keep the given TaxType (OUTPUT2, INPUT...)."""
    rate = build_tax_rate(org, data)
    org.tax_rates[rate['TaxType']] = rate
    if rate['TaxType'].startswith('TAX') and rate['TaxType'][3:].isdigit():
        org.sequences['TAX'] = max(org.sequences['TAX'], int(rate['TaxType'][3:]))
    return rate


def _fail(element, exc):
    echo = dict(element)
    echo['ValidationErrors'] = [{'Message': m} for m in exc.messages]
    return ApiError(400, validation_body([echo]))


def get_tax_rates(sim, req, org):
    items = list(org.tax_rates.values())
    tax_type = req.query.get('TaxType')
    if tax_type:
        items = [r for r in items if r['TaxType'].lower() == tax_type.lower()]
    items = filter_where(req, items)
    return ok(sim, 'TaxRates', apply_order(req, items))


def get_tax_rate(sim, req, org, tax_type):
    rate = org.tax_rates.get(tax_type) or next(
        (r for r in org.tax_rates.values() if r['TaxType'].lower() == tax_type.lower()), None)
    if not rate:
        raise not_found()
    return ok(sim, 'TaxRates', [rate])


def put_tax_rates(sim, req, org):
    created = []
    for element in read_body(req, 'TaxRates'):
        data = dict(element)
        data.pop('TaxType', None)  # Xero assigns TAX00n to new rates
        try:
            rate = build_tax_rate(org, data)
        except Invalid as exc:
            raise _fail(element, exc)
        org.tax_rates[rate['TaxType']] = rate
        created.append(rate)
        sim.counters.record_created(org.tenant_id, 'TaxRates')
    return ok(sim, 'TaxRates', created)


def post_tax_rates(sim, req, org):
    updated = []
    for element in read_body(req, 'TaxRates'):
        existing = org.tax_rates.get(element.get('TaxType')) or next(
            (r for r in org.tax_rates.values()
             if r['Name'].lower() == str(element.get('Name') or '').lower()), None)
        try:
            rate = build_tax_rate(org, element, existing)
        except Invalid as exc:
            raise _fail(element, exc)
        org.tax_rates[rate['TaxType']] = rate
        updated.append(rate)
    return ok(sim, 'TaxRates', updated)


ROUTES = [
    ('GET', '/TaxRates', get_tax_rates),
    ('PUT', '/TaxRates', put_tax_rates),
    ('POST', '/TaxRates', post_tax_rates),
    ('GET', '/TaxRates/{tax_type}', get_tax_rate),
]
