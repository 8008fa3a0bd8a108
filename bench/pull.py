"""Pull benchmark: 20,000 Xero contacts into Odoo, 2,000 of them matching existing partners.

    scripts/bench.sh pull [--contacts 20000] [--matching 2000] [--changes 100]

Run through scripts/bench.sh (fresh database with the addon, ``--db`` and the Odoo options).
Like ``bench/push.py`` (whose simulator, Odoo start-up, organisation set-up and minute shim it
reuses), the simulator runs in a subprocess with a virtual clock, so this process's CPU time is
Odoo's and the client's only.

1. Seeds the simulator's NZ organisation with N contacts through Xero's own API (50 a request;
   these calls are made before the measure and not counted), and Odoo with M partners that
   match N's contacts: half by email (in other letter case), half by phone (in another format).
2. First pull: ``xero.contact.pull._pull(org)``, pages of 1,000, committed per page.
3. Changes C contacts in Xero, then runs the incremental pull.
4. Prints ``BENCH pull ...``: calls of each pull, Odoo CPU seconds per 1,000 contacts of the
   first pull, how much the process's peak RSS grew during it (run with --contacts 5000 and
   20000: a pull that streams its pages grows about the same), and the duplicate partners
   (partners sharing a matched email, or two links to one Xero contact; must be 0).
"""
import argparse
import cProfile
import math
import os
import sys
import time
import resource

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _preload import install_minute_shim  # noqa: E402
from push import SimProcess, log, set_up_organisation, start_odoo  # noqa: E402

PAGE_SIZE = 1000


def seed_contacts(sim, tenant_id, token, count):
    """Contacts made in Xero, through its API, 50 a request."""
    headers = {'Authorization': f'Bearer {token}', 'xero-tenant-id': tenant_id, 'Accept': 'application/json'}
    for first in range(0, count, 50):
        # Contacts made over time, as in a real organisation: a second between batches (and a
        # fresh minute every 50 requests, for the simulator's rate limit).
        sim.advance(60 if (first // 50) % 50 == 0 else 1)
        contacts = [{'Name': f'Xero Contact {i:05d}', 'EmailAddress': f'contact{i:05d}@xero.example',
                     'Phones': [{'PhoneType': 'DEFAULT', 'PhoneCountryCode': '64', 'PhoneAreaCode': '9',
                                 'PhoneNumber': f'{5000000 + i}'}]}
                    for i in range(first, min(first + 50, count))]
        response = requests.post(sim.url + '/api.xro/2.0/Contacts', headers=headers, timeout=120,
                                 json={'Contacts': contacts}, params={'summarizeErrors': 'false'})
        response.raise_for_status()
    sim.advance(60)


def change_contacts(sim, tenant_id, token, count):
    headers = {'Authorization': f'Bearer {token}', 'xero-tenant-id': tenant_id, 'Accept': 'application/json'}
    response = requests.get(sim.url + '/api.xro/2.0/Contacts', headers=headers, timeout=120,
                            params={'page': 1, 'pageSize': count, 'order': 'Name ASC',
                                    'where': 'Name.StartsWith("Xero Contact")'})
    response.raise_for_status()
    contacts = response.json()['Contacts'][:count]
    sim.advance(1)
    for first in range(0, len(contacts), 50):
        body = [{'ContactID': c['ContactID'], 'EmailAddress': f'changed.{c["EmailAddress"]}'}
                for c in contacts[first:first + 50]]
        requests.post(sim.url + '/api.xro/2.0/Contacts', headers=headers, timeout=120,
                      json={'Contacts': body}, params={'summarizeErrors': 'false'}).raise_for_status()
    sim.advance(60)
    return len(contacts)


def seed_partners(registry, matching):
    import odoo
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {'tracking_disable': True})
        values = []
        for i in range(matching):
            if i % 2:
                values.append({'name': f'Odoo partner {i:05d}', 'is_company': True,
                               'email': f'CONTACT{i:05d}@XERO.example'})
            else:
                values.append({'name': f'Odoo partner {i:05d}', 'is_company': True,
                               'phone': f'+64 (0)9 {5000000 + i}'})
        for first in range(0, len(values), 500):
            env['res.partner'].create(values[first:first + 500])
        cr.commit()


def calls_of(sim, tenant_id):
    counters = sim.get('/_sim/counters')
    return sum(c['count'] for c in counters['calls'] if c['tenant_id'] == tenant_id)


def peak_rss_mb():
    # ru_maxrss only grows: its growth over a pull is the memory that pull needed at its peak.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pull(registry, org_id, profile_path=None):
    import odoo
    base = peak_rss_mb()
    profiler = cProfile.Profile() if profile_path else None
    cpu = time.process_time()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if profiler:
            profiler.enable()
        counts = env['xero.contact.pull']._pull(env['xero.organisation'].browse(org_id))
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile_path)
        cr.commit()
    cpu = time.process_time() - cpu
    return counts, cpu, peak_rss_mb() - base, peak_rss_mb()


