from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .xero_account import EXPENSE_CLASS, REVENUE_CLASS
from .xero_account_mapping import normalised_name
from .xero_mapping_mixin import mapping_source

# Xero's account types, as the words a category's name may use for them.
TYPE_WORDS = {'DIRECTCOSTS': {'direct', 'cost', 'costs'}, 'OVERHEADS': {'overhead', 'overheads'},
              'EXPENSE': {'expense', 'expenses'}, 'SALES': {'sales', 'sale'}, 'REVENUE': {'revenue'},
              'OTHERINCOME': {'income', 'other'}, 'DEPRECIATN': {'depreciation'}}
# Words too common in account names to say anything.
STOP_WORDS = {'and', 'of', 'the', 'for', 'a', 'to', 'in', '&'}


def name_words(name):
    return set(normalised_name(name).split()) - STOP_WORDS


def account_match(category_name, xero_account):
    """How well a category's name matches a Xero account, 0 for not at all: its code written in
    the name, the words of its name shared (token overlap), the words of its type."""
    words = name_words(category_name)
    if not words:
        return 0.0
    score = 0.0
    if xero_account.code and normalised_name(xero_account.code) in words:
        score += 3.0
    account_words = name_words(xero_account.name)
    if account_words:
        score += 2.0 * len(words & account_words) / len(words | account_words)
    if words & TYPE_WORDS.get(xero_account.account_type, set()):
        score += 1.0
    return score


def best_account(category_name, xero_accounts):
    """The Xero account whose code, words or type best match ``category_name``, or none."""
    scored = [(account_match(category_name, a), a) for a in xero_accounts]
    scored = [(score, a) for score, a in scored if score > 0]
    if not scored:
        return xero_accounts.browse()
    return max(scored, key=lambda item: (item[0], -item[1].id))[1]


