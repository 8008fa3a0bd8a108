"""Migration benchmark: a dry run and an apply over 50,000 legacy links (partners and invoices).

    scripts/bench.sh migrate [--partners 10000] [--invoices 40000] [--not-found 400]

Run through scripts/bench.sh, which makes a fresh database with the addon installed and passes
``--db`` and the Odoo options (``--odoo=--addons-path=...`` etc.); without it, give those
yourself (see ``--help``). This script bootstraps Odoo itself (real registry, real commits, no
test mode) and:

1. starts the Xero simulator in this process (``XeroSimulator(virtual_clock=True)``) with Xero's
   real limits (60 calls a minute, 5 at once, 5,000 a day per organisation), points the addon at
   it and connects the NZ organisation the way the tests do (``tests/common.py``);
2. seeds, in bulk: P partners and N posted customer invoices with SQL (``generate_series``),
   one legacy link (no organisation) per record with a made-up Xero id, and the same contacts
   and invoices written straight into the simulator's state, except the last ``--not-found``
   invoices, which Xero does not know;
3. dry run: the wizard's ``action_dry_run`` (candidates collected with SQL), then the cron's
   work (``xero.migration.run._process``) until the run is checked;
4. apply: ``action_apply``, then the cron's work until the run is done; then one push of the
   organisation, which must create nothing in Xero;
5. prints one ``BENCH migrate ...`` line (the last line of output).

Xero's limits on a virtual clock
--------------------------------
The addon's governor takes its clock from the simulator's (``Governor(clock=...)``, patched in
this process only). The governor really refuses the 61st call of a minute with ``Wait``; the
run really postpones itself (``waiting_until``, a cron trigger); this script then advances the
simulator's clock to that time and lets the run go on, as the cron would. ``projected_min`` is
the virtual time so spent plus the wall time of the work itself.

Measures
--------
- ``dry_run_calls``: accounting requests the simulator received during the dry run;
  ``calls_target`` = ceil(links / ids_per_request), the brief's bound (plus a small constant).
- ``dry_run_odoo_s`` / ``apply_odoo_s``: CPU time of this process's main thread (Odoo and the
  Xero client; the simulator serves from other threads), ``*_wall_s`` wall time.
- ``peak_rss_mb``: the process's peak resident memory (simulator state included).
  ``dry_run_rss_growth_mb`` / ``apply_rss_growth_mb``: resident memory at the end of the phase
  minus at 10 % of its batches: flat means close to 0.
- ``rate_limited``: 429s the simulator sent (0: the governor stays under the limits);
  ``sync_creates``: objects created in Xero by the push that follows the apply (must be 0).
"""
import argparse
import copy
import datetime
import math
import os
import sys
import time

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTACT_ID = '{:08x}-0000-4000-8000-000000000000'
INVOICE_ID = '{:08x}-1111-4000-8000-000000000000'


def log(message):
    print(f'[bench] {message}', file=sys.stderr, flush=True)


def rss_mb(key='VmRSS'):
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith(key + ':'):
                return int(line.split()[1]) / 1024
    return 0.0


def start_odoo(db, odoo_args):
    from odoo.tools import config
    config.parse_config([*odoo_args, '-d', db, '--log-level=warn'], setup_logging=True)
    from odoo.modules.registry import Registry
    return Registry(db)


def env_of(cr):
    import odoo
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def connect(registry, sim):
    """Hosts and connection, as tests/common.py does."""
    from odoo.addons.xero_integration.tests import common
    from odoo.addons.xero_integration.xero_sim.seed import NZ_TENANT_ID

    with registry.cursor() as cr:
        env = env_of(cr)
        common.XeroSimMixin._configure_hosts(env, sim.url)
        cr.commit()

        class Helper(common.XeroSimMixin):
            """The tests' helpers, outside a test case."""

            def assertEqual(self, first, second, msg=None):
                if first != second:
                    raise AssertionError(msg or f'{first!r} != {second!r}')

        helper = Helper()
        helper.sim = sim
        org = helper.connect_organisations(tenants=[NZ_TENANT_ID], env=env)
        org.ensure_one()
        cr.commit()
        return org.id, NZ_TENANT_ID


