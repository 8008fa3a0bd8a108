"""Client-layer benchmark: the cost of one Xero call through xero_client and the real SDK,
against the local simulator over loopback.

    python bench/bench_client.py [--calls 300] [--contacts 2000]

Prints, for reads and for batched writes of 50 contacts (the addon's batch size): requests per
second, latency p50/p95, elements per second, and the process's peak memory. Run from the
repository root with the project's virtualenv (scripts/test.sh builds it). No Odoo involved: this
is the floor under every sync the addon does.
"""
import argparse
import os
import resource
import statistics
import sys
import time
from urllib.parse import parse_qs, urlsplit

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from xero_client import OAuthClient, XeroApi, authorize_url, make_pkce_pair  # noqa: E402
from xero_sim import XeroSimulator  # noqa: E402
from xero_sim.seed import NZ_TENANT_ID  # noqa: E402

BATCH = 50


def connect(sim):
    verifier, challenge = make_pkce_pair()
    redirect = 'http://localhost/cb'
    url = authorize_url(sim.url, 'demo-client-id', redirect, 'openid offline_access', 's', challenge)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(sim.url + '/identity/connect/authorize', data=dict(query, decision='allow'),
                           allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(answer.headers['Location']).query)['code'][0]
    return OAuthClient(sim.url, 'demo-client-id', 'demo-client-secret').exchange_code(code, redirect, verifier)


def timed(fn, count):
    latencies = []
    for i in range(count):
        start = time.perf_counter()
        fn(i)
        latencies.append(time.perf_counter() - start)
    return latencies


def report(label, latencies, elements_per_call=1):
    total = sum(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else max(latencies)
    print(f'{label:<28} {len(latencies):>6} requests  {len(latencies) / total:>8.1f} req/s  '
          f'p50 {statistics.median(latencies) * 1000:>6.1f} ms  p95 {p95 * 1000:>6.1f} ms  '
          f'{len(latencies) * elements_per_call / total:>8.1f} elements/s')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--calls', type=int, default=300, help='read requests to time')
    parser.add_argument('--contacts', type=int, default=2000, help='contacts to create in batches of 50')
    args = parser.parse_args()

    # Limits out of the way: this measures the client, not Xero's budget.
    sim = XeroSimulator(port=0, rate_limits={'minute': 10**9, 'day': 10**9, 'app_minute': 10**9,
                                             'concurrent': 100}).start()
    try:
        token = connect(sim)
        api = XeroApi(sim.url, token['access_token'], tenant_id=NZ_TENANT_ID)
        api.organisation()  # warm up the connection pool

        report('GET Organisation', timed(lambda i: api.organisation(), args.calls))

        def write(i):
            contacts = [{'name': f'Bench contact {i}-{j}', 'contact_number': f'B{i}-{j}',
                         'email_address': f'bench{i}.{j}@example.com'} for j in range(BATCH)]
            api.save_contacts(contacts, f'bench-contacts-{i}')
        batches = max(1, args.contacts // BATCH)
        report(f'PUT Contacts x{BATCH}', timed(write, batches), BATCH)

        report('GET Contacts page (100)', timed(
            lambda i: api.pull_contacts(page=1 + i % max(1, batches // 2), page_size=100),
            min(args.calls, 100)), 100)
    finally:
        sim.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'peak RSS of this process (client + in-process simulator): {peak_mb:.0f} MB')


if __name__ == '__main__':
    main()
