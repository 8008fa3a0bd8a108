# Run by scripts/demo.sh inside `odoo shell` (``env`` is given). Idempotent.
import os

from odoo import Command, fields

icp = env['ir.config_parameter'].sudo()  # noqa: F821 - provided by odoo shell
sim_url = os.environ['XERO_SIM_URL']
for key in ('login_url', 'identity_url', 'api_url'):
    icp.set_param(f'xero_integration.{key}', sim_url)
icp.set_param('xero_integration.client_id', 'demo-client-id')
env['xero.token']._set_client_secret('demo-client-secret')  # noqa: F821 - stored encrypted
icp.set_param('web.base.url', os.environ['XERO_DEMO_BASE_URL'])

Partner = env['res.partner']  # noqa: F821
if not Partner.search_count([('ref', '=like', 'XERO-DEMO-%')]):
    customers = Partner.create([
        {'name': 'Ridgeway Bakery Ltd', 'ref': 'XERO-DEMO-1', 'is_company': True,
         'email': 'accounts@ridgeway.example', 'phone': '+64 9 555 0101'},
        {'name': 'Harbour Tools', 'ref': 'XERO-DEMO-2', 'is_company': True,
         'email': 'ap@harbourtools.example', 'phone': '+64 4 555 0102'},
        {'name': 'Mia Thompson', 'ref': 'XERO-DEMO-3', 'email': 'mia.thompson@example.com'},
    ])
    company = env.company  # noqa: F821
    tax = company.account_sale_tax_id
    lines = [
        [('Bread delivery (weekly)', 4, 62.50), ('Croissants', 120, 1.85)],
        [('Socket set', 2, 149.00)],
        [('Consulting hour', 3, 95.00), ('Travel', 1, 40.00)],
        [('Bread delivery (weekly)', 4, 62.50)],
    ]
    for customer, invoice_lines in zip(customers + customers[:1], lines):
        move = env['account.move'].create({  # noqa: F821
            'move_type': 'out_invoice',
            'partner_id': customer.id,
            'invoice_date': fields.Date.today(),
            'invoice_line_ids': [Command.create({
                'name': name, 'quantity': qty, 'price_unit': price,
                'tax_ids': [Command.set(tax.ids)] if tax else [],
            }) for name, qty, price in invoice_lines],
        })
        move.action_post()
env.cr.commit()  # noqa: F821
print('demo data ready')
