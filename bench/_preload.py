"""Set-up shared by the pull benchmarks: documents pushed to the simulator before the pull is timed.

Nothing here is measured. The pull benchmarks need synced invoices in Xero to pay, so they push
them first, in this process, without waiting out Xero's minute on the wall clock:
`install_minute_shim` moves the simulator's virtual clock a minute on whenever the governor's
minute budget is spent. `bench/push.py` measures the push itself, through a real Odoo server's
cron and on the wall clock.
"""
from push import log


def install_minute_shim(sim, stats):
    """Wait out Xero's minute without waiting: move the simulator's clock and the governor's window."""
    from odoo.addons.xero_integration.xero_client import governor as gov_module

    original = gov_module.Governor._admit

    def _admit(self, cr):
        now = self.clock()
        cr.execute(f"""SELECT minute_window_start, minute_calls, minute_remaining
                         FROM {gov_module.TABLE} WHERE key = %s""", (self.key,))
        row = cr.fetchone()
        if row and row[0] and now - row[0] < gov_module.MINUTE and (
                row[1] >= self.limits.minute or (row[2] is not None and row[2] <= 0)):
            sim.advance(60)
            cr.execute(f"""UPDATE {gov_module.TABLE}
                              SET minute_window_start = NULL, minute_calls = 0, minute_remaining = NULL
                            WHERE key IN (%s, 'app')""", (self.key,))
            cr.commit()
            stats['virtual_minutes'] += 1
        return original(self, cr)

    gov_module.Governor._admit = _admit


def unsent_count(env, org_id):
    from odoo.addons.xero_integration.models.xero_sync_engine import LINK_MODELS
    return sum(env[model].sudo().search_count([('organisation_id', '=', org_id),
                                               ('sync_state', 'in', ('pending', 'in_flight'))])
               for model in LINK_MODELS if model in env)


def push(registry, org_id):
    """Push everything queued for the organisation, in runs of _push_organisation, each committed."""
    import odoo

    runs = stalls = 0
    while True:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            org = env['xero.organisation'].browse(org_id)
            done = env['xero.sync.engine']._push_organisation(org)
            cr.commit()
            runs += 1
            left = unsent_count(env, org_id)
        if not left:
            break
        if not done:
            stalls += 1
            if stalls >= 3:
                log(f'push makes no progress ({left} links not sent): giving up')
                break
    return runs