def seed(registry, sim, tenant_id, partners, invoices, not_found):
    """Legacy links in Odoo, and the objects they name in the simulator, in bulk."""
    from odoo.tools import SQL

    start = time.perf_counter()
    with registry.cursor() as cr:
        env = env_of(cr)
        company = env.company
        journal = env['account.journal'].search([('type', '=', 'sale'), ('company_id', '=', company.id)], limit=1)
        q = env.execute_query
        q(SQL("""INSERT INTO res_partner (name, complete_name, ref, active, is_company, type, autopost_bills,
                                         create_uid, write_uid, create_date, write_date)
                 SELECT 'Legacy Customer ' || n, 'Legacy Customer ' || n, 'LEG' || n, true, true, 'contact',
                        'ask', 1, 1, now(), now() FROM generate_series(1, %s) n""", partners))
        q(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE ref LIKE 'LEG%%'"))
        q(SQL("""INSERT INTO xero_partner_link (partner_id, xero_id, sync_state, attempt_count, maybe_sent,
                                               waiting_dependency, create_uid, write_uid, create_date, write_date)
                 SELECT id, lpad(to_hex(substr(ref, 4)::int), 8, '0') || '-0000-4000-8000-000000000000',
                        'synced', 0, false, false, 1, 1, now(), now()
                   FROM res_partner WHERE ref LIKE 'LEG%%'"""))
        q(SQL("""INSERT INTO account_move (name, move_type, state, auto_post, journal_id, company_id,
                                          currency_id, date, invoice_date, partner_id, commercial_partner_id,
                                          create_uid, write_uid, create_date, write_date)
                 SELECT 'INV/LEG/' || n, 'out_invoice', 'posted', 'no', %s, %s, %s, current_date,
                        current_date, p.id, p.id, 1, 1, now(), now()
                   FROM generate_series(1, %s) n JOIN res_partner p ON p.ref = 'LEG' || (1 + (n - 1) %% %s)""",
              journal.id, company.id, company.currency_id.id, invoices, partners))
        q(SQL("""INSERT INTO xero_move_link (move_id, xero_id, sync_state, attempt_count, maybe_sent,
                                            waiting_dependency, create_uid, write_uid, create_date, write_date)
                 SELECT id, lpad(to_hex(substr(name, 9)::int), 8, '0') || '-1111-4000-8000-000000000000',
                        'synced', 0, false, false, 1, 1, now(), now()
                   FROM account_move WHERE name LIKE 'INV/LEG/%%'"""))
        cr.commit()
    log(f'Odoo: {partners} partners, {invoices} invoices and their legacy links '
        f'({time.perf_counter() - start:.1f} s)')

    # The simulator: copies of one contact and one invoice it made itself, with our ids.
    org = sim.organisation(tenant_id)
    template_contact = next(iter(org.contacts.values()))
    api = sim_api(sim, tenant_id)
    today = datetime.date.today()
    element = api.save('invoices', [{
        'type': 'ACCREC', 'contact': {'contact_id': template_contact['ContactID']}, 'status': 'AUTHORISED',
        'invoice_number': 'TEMPLATE', 'date': today, 'due_date': today,
        'line_items': [{'description': 'Legacy', 'quantity': 1, 'unit_amount': 100,
                        'account_code': '200', 'tax_type': 'OUTPUT2'}]}], key='bench-template')[0]
    template_invoice = org.invoices.pop(element.xero_id)
    with sim.lock:
        for n in range(1, partners + 1):
            contact = copy.copy(template_contact)
            contact.pop('ContactNumber', None)
            contact.update(ContactID=CONTACT_ID.format(n), Name=f'Legacy Customer {n}')
            org.contacts[contact['ContactID']] = contact
        for n in range(1, invoices - not_found + 1):
            invoice = copy.copy(template_invoice)
            invoice.update(InvoiceID=INVOICE_ID.format(n), InvoiceNumber=f'INV/LEG/{n}',
                           Contact={'ContactID': CONTACT_ID.format(1 + (n - 1) % partners)})
            org.invoices[invoice['InvoiceID']] = invoice
    log(f'simulator: {partners} contacts, {invoices - not_found} invoices')


def sim_api(sim, tenant_id):
    sys.path.insert(0, os.path.join(REPO_DIR, 'bench'))
    from bench_client import connect as sim_connect
    from odoo.addons.xero_integration.xero_client import XeroApi
    return XeroApi(sim.url, sim_connect(sim)['access_token'], tenant_id=tenant_id)


def use_virtual_clock(registry, sim):
    """The governor counts Xero's minutes and days on the simulator's clock."""
    from odoo.addons.xero_integration.xero_client.governor import Governor

    def clock():
        return sim.clock.now().replace(tzinfo=None)

    def _governor(self):
        return Governor(self._budget_cursor, self.id, limits=self._rate_limits(), clock=clock)

    registry['xero.organisation']._governor = _governor
    return clock


def watch_batches(registry, sim, samples):
    """Resident memory after each committed batch of a run. The simulator keeps every request
    it received (``sim.requests``, a few KB each): emptied first, so that what grows is ours."""
    Run = registry['xero.migration.run']
    original = Run._progress

    def _progress(self, processed, remaining=None):
        result = original(self, processed, remaining=remaining)
        if processed:
            del sim.requests[:]
            samples.append(rss_mb())
        return result

    Run._progress = _progress


def drive(registry, run_id, states, clock, sim, stats):
    """The cron's work on one run until it leaves ``states``; waits are waited out virtually."""
    while True:
        with registry.cursor() as cr:
            run = env_of(cr)['xero.migration.run'].browse(run_id)
            run._process()
            cr.commit()
            if run.state not in states:
                return run.state
            if not run.waiting_until:
                raise RuntimeError(f'the run stopped: {run.last_error}')
            wait = (run.waiting_until - clock()).total_seconds()
            if wait > 0:
                sim.clock.advance(wait)
                stats['virtual_seconds'] += wait
            stats['waits'] += 1
            run.write({'waiting_until': False})
            cr.commit()


def growth(samples):
    if len(samples) < 2:
        return 0.0
    return samples[-1] - samples[len(samples) // 10]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--db', required=True, help='database with xero_integration installed')
    parser.add_argument('--odoo', action='append', default=[], metavar='OPTION',
                        help='an Odoo command-line option, e.g. --odoo=--db_host=127.0.0.1 (repeatable)')
    parser.add_argument('--partners', type=int, default=10000)
    parser.add_argument('--invoices', type=int, default=40000)
    parser.add_argument('--not-found', type=int, default=400,
                        help='invoices whose Xero id the organisation does not know')
    args = parser.parse_args()
    if args.partners < 1 or args.invoices < 1 or not 0 <= args.not_found <= args.invoices:
        parser.error('--partners and --invoices must be at least 1, --not-found at most --invoices')

    registry = start_odoo(args.db, args.odoo)
    from odoo.addons.xero_integration.xero_client.kinds import MAX_IDS_PER_GET
    from odoo.addons.xero_integration.xero_sim import XeroSimulator

    sim = XeroSimulator(port=0, virtual_clock=True).start()
    try:
        org_id, tenant_id = connect(registry, sim)
        seed(registry, sim, tenant_id, args.partners, args.invoices, args.not_found)
        clock = use_virtual_clock(registry, sim)
        samples = {'dry': [], 'apply': []}
        stats = {'virtual_seconds': 0.0, 'waits': 0}
        sim.clock.advance(60)  # the set-up's calls are in another minute
        sim.counters.reset()
        links = args.partners + args.invoices

        log(f'dry run over {links} legacy links')
        watch_batches(registry, sim, batch_samples := [])
        wall, cpu = time.perf_counter(), time.thread_time()
        with registry.cursor() as cr:
            env = env_of(cr)
            wizard = env['xero.migration.wizard'].with_context(default_organisation_id=org_id).create(
                {'use_legacy': True})
            run_id = wizard.action_dry_run()['res_id']
            cr.commit()
        drive(registry, run_id, ('checking',), clock, sim, stats)
        dry_cpu, dry_wall = time.thread_time() - cpu, time.perf_counter() - wall
        samples['dry'], batch_samples[:] = list(batch_samples), []
        dry_calls = sim.counters.count(tenant_id=tenant_id)
        dry_writes = sum(sim.counters.count(method=m, tenant_id=tenant_id) for m in ('PUT', 'POST'))
        with registry.cursor() as cr:
            run = env_of(cr)['xero.migration.run'].browse(run_id)
            counts = {'will_link': run.will_link_count, 'not_found': run.not_found_count,
                      'conflict': run.conflict_count, 'already_linked': run.already_linked_count}
            run.action_apply()
            cr.commit()

        log('apply')
        wall, cpu = time.perf_counter(), time.thread_time()
        drive(registry, run_id, ('applying',), clock, sim, stats)
        apply_cpu, apply_wall = time.thread_time() - cpu, time.perf_counter() - wall
        samples['apply'] = list(batch_samples)
        apply_calls = sim.counters.count(tenant_id=tenant_id) - dry_calls
        with registry.cursor() as cr:
            env = env_of(cr)
            applied = env['xero.migration.run'].browse(run_id).applied_count
            # Every kind may sync by itself: the push would send anything migration left unlinked.
            org = env['xero.organisation'].browse(org_id)
            org.write({'auto_sync_contacts': True, 'auto_sync_invoices': True, 'auto_sync_payments': True,
                       'auto_sync_items': True})
            env['xero.sync.engine']._push_organisation(org)
            cr.commit()
        sync_creates = sim.counters.created(tenant_id)
        rate_limited = sim.counters.rate_limited_count(tenant_id)
    finally:
        sim.stop()

    target = math.ceil(links / MAX_IDS_PER_GET)
    projected = (stats['virtual_seconds'] + dry_wall) / 60
    ok = (dry_calls <= target + 5 and dry_writes == 0 and apply_calls == 0 and apply_cpu <= 60
          and sync_creates == 0 and rate_limited == 0 and applied == counts['will_link'])
    print(f"detail: {stats['waits']} minute waits ({stats['virtual_seconds']:.0f} virtual s); "
          f"dry run wall {dry_wall:.1f} s, apply wall {apply_wall:.1f} s; classes {counts}; "
          f"batches: dry run {len(samples['dry'])}, apply {len(samples['apply'])}")
    print(f"BENCH migrate links={links} ids_per_request={MAX_IDS_PER_GET} dry_run_calls={dry_calls} "
          f"calls_target={target} dry_run_writes={dry_writes} projected_min={projected:.1f} "
          f"dry_run_odoo_s={dry_cpu:.1f} dry_run_wall_s={dry_wall:.1f} "
          f"apply_odoo_s={apply_cpu:.1f} apply_wall_s={apply_wall:.1f} apply_calls={apply_calls} "
          f"peak_rss_mb={rss_mb('VmHWM'):.0f} dry_run_rss_growth_mb={growth(samples['dry']):.1f} "
          f"apply_rss_growth_mb={growth(samples['apply']):.1f} will_link={counts['will_link']} "
          f"not_found={counts['not_found']} applied={applied} sync_creates={sync_creates} "
          f"rate_limited={rate_limited} ok={int(ok)}", flush=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
