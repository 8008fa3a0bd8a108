"""python -m xero_sim --port 8070 [--host 127.0.0.1] [--virtual-clock]
[--webhook-url URL --webhook-key KEY]"""
import argparse
import sys

from .simulator import XeroSimulator


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m xero_sim',
                                     description='Local Xero API simulator')
    parser.add_argument('--port', type=int, default=8070)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--virtual-clock', action='store_true')
    parser.add_argument('--webhook-url')
    parser.add_argument('--webhook-key')
    parser.add_argument('--client', action='append', default=[], metavar='ID:SECRET',
                        help='extra OAuth client (repeatable)')
    args = parser.parse_args(argv)
    sim = XeroSimulator(port=args.port, host=args.host, virtual_clock=args.virtual_clock)
    for pair in args.client:
        cid, _, secret = pair.partition(':')
        sim.add_client(cid, secret)
    if args.webhook_url:
        if not args.webhook_key:
            parser.error('--webhook-url needs --webhook-key')
        sim.configure_webhooks(args.webhook_url, args.webhook_key)

    def ready(sim):
        print(sim.url, flush=True)
        for org in sim.organisations:
            print('  tenant %s  %s (%s)' % (org.tenant_id, org.name, org.base_currency),
                  flush=True)

    try:
        sim.serve_forever(ready)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
