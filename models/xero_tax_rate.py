from odoo import api, fields, models

# ReportTaxType values that say which side of the ledger a Xero rate belongs to. Xero's enum is
# large and regional (SPEC ReportTaxType); these keywords cover the NZ, AU, UK and US sets.
SALE_REPORT_KEYWORDS = ('OUTPUT', 'SALES')
PURCHASE_REPORT_KEYWORDS = ('INPUT', 'EXPENSES', 'PURCHASES', 'IMPORTS', 'CAPEX')


class XeroTaxRate(models.Model):
    """One tax rate of a Xero organisation, with its components, as Xero last described it.

    Xero identifies a rate by its TaxType code (OUTPUT2, TAX001...), which is what invoice lines
    carry. Rates Xero no longer lists are archived here, not deleted.
    """
    _name = 'xero.tax.rate'
    _inherit = ['xero.imported.mixin']
    _description = 'Xero tax rate'
    _order = 'organisation_id, name, id'
    _rec_names_search = ['name', 'tax_type']
    _check_company_auto = True

    _xero_pull_kind = 'tax_rates'
    _xero_review_kind = 'tax_rate'
    _xero_key = 'tax_type'  # a rate is known by its TaxType code: Xero gives it no other id

    # Mirrors of Xero's data: only an import changes them.
    tax_type = fields.Char(string='Tax type', required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    status = fields.Char(readonly=True)
    report_tax_type = fields.Char(readonly=True)
    effective_rate = fields.Float(digits=(16, 4), readonly=True)
    display_rate = fields.Float(digits=(16, 4), readonly=True)
    can_apply_to_assets = fields.Boolean(readonly=True)
    can_apply_to_equity = fields.Boolean(readonly=True)
    can_apply_to_expenses = fields.Boolean(readonly=True)
    can_apply_to_liabilities = fields.Boolean(readonly=True)
    can_apply_to_revenue = fields.Boolean(readonly=True)
    component_ids = fields.One2many('xero.tax.component', 'tax_rate_id', string='Components',
                                    readonly=True)
    component_count = fields.Integer(compute='_compute_component_count', store=True)
    components_summary = fields.Char(string='Component rates', compute='_compute_components_summary')
    direction = fields.Selection([('sale', 'Sales'), ('purchase', 'Purchases')],
                                 compute='_compute_direction', store=True,
                                 help='Which Odoo taxes this rate suits, read from ReportTaxType.')

    _organisation_tax_type_uniq = models.Constraint(
        'UNIQUE (organisation_id, tax_type)', 'A Xero tax type is imported once per organisation.')

    @api.depends('component_ids')
    def _compute_component_count(self):
        for rate in self:
            rate.component_count = len(rate.component_ids)

    @api.depends('component_ids.name', 'component_ids.rate', 'component_ids.is_compound')
    def _compute_components_summary(self):
        for rate in self:
            rate.components_summary = ' + '.join(
                f'{c.name} {c.rate:g}%' + (self.env._(' (compound)') if c.is_compound else '')
                for c in rate.component_ids)

    @api.depends('report_tax_type')
    def _compute_direction(self):
        for rate in self:
            report = (rate.report_tax_type or '').upper()
            if any(k in report for k in SALE_REPORT_KEYWORDS):
                rate.direction = 'sale'
            elif any(k in report for k in PURCHASE_REPORT_KEYWORDS):
                rate.direction = 'purchase'
            else:
                rate.direction = False

    @api.depends('name', 'tax_type', 'effective_rate')
    def _compute_display_name(self):
        for rate in self:
            rate.display_name = f'{rate.name} ({rate.tax_type}, {rate.effective_rate:g}%)'

    # --- import (xero.imported.mixin) ----------------------------------------------------------

    @api.model
    def _xero_read(self, organisation):
        return organisation._xero().tax_rates()

    @api.model
    def _xero_review_name(self, values):
        return f"{values['name']} ({values['tax_type']})"

    def _xero_changes(self, values):
        # Components have no id in Xero: replace them as a whole, when they changed.
        values = dict(values)
        components = values.pop('component_ids')
        changed = self._changed_values(values)
        if self._component_key() != [self._component_key_of(c[2]) for c in components]:
            changed['component_ids'] = [fields.Command.clear()] + components
        return changed

    def _component_key(self):
        return [self._component_key_of(c) for c in self.component_ids]

    @api.model
    def _component_key_of(self, component):
        return (component['name'], round(component['rate'], 4), bool(component['is_compound']),
                bool(component['is_non_recoverable']))

    @api.model
    def _values_from_xero(self, xero_rate):
        """Odoo values of one tax rate as the client reads it (``tax_rates()``)."""
        return {
            'tax_type': xero_rate['tax_type'],
            'name': xero_rate['name'] or xero_rate['tax_type'],
            'status': xero_rate['status'] or False,
            'report_tax_type': xero_rate['report_tax_type'] or False,
            'effective_rate': float(xero_rate['effective_rate'] or 0.0),
            'display_rate': float(xero_rate['display_rate'] or 0.0),
            'can_apply_to_assets': xero_rate['can_apply_to_assets'],
            'can_apply_to_equity': xero_rate['can_apply_to_equity'],
            'can_apply_to_expenses': xero_rate['can_apply_to_expenses'],
            'can_apply_to_liabilities': xero_rate['can_apply_to_liabilities'],
            'can_apply_to_revenue': xero_rate['can_apply_to_revenue'],
            'active': True,
            'component_ids': [fields.Command.create({
                'sequence': index,
                'name': component['name'] or xero_rate['name'],
                'rate': float(component['rate'] or 0.0),
                'is_compound': component['is_compound'],
                'is_non_recoverable': component['is_non_recoverable'],
            }) for index, component in enumerate(xero_rate['components'])],
        }
