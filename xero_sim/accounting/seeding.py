"""sim.seed(): load Xero-shaped data into a tenant without HTTP."""
from .accounts import add_account
from .base import Invalid
from .contact_groups import add_contact_group
from .contacts import add_contact
from .items import add_item
from .tax_rates import add_tax_rate


def seed(sim, org, accounts=(), tax_rates=(), contacts=(), contact_groups=(),
         items=(), currencies=()):
    try:
        for cur in currencies:
            code = str(cur['Code']).upper()
            org.currencies[code] = {'Code': code, 'Description': cur.get('Description') or code}
        org.currencies.setdefault(org.base_currency, {'Code': org.base_currency,
                                                      'Description': org.base_currency})
        for data in tax_rates:
            add_tax_rate(org, data)
        for data in accounts:
            add_account(sim, org, data)
        for data in contacts:
            add_contact(sim, org, data)
        for data in contact_groups:
            add_contact_group(sim, org, data)
        for data in items:
            add_item(sim, org, data)
    except Invalid as exc:
        raise ValueError('Invalid seed data for %s: %s' % (org.name, '; '.join(exc.messages)))
