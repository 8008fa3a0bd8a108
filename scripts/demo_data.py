# Run by scripts/demo.sh inside `odoo shell` (``env`` is given). Idempotent: the set-up itself is
# in the demo module's demo.py, so that a test runs exactly what the demo does.
import os

from odoo.addons.xero_integration_demo.demo import load_demo_data

moves = load_demo_data(env, os.environ['XERO_SIM_URL'], os.environ['XERO_DEMO_BASE_URL'])  # noqa: F821
env.cr.commit()  # noqa: F821 - provided by odoo shell
print('demo data ready: %s posted invoices' % len(moves))
