from difflib import SequenceMatcher

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

# Xero stores rates with 4 decimals (SPEC TaxComponent.Rate).
RATE_DIGITS = 4
MAPPABLE_TAX_USES = ('sale', 'purchase')


def same_rate(a, b):
    return float_compare(a, b, precision_digits=RATE_DIGITS) == 0


def fmt_rate(rate):
    """21 -> '21.0', 17.3 -> '17.3', 12.3456 -> '12.3456': as precise as Xero, never noisy."""
    text = f'{rate:.{RATE_DIGITS}f}'.rstrip('0')
    return text + '0' if text.endswith('.') else text


def odoo_effective_rate(tax):
    """What the Odoo tax adds to a price of 100, tax excluded, as a percentage.

    For a group, children are applied in sequence; a child with "Affect base of subsequent
    taxes" raises the base of the later ones, which is what a compound component does in Xero.
    """
    if tax.amount_type != 'group':
        return tax.amount
    total, added_to_base = 0.0, 0.0
    for child in tax.children_tax_ids.sorted(lambda t: (t.sequence, t.id)):
        base = 100.0 + (added_to_base if child.is_base_affected else 0.0)
        amount = base * child.amount / 100.0
        total += amount
        if child.include_base_amount:
            added_to_base += amount
    return total


def rate_mismatch(tax, xero_rate):
    """Why `tax` cannot be sent to Xero as `xero_rate`, or None when it can."""
    _ = tax.env._
    tax_label = _("Odoo tax '%s'", tax.name)
    xero_label = _("Xero tax rate '%(name)s' (%(type)s)", name=xero_rate.name, type=xero_rate.tax_type)
    if tax.amount_type in ('fixed', 'division'):
        return _('%(tax)s is computed as "%(method)s"; Xero tax rates are plain percentages, so it '
                 'cannot be mapped to %(xero)s.', tax=tax_label, xero=xero_label,
                 method=tax._fields['amount_type'].convert_to_export(tax.amount_type, tax))
    if tax.amount_type == 'group':
        children = tax.children_tax_ids
        if any(child.amount_type != 'percent' for child in children):
            return _('%(tax)s has children that are not percentages; Xero tax components are '
                     'plain percentages, so it cannot be mapped to %(xero)s.',
                     tax=tax_label, xero=xero_label)
        odoo_rates = sorted(children.mapped('amount'))
        xero_rates = sorted(xero_rate.component_ids.mapped('rate'))
        if len(odoo_rates) != len(xero_rates) or not all(
                same_rate(a, b) for a, b in zip(odoo_rates, xero_rates)):
            return _('%(tax)s is a group of %(odoo)s, but %(xero)s has the components %(components)s.',
                     tax=tax_label, xero=xero_label,
                     odoo=' + '.join(f'{fmt_rate(r)}%' for r in odoo_rates),
                     components=' + '.join(f'{fmt_rate(r)}%' for r in xero_rates) or _('none'))
        total = odoo_effective_rate(tax)
        if not same_rate(total, xero_rate.effective_rate):
            return _('%(tax)s comes to %(odoo)s%% in total, but %(xero)s is %(rate)s%%: compound '
                     'components in Xero are charged on top of the others; in Odoo, tick "Affect '
                     'Base of Subsequent Taxes" on the children that come before them.',
                     tax=tax_label, xero=xero_label, odoo=fmt_rate(total),
                     rate=fmt_rate(xero_rate.effective_rate))
        return None
    if not same_rate(tax.amount, xero_rate.effective_rate):
        return _('%(tax)s is %(odoo)s%%, but %(xero)s is %(rate)s%%.', tax=tax_label, xero=xero_label,
                 odoo=fmt_rate(tax.amount), rate=fmt_rate(xero_rate.effective_rate))
    return None


def _words(name):
    return ' '.join(''.join(c if c.isalnum() else ' ' for c in (name or '').lower()).split())


def suggestion_score(tax, xero_rate):
    """Higher is better. Only called for rates that match; orders equally good candidates."""
    score = 0.0
    if xero_rate.direction == tax.type_tax_use:
        score += 2.0
    elif xero_rate.direction:
        score -= 2.0
    applies = xero_rate.can_apply_to_revenue if tax.type_tax_use == 'sale' else xero_rate.can_apply_to_expenses
    if applies:
        score += 0.5
    # A single Odoo tax suits a single-component Xero rate better than a compound one.
    if tax.amount_type != 'group' and xero_rate.component_count > 1:
        score -= 1.0
    return score + SequenceMatcher(None, _words(tax.name), _words(xero_rate.name)).ratio()


