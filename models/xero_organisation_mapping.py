import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from ..xero_client import XeroError
from .xero_account import EXPENSE_CLASS, REVENUE_CLASS
from .xero_journal_mapping import PAYMENT_JOURNAL_TYPES
from .xero_organisation_mixin import check_same_organisation
from .xero_tax_mapping import same_rate

_logger = logging.getLogger(__name__)

# The checklist of a new organisation: each step is done, still to do, or optional.
ONBOARDING_STATES = [('done', 'Done'), ('todo', 'To do'), ('optional', 'Optional')]
ONBOARDING_REQUIRED = ('taxes', 'accounts', 'check', 'auto_sync')
# Xero's OrganisationRoles that may approve and pay, and that card-feed products require.
APPROVER_ROLES = ('ADMIN', 'FINANCIALADVISER')

# The posted documents that sync to Xero as invoices, bills and credit notes.
SYNCED_MOVE_TYPES = ('out_invoice', 'out_refund', 'in_invoice', 'in_refund')
# Defaults the pre-flight check insists on: Xero posts receivables and payables to these, and a
# rounding difference between Odoo and Xero has to land somewhere.
REQUIRED_DEFAULTS = ('xero_receivable_account_id', 'xero_payable_account_id', 'xero_rounding_account_id')


class XeroOrganisation(models.Model):
    """Chart of accounts, tax rates, currencies, mappings and items of a Xero organisation, and
    the pre-flight check of what stops its documents from syncing."""
    _inherit = 'xero.organisation'

    xero_account_ids = fields.One2many('xero.account', 'organisation_id', string='Xero accounts')
    xero_tax_rate_ids = fields.One2many('xero.tax.rate', 'organisation_id', string='Xero tax rates')
    tax_mapping_ids = fields.One2many('xero.tax.mapping', 'organisation_id', string='Tax mappings')
    account_mapping_ids = fields.One2many('xero.account.mapping', 'organisation_id',
                                          string='Account mappings')
    journal_mapping_ids = fields.One2many('xero.journal.mapping', 'organisation_id',
                                          string='Payment accounts')
    category_mapping_ids = fields.One2many('xero.product.category.mapping', 'organisation_id',
                                           string='Product category mappings')
    product_link_ids = fields.One2many('xero.product.link', 'organisation_id', string='Xero items')
    chart_import_date = fields.Datetime(string='Chart imported on', readonly=True, copy=False)
    xero_account_count = fields.Integer(compute='_compute_mapping_counts')
    xero_tax_rate_count = fields.Integer(compute='_compute_mapping_counts')
    suggested_tax_mapping_count = fields.Integer(compute='_compute_mapping_counts')
    suggested_tax_mapping_label = fields.Char(compute='_compute_mapping_counts')

    xero_sales_account_id = fields.Many2one(
        'xero.account', string='Default sales account', ondelete='set null', tracking=True,
        domain="[('organisation_id', '=', id), ('account_class', '=', 'REVENUE')]",
        help='Sales account of Xero items whose product and category give none.')
    xero_purchase_account_id = fields.Many2one(
        'xero.account', string='Default purchase account', ondelete='set null', tracking=True,
        domain="[('organisation_id', '=', id), ('account_class', '=', 'EXPENSE')]",
        help='Purchase account of Xero items whose product and category give none.')
    xero_receivable_account_id = fields.Many2one(
        'xero.account', string='Receivable account', ondelete='set null', tracking=True,
        domain="[('organisation_id', '=', id), ('account_type', '!=', 'BANK')]")
    xero_payable_account_id = fields.Many2one(
        'xero.account', string='Payable account', ondelete='set null', tracking=True,
        domain="[('organisation_id', '=', id), ('account_type', '!=', 'BANK')]")
    xero_rounding_account_id = fields.Many2one(
        'xero.account', string='Rounding account', ondelete='set null', tracking=True,
        domain="[('organisation_id', '=', id), ('account_type', '!=', 'BANK')]",
        help='Where a rounding difference between Odoo and Xero is posted.')
    xero_default_tax_rate_id = fields.Many2one(
        'xero.tax.rate', string='Tax type for untaxed lines', ondelete='set null', tracking=True,
        domain="[('organisation_id', '=', id), ('effective_rate', '=', 0)]",
        help='Xero needs a tax type on every line: lines without tax in Odoo get this one.')
    sync_items = fields.Boolean(string='Sync items', tracking=True,
                                help='Push Odoo products to Xero items, and pull Xero items into Odoo.')
    # Currencies: the company's against the organisation's base currency, and the documents'
    # against the currencies enabled in Xero. Both are said before anything is pushed.
    xero_currency_codes = fields.Char(string='Currencies enabled in Xero', readonly=True, copy=False,
                                      help='Read from Xero with the chart of accounts. Xero refuses a '
                                           'document in any other currency.')
    currency_warning = fields.Text(compute='_compute_currency_warning')

    @api.depends('xero_account_ids', 'xero_tax_rate_ids', 'tax_mapping_ids.state')
    def _compute_mapping_counts(self):
        for org in self:
            org.xero_account_count = len(org.xero_account_ids)
            org.xero_tax_rate_count = len(org.xero_tax_rate_ids)
            org.suggested_tax_mapping_count = count = len(
                org.tax_mapping_ids.filtered(lambda m: m.state == 'suggested'))
            org.suggested_tax_mapping_label = (_('1 suggested mapping to review.') if count == 1 else
                                               _('%s suggested mappings to review.', count))

    @api.depends('base_currency', 'company_id.currency_id', 'xero_currency_codes')
    def _compute_currency_warning(self):
        for org in self:
            org.currency_warning = '\n'.join(org._check_currencies()) if org.id else False

    @api.constrains('xero_default_tax_rate_id', 'xero_sales_account_id', 'xero_purchase_account_id',
                    'xero_receivable_account_id', 'xero_payable_account_id', 'xero_rounding_account_id')
    def _check_mapping_defaults(self):
        for org in self:
            rate = org.xero_default_tax_rate_id
            check_same_organisation(org, [rate, org.xero_sales_account_id, org.xero_purchase_account_id,
                                          org.xero_receivable_account_id, org.xero_payable_account_id,
                                          org.xero_rounding_account_id])
            # An untaxed Odoo line has no tax: any other rate would make Xero add some.
            if rate and not same_rate(rate.effective_rate, 0.0):
                raise ValidationError(_("Untaxed lines carry no tax in Odoo, but Xero tax rate "
                                        "'%(rate)s' (%(type)s) is %(amount)s%%: choose a rate of 0%%, "
                                        "such as no tax or exempt.", rate=rate.name,
                                        type=rate.tax_type, amount=rate.effective_rate))

    # --- actions --------------------------------------------------------------------------

    def action_import_chart(self):
        """Import accounts and tax rates again, then suggest what is still unmapped."""
        self.check_access('write')
        imported, failed = self.browse(), []
        for org in self:
            # Xero's answer for one organisation leaves the others' imports in.
            try:
                with self.env.cr.savepoint():
                    org._import_chart()
                imported |= org
            except XeroError as e:
                failed.append(_('Could not import the chart of %(org)s from Xero: %(error)s',
                                org=org.name, error=e.message))
        if failed and not imported:
            raise UserError('\n'.join(failed))
        message = _('Imported %(accounts)s accounts and %(rates)s tax rates.',
                    accounts=sum(imported.mapped('xero_account_count')),
                    rates=sum(imported.mapped('xero_tax_rate_count')))
        if failed:
            return self._notify('\n'.join([message, *failed]), kind='warning')
        return self._notify(message)

    def action_suggest_mappings(self):
        self.check_access('write')
        for org in self:
            org._suggest_mappings()
        return self._notify(_('Mappings suggested. Review the suggested taxes and confirm them.'))

    def action_confirm_tax_suggestions(self):
        self.check_access('write')
        self.tax_mapping_ids.filtered(lambda m: m.state == 'suggested').action_confirm()
        return True

    def action_check_mappings(self):
        self.ensure_one()
        wizard = self.env['xero.mapping.check'].create({'organisation_id': self.id})
        return {
            'type': 'ir.actions.act_window',
            'name': _('Mapping check: %s', self.name),
            'res_model': 'xero.mapping.check',
            'res_id': wizard.id,
            'view_mode': 'form',
            'target': 'new',
        }

    def action_push_items(self):
        """Wake the item cron (it queues the changed products, then wakes the push): the user's
        transaction never waits on Xero."""
        self.ensure_one()
        self.check_access('write')
        self._check_sync_items()
        self.env['xero.pull.state']._for(self, 'items').requested = True
        self.env.ref('xero_integration.ir_cron_xero_queue_items')._trigger()
        return self._notify(_('Items are being sent to Xero in the background. The Items tab shows '
                              'what Xero took, and why it refused the others.'), kind='info')

    def action_pull_items(self):
        self.ensure_one()
        self.check_access('write')
        try:
            links = self.env['xero.product.link']._pull_items(self)
        except XeroError as e:
            raise UserError(_('Could not read the items of %(org)s: %(error)s',
                              org=self.name, error=e.message)) from None
        return self._notify(_('1 item pulled from Xero.') if len(links) == 1 else
                            _('%s items pulled from Xero.', len(links)))

    def action_view_xero_accounts(self):
        return self._open_related('xero_integration.xero_account_action')

    def action_view_xero_tax_rates(self):
        return self._open_related('xero_integration.xero_tax_rate_action')

    def _open_related(self, xmlid):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id(xmlid)
        action['domain'] = [('organisation_id', '=', self.id)]
        action['context'] = {'default_organisation_id': self.id}
        return action

    def _check_sync_items(self):
        if not self.sync_items:
            raise UserError(_('Item sync is off for %s: switch it on in the Mapping tab first.', self.name))

    def _notify(self, message, kind='success'):
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'message': message, 'type': kind, 'sticky': False,
                           # Show the new counts and mappings on the form behind the notification.
                           'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'}}}

    # --- import and suggestions -----------------------------------------------------------

    def _fetch_details(self):
        # Connecting (and refreshing details) also brings the chart in, so mapping can start.
        super()._fetch_details()
        self._import_chart()

    def _import_chart(self):
        self.ensure_one()
        self.env['xero.account']._import_from_xero(self)
        self.env['xero.tax.rate']._import_from_xero(self)
        self.chart_import_date = fields.Datetime.now()
        self._suggest_mappings()
        self._import_currencies()
        self._read_user_role()

    def _import_currencies(self):
        self.ensure_one()
        codes = ','.join(self._xero().currencies())
        if codes != (self.xero_currency_codes or ''):  # an unchanged list writes nothing
            self.sudo().xero_currency_codes = codes

    def _suggest_mappings(self):
        """Fill what is empty; never change what a person chose."""
        self.ensure_one()
        # The chatter says these came from Xero's chart, not from a person.
        self = self.with_context(xero_mapping_import=True)
        self.env['xero.tax.mapping']._suggest_for(self)
        self.env['xero.account.mapping']._auto_map(self)
        self.env['xero.journal.mapping']._auto_map(self)
        self.env['xero.product.category.mapping']._auto_map(self)
        self._suggest_defaults()

    def _suggest_defaults(self):
        accounts = self.env['xero.account'].search([('organisation_id', '=', self.id),
                                                    ('status', '=', 'ACTIVE')])

        def first(predicate):
            return accounts.filtered(predicate)[:1]

        suggestions = {
            'xero_sales_account_id': lambda: first(lambda a: a.account_type == 'SALES') or first(
                lambda a: a.account_class == REVENUE_CLASS),
            'xero_purchase_account_id': lambda: first(lambda a: a.account_type == 'DIRECTCOSTS') or first(
                lambda a: a.account_class == EXPENSE_CLASS),
            'xero_receivable_account_id': lambda: first(lambda a: a.system_account == 'DEBTORS'),
            'xero_payable_account_id': lambda: first(lambda a: a.system_account == 'CREDITORS'),
            'xero_rounding_account_id': lambda: first(lambda a: a.system_account == 'ROUNDING'),
            'xero_default_tax_rate_id': self._suggest_default_tax_rate,
        }
        values = {}
        for field_name, suggest in suggestions.items():
            if not self[field_name]:
                record = suggest()
                if record:
                    values[field_name] = record.id
        if values:
            self.write(values)

    def _suggest_default_tax_rate(self):
        rates = self.env['xero.tax.rate'].search([('organisation_id', '=', self.id),
                                                  ('status', '=', 'ACTIVE')])
        zero = rates.filtered(lambda r: same_rate(r.effective_rate, 0.0))
        # Xero's own "no tax" rate is called NONE in every region that has one.
        return (zero.filtered(lambda r: r.tax_type == 'NONE')
                or zero.filtered(lambda r: r.report_tax_type == 'NONE'))[:1]

    # --- items ----------------------------------------------------------------------------

    def _item_accounts(self, product):
        """Xero sales and purchase accounts of a product: its own Odoo accounts' mappings, else its
        category's mapping, else the organisation's defaults."""
        self.ensure_one()
        product = product.with_company(self.company_id)
        account_map = {m.account_id: m.xero_account_id for m in self.account_mapping_ids}
        category = self.category_mapping_ids.filtered(lambda m: m.categ_id == product.categ_id)
        return {
            'sale': (account_map.get(product.property_account_income_id) or category.xero_sales_account_id
                     or self.xero_sales_account_id),
            'purchase': (account_map.get(product.property_account_expense_id)
                         or category.xero_purchase_account_id or self.xero_purchase_account_id),
        }

    # --- pre-flight check -----------------------------------------------------------------

    def _synced_lines_domain(self):
        return Domain([
            ('company_id', '=', self.company_id.id),
            ('parent_state', '=', 'posted'),
            ('move_id.move_type', 'in', SYNCED_MOVE_TYPES),
            ('display_type', '=', 'product'),
        ])

    def _check_mappings(self):
        """What stops the posted documents of this organisation's company from syncing, one
        sentence per problem, in a stable order."""
        self.ensure_one()
        problems = []
        if not self.chart_import_date:
            problems.append(_('The chart of accounts and tax rates have not been imported from Xero'))
        labels = {
            'xero_receivable_account_id': _('The Xero receivable account is not set'),
            'xero_payable_account_id': _('The Xero payable account is not set'),
            'xero_rounding_account_id': _('The Xero rounding account is not set'),
        }
        problems += [labels[f] for f in REQUIRED_DEFAULTS if not self[f]]

        # Xero users run the check without being accountants: it reads aggregates of this
        # organisation's company only, so it may look past their accounting rights.
        MoveLine = self.env['account.move.line'].sudo()
        domain = self._synced_lines_domain()
        problems += self._check_taxes(MoveLine._read_group(domain, ['tax_ids'], ['__count']))
        problems += self._check_multi_tax_lines(domain)
        problems += self._check_accounts([account for account, in MoveLine._read_group(domain, ['account_id'])])
        problems += self._check_journals()
        return problems + self._check_currencies()

    def _check_taxes(self, groups):
        problems = []
        mappings = {m.tax_id: m for m in self.tax_mapping_ids}
        taxes = self.env['account.tax'].sudo().union(*(tax for tax, _count in groups))
        default = self.xero_default_tax_rate_id
        if any(not tax for tax, _count in groups):
            if not default:
                problems.append(_('Lines without tax need a default Xero tax type'))
            elif default.status != 'ACTIVE' or not default.active:
                problems.append(_("The tax type for untaxed lines, '%s', is not active in Xero",
                                  default.name))
        for tax in taxes.sorted(lambda t: (t.name, t.id)):
            mapping = mappings.get(tax)
            if not mapping:
                problems.append(_("Tax '%s' has no Xero tax type", tax.name))
            elif mapping.state != 'confirmed':
                problems.append(_("Tax '%(tax)s' has an unconfirmed suggestion: '%(rate)s' (%(type)s)",
                                  tax=tax.name, rate=mapping.xero_tax_rate_id.name,
                                  type=mapping.xero_tax_type))
            elif mapping.xero_tax_rate_id.status != 'ACTIVE' or not mapping.xero_tax_rate_id.active:
                problems.append(_("Tax '%(tax)s' maps to '%(rate)s' (%(type)s), which is not active in Xero",
                                  tax=tax.name, rate=mapping.xero_tax_rate_id.name,
                                  type=mapping.xero_tax_type))
        return problems

    def _check_multi_tax_lines(self, domain):
        # A Xero line takes one tax type: several Odoo taxes on one line need a group tax.
        lines = self.env['account.move.line'].sudo()._search(domain)
        rows = self.env.execute_query(SQL(
            """SELECT rel.account_move_line_id FROM account_move_line_account_tax_rel rel
                WHERE rel.account_move_line_id IN %s
             GROUP BY rel.account_move_line_id HAVING COUNT(*) > 1""", lines.subselect()))
        moves = self.env['account.move.line'].sudo().browse(r[0] for r in rows).move_id
        return [self.env._("'%s' has a line with several taxes; Xero takes one tax type per line: use "
                           "a group tax and map it", move.name) for move in moves.sorted(lambda m: (m.name, m.id))]

    def _check_accounts(self, accounts):
        problems = []
        mappings = {m.account_id: m for m in self.account_mapping_ids}
        accounts = self.env['account.account'].sudo().union(*accounts).with_company(self.company_id)
        for account in accounts.sorted(lambda a: (a.code or '', a.id)):
            mapping = mappings.get(account)
            if not mapping:
                problems.append(_("Account '%s' has no Xero account", f'{account.code} {account.name}'))
            elif mapping.xero_account_id.status != 'ACTIVE' or not mapping.xero_account_id.active:
                problems.append(_("Account '%(account)s' maps to Xero account '%(xero)s', which is not "
                                  "active in Xero", account=f'{account.code} {account.name}',
                                  xero=mapping.xero_account_id.display_name))
        return problems

    def _check_journals(self):
        payments = self.env['account.payment'].sudo()._read_group([
            ('company_id', '=', self.company_id.id),
            ('state', 'in', ('in_process', 'paid')),
            ('journal_id.type', 'in', PAYMENT_JOURNAL_TYPES),
            ('invoice_ids', 'any', [('state', '=', 'posted'), ('move_type', 'in', SYNCED_MOVE_TYPES)]),
        ], ['journal_id'])
        mappings = {m.journal_id: m for m in self.journal_mapping_ids}
        problems = []
        journals = self.env['account.journal'].sudo().union(*(journal for journal, in payments))
        for journal in journals.sorted(lambda j: (j.name, j.id)):
            mapping = mappings.get(journal)
            if not mapping:
                problems.append(_("Journal '%s' has no Xero account", journal.name))
            elif not mapping.xero_account_id.can_take_payments or not mapping.xero_account_id.active:
                problems.append(_("Journal '%(journal)s' maps to Xero account '%(xero)s', which cannot "
                                  "take payments", journal=journal.name,
                                  xero=mapping.xero_account_id.display_name))
        return problems

    def _check_currencies(self):
        """One sentence per currency problem, in a stable order."""
        self.ensure_one()
        problems = []
        company = self.company_id
        if self.base_currency and company.currency_id.name != self.base_currency:
            # Xero would convert every amount at its own rates: totals in Xero's reports would
            # not be Odoo's, and payments would leave exchange differences on both sides.
            problems.append(_("Company '%(company)s' keeps its books in %(odoo)s, but Xero organisation "
                              "'%(org)s' reports in %(xero)s: connect this organisation to a company in "
                              "%(xero)s, or change the company's currency before any entry is posted",
                              company=company.name, odoo=company.currency_id.name, org=self.name,
                              xero=self.base_currency))
        if not self.xero_currency_codes:
            return problems  # not imported yet: the check already says so
        enabled = set(self.xero_currency_codes.split(','))
        groups = self.env['account.move'].sudo()._read_group([
            ('company_id', '=', company.id), ('state', '=', 'posted'),
            ('move_type', 'in', SYNCED_MOVE_TYPES),
        ], ['currency_id'], ['__count'])
        for currency, count in sorted(groups, key=lambda group: group[0].name):
            if currency.name in enabled:
                continue
            what = (_('1 posted document is') if count == 1
                    else _('%s posted documents are', count))
            problems.append(_("%(what)s in %(currency)s, which is not enabled in Xero organisation "
                              "'%(org)s': add %(currency)s under Settings > Currencies in Xero, then "
                              "press Import chart & taxes", what=what, currency=currency.name, org=self.name))
        return problems

    # --- onboarding -----------------------------------------------------------------------
    # A connected organisation shows what is left to do before its books sync, computed from
    # what exists: no step is ticked by hand.

    mapping_check_date = fields.Datetime(string='Mappings last checked', readonly=True, copy=False)
    mapping_check_ok = fields.Boolean(string='Last mapping check passed', readonly=True, copy=False)
    onboarding_taxes_state = fields.Selection(ONBOARDING_STATES, string='Confirm taxes',
                                              compute='_compute_onboarding')
    onboarding_accounts_state = fields.Selection(ONBOARDING_STATES, string='Map accounts',
                                                 compute='_compute_onboarding')
    onboarding_check_state = fields.Selection(ONBOARDING_STATES, string='Check mappings',
                                              compute='_compute_onboarding')
    onboarding_auto_sync_state = fields.Selection(ONBOARDING_STATES, string='Switch auto-sync on',
                                                  compute='_compute_onboarding')
    onboarding_bank_feed_state = fields.Selection(ONBOARDING_STATES, string='Activate the bank feed',
                                                  compute='_compute_onboarding')
    onboarding_done = fields.Boolean(compute='_compute_onboarding',
                                     help='Every required step of the checklist is done.')
    connecting_user_role = fields.Char(
        string='Xero role of the connecting user', readonly=True, copy=False,
        help="Read from Xero's /Users when the chart is imported; the bank feed reads it again daily.")
    role_warning = fields.Text(compute='_compute_role_warning')

    @api.depends('tax_mapping_ids.state', 'account_mapping_ids', 'mapping_check_ok', 'auto_sync_invoices',
                 'bank_feed_active')
    def _compute_onboarding(self):
        for org in self:
            taxes = org.tax_mapping_ids
            org.onboarding_taxes_state = 'done' if taxes and all(
                m.state == 'confirmed' for m in taxes) else 'todo'
            org.onboarding_accounts_state = 'done' if org.account_mapping_ids else 'todo'
            org.onboarding_check_state = 'done' if org.mapping_check_ok else 'todo'
            org.onboarding_auto_sync_state = 'done' if org.auto_sync_invoices else 'todo'
            org.onboarding_bank_feed_state = 'done' if org.bank_feed_active else 'optional'
            org.onboarding_done = all(org[f'onboarding_{step}_state'] == 'done'
                                      for step in ONBOARDING_REQUIRED)

    @api.depends('xero_user_role', 'connecting_user_role')
    def _compute_role_warning(self):
        for org in self:
            # The bank feed's reading when it has one (refreshed daily), else the import's.
            role = org.xero_user_role or org.connecting_user_role
            org.role_warning = org._role_warning(role) if role and role not in APPROVER_ROLES else False

    def _role_warning(self, role):
        return _("The Xero user who connected %(org)s has the role %(role)s, not Admin or Adviser. "
                 "Xero will refuse card transactions sent by the bank feed (bank feed products need "
                 "an Admin or Adviser), approving and paying bills and invoices, and anything dated in "
                 "a locked period. Connect again as a Xero user with the Admin or Adviser role.",
                 org=self.name, role=role)

    def _record_mapping_check(self, problems):
        """What the last *Check mappings* found: the checklist's "Check mappings" step."""
        self.ensure_one()
        self.sudo().write({'mapping_check_date': fields.Datetime.now(), 'mapping_check_ok': not problems})

    def _read_user_role(self):
        """Read the connecting user's OrganisationRole (GET /Users), and give it to the bank feed
        when there is one (its lock-date check reads it). Xero's refusal leaves the role as it
        was: nothing fails."""
        self.ensure_one()
        user_id = self.sudo().token_id.xero_user_id
        if not user_id:
            return
        try:
            users = self._xero().users()
        except XeroError as e:
            _logger.info('Xero organisation %s: could not read the users (%s)', self.id, e)
            return
        role = next((u['role'] for u in users if (u['user_id'] or '').lower() == user_id.lower()), False)
        role = role or False
        if self.connecting_user_role != role:
            self.sudo().connecting_user_role = role
        feed = self.sudo().bank_feed_id
        if feed and feed.user_role != role:
            feed.user_role = role

    def action_onboarding_taxes(self):
        return self._open_related('xero_integration.xero_tax_mapping_action')

    def action_onboarding_accounts(self):
        return self._open_related('xero_integration.xero_account_mapping_action')

    def action_onboarding_auto_sync(self):
        """Switch contacts, invoices and payments to sync on their own."""
        self.check_access('write')
        self.write({'auto_sync_contacts': True, 'auto_sync_invoices': True, 'auto_sync_payments': True})
        return self._notify(_('Auto-sync is on: contacts, invoices and payments go to Xero on their own.'))

    def action_onboarding_bank_feed(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('xero_integration.action_xero_bank_feed_activate')
        action['context'] = {'default_organisation_id': self.id}
        return action

    def _check_bank_feed_lines(self):
        """What the bank feed will need: the verified card lines not yet in Xero, each with a Xero
        account (its vendor's rule, its category's mapping, else the feed's default account).
        One sentence per vendor and category without one. Lines reconciled in Odoo take the
        account of their counterpart (the account mappings, checked above)."""
        self.ensure_one()
        if not self.bank_feed_active:
            return []
        domain = [('journal_id.xero_feed_organisation_id', '=', self.id),
                  ('xero_feed_state', 'in', ('verified', 'error')), ('is_reconciled', '=', False)]
        if self.bank_feed_start_date:
            domain.append(('date', '>=', self.bank_feed_start_date))
        lines = self.env['account.bank.statement.line'].sudo().search(domain)
        rules = {r.partner_id: r for r in self.bank_feed_rule_ids if r.xero_account_id}
        categories = {m.categ_id: m for m in self.category_mapping_ids}
        missing = {}
        for line in lines:
            partner = line.partner_id.commercial_partner_id
            if partner in rules:
                continue
            mapping = categories.get(line.xero_category_id)
            if mapping and (mapping.xero_purchase_account_id if line.amount < 0 else mapping.xero_sales_account_id):
                continue
            if self.bank_feed_account_id:
                continue
            key = (partner, line.xero_category_id)
            missing[key] = missing.get(key, 0) + 1
        none = self.env._('none')
        return [self.env._("%(count)s verified card line(s) of vendor '%(vendor)s', category '%(category)s' "
                           "have no Xero account: add a vendor rule, map the category (or confirm its "
                           "suggestion), or set a default account on the Bank feed tab",
                           count=count, vendor=partner.display_name or none,
                           category=category.display_name or none)
                for (partner, category), count in sorted(
                    missing.items(), key=lambda item: (item[0][0].display_name or '', item[0][1].display_name or ''))]
