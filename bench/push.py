"""Push benchmark: N posted customer invoices of M customers from Odoo to one Xero organisation.

    scripts/bench.sh push [--invoices 2000] [--partners 400] [--profile FILE]

Run through scripts/bench.sh, which makes a fresh database with the addon installed and passes
``--db`` and the Odoo options (``--odoo=--addons-path=...`` etc.). This script bootstraps Odoo
itself (real registry, real commits, no test mode) and:

1. starts the Xero simulator in a subprocess (``python -m xero_sim --port 0 --virtual-clock``)
   with Xero's real limits (60 calls a minute, 5 at once, 5,000 a day per organisation), so
   that ``time.process_time()`` of this process is Odoo's (and the client's) CPU only;
2. points the addon at it and connects the NZ organisation the way the tests do
   (``tests/common.py``: ``_configure_hosts``, ``connect_organisations``), confirms the tax
   mappings and maps the income account to Xero's 200 (as ``tests/sync_common.py``);
3. creates M customers and N invoices (1-3 lines, 15 % tax, varied prices and quantities) in
   batches, posts them (posting queues them) and commits per batch;
4. pushes: ``xero.sync.engine._push_organisation(org)`` in a cron-like loop, each run in a
   cursor of its own, committing as the engine does (``ir.cron._commit_progress``, which outside
   a cron just commits), until no link is pending;
5. measures and prints one ``BENCH push ...`` line (the last line of output).

Xero's minute limit, without waiting real minutes
-------------------------------------------------
The simulator's clock is virtual: its minute window only rolls when we advance it. The addon's
governor counts calls per real-time minute in ``xero_organisation_runtime``. When its minute
budget is spent it raises ``Wait``, the engine postpones the next batch's links
(``next_attempt_date``) and the cron would run again a minute later.

Chosen: *wait out the minute virtually, at the moment the governor would refuse*. This script
wraps ``Governor._admit`` (in this process only; the addon's files are untouched): when
the organisation's minute budget is spent, it advances the simulator's clock by 60 s and resets
the minute counters of the governor's row (``minute_calls``, ``minute_window_start``,
``minute_remaining``), then lets the real admission run. The day budget, the concurrent slots and
everything else stay real. Each such reset counts one ``virtual minute``.

Why not freezegun: the governor's ``Wait`` would also postpone links by a real-time
``next_attempt_date``, so the clock would have to be frozen for the whole push, and
freezegun's patched ``datetime.now``/``time.time`` (a stack inspection per call) would be
counted in the Odoo CPU this benchmark measures. The price of the chosen way: the
"Stop, then re-run a minute later" path is not exercised (one extra claim query per minute in
production, negligible next to a batch).

Measures
--------
- ``calls``: requests the simulator received during the push (accounting calls, and token or
  connection calls if any), from ``/_sim/counters``; ``calls_per_invoice`` = calls / N.
- ``odoo_ms_per_invoice``: ``time.process_time()`` of this process during the push / N. The
  simulator runs in its own process, so this is Odoo plus the Xero client (SDK serialisation),
  not PostgreSQL's own CPU, not the simulator's.
- ``projected_minutes``: wall time under Xero's limits with one worker:
  max(accounting calls / 60, push wall time in seconds / 60). The push wall time is Odoo's time
  plus the simulator's latencies (loopback, so lower than Xero's: add about 1-2 s per batch
  of 50 for the real thing); the virtual minutes are not in it.
- ``rate_limited``: 429s the simulator sent (must be 0: the governor must stay under).
- ``duplicates``: extra copies among the tenant's invoices and contacts (``/_sim/duplicates``).
- ``drift_cents``: sum over the N invoices of |Xero Total - Odoo amount_total|, in cents, read
  back page by page from ``GET /api.xro/2.0/Invoices`` (outside the push's counts).
- ``not_in_xero`` (after the brief's keys): invoices that did not reach Xero (held or refused);
  the reasons are logged, and any makes the exit code 1. drift_cents covers those in Xero.
"""
import argparse
import cProfile
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from types import SimpleNamespace

import requests

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(message):
    print(f'[bench] {message}', file=sys.stderr, flush=True)


# --- the simulator, out of process ------------------------------------------------------------