class XeroProductCategoryMapping(models.Model):
    """The Xero sales and purchase accounts of the products of one category, in one organisation.

    Like card spending categories that land on GL accounts, categories are mapped automatically:
    through the category's own income and expense accounts when those are mapped, else to the Xero
    account of the same name. Rows made that way follow the account mappings when mappings are
    suggested again; rows a person edited stay as they are.
    """
    _name = 'xero.product.category.mapping'
    _inherit = ['xero.mapping.mixin']
    _description = 'Xero product category mapping'
    _order = 'organisation_id, categ_id'
    _mapping_xero_fields = ('xero_sales_account_id', 'xero_purchase_account_id')

    categ_id = fields.Many2one('product.category', string='Product category', required=True,
                               index=True, ondelete='cascade')
    xero_sales_account_id = fields.Many2one(
        'xero.account', string='Xero sales account', ondelete='set null',
        domain="[('organisation_id', '=', organisation_id), ('account_type', '!=', 'BANK')]")
    xero_purchase_account_id = fields.Many2one(
        'xero.account', string='Xero purchase account', ondelete='set null',
        domain="[('organisation_id', '=', organisation_id), ('account_type', '!=', 'BANK')]")
    source = mapping_source(('auto', 'Automatic'))
    # By code, type or words of the name: shown to the user, used only once confirmed.
    suggested_sales_account_id = fields.Many2one(
        'xero.account', string='Suggested sales account', ondelete='set null', readonly=True,
        help="A Xero account whose code, type or name's words match the category's name. It is "
             'not used until someone confirms it.')
    suggested_purchase_account_id = fields.Many2one(
        'xero.account', string='Suggested purchase account', ondelete='set null', readonly=True,
        help="A Xero account whose code, type or name's words match the category's name. It is "
             'not used until someone confirms it.')
    has_suggestion = fields.Boolean(compute='_compute_has_suggestion')

    _organisation_categ_uniq = models.Constraint(
        'UNIQUE (organisation_id, categ_id)', 'A product category maps once per organisation.')

    @api.constrains('organisation_id', 'xero_sales_account_id', 'xero_purchase_account_id')
    def _check_xero_accounts(self):
        for mapping in self:
            for xero_account in mapping.xero_sales_account_id | mapping.xero_purchase_account_id:
                if xero_account.account_type == 'BANK':
                    raise ValidationError(_("Xero account '%s' is a bank account; items cannot use it.",
                                            xero_account.display_name))

    @api.depends('suggested_sales_account_id', 'suggested_purchase_account_id')
    def _compute_has_suggestion(self):
        for mapping in self:
            mapping.has_suggestion = bool(mapping.suggested_sales_account_id or mapping.suggested_purchase_account_id)

    def action_confirm_suggestion(self):
        """The user takes the suggested accounts: they fill the empty sides, and the row is theirs."""
        for mapping in self.filtered('has_suggestion'):
            values = {'suggested_sales_account_id': False, 'suggested_purchase_account_id': False}
            if not mapping.xero_sales_account_id and mapping.suggested_sales_account_id:
                values['xero_sales_account_id'] = mapping.suggested_sales_account_id.id
            if not mapping.xero_purchase_account_id and mapping.suggested_purchase_account_id:
                values['xero_purchase_account_id'] = mapping.suggested_purchase_account_id.id
            mapping.write(values)
        return True

    _audit_fields = ('categ_id', 'xero_sales_account_id', 'xero_purchase_account_id')

    def _audit_subject(self):
        return self.env._("Category '%s'", self.categ_id.display_name)

    def _audit_target(self):
        none = self.env._('none')
        return self.env._('sales %(sales)s, purchases %(purchases)s',
                          sales=self.xero_sales_account_id.display_name or none,
                          purchases=self.xero_purchase_account_id.display_name or none)

    @api.model
    def _auto_map(self, organisation):
        """Create or refresh the automatic rows for every product category."""
        company = organisation.company_id
        account_map = {m.account_id: m.xero_account_id for m in self.env['xero.account.mapping'].search(
            [('organisation_id', '=', organisation.id)])}
        xero_accounts = self.env['xero.account'].search([
            ('organisation_id', '=', organisation.id), ('status', '=', 'ACTIVE')])
        revenue = xero_accounts.filtered(lambda a: a.account_class == REVENUE_CLASS)
        expense = xero_accounts.filtered(lambda a: a.account_class == EXPENSE_CLASS)
        by_name = {}
        for xero_account in xero_accounts:
            by_name.setdefault((xero_account.account_class, normalised_name(xero_account.name)), xero_account)
        existing = {m.categ_id: m for m in self.search([('organisation_id', '=', organisation.id)])}
        vals_list = []
        # Every category gets its suggestion: all of them are wanted.
        for categ in self.env['product.category'].with_company(company).search([]):  # pylint: disable=no-search-all
            name = normalised_name(categ.name)
            sales = (account_map.get(categ.property_account_income_categ_id)
                     or by_name.get((REVENUE_CLASS, name)) or xero_accounts.browse())
            purchase = (account_map.get(categ.property_account_expense_categ_id)
                        or by_name.get((EXPENSE_CLASS, name)) or xero_accounts.browse())
            values = {'xero_sales_account_id': sales.id, 'xero_purchase_account_id': purchase.id,
                      'source': 'auto'}
            # A side nothing maps gets a suggestion, for the user to confirm.
            values['suggested_sales_account_id'] = not sales and best_account(categ.name, revenue).id
            values['suggested_purchase_account_id'] = not purchase and best_account(categ.name, expense).id
            mapping = existing.get(categ)
            if mapping:
                if mapping.source == 'auto' and mapping._changed_values(values):
                    mapping.write(values)
            elif sales or purchase or values['suggested_sales_account_id'] or values['suggested_purchase_account_id']:
                vals_list.append(dict(values, organisation_id=organisation.id, categ_id=categ.id))
        return self.create(vals_list)
