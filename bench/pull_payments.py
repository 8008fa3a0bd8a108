"""Payment poll benchmark: N payments made in Xero on synced invoices, registered by the poll cron.

    scripts/bench.sh pull_payments [--payments 5000] [--profile FILE]

Run through scripts/bench.sh (fresh database with the addon, ``--db`` and the Odoo options).
Like ``bench/pull.py``, it reuses ``bench/push.py``'s simulator (a subprocess with a virtual
clock, so this process's CPU time is Odoo's and the client's only), Odoo start-up,
organisation set-up and minute shim.

1. Maps the company's bank journal to Xero's bank account 090 (as ``tests/test_payments.py``),
   creates and posts 4/5 N invoices in Odoo and pushes them (not measured).
2. Runs the poll cron once (nothing to register: the poll before the payments).
3. Makes N payments in Xero through its API, 100 a request over several virtual seconds: one
   invoice in four is paid in two parts (40 %, then the rest), the others in full.
4. Runs the poll cron (``ir.cron.method_direct_trigger``: Odoo's cron runner, its progress API
   and real commits) until a run registers nothing more.
5. Prints ``BENCH pull_payments ...``: the accounting calls of the polls; Odoo CPU ms per
   registered payment inside the payment pull (``odoo_ms_per_payment``) and in the whole poll
   cron, document statuses included (``poll_ms_per_payment``); the longest cron run in wall
   seconds; the payments registered (linked to the Xero payment); duplicates (Odoo payments
   made for one Xero payment more than once); and books_differ, the invoices whose Odoo
   residual or paid state differs from Xero's AmountDue or Status.
"""
import argparse
import cProfile
import math
import os
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _preload import install_minute_shim, push  # noqa: E402
from push import SimProcess, call_counts, create_documents, log, set_up_organisation, start_odoo  # noqa: E402

PAYMENTS_PER_REQUEST = 100
MAX_RUNS = 500


def map_bank_journal(registry, org_id):
    import odoo
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        org = env['xero.organisation'].browse(org_id)
        Journal = env['account.journal']
        bank = Journal.search([*Journal._check_company_domain(env.company), ('type', '=', 'bank')], limit=1)
        values = {'xero_account_id': org.xero_account_ids.filtered(lambda a: a.code == '090').id}
        mapping = org.journal_mapping_ids.filtered(lambda m: m.journal_id == bank)
        mapping.write(values) if mapping else env['xero.journal.mapping'].create(
            dict(values, organisation_id=org_id, journal_id=bank.id))
        cr.commit()


