"""Push benchmark: a first sync of N posted invoices of M new customers, through the push cron.

    scripts/bench.sh push --through-cron --latency 1 --invoices 10000 --partners 2000

Run through scripts/bench.sh, which makes a fresh database with the addon installed and passes
``--db`` and the Odoo options (``--odoo=--addons-path=...`` etc.). Nothing is projected, nothing
is reset: the minutes are measured. The script

1. starts the Xero simulator in a subprocess (``python -m xero_sim --port 0``) with Xero's real
   limits (60 calls a minute, 5 at once, 5,000 a day per organisation). Its clock runs with the
   wall clock, so its minute windows roll by themselves, as Xero's do, and Odoo's governor
   (which counts on Odoo's clock) and the simulator agree on them;
2. bootstraps Odoo in this process (real registry, real commits) to set up: points the addon
   at the simulator and connects the NZ organisation the way the tests do (``tests/common.py``),
   confirms the tax mappings and maps the income account to Xero's 200 (``tests/sync_common.py``),
   sets ``xero_integration.push_workers`` to ``--workers``;
3. creates M customers and N invoices (1-3 lines, 15 % tax, varied prices and quantities; or
   the hard documents below) in batches, posts them (posting queues them) and commits per batch;
4. waits for the set-up's minute window to end, sets the simulator's latency to ``--latency``
   seconds per call (its ``slow`` fault, on every call), starts a real ``odoo`` server process
   (threaded, ``--max-cron-threads=--cron-threads``, Odoo's default 2) and triggers the push
   cron once. From then on only Odoo's cron runner drives the push: the engine's own re-runs
   (``_commit_progress``) and wake-ups after a governor ``Wait`` (``ir.cron.trigger``, which the
   cron threads find on their one-minute poll). The addon's other crons are switched off for
   the run (they would spend the same budget), the push cron's 5-minute interval is moved out
   of the way, so every run is one the engine asked for, and Odoo's own crons (never run on a
   fresh database, so all due at the server's start) are moved a day on;
5. watches the links from this process every POLL seconds until none is pending or in flight,
   stops the server, and prints one ``BENCH push ...`` line (the last line of output).

Measures
--------
- ``measured_minutes``: wall minutes from just before the push cron's trigger is committed (so
  before the first call) to the first look that finds every link settled (so at most POLL
  seconds after the last bind). Xero's limits, the latency, Odoo's time and the cron runner's
  delays are all in it.
- ``calls``: requests the simulator received during the push (accounting calls, and token or
  connection calls if any), from ``/_sim/counters``; ``calls_per_invoice`` = calls / N.
- ``rate_limited``: 429s the simulator sent (the governor must stay under: 0).
- ``duplicates``: extra copies among the tenant's invoices and contacts (``/_sim/duplicates``).
- ``drift_cents``: sum over the N invoices of |Xero Total - Odoo amount_total|, in cents, read
  back page by page from ``GET /api.xro/2.0/Invoices`` after the push (outside its counts).
- ``not_in_xero``: documents that did not reach Xero (held or refused; the reasons are logged).
- ``held``: documents Odoo never sent (held before any request, e.g. by a rounding difference it
  could not carry, or a mapping missing): in error with no request made.
- ``cron_failures``: runs of a cron that failed, from the server's log (Odoo logs each).
Any of the last three, or a drift, makes the exit code 1.

Hard documents (``--hard --lines-max 60 --round-globally``): 1 to 60 lines, unit prices to 4
decimals, odd quantities, discounts, four rates mixed on a document (15 % excluded and included,
a compound GST + levy group, zero rated), one document in four a bill, in a company that
rounds taxes globally: what rounds differently line by line (Xero) and globally (Odoo). The line
before it gives details: the server's CPU time during the push (all its threads), and the
machine's load average.
"""
import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import requests

# How Odoo's cron runner names the push job in its log.
PUSH_JOB = "Job 'Xero: push to Xero'"
# Seconds between two looks at the links while the push runs.
POLL = 0.5
REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(message):
    print(f'[bench] {message}', file=sys.stderr, flush=True)


# --- the simulator, out of process ------------------------------------------------------------

