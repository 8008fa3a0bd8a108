from odoo import api, models

DEMO_PARAM = 'xero_integration.demo_mode'
# The switches the demo turns on.
DEMO_AUTO_SYNC = ('auto_sync_contacts', 'auto_sync_invoices', 'auto_sync_payments')


class XeroOrganisation(models.Model):
    """Demo mode (this module is installed by scripts/demo.sh, never in production; the demo's
    set-up, ``demo.load_demo_data``, switches it on): Connect and Allow are enough to see the
    demo's invoices reach the simulator, with nothing to map by hand.

    What a real accountant decides is decided here, and said in each organisation's chatter:
    each organisation goes to the company of the same name, the suggested tax mappings are
    confirmed, the company's main income account goes to Xero's sales account, and contacts,
    invoices and payments sync by themselves, starting with the invoices already posted.

    The system parameter keeps the module inert until the demo's set-up runs, so that the test
    command can install it beside the addon without changing what the addon's tests see.
    """
    _inherit = 'xero.organisation'

    @api.model
    def _demo_mode(self):
        return bool(self.env['ir.config_parameter'].sudo().get_param(DEMO_PARAM))

    @api.model
    def _company_for_connection(self, connection, company):
        if self._demo_mode():
            same_name = self.env['res.company'].sudo().search([('name', '=', connection['tenant_name'])], limit=1)
            if same_name:
                return same_name
        return super()._company_for_connection(connection, company)

    @api.model
    def _connect_authorised(self, token_data, company):
        orgs = super()._connect_authorised(token_data, company)
        if self._demo_mode():
            for org in orgs:
                org._demo_ready()
        return orgs

    def _demo_ready(self):
        self.ensure_one()
        org = self.sudo()
        org.tax_mapping_ids.filtered(lambda m: m.state == 'suggested').action_confirm()
        # What invoice lines without a product are booked to.
        income = self.env['account.journal'].sudo().search(
            [('company_id', '=', org.company_id.id), ('type', '=', 'sale')], limit=1).default_account_id
        sales = org.xero_account_ids.filtered(lambda a: a.account_type == 'SALES' and a.status == 'ACTIVE')[:1]
        if income and sales and income not in org.account_mapping_ids.account_id:
            self.env['xero.account.mapping'].sudo().create(
                {'organisation_id': org.id, 'account_id': income.id, 'xero_account_id': sales.id})
        org.write(dict.fromkeys(DEMO_AUTO_SYNC, True))
        # Posting queues a document only once its company is connected: the demo's invoices were
        # posted before, so they are queued now, as "Sync to Xero" on the list would. (The
        # documents the addon syncs: invoices, bills and their credit notes.)
        self.env['account.move'].sudo().search([
            ('company_id', '=', org.company_id.id), ('state', '=', 'posted'),
            ('move_type', 'in', self.env['account.move'].get_invoice_types())])._xero_queue()
        org.message_post(body=self.env._(
            'Demo mode: suggested tax mappings confirmed, the main income account mapped to %s, and '
            'auto-sync switched on for contacts, invoices and payments.',
            sales.display_name or self.env._('(no sales account)')))
