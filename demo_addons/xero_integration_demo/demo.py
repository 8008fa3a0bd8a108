"""The demo's data set-up, shared by scripts/demo_data.py (run in ``odoo shell``) and the test
that proves the demo works end to end. Idempotent.

After it, Connect and Allow are enough: the main company is "Demo Company (NZ)" in NZD and a
second company "Demo Company (AU)" in AUD, named like the simulator's two organisations, which
demo mode ties to them (see models/xero_organisation.py of this module); the bank journal
carries the account number of Xero's bank account 090, so it maps by itself; and four invoices
are posted.
"""
from odoo import Command, fields

from .models.xero_organisation import DEMO_PARAM

NZ_NAME = 'Demo Company (NZ)'
AU_NAME = 'Demo Company (AU)'
# The simulator's "Business Bank Account" (090) has this number.
BANK_ACCOUNT_NUMBER = '02-1234-0123456-700'
CUSTOMERS = [
    {'name': 'Ridgeway Bakery Ltd', 'ref': 'XERO-DEMO-1', 'is_company': True,
     'email': 'accounts@ridgeway.example', 'phone': '+64 9 555 0101'},
    {'name': 'Harbour Tools', 'ref': 'XERO-DEMO-2', 'is_company': True,
     'email': 'ap@harbourtools.example', 'phone': '+64 4 555 0102'},
    {'name': 'Mia Thompson', 'ref': 'XERO-DEMO-3', 'email': 'mia.thompson@example.com'},
]
INVOICE_LINES = [
    [('Bread delivery (weekly)', 4, 62.50), ('Croissants', 120, 1.85)],
    [('Socket set', 2, 149.00)],
    [('Consulting hour', 3, 95.00), ('Travel', 1, 40.00)],
    [('Bread delivery (weekly)', 4, 62.50)],
]


def load_demo_data(env, sim_url, base_url=None):
    """Point the addon at the simulator and create the demo companies, customers and posted
    invoices. Returns the posted invoices."""
    icp = env['ir.config_parameter'].sudo()
    for key in ('login_url', 'identity_url', 'api_url', 'go_url'):  # go_url: "Open in Xero"
        icp.set_param(f'xero_integration.{key}', sim_url)
    icp.set_param('xero_integration.client_id', 'demo-client-id')
    env['xero.token']._set_client_secret('demo-client-secret')
    icp.set_param(DEMO_PARAM, '1')
    if base_url:
        icp.set_param('web.base.url', base_url)

    company = env.ref('base.main_company')
    _set_up_company(env, company, NZ_NAME, 'NZD')
    au = env['res.company'].search([('name', '=', AU_NAME)], limit=1)
    if not au:
        au = env['res.company'].create({'name': AU_NAME, 'currency_id': _currency(env, 'AUD').id})
        env['account.chart.template'].try_loading('generic_coa', company=au, install_demo=False)
    _set_up_company(env, au, AU_NAME, 'AUD')  # loading the chart sets the template's currency
    env.ref('base.user_admin').company_ids |= company | au

    bank = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1)
    if bank and not bank.bank_acc_number:
        bank.bank_acc_number = BANK_ACCOUNT_NUMBER

    Partner = env['res.partner']
    if Partner.search_count([('ref', '=like', 'XERO-DEMO-%')]):
        return env['account.move'].search([('partner_id.ref', '=like', 'XERO-DEMO-%'),
                                           ('state', '=', 'posted')])
    customers = Partner.create(CUSTOMERS)
    tax = company.account_sale_tax_id
    moves = env['account.move'].with_company(company).create([{
        'move_type': 'out_invoice',
        'partner_id': customer.id,
        'invoice_date': fields.Date.context_today(customer),
        'invoice_line_ids': [Command.create({
            'name': name, 'quantity': qty, 'price_unit': price,
            'tax_ids': [Command.set(tax.ids)] if tax else [],
        }) for name, qty, price in lines],
    } for customer, lines in zip(customers + customers[:1], INVOICE_LINES)])
    moves.action_post()
    return moves


def _currency(env, code):
    currency = env['res.currency'].with_context(active_test=False).search([('name', '=', code)], limit=1)
    currency.active = True
    return currency


def _set_up_company(env, company, name, currency_code):
    values = {'name': name}
    currency = _currency(env, currency_code)
    # A company's currency can change only while it has no journal items (a re-run keeps it).
    if company.currency_id != currency and not env['account.move.line'].search_count(
            [('company_id', '=', company.id)], limit=1):
        values['currency_id'] = currency.id
    company.write(values)