class SimProcess:
    """``python -m xero_sim`` in a subprocess, driven through its HTTP control API."""

    def __init__(self, python):
        self.log = tempfile.NamedTemporaryFile(prefix='xero_sim_', suffix='.log', delete=False)
        self.proc = subprocess.Popen(
            [python, '-m', 'xero_sim', '--host', '127.0.0.1', '--port', '0'],
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
    from odoo.tools import config
    config.parse_config([*odoo_args, '-d', db, '--log-level=warn'], setup_logging=True)
    from odoo.modules.registry import Registry
    return Registry(db)


def set_up_organisation(registry, sim_url, hard=False, round_globally=False):
    """Hosts, connection, tax and account mappings: as tests/common.py and tests/sync_common.py.

    Returns (organisation id, taxes, accounts, tenant id): ``taxes`` maps 'sale' (and, for hard
    documents, 'sale_included', 'sale_levy', 'sale_zero', 'purchase') to tax ids, ``accounts``
    maps 'income' (and 'expense') to account ids.
    """
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
        if round_globally:
            company.tax_calculation_rounding_method = 'round_globally'
        taxes = {'sale': Helper.make_tax('GST 15% Sales (bench)', 15).id}
        Account = env['account.account']
        income = Account.search([*Account._check_company_domain(company),
                                 ('account_type', '=', 'income')], limit=1)
        accounts = {'income': income.id}
        if hard:
            # Unit prices to 4 decimals, as many companies keep them; Xero takes 4 (unitdp=4).
            env.ref('product.decimal_price').digits = 4
            taxes.update({
                'sale_included': Helper.make_tax('GST 15% incl. (bench)', 15,
                                                 price_include_override='tax_included').id,
                'sale_levy': Helper.make_group('GST + Levy (bench)', Helper.make_children(
                    ('GST 15% (bench levy group)', 15, True), ('Levy 2% (bench)', 2, False))).id,
                'sale_zero': Helper.make_tax('Zero rated (bench)', 0).id,
                'purchase': Helper.make_tax('GST 15% Purchases (bench)', 15, type_tax_use='purchase').id,
            })
            accounts['expense'] = Account.search([*Account._check_company_domain(company),
                                                  ('account_type', '=', 'expense')], limit=1).id
        cr.commit()
        org = helper.connect_organisations(tenants=[NZ_TENANT_ID])
        org.ensure_one()
        # As tests/sync_common.py: every auto-sync switch on, so that posting queues.
        switches = {name: True for name, field in org._fields.items()
                    if name.startswith('auto_sync_') and field.type == 'boolean'}
        if switches:
            org.write(switches)
        org.tax_mapping_ids.action_confirm()
        unmapped = [tax.name for tax in env['account.tax'].browse(list(taxes.values()))
                    if tax not in org.tax_mapping_ids.filtered(lambda m: m.state == 'confirmed').tax_id]
        if unmapped:
            raise RuntimeError(f'no Xero tax type suggested for {unmapped}')
        for key, code in (('income', '200'), ('expense', '300')):
            if key not in accounts:
                continue
            mapping = org.account_mapping_ids.filtered(lambda m: m.account_id.id == accounts[key])
            values = {'xero_account_id': Helper.xero_account(org, code).id}
            if mapping:
                mapping.write(values)
            else:
                env['xero.account.mapping'].create(dict(values, organisation_id=org.id,
                                                        account_id=accounts[key]))
        cr.commit()
        return org.id, taxes, accounts, NZ_TENANT_ID


def plain_lines(rng, i, n_lines, taxes, accounts):
    """1 to 3 service lines at 15 %: the first sync of a plain invoicing company."""
    from odoo import Command
    return 'out_invoice', [Command.create({
        'name': f'Service {i}-{n}',
        'price_unit': rng.choice((rng.randint(1, 99) + rng.randint(0, 99) / 100,
                                  rng.randint(100, 4999) + rng.randint(0, 99) / 100,
                                  round(rng.uniform(0.5, 20), 2))),
        'quantity': rng.choice((1, 1, 1, 2, 3, 5, 0.5, 1.25, 12)),
        'account_id': accounts['income'],
        'tax_ids': [Command.set([taxes['sale']])],
    }) for n in range(n_lines)]


def hard_lines(rng, i, n_lines, taxes, accounts):
    """What rounds differently line by line and globally: unit prices to 4 decimals, odd
    quantities, discounts, several rates on one document (15 % excluded and included, a
    compound GST + levy group, zero rated), and one document in four a bill."""
    from odoo import Command
    bill = i % 4 == 3
    sale_taxes = [taxes['sale'], taxes['sale_included'], taxes['sale_levy'], taxes['sale_zero']]
    lines = []
    for n in range(n_lines):
        tax = taxes['purchase'] if bill else rng.choice(sale_taxes)
        lines.append(Command.create({
            'name': f'Item {i}-{n}',
            'price_unit': rng.choice((round(rng.uniform(0.01, 9.99), 4),
                                      round(rng.uniform(10, 999), 3),
                                      rng.randint(1, 4999) + rng.choice((0.995, 0.005, 0.3333, 0.6667)))),
            'quantity': rng.choice((1, 1, 2, 3, 7, 0.5, 0.333, 1.25, 12, 24)),
            'discount': rng.choice((0, 0, 0, 5, 7.77, 12.5, 33.33)),
            'account_id': accounts['expense' if bill else 'income'],
            'tax_ids': [Command.set([tax])],
        }))
    return ('in_invoice' if bill else 'out_invoice'), lines


def create_documents(registry, n_invoices, n_partners, taxes, accounts, batch_size, seed,
                     lines_min=1, lines_max=3, hard=False):
    import odoo
    from odoo import fields

    rng = random.Random(seed)
    make_lines = hard_lines if hard else plain_lines
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
                move_type, lines = make_lines(rng, i, rng.randint(lines_min, lines_max), taxes, accounts)
                values.append({'move_type': move_type, 'invoice_date': today,
                               'partner_id': partner_ids[i % len(partner_ids)],
                               'ref': f'VB-{i:05d}' if move_type == 'in_invoice' else False,
                               'invoice_line_ids': lines})
            moves = env['account.move'].create(values)
            moves.action_post()
            move_ids += moves.ids
            cr.commit()
            env.invalidate_all()
            log(f'created and posted {len(move_ids)}/{n_invoices} documents '
                f'({time.perf_counter() - start:.0f} s)')
    return move_ids, time.perf_counter() - start


def prepare_crons(registry, workers):
    """Only the push runs, and only when triggered: the other crons of the addon would spend the
    same organisation's budget (pulls, polls) and are not what is measured; the push cron's own
    5-minute interval is moved out of the way, so that every run of it is one the engine asked
    for (a trigger after a post, a wake-up after a wait, or a re-run while work remains). The
    triggers the posts left are dropped: the benchmark triggers the push itself, once."""
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        push = env.ref('xero_integration.ir_cron_xero_push')
        crons = env['ir.cron'].with_context(active_test=False).search([('model_id.model', '=like', 'xero.%')])
        (crons - push).write({'active': False})
        later = odoo.fields.Datetime.now() + timedelta(days=1)
        push.write({'active': True, 'nextcall': later})
        # Odoo's own crons have never run on this fresh database: they would all run at the
        # server's start, on the cron threads the push needs. They run a day later instead.
        env['ir.cron'].search([('id', 'not in', crons.ids)]).write({'nextcall': later})
        # Nor do they run on a trigger the set-up left (the auto-vacuum's, after the documents).
        env['ir.cron.trigger'].search([]).unlink()
        env['ir.config_parameter'].set_param('xero_integration.push_workers', workers)
        cr.commit()
        return push.id


def wait_for_a_fresh_minute(registry, org_id):
    """The set-up's calls opened a minute window (Odoo's governor and the simulator each keep
    one): the push starts in a window of its own, as a first sync does."""
    import odoo

    with registry.cursor() as cr:
        cr.execute("SELECT max(minute_window_start) FROM xero_organisation_runtime "
                   "WHERE organisation_id = %s", (org_id,))
        start = cr.fetchone()[0]
        left = 62 - (odoo.fields.Datetime.now() - start).total_seconds() if start else 0
    if left > 0:
        log(f'waiting {left:.0f} s for the set-up\'s minute window to end')
        time.sleep(left)


class OdooServer:
    """A real ``odoo`` server process (threaded, with cron threads) on the benchmark's database."""

    def __init__(self, python, db, odoo_args, cron_threads):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile(prefix='bench_odoo_', suffix='.log', delete=False).name
        self.proc = subprocess.Popen(
            [python, '-m', 'odoo', *odoo_args, '-d', db, f'--db-filter=^{db}$', '--workers=0',
             f'--max-cron-threads={cron_threads}', f'--http-port={port}', '--log-level=info',
             f'--logfile={self.log}'],
            cwd=REPO_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while not self.grep('Registry loaded in'):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f'the Odoo server did not start (log: {self.log})')
            time.sleep(0.5)

    def grep(self, needle):
        with open(self.log, errors='replace') as f:
            return [line for line in f if needle in line]

    def cpu_seconds(self):
        """CPU time the server process has used so far (all its threads: crons, pool workers)."""
        with open(f'/proc/{self.proc.pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def unsettled_count(registry, org_id):
    """Links of the organisation not yet settled (pending, or sent without an answer yet)."""
    import odoo
    from odoo.addons.xero_integration.models.xero_sync_engine import LINK_MODELS

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        return sum(env[model].search_count([('organisation_id', '=', org_id),
                                            ('sync_state', 'in', ('pending', 'in_flight'))])
                   for model in LINK_MODELS if model in env)


def push_through_cron(registry, org_id, cron_id, server, timeout):
    """Trigger the push cron once, then watch until every link is settled.

    Returns (start, end) in seconds since the epoch: ``start`` just before the trigger is
    committed (so before the first call), ``end`` the first look that found nothing left to
    send (at most POLL seconds after the last bind). Both are upper bounds of the push's time.
    """
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env['ir.cron'].browse(cron_id)._trigger()
        start = time.time()
        cr.commit()
    last_report = start
    while True:
        time.sleep(POLL)
        left = unsettled_count(registry, org_id)
        now = time.time()
        if not left:
            return start, now
        if not server.alive():
            raise RuntimeError(f'the Odoo server stopped (log: {server.log})')
        if now - start > timeout:
            log(f'{left} links still unsettled after {timeout / 60:.0f} minutes: giving up')
            return start, now
        if now - last_report >= 30:
            log(f'{left} links left after {(now - start) / 60:.1f} minutes')
            last_report = now


def drift_cents(registry, org_id, move_ids, sim, tenant_id):
    """Sum of |Xero Total - Odoo amount_total| in cents; the documents missing in Xero; those
    held by Odoo (never sent: a rounding or other hold, in error with no request made); and the
    links' states."""
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        org = env['xero.organisation'].browse(org_id)
        token = org.token_id._get_access_token()
        links = env['xero.move.link'].search_read(
            [('organisation_id', '=', org_id), ('move_id', 'in', move_ids)],
            ['move_id', 'xero_id', 'sync_state', 'last_error', 'sent_hash'])
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
                                params={'page': page, 'pageSize': 1000,
                                        'where': 'Type=="ACCREC" OR Type=="ACCPAY"'})
        response.raise_for_status()
        invoices = response.json()['Invoices']
        for invoice in invoices:
            in_xero[invoice['InvoiceID'].lower()] = Decimal(str(invoice['Total']))
        if len(invoices) < 1000:
            break
        page += 1
    drift = Decimal(0)
    missing = held = 0
    states = {}
    errors = {}
    for link in links:
        states[link['sync_state']] = states.get(link['sync_state'], 0) + 1
        if link['sync_state'] != 'synced':
            errors.setdefault(link['last_error'], []).append(link['move_id'][1])
            if link['sync_state'] in ('error', 'skipped') and not link['sent_hash']:
                held += 1
        total = in_xero.get((link['xero_id'] or '').lower())
        if total is None:
            missing += 1
            continue
        drift += abs(total - Decimal(str(totals[link['move_id'][0]])).quantize(Decimal('0.01')))
    missing += len(move_ids) - len(links)
    for error, names in list(errors.items())[:5]:
        log(f'not synced ({len(names)}, e.g. {names[0]}): {error}')
    return int(drift * 100), missing, held, states


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--db', required=True, help='database with xero_integration installed')
    parser.add_argument('--odoo', action='append', default=[], metavar='OPTION',
                        help='an Odoo command-line option, e.g. --odoo=--db_host=127.0.0.1 (repeatable)')
    parser.add_argument('--through-cron', action='store_true',
                        help='push through the push cron of a real Odoo server (the only mode; '
                             'the flag says so in the command)')
    parser.add_argument('--invoices', type=int, default=2000)
    parser.add_argument('--partners', type=int, default=400)
    parser.add_argument('--latency', type=float, default=1.0, help='seconds the simulator takes per call')
    parser.add_argument('--workers', type=int, default=5,
                        help='push workers per organisation (xero_integration.push_workers)')
    parser.add_argument('--cron-threads', type=int, default=2,
                        help="the server's --max-cron-threads (2 is Odoo's default)")
    parser.add_argument('--timeout', type=float, default=30, help='minutes to wait for the push at most')
    parser.add_argument('--batch', type=int, default=250, help='invoices created and posted per transaction')
    parser.add_argument('--seed', type=int, default=19)
    parser.add_argument('--lines-min', type=int, default=1, help='fewest lines a document has')
    parser.add_argument('--lines-max', type=int, default=3, help='most lines a document has')
    parser.add_argument('--hard', action='store_true',
                        help='hard documents: 4-decimal prices, discounts, mixed rates, bills')
    parser.add_argument('--round-globally', action='store_true',
                        help="the company rounds taxes globally (tax_calculation_rounding_method)")
    args = parser.parse_args()
    if args.invoices < 1 or args.partners < 1 or args.workers < 1 or args.cron_threads < 1:
        parser.error('--invoices, --partners, --workers and --cron-threads must be at least 1')
    if not 1 <= args.lines_min <= args.lines_max:
        parser.error('--lines-min must be at least 1 and at most --lines-max')

    sim = SimProcess(sys.executable)
    server = None
    try:
        log(f'simulator at {sim.url}')
        registry = start_odoo(args.db, args.odoo)
        org_id, taxes, accounts, tenant_id = set_up_organisation(
            registry, sim.url, hard=args.hard, round_globally=args.round_globally)
        cron_id = prepare_crons(registry, args.workers)
        move_ids, create_seconds = create_documents(
            registry, args.invoices, args.partners, taxes, accounts, args.batch, args.seed,
            lines_min=args.lines_min, lines_max=args.lines_max, hard=args.hard)
        prepare_crons(registry, args.workers)  # the posts triggered the push: not yet
        wait_for_a_fresh_minute(registry, org_id)

        log(f'starting an Odoo server with {args.cron_threads} cron thread(s)')
        server = OdooServer(sys.executable, args.db, args.odoo, args.cron_threads)
        sim.post('/_sim/faults', {'kind': 'slow', 'delay': args.latency, 'count': None})
        before = sim.get('/_sim/counters')
        cpu = server.cpu_seconds()
        log(f'pushing {args.invoices} documents of {args.partners} customers through the push cron '
            f'({args.workers} worker(s), {args.latency:g} s per call; server log: {server.log})')
        load = os.getloadavg()[0]
        start, end = push_through_cron(registry, org_id, cron_id, server, args.timeout * 60)
        load = (load + os.getloadavg()[0]) / 2
        after = sim.get('/_sim/counters')
        cpu = server.cpu_seconds() - cpu
        server.stop()
        sim.session.delete(sim.url + '/_sim/faults', timeout=60).raise_for_status()
        cron_failures = len([line for line in server.grep(' server action #')
                             if line.rstrip().endswith(' failed')])
        errors = len(server.grep(' ERROR '))

        total_before, acc_before = call_counts(before, tenant_id)
        total_after, acc_after = call_counts(after, tenant_id)
        calls, accounting = total_after - total_before, acc_after - acc_before
        rate_limited = after['rate_limited'] - before['rate_limited']
        invoices_created = (created_count(after, tenant_id, 'Invoices')
                            - created_count(before, tenant_id, 'Invoices'))
        contacts_created = (created_count(after, tenant_id, 'Contacts')
                            - created_count(before, tenant_id, 'Contacts'))
        duplicates = sum(d['count'] for d in sim.get('/_sim/duplicates') if d['tenant_id'] == tenant_id)
        drift, missing, held, states = drift_cents(registry, org_id, move_ids, sim, tenant_id)

        n = args.invoices
        minutes = (end - start) / 60
        print(f'detail: create+post {create_seconds:.1f} s; push {end - start:.1f} s, of which the '
              f'server\'s CPU {cpu:.1f} s ({cpu * 1000 / args.invoices:.2f} ms an invoice); accounting calls '
              f'{accounting}, other calls {calls - accounting}; created in Xero: {invoices_created} '
              f'invoices, {contacts_created} contacts; links {json.dumps(states, sort_keys=True)}; '
              f'max concurrent {max(map(int, after["max_concurrent"].values() or [0]))}; '
              f'ERROR lines in the server log {errors}; load average {load:.1f} on {os.cpu_count()} '
              f'CPUs; push cron jobs '
              f'{len([line for line in server.grep(PUSH_JOB) if line.rstrip().endswith(" starting")])} '
              f'(log: {server.log})', flush=True)
        documents = (f'lines={args.lines_min}-{args.lines_max} hard={int(args.hard)} '
                     f'rounding={"global" if args.round_globally else "per_line"} '
                     if args.hard or args.round_globally or (args.lines_min, args.lines_max) != (1, 3) else '')
        print(f'BENCH push invoices={n} partners={args.partners} {documents}workers={args.workers} '
              f'latency_s={args.latency:g} calls={calls} calls_per_invoice={calls / n:.4f} '
              f'measured_minutes={minutes:.2f} rate_limited={rate_limited} duplicates={duplicates} '
              f'drift_cents={drift} not_in_xero={missing} held={held} cron_failures={cron_failures}',
              flush=True)
        return 1 if missing or held or drift or cron_failures else 0
    finally:
        if server:
            server.stop()
        sim.stop()


if __name__ == '__main__':
    sys.exit(main())