class XeroTaxMapping(models.Model):
    """Which Xero tax type an Odoo sale or purchase tax becomes, in one organisation."""
    _name = 'xero.tax.mapping'
    _inherit = ['xero.mapping.mixin']
    _description = 'Xero tax mapping'
    _order = 'organisation_id, tax_id'
    _mapping_xero_fields = ('xero_tax_rate_id',)
    # Choosing another Xero rate by hand is a decision, not a suggestion.
    _mapping_by_hand = {'state': 'confirmed'}

    tax_id = fields.Many2one('account.tax', string='Odoo tax', required=True, index=True,
                             ondelete='cascade', check_company=True,
                             domain="[('type_tax_use', 'in', ('sale', 'purchase'))]")
    type_tax_use = fields.Selection(related='tax_id.type_tax_use')
    tax_amount_type = fields.Selection(related='tax_id.amount_type')
    price_include = fields.Boolean(related='tax_id.price_include')
    xero_tax_rate_id = fields.Many2one(
        'xero.tax.rate', string='Xero tax rate', required=True, ondelete='cascade',
        domain="[('organisation_id', '=', organisation_id)]")
    xero_tax_type = fields.Char(related='xero_tax_rate_id.tax_type', string='Xero tax type')
    xero_effective_rate = fields.Float(related='xero_tax_rate_id.effective_rate')
    # Made by the addon until a person looks at it; anything a person sets is confirmed.
    state = fields.Selection([('suggested', 'Suggested'), ('confirmed', 'Confirmed')],
                             required=True, default='confirmed')

    _organisation_tax_uniq = models.Constraint(
        'UNIQUE (organisation_id, tax_id)', 'An Odoo tax maps to one Xero tax type per organisation.')

    @api.constrains('tax_id', 'xero_tax_rate_id', 'organisation_id')
    def _check_rates_match(self):
        for mapping in self:
            tax, rate = mapping.tax_id, mapping.xero_tax_rate_id
            if not rate.active or rate.status != 'ACTIVE':
                raise ValidationError(_("Xero tax rate '%(rate)s' (%(type)s) is not active in Xero.",
                                        rate=rate.name, type=rate.tax_type))
            if tax.type_tax_use not in MAPPABLE_TAX_USES:
                raise ValidationError(_("Odoo tax '%s' is neither a sales nor a purchase tax: only "
                                        "those are sent to Xero (group children go with their group).",
                                        tax.name))
            reason = rate_mismatch(tax, rate)
            if reason:
                raise ValidationError(reason)

    _audit_fields = ('tax_id', 'xero_tax_rate_id', 'state')

    def _audit_subject(self):
        return self.env._("Tax '%s'", self.tax_id.name)

    def _audit_target(self):
        state = dict(self._fields['state']._description_selection(self.env))[self.state]
        return f'{self.xero_tax_rate_id.display_name} ({state.lower()})'

    def action_confirm(self):
        self.write({'state': 'confirmed'})
        return True

    # --- suggestions ----------------------------------------------------------------------

    @api.model
    def _best_rate(self, tax, xero_rates):
        candidates = xero_rates.filtered(lambda r: not rate_mismatch(tax, r))
        if not candidates:
            return xero_rates.browse()
        return max(candidates, key=lambda r: (suggestion_score(tax, r), -r.id))

    @api.model
    def _suggest_for(self, organisation):
        """Suggest a Xero rate for each sales/purchase tax of the company that has none yet.

        Existing mappings, suggested or confirmed, are left alone: a re-import never undoes a
        person's choice.
        """
        company = organisation.company_id
        taxes = self.env['account.tax'].search([
            *self.env['account.tax']._check_company_domain(company),
            ('type_tax_use', 'in', MAPPABLE_TAX_USES),
            ('amount_type', 'in', ('percent', 'group')),
        ])
        mapped = self.search([('organisation_id', '=', organisation.id)]).tax_id
        xero_rates = self.env['xero.tax.rate'].search([
            ('organisation_id', '=', organisation.id), ('status', '=', 'ACTIVE')])
        vals_list = []
        for tax in taxes - mapped:
            rate = self._best_rate(tax, xero_rates)
            if rate:
                vals_list.append({'organisation_id': organisation.id, 'tax_id': tax.id,
                                  'xero_tax_rate_id': rate.id, 'state': 'suggested'})
        return self.create(vals_list)