class SimProcess:
    """``python -m xero_sim`` in a subprocess, driven through its HTTP control API."""

    def __init__(self, python):
        self.log = tempfile.NamedTemporaryFile(prefix='xero_sim_', suffix='.log', delete=False)
        self.proc = subprocess.Popen(
            [python, '-m', 'xero_sim', '--host', '127.0.0.1', '--port', '0', '--virtual-clock'],
            cwd=REPO_DIR, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(self.log.name) as f:
                first = f.readline().strip()
            if first.startswith('http'):
                self.url = first
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if not self.url:
            self.stop()
            with open(self.log.name) as f:
                raise RuntimeError('the simulator did not start:\n' + f.read()[-2000:])
        self.session = requests.Session()

    def get(self, path, **params):
        response = self.session.get(self.url + path, params=params, timeout=60)
        response.raise_for_status()
        return response.json()

    def post(self, path, body):
        response = self.session.post(self.url + path, json=body, timeout=60)
        response.raise_for_status()
        return response.json() if response.content else None

    def advance(self, seconds):
        self.post('/_sim/clock/advance', {'seconds': seconds})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


def call_counts(counters, tenant_id):
    """(all requests but control ones, accounting calls of the tenant)."""
    total = sum(c['count'] for c in counters['calls'])
    accounting = sum(c['count'] for c in counters['calls'] if c['tenant_id'] == tenant_id)
    return total, accounting


def created_count(counters, tenant_id, endpoint):
    return sum(c['count'] for c in counters['created']
               if c['tenant_id'] == tenant_id and c['endpoint'] == endpoint)


# --- Odoo -------------------------------------------------------------------------------------

def start_odoo(db, odoo_args):
    import odoo
    from odoo.tools import config
    config.parse_config([*odoo_args, '-d', db, '--log-level=warn'], setup_logging=True)
    from odoo.modules.registry import Registry
    return Registry(db)


def install_minute_shim(sim, stats):
    """Wait out Xero's minute without waiting: see the module docstring."""
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


def install_http_timer(stats):
    """Time spent in HTTP round trips of the Xero client (its urllib3 pool managers)."""
    import urllib3
    original = urllib3.PoolManager.request

    def request(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            stats['http_seconds'] += time.perf_counter() - start
            stats['http_requests'] += 1

    urllib3.PoolManager.request = request


def set_up_organisation(registry, sim_url):
    """Hosts, connection, tax and account mappings: as tests/common.py and tests/sync_common.py."""
    import odoo
    from odoo.addons.xero_integration.tests import common
    from odoo.addons.xero_integration.tests.mapping_common import MappingMixin
    from odoo.addons.xero_integration.xero_sim.seed import NZ_TENANT_ID

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})

        class Helper(MappingMixin, common.XeroSimMixin):
            """The tests' helpers, outside a test case."""

            def assertEqual(self, first, second, msg=None):
                if first != second:
                    raise AssertionError(msg or f'{first!r} != {second!r}')

        Helper.env = env
        helper = Helper()
        helper.sim = SimpleNamespace(url=sim_url)
        common.XeroSimMixin._configure_hosts(env, sim_url)
        company = env.company
        tax = Helper.make_tax('GST 15% Sales (bench)', 15)
        Account = env['account.account']
        income = Account.search([*Account._check_company_domain(company),
                                 ('account_type', '=', 'income')], limit=1)
        cr.commit()
        org = helper.connect_organisations(tenants=[NZ_TENANT_ID])
        org.ensure_one()
        # As tests/sync_common.py: every auto-sync switch on, so that posting queues.
        switches = {name: True for name, field in org._fields.items()
                    if name.startswith('auto_sync_') and field.type == 'boolean'}
        if switches:
            org.write(switches)
        org.tax_mapping_ids.action_confirm()
        mapping = org.account_mapping_ids.filtered(lambda m: m.account_id == income)
        values = {'xero_account_id': Helper.xero_account(org, '200').id}
        if mapping:
            mapping.write(values)
        else:
            env['xero.account.mapping'].create(dict(values, organisation_id=org.id, account_id=income.id))
        cr.commit()
        return org.id, tax.id, income.id, NZ_TENANT_ID