def pay_in_xero(registry, org_id, sim, tenant_id, move_ids, count):
    """``count`` payments on the invoices, through Xero's API; returns their PaymentIDs."""
    import odoo
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        token = env['xero.organisation'].browse(org_id).token_id._get_access_token()
        links = env['xero.move.link'].search([('organisation_id', '=', org_id), ('move_id', 'in', move_ids)])
        invoices = [(link.xero_id, link.move_id.amount_total) for link in links]
        cr.commit()
    payments = []
    for n, (xero_id, total) in enumerate(invoices):
        parts = [round(total * 0.4, 2)] if n % 4 == 0 else []
        parts.append(round(total - sum(parts), 2))
        for amount in parts:
            payments.append({'Invoice': {'InvoiceID': xero_id}, 'Account': {'Code': '090'},
                             'Amount': amount, 'Reference': f'Bench {n}'})
    payments = payments[:count]
    headers = {'Authorization': f'Bearer {token}', 'xero-tenant-id': tenant_id, 'Accept': 'application/json'}
    ids = []
    for first in range(0, len(payments), PAYMENTS_PER_REQUEST):
        # Over several seconds, and a fresh minute every 50 requests (the simulator's limit).
        sim.advance(60 if (first // PAYMENTS_PER_REQUEST) % 50 == 0 else 1)
        response = requests.put(sim.url + '/api.xro/2.0/Payments', headers=headers, timeout=300,
                                json={'Payments': payments[first:first + PAYMENTS_PER_REQUEST]},
                                params={'summarizeErrors': 'false'})
        response.raise_for_status()
        for payment in response.json()['Payments']:
            if payment.get('HasErrors'):
                raise RuntimeError(f'the simulator refused a payment: {payment["ValidationErrors"]}')
            ids.append(payment['PaymentID'].lower())
    sim.advance(60)
    return ids, token


def install_pull_timer(stats):
    """Odoo CPU spent inside the payment pull: the pull engine's runs of the payments kind, the
    reading of Xero's pages included (this process only; the addon is untouched)."""
    from odoo.addons.xero_integration.models.xero_pull_engine import XeroPullEngine
    original = XeroPullEngine._pull

    def _pull(self, organisation, kind, *args, **kwargs):
        if kind != 'payments':
            return original(self, organisation, kind, *args, **kwargs)
        cpu = time.process_time()
        try:
            return original(self, organisation, kind, *args, **kwargs)
        finally:
            stats['pull_cpu'] += time.process_time() - cpu

    XeroPullEngine._pull = _pull


def registered_count(registry, org_id, payment_ids):
    import odoo
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        return env['xero.payment.link'].search_count([
            ('organisation_id', '=', org_id), ('from_xero', '=', True), ('xero_id', 'in', payment_ids)])


def poll(registry, org_id, payment_ids, profile_path=None):
    """Runs of the poll cron until one registers nothing more and none is asked for."""
    import odoo
    profiler = cProfile.Profile() if profile_path else None
    runs, longest, cpu = 0, 0.0, 0.0
    registered = registered_count(registry, org_id, payment_ids)
    while runs < MAX_RUNS:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            cron = env.ref('xero_integration.ir_cron_xero_poll')
            start, start_cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            cron.method_direct_trigger()
            if profiler:
                profiler.disable()
            longest = max(longest, time.perf_counter() - start)
            cpu += time.process_time() - start_cpu
            cr.commit()
        runs += 1
        now = registered_count(registry, org_id, payment_ids)
        with registry.cursor() as cr:
            cr.execute("SELECT COUNT(*) FROM ir_cron_trigger WHERE cron_id = %s",
                       (odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}).ref('xero_integration.ir_cron_xero_poll').id,))
            triggered = cr.fetchone()[0]
            # A job the runner left "partially done" (work remains: _commit_progress) runs again
            # at once in a real server, without a trigger row.
            cr.execute("""SELECT remaining FROM ir_cron_progress WHERE cron_id = %s
                           ORDER BY id DESC LIMIT 1""",
                       (odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}).ref('xero_integration.ir_cron_xero_poll').id,))
            row = cr.fetchone()
            triggered += bool(row and row[0])
        log(f'poll run {runs}: {now - registered} registered ({now} in all), {longest:.1f} s longest run')
        if now == registered and not triggered:
            break
        registered = now
        if triggered:
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s",
                           (env.ref('xero_integration.ir_cron_xero_poll').id,))
    if profiler:
        profiler.dump_stats(profile_path)
        log(f'profile of the polls written to {profile_path}')
    return runs, longest, cpu


def duplicates(registry, org_id):
    """Odoo payments made for a Xero payment beyond the first."""
    with registry.cursor() as cr:
        cr.execute("""SELECT COUNT(*) - COUNT(DISTINCT link.xero_id) FROM xero_payment_link link
                        JOIN account_payment payment ON payment.id = link.payment_id
                       WHERE link.organisation_id = %s AND link.from_xero AND payment.state != 'canceled'""",
                   (org_id,))
        linked_twice = cr.fetchone()[0]
        cr.execute("""SELECT COUNT(*) FROM account_payment payment
                       WHERE payment.memo LIKE 'Xero payment %%' AND payment.state != 'canceled'
                         AND NOT EXISTS (SELECT 1 FROM xero_payment_link l WHERE l.payment_id = payment.id)""")
        unlinked = cr.fetchone()[0]
    return linked_twice + unlinked