def duplicates(registry, matching):
    """Partners that share one of the matched emails or phones: a contact created twice."""
    with registry.cursor() as cr:
        cr.execute("""SELECT COUNT(*) - COUNT(DISTINCT lower(email)) FROM res_partner
                       WHERE lower(email) LIKE 'contact%%@xero.example' AND parent_id IS NULL""")
        by_email = cr.fetchone()[0]
        cr.execute("""SELECT COUNT(*) FROM (SELECT xero_id FROM xero_partner_link WHERE xero_id IS NOT NULL
                       GROUP BY organisation_id, xero_id HAVING COUNT(*) > 1) twice""")
        twice = cr.fetchone()[0]
    return by_email + twice


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--db', required=True)
    parser.add_argument('--odoo', action='append', default=[], metavar='OPTION')
    parser.add_argument('--contacts', type=int, default=20000)
    parser.add_argument('--matching', type=int, default=2000)
    parser.add_argument('--changes', type=int, default=100)
    parser.add_argument('--profile', metavar='FILE', help='write a cProfile of the first pull here')
    args = parser.parse_args()

    sim = SimProcess(sys.executable)
    try:
        registry = start_odoo(args.db, args.odoo)
        org_id, _taxes, _accounts, tenant_id = set_up_organisation(registry, sim.url)
        import odoo
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            token = env['xero.organisation'].browse(org_id).token_id._get_access_token()
            cr.commit()
        install_minute_shim(sim, {'virtual_minutes': 0})
        log(f'seeding {args.contacts} contacts in Xero and {args.matching} matching partners in Odoo')
        seed_contacts(sim, tenant_id, token, args.contacts)
        seed_partners(registry, args.matching)

        before = calls_of(sim, tenant_id)
        counts, cpu, peak_mb, rss_mb = pull(registry, org_id, args.profile)
        first_calls = calls_of(sim, tenant_id) - before
        total = counts['created'] + counts['matched'] + counts['updated'] + counts['held']
        log(f'first pull: {counts}, {cpu:.1f} s CPU, {first_calls} calls')

        changed = change_contacts(sim, tenant_id, token, args.changes)
        before = calls_of(sim, tenant_id)
        counts2, _cpu2, _growth2, _rss2 = pull(registry, org_id)
        incremental_calls = calls_of(sim, tenant_id) - before
        log(f'incremental pull after {changed} changes: {counts2}, {incremental_calls} calls')

        dupes = duplicates(registry, args.matching)
        contacts_in_xero = args.contacts + 4  # the simulator's own seeded contacts
        target_calls = math.ceil(contacts_in_xero / PAGE_SIZE)
        print(f'BENCH pull contacts={contacts_in_xero} matching={args.matching} '
              f'first_pull_calls={first_calls} first_pull_target={target_calls}+small '
              f'created={counts["created"]} matched={counts["matched"]} held={counts["held"]} '
              f'odoo_s_per_1000={cpu / max(total, 1) * 1000:.2f} peak_rss_growth_mb={peak_mb:.0f} '
              f'peak_rss_mb={rss_mb:.0f} '
              f'incremental_changes={changed} incremental_calls={incremental_calls} '
              f'incremental_updated={counts2["updated"]} duplicate_partners={dupes}', flush=True)
        return 0 if not dupes else 1
    finally:
        sim.stop()


if __name__ == '__main__':
    sys.exit(main())