def create_documents(registry, n_invoices, n_partners, tax_id, income_id, batch_size, seed):
    import odoo
    from odoo import Command, fields

    rng = random.Random(seed)
    ctx = {'tracking_disable': True, 'mail_create_nolog': True, 'mail_notrack': True}
    start = time.perf_counter()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, ctx)
        partner_ids = []
        for first in range(0, n_partners, 500):
            partners = env['res.partner'].create([{
                'name': f'Bench Customer {i:05d}', 'is_company': True,
                'email': f'ap{i:05d}@customer{i:05d}.example', 'ref': f'BC{i:05d}',
            } for i in range(first, min(first + 500, n_partners))])
            partner_ids += partners.ids
            cr.commit()
        today = fields.Date.context_today(env['account.move'])
        move_ids = []
        for first in range(0, n_invoices, batch_size):
            values = []
            for i in range(first, min(first + batch_size, n_invoices)):
                lines = []
                for n in range(rng.randint(1, 3)):
                    lines.append(Command.create({
                        'name': f'Service {i}-{n}',
                        'price_unit': rng.choice((rng.randint(1, 99) + rng.randint(0, 99) / 100,
                                                  rng.randint(100, 4999) + rng.randint(0, 99) / 100,
                                                  round(rng.uniform(0.5, 20), 2))),
                        'quantity': rng.choice((1, 1, 1, 2, 3, 5, 0.5, 1.25, 12)),
                        'account_id': income_id,
                        'tax_ids': [Command.set([tax_id])],
                    }))
                values.append({'move_type': 'out_invoice', 'invoice_date': today,
                               'partner_id': partner_ids[i % len(partner_ids)],
                               'invoice_line_ids': lines})
            moves = env['account.move'].create(values)
            moves.action_post()
            move_ids += moves.ids
            cr.commit()
            env.invalidate_all()
            log(f'created and posted {len(move_ids)}/{n_invoices} invoices '
                f'({time.perf_counter() - start:.0f} s)')
    return move_ids, time.perf_counter() - start


def unsent_count(env, org_id):
    from odoo.addons.xero_integration.models.xero_sync_engine import LINK_MODELS
    return sum(env[model].sudo().search_count([('organisation_id', '=', org_id),
                                               ('sync_state', 'in', ('pending', 'in_flight'))])
               for model in LINK_MODELS if model in env)


def push(registry, org_id, profile_path=None):
    """The cron's loop: runs of _push_organisation, each in a cursor of its own."""
    import odoo

    runs = stalls = 0
    profiler = cProfile.Profile() if profile_path else None
    wall = time.perf_counter()
    cpu = time.process_time()
    while True:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            org = env['xero.organisation'].browse(org_id)
            if profiler:
                profiler.enable()
            done = env['xero.sync.engine']._push_organisation(org)
            if profiler:
                profiler.disable()
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
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    if profiler:
        profiler.dump_stats(profile_path)
        log(f'profile of the push written to {profile_path}')
    return runs, cpu, wall