def books_differ(registry, org_id, move_ids, sim, tenant_id, token):
    """Invoices whose Odoo residual or paid state differs from Xero's AmountDue or Status."""
    import odoo
    headers = {'Authorization': f'Bearer {token}', 'xero-tenant-id': tenant_id, 'Accept': 'application/json'}
    in_xero, page = {}, 1
    while True:
        sim.advance(60)
        response = requests.get(sim.url + '/api.xro/2.0/Invoices', headers=headers, timeout=300,
                                params={'page': page, 'pageSize': 1000, 'where': 'Type=="ACCREC"'})
        response.raise_for_status()
        invoices = response.json()['Invoices']
        for invoice in invoices:
            in_xero[invoice['InvoiceID'].lower()] = (invoice['Status'], invoice['AmountDue'])
        if len(invoices) < 1000:
            break
        page += 1
    differ = 0
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        links = env['xero.move.link'].search([('organisation_id', '=', org_id), ('move_id', 'in', move_ids)])
        for link in links:
            move = link.move_id
            status, amount_due = in_xero.get(link.xero_id.lower(), (None, None))
            paid = move.payment_state in ('paid', 'in_payment')
            if status is None or (status == 'PAID') != paid or \
                    round(move.amount_residual - amount_due, 2) != 0 or link.xero_status != status:
                differ += 1
                if differ <= 5:
                    log(f'{move.name}: Odoo {move.payment_state} {move.amount_residual} ({link.xero_status}), '
                        f'Xero {status} {amount_due}')
        differ += len(move_ids) - len(links)
    return differ


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--db', required=True)
    parser.add_argument('--odoo', action='append', default=[], metavar='OPTION')
    parser.add_argument('--payments', type=int, default=5000)
    parser.add_argument('--profile', metavar='FILE', help='write a cProfile of the polls here')
    args = parser.parse_args()
    if args.payments < 1:
        parser.error('--payments must be at least 1')

    sim = SimProcess(sys.executable)
    try:
        registry = start_odoo(args.db, args.odoo)
        org_id, taxes, accounts, tenant_id = set_up_organisation(registry, sim.url)
        map_bank_journal(registry, org_id)
        n_invoices = math.ceil(args.payments * 4 / 5)
        move_ids, _seconds = create_documents(registry, n_invoices, max(n_invoices // 10, 1), taxes,
                                              accounts, 250, 19)
        stats = {'virtual_minutes': 0, 'pull_cpu': 0.0}
        install_minute_shim(sim, stats)
        sim.advance(60)
        log(f'pushing {n_invoices} invoices')
        push(registry, org_id)
        log('the poll before the payments')
        poll(registry, org_id, [])

        log(f'making {args.payments} payments in Xero')
        payment_ids, token = pay_in_xero(registry, org_id, sim, tenant_id, move_ids, args.payments)
        install_pull_timer(stats)
        _total, before = call_counts(sim.get('/_sim/counters'), tenant_id)
        runs, longest, cpu = poll(registry, org_id, payment_ids, args.profile)
        _total, after = call_counts(sim.get('/_sim/counters'), tenant_id)

        registered = registered_count(registry, org_id, payment_ids)
        dupes = duplicates(registry, org_id)
        differ = books_differ(registry, org_id, move_ids, sim, tenant_id, token)
        per = max(registered, 1)
        print(f'detail: {n_invoices} invoices, {runs} poll runs, poll CPU {cpu:.1f} s, '
              f'payment pull CPU {stats["pull_cpu"]:.1f} s', flush=True)
        print(f'BENCH pull_payments payments={len(payment_ids)} calls={after - before} '
              f'odoo_ms_per_payment={stats["pull_cpu"] * 1000 / per:.1f} poll_ms_per_payment={cpu * 1000 / per:.1f} '
              f'longest_run_s={longest:.1f} runs={runs} registered={registered} duplicates={dupes} '
              f'books_differ={differ}', flush=True)
        return 0 if registered == len(payment_ids) and not dupes and not differ else 1
    finally:
        sim.stop()


if __name__ == '__main__':
    sys.exit(main())
