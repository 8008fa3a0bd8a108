"""Helpers shared by the mapping tests: the two simulator organisations and small factories."""
from odoo import Command

from ..xero_sim.accounting import resolve

NZ = 'Demo Company (NZ)'
AU = 'Demo Company (AU)'


def sim_has(method, path):
    """Whether the simulator serves this Accounting API route yet."""
    handler, _params, _canonical, _exists = resolve(method, path)
    return handler is not None


class MappingMixin:
    """Use with a XeroSimMixin test case."""

    def connect(self, company=None):
        orgs = self.connect_organisations(company=company)
        return (orgs.filtered(lambda o: o.name == NZ), orgs.filtered(lambda o: o.name == AU))

    def sim_org(self, name):
        return self.sim.organisation(name)

    @staticmethod
    def rate(org, tax_type):
        return org.xero_tax_rate_ids.filtered(lambda r: r.tax_type == tax_type)

    @staticmethod
    def xero_account(org, code):
        return org.xero_account_ids.filtered(lambda a: a.code == code)

    @staticmethod
    def mapping_of(org, tax):
        return org.tax_mapping_ids.filtered(lambda m: m.tax_id == tax)

    @classmethod
    def make_tax(cls, name, amount, type_tax_use='sale', company=None, **values):
        return cls.env['account.tax'].create(dict({
            'name': name, 'amount': amount, 'amount_type': 'percent', 'type_tax_use': type_tax_use,
            'company_id': (company or cls.env.company).id,
        }, **values))

    @classmethod
    def make_group(cls, name, children, type_tax_use='sale', company=None):
        return cls.env['account.tax'].create({
            'name': name, 'amount_type': 'group', 'type_tax_use': type_tax_use,
            'company_id': (company or cls.env.company).id,
            'children_tax_ids': [Command.set(children.ids)],
        })

    @classmethod
    def make_children(cls, *specs, company=None):
        """specs: (name, amount, include_base_amount) in sequence order."""
        taxes = cls.env['account.tax']
        for sequence, (name, amount, include_base) in enumerate(specs, start=1):
            taxes |= cls.make_tax(name, amount, type_tax_use='none', company=company,
                                  sequence=sequence, include_base_amount=include_base)
        return taxes
