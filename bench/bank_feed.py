"""Bank-feed benchmark: verify and push 5,000 card lines in two currencies to the simulator,
through the addon's real engine, SDK and HTTP.

    scripts/bench.sh bank_feed [--lines 5000]

Run through scripts/bench.sh (a fresh database with the addon installed, dropped afterwards;
``--db`` and the Odoo options are passed as to every benchmark).

It commits into that database. The simulator's and the governor's rate limits are
lifted so the run measures Odoo and the call count, not Xero's clock: the projected time under
Xero's limits (60 calls a minute, 5,000 a day per organisation) is computed from the calls.
Prints one last line: ``BENCH bank_feed key=value ...``.
"""
import argparse
import os
import sys
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from xero_client import OAuthClient, authorize_url, make_pkce_pair  # noqa: E402
from xero_sim import XeroSimulator  # noqa: E402
from xero_sim.seed import NZ_TENANT_ID  # noqa: E402

CLIENT = ('demo-client-id', 'demo-client-secret')
VENDORS = 20


def token_data(sim):
    verifier, challenge = make_pkce_pair()
    redirect = 'http://localhost/admin/xero_integration/connect'
    url = authorize_url(sim.url, CLIENT[0], redirect, 'openid offline_access', 's', challenge)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(sim.url + '/identity/connect/authorize',
                           data=dict(query, decision='allow'), allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(answer.headers['Location']).query)['code'][0]
    return OAuthClient(sim.url, *CLIENT).exchange_code(code, redirect, verifier)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('-d', '--database', '--db', required=True)
    parser.add_argument('--lines', type=int, default=5000)
    # scripts/bench.sh passes Odoo's options as --odoo=OPTION, as to every benchmark.
    parser.add_argument('--odoo', action='append', default=[], metavar='OPTION')
    args, odoo_args = parser.parse_known_args()
    odoo_args = [*args.odoo, *odoo_args]

    import odoo
    from odoo import Command, api, fields
    from odoo.modules.registry import Registry
    odoo.tools.config.parse_config(['-d', args.database, *odoo_args])
    from odoo.addons.xero_integration.xero_client import api as client_api
    from odoo.addons.xero_integration.xero_client.governor import Limits

    sim = XeroSimulator(port=0).start()
    sim.set_rate_limits(minute=10 ** 6, day=10 ** 6, concurrent=50, app_minute=10 ** 7)
    xero_seconds = [0.0]
    real_call = client_api.XeroApi.call

    def timed_call(self, *a, **kw):
        start = time.perf_counter()
        try:
            return real_call(self, *a, **kw)
        finally:
            xero_seconds[0] += time.perf_counter() - start
    client_api.XeroApi.call = timed_call

    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        Org = type(env['xero.organisation'])
        Org._rate_limits = lambda self: Limits(minute=10 ** 6, day=10 ** 6, app_minute=10 ** 7)
        icp = env['ir.config_parameter']
        for key in ('login_url', 'identity_url', 'api_url'):
            icp.set_param(f'xero_integration.{key}', sim.url)
        cr.commit()
        org = env['xero.organisation']._connect_authorised(token_data(sim), env.company)
        org = org.filtered(lambda o: o.tenant_id == NZ_TENANT_ID)
        env['xero.bank.feed']._of(org).account_id = org.xero_account_ids.filtered(lambda a: a.code == '429')
        # Verified lines go by themselves only where the bank feed's auto-sync is on.
        org.write({'auto_sync_bank_feed': True, 'auto_sync_contacts': True})
        Currency = env['res.currency'].with_context(active_test=False)
        eur, gbp = Currency.search([('name', '=', 'EUR')]), Currency.search([('name', '=', 'GBP')])
        (eur | gbp).active = True
        journals = env['account.journal'].create([
            {'name': 'Bench card EUR', 'code': 'BCE', 'type': 'credit', 'currency_id': eur.id},
            {'name': 'Bench wallet GBP', 'code': 'BWG', 'type': 'bank', 'currency_id': gbp.id}])
        vendors = env['res.partner'].create([{'name': f'Bench vendor {n}', 'is_company': True}
                                             for n in range(VENDORS)])
        today = fields.Date.today()
        env['xero.bank.feed.wizard'].create({
            'organisation_id': org.id, 'journal_ids': [Command.set(journals.ids)],
            'currency_ids': [Command.set((eur | gbp).ids)],
            'start_date': today - timedelta(days=30)}).action_activate()
        env['xero.bank.feed']._cron_bank_feed()
        lines = env['account.bank.statement.line'].create([{
            'journal_id': journals[n % 2].id, 'date': today - timedelta(days=n % 28),
            'payment_ref': f'CARD {n}', 'amount': -round(5 + (n % 97) * 1.37, 2) if n % 10 else 42.0,
            'partner_id': vendors[n % VENDORS].id if n % 7 else False,
        } for n in range(args.lines)])
        cr.commit()
        sim.counters.reset()
        xero_seconds[0] = 0.0

        started = time.perf_counter()
        lines.action_xero_verify()
        cr.commit()
        verify_seconds = time.perf_counter() - started
        env['xero.sync.engine']._push_organisation(org)
        cr.commit()
        wall = time.perf_counter() - started
        lines.invalidate_recordset()
        states = {state: count for state, count in env['account.bank.statement.line']._read_group(
            [('id', 'in', lines.ids)], ['xero_feed_state'], ['__count'])}
    calls = sim.counters.count(tenant_id=NZ_TENANT_ID)
    duplicates = sim.duplicates(NZ_TENANT_ID, kinds=['BankTransactions'])
    created = sim.counters.created(NZ_TENANT_ID, 'BankTransactions')
    sim.stop()
    n = args.lines
    odoo_ms = (wall - xero_seconds[0]) * 1000 / n
    print(f'lines={n} synced={states.get("synced", 0)} created={created} calls={calls} '
          f'verify_s={verify_seconds:.1f} wall_s={wall:.1f} xero_s={xero_seconds[0]:.1f}')
    print(f'BENCH bank_feed lines={n} calls={calls} calls_per_line={calls / n:.4f} '
          f'odoo_ms_per_line={odoo_ms:.2f} projected_minutes={calls / 60:.1f} '
          f'projected_days={calls / 5000:.2f} duplicates={duplicates} '
          f'synced={states.get("synced", 0)}')


if __name__ == '__main__':
    main()