def drift_cents(registry, org_id, move_ids, sim, tenant_id):
    """Sum of |Xero Total - Odoo amount_total| in cents; also the invoices missing in Xero."""
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        org = env['xero.organisation'].browse(org_id)
        token = org.token_id._get_access_token()
        links = env['xero.move.link'].search_read(
            [('organisation_id', '=', org_id), ('move_id', 'in', move_ids)],
            ['move_id', 'xero_id', 'sync_state', 'last_error'])
        totals = {m['id']: m['amount_total'] for m in
                  env['account.move'].search_read([('id', 'in', move_ids)], ['amount_total'])}
        cr.commit()
    headers = {'Authorization': f'Bearer {token}', 'xero-tenant-id': tenant_id, 'Accept': 'application/json'}
    in_xero = {}
    page = 1
    while True:
        if page % 50 == 1:
            sim.advance(60)  # a fresh minute for the read-back
        response = requests.get(sim.url + '/api.xro/2.0/Invoices', headers=headers, timeout=120,
                                params={'page': page, 'pageSize': 1000, 'where': 'Type=="ACCREC"'})
        response.raise_for_status()
        invoices = response.json()['Invoices']
        for invoice in invoices:
            in_xero[invoice['InvoiceID'].lower()] = Decimal(str(invoice['Total']))
        if len(invoices) < 1000:
            break
        page += 1
    drift = Decimal(0)
    missing = 0
    states = {}
    errors = {}
    for link in links:
        states[link['sync_state']] = states.get(link['sync_state'], 0) + 1
        if link['sync_state'] != 'synced':
            errors.setdefault(link['last_error'], []).append(link['move_id'][1])
        total = in_xero.get((link['xero_id'] or '').lower())
        if total is None:
            missing += 1
            continue
        drift += abs(total - Decimal(str(totals[link['move_id'][0]])).quantize(Decimal('0.01')))
    missing += len(move_ids) - len(links)
    for error, names in list(errors.items())[:5]:
        log(f'not synced ({len(names)}, e.g. {names[0]}): {error}')
    return int(drift * 100), missing, states


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--db', required=True, help='database with xero_integration installed')
    parser.add_argument('--odoo', action='append', default=[], metavar='OPTION',
                        help='an Odoo command-line option, e.g. --odoo=--db_host=127.0.0.1 (repeatable)')
    parser.add_argument('--invoices', type=int, default=2000)
    parser.add_argument('--partners', type=int, default=400)
    parser.add_argument('--batch', type=int, default=250, help='invoices created and posted per transaction')
    parser.add_argument('--seed', type=int, default=19)
    parser.add_argument('--profile', metavar='FILE', help='write a cProfile of the push phase here')
    args = parser.parse_args()
    if args.invoices < 1 or args.partners < 1:
        parser.error('--invoices and --partners must be at least 1')

    sim = SimProcess(sys.executable)
    try:
        log(f'simulator at {sim.url}')
        registry = start_odoo(args.db, args.odoo)
        org_id, tax_id, income_id, tenant_id = set_up_organisation(registry, sim.url)
        move_ids, create_seconds = create_documents(
            registry, args.invoices, args.partners, tax_id, income_id, args.batch, args.seed)

        stats = {'virtual_minutes': 0, 'http_seconds': 0.0, 'http_requests': 0}
        install_minute_shim(sim, stats)
        install_http_timer(stats)
        sim.advance(60)  # the set-up's calls are in another minute than the push's
        before = sim.get('/_sim/counters')
        log(f'pushing {args.invoices} invoices of {args.partners} customers')
        runs, cpu, wall = push(registry, org_id, args.profile)
        after = sim.get('/_sim/counters')

        total_before, acc_before = call_counts(before, tenant_id)
        total_after, acc_after = call_counts(after, tenant_id)
        calls, accounting = total_after - total_before, acc_after - acc_before
        rate_limited = after['rate_limited'] - before['rate_limited']
        invoices_created = (created_count(after, tenant_id, 'Invoices')
                            - created_count(before, tenant_id, 'Invoices'))
        contacts_created = (created_count(after, tenant_id, 'Contacts')
                            - created_count(before, tenant_id, 'Contacts'))
        duplicates = sum(d['count'] for d in sim.get('/_sim/duplicates') if d['tenant_id'] == tenant_id)
        drift, missing, states = drift_cents(registry, org_id, move_ids, sim, tenant_id)

        n = args.invoices
        projected = max(accounting / 60, wall / 60)
        print(f'detail: create+post {create_seconds:.1f} s; push {runs} run(s), wall {wall:.1f} s, '
              f'cpu {cpu:.1f} s, in HTTP {stats["http_seconds"]:.1f} s over {stats["http_requests"]} '
              f'requests; accounting calls {accounting}, other calls {calls - accounting}, '
              f'virtual minutes {stats["virtual_minutes"]}; created in Xero: {invoices_created} '
              f'invoices, {contacts_created} contacts; links {json.dumps(states, sort_keys=True)}; '
              f'not in Xero {missing}; max concurrent {max(map(int, after["max_concurrent"].values() or [0]))}',
              flush=True)
        print(f'BENCH push invoices={n} partners={args.partners} calls={calls} '
              f'calls_per_invoice={calls / n:.4f} odoo_ms_per_invoice={cpu * 1000 / n:.2f} '
              f'projected_minutes={projected:.2f} rate_limited={rate_limited} '
              f'duplicates={duplicates} drift_cents={drift} not_in_xero={missing}', flush=True)
        return 1 if missing else 0
    finally:
        sim.stop()


if __name__ == '__main__':
    sys.exit(main())
