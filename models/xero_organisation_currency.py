from odoo import _, api, fields, models

from .xero_organisation_mapping import SYNCED_MOVE_TYPES


class XeroOrganisation(models.Model):
    """Currencies: the company's against the organisation's base currency, and the documents'
    against the currencies enabled in Xero. Both are said before anything is pushed."""
    _inherit = 'xero.organisation'

    xero_currency_codes = fields.Char(string='Currencies enabled in Xero', readonly=True, copy=False,
                                      help='Read from Xero with the chart of accounts. Xero refuses a '
                                           'document in any other currency.')
    currency_warning = fields.Text(compute='_compute_currency_warning')

    @api.depends('base_currency', 'company_id.currency_id', 'xero_currency_codes')
    def _compute_currency_warning(self):
        for org in self:
            org.currency_warning = '\n'.join(org._check_currencies()) if org.id else False

    # --- import -----------------------------------------------------------------------------

    def _import_chart(self):
        super()._import_chart()
        self._import_currencies()

    def _import_currencies(self):
        self.ensure_one()
        codes = ','.join(self._xero().currencies())
        if codes != (self.xero_currency_codes or ''):  # an unchanged list writes nothing
            self.sudo().xero_currency_codes = codes

    # --- pre-flight check -------------------------------------------------------------------

    def _check_mappings(self):
        return super()._check_mappings() + self._check_currencies()

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
