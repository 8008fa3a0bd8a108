"""sim.seed(): load Xero-shaped data into a tenant without HTTP."""
import importlib

from .base import Invalid


def _module(name):
    try:
        return importlib.import_module('.' + name, __package__)
    except ModuleNotFoundError:
        return None


def seed(sim, org, accounts=(), tax_rates=(), contacts=(), contact_groups=(),
         items=(), currencies=()):
    from .accounts import add_account
    from .tax_rates import add_tax_rate
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
        steps = (('contacts', 'add_contact', contacts),
                 ('contact_groups', 'add_contact_group', contact_groups),
                 ('items', 'add_item', items))
        for module_name, func, rows in steps:
            module = _module(module_name)
            if module is None:
                continue
            for data in rows:
                getattr(module, func)(sim, org, data)
    except Invalid as exc:
        raise ValueError('Invalid seed data for %s: %s' % (org.name, '; '.join(exc.messages)))
