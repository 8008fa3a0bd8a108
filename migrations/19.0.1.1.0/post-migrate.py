from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """19.0.1.0.0 kept the Client Secret in plain text: encrypt it like the tokens."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env['xero.token']._migrate_client_secret()
