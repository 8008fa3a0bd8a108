"""Difference report benchmark: one comparison of an organisation's books, Odoo against Xero.

    scripts/bench.sh compare [--documents 10000] [--contacts 2000] [--each 25] [--seed 18]

Run through scripts/bench.sh (a fresh database with the addon installed; it passes ``--db`` and
the Odoo options). This script bootstraps Odoo itself (real registry, real commits) and:

1. starts the Xero simulator in this process on a virtual clock, connects the NZ organisation
   with the push benchmark's set-up (taxes, accounts, every auto-sync switch on) and maps the bank
   journal to Xero's 090;
2. through the real engine (set-up, not measured): one customer, ``2 * each + 1`` invoices of
   115.00 (100 + 15 % GST), ``2 * each`` of them paid in Odoo, pushed with
   ``xero.sync.engine._push_organisation``: Xero then holds the contact, the invoices and the
   payments, made by the addon itself;
3. in bulk (set-up, not measured), copies of those rows: ``contacts`` customers (SQL copies of
   the pushed customer, its link copied with a new ContactID, the simulator's contact copied
   under that id) and invoices up to ``documents`` (SQL copies of the unpaid pushed invoice, its
   lines, their taxes and tags and its link, each with its own number, customer and InvoiceID;
   the simulator's invoice copied with the same number, contact and id);
4. seeds ``each`` differences of each kind, chosen with ``random.Random(seed)`` on distinct
   records: invoices voided in Xero, payments deleted in Xero (through Xero's API), documents
   edited in Xero (the date moved back 3 days), contact balances changed in Xero (the contact's
   ``Balances``, which the simulator computes from its documents, moved by 10.00 with its
   ``_BalanceAdjust``),
   documents only in Odoo (synced in Odoo, gone from Xero), documents only in Xero (made in Xero,
   never pulled);
5. runs ``env['xero.difference']._compare(organisation)`` once, timed, and prints one
   ``BENCH compare ...`` line (the last line of output).

Measures
--------
- ``records``: what ``_compare`` says it read; ``calls``: the requests the simulator received
  during the comparison (its request log, not ``_compare``'s own count, which is printed in the
  detail line); ``calls_per_1000`` = calls / records * 1000; ``target`` = ceil(records / 1000) + 1.
- ``seeded``: the differences seeded (6 kinds × ``each``); ``found``: seeded differences with an
  open ``xero.difference`` row naming their record (by Odoo id or Xero id); ``missed``: the rest;
  ``extra``: open rows naming no seeded record and no record a seed affects by construction (the
  customer of a voided, edited, removed or added invoice or of a deleted payment, whose
  outstanding balance then differs too, and the invoice of a deleted payment, whose amount due
  differs); ``consequential`` counts those.
- ``odoo_seconds``: CPU time of this process's main thread during the comparison (Odoo and the
  Xero client; the simulator serves from its own threads, so its time is not in it);
  ``wall_seconds`` the wall time.
"""
import argparse
import copy
import datetime
import math
import os
import random
import sys
import time
from collections import Counter

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from migrate import use_virtual_clock  # noqa: E402
from push import log, set_up_organisation, start_odoo  # noqa: E402

CONTACT_ID = '{:08x}-0000-4000-8000-00000000c0de'
INVOICE_ID = '{:08x}-1111-4000-8000-00000000c0de'
EXTRA_ID = '{:08x}-2222-4000-8000-00000000c0de'
KINDS = ('voided', 'payment_deleted', 'edited', 'balance', 'only_odoo', 'only_xero')


def env_of(cr, context=None):
    import odoo
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, context or {})


def map_bank_journal(env, org):
    Journal = env['account.journal']
    bank = Journal.search([*Journal._check_company_domain(env.company), ('type', '=', 'bank')], limit=1)
    values = {'xero_account_id': org.xero_account_ids.filtered(lambda a: a.code == '090').id}
    mapping = org.journal_mapping_ids.filtered(lambda m: m.journal_id == bank)
    mapping.write(values) if mapping else env['xero.journal.mapping'].create(
        dict(values, organisation_id=org.id, journal_id=bank.id))
    return bank


def push_real(registry, org_id, taxes, accounts, paid):
    """The template rows, made and pushed by the addon itself."""
    from odoo import Command, fields
    ctx = {'tracking_disable': True, 'mail_create_nolog': True, 'mail_notrack': True}
    with registry.cursor() as cr:
        env = env_of(cr, ctx)
        org = env['xero.organisation'].browse(org_id)
        bank = map_bank_journal(env, org)
        partner = env['res.partner'].create({'name': 'Compare Customer 0', 'is_company': True,
                                             'email': 'ap0@compare.example', 'ref': 'CMP0'})
        today = fields.Date.context_today(partner)
        moves = env['account.move'].create([{
            'move_type': 'out_invoice', 'invoice_date': today, 'partner_id': partner.id,
            'invoice_line_ids': [Command.create({'name': f'Service {n}', 'price_unit': 100, 'quantity': 1,
                                                 'account_id': accounts['income'],
                                                 'tax_ids': [Command.set([taxes['sale']])]})],
        } for n in range(paid + 1)])
        moves.action_post()
        paid_moves = moves[:paid]
        payments = env['account.payment.register'].with_context(
            active_model='account.move', active_ids=paid_moves.ids,
        ).create({'group_payment': False, 'journal_id': bank.id})._create_payments()
        cr.commit()
        for _attempt in range(6):
            env['xero.sync.engine']._push_organisation(org)
            cr.commit()
            pending = [model for model in ('xero.partner.link', 'xero.move.link', 'xero.payment.link')
                       if env[model].search_count([('organisation_id', '=', org_id),
                                                   ('sync_state', '!=', 'synced')])]
            if not pending:
                break
        else:
            raise RuntimeError(f'the push left links unsynced: {pending}')
        Link = env['xero.move.link']
        links = Link.search([('organisation_id', '=', org_id), ('move_id', 'in', moves.ids)])
        pay_links = env['xero.payment.link'].search([('organisation_id', '=', org_id),
                                                     ('payment_id', 'in', payments.ids)])
        if len(links) != len(moves) or len(pay_links) != len(payments):
            raise RuntimeError(f'pushed {len(links)}/{len(moves)} invoices, {len(pay_links)}/{len(payments)} payments')
        partner_link = env['xero.partner.link'].search([('organisation_id', '=', org_id),
                                                        ('partner_id', '=', partner.id)])
        template = moves[-1]
        template_link = links.filtered(lambda link: link.move_id == template)
        return {
            'partner_id': partner.id, 'partner_link_id': partner_link.id, 'contact_xero_id': partner_link.xero_id,
            'template_move_id': template.id, 'template_link_id': template_link.id,
            'template_xero_id': template_link.xero_id,
            'paid_move_ids': paid_moves.ids,
            'payments': [(link.payment_id.id, link.xero_id, link.move_id.id) for link in pay_links],
            'move_xero_ids': {link.move_id.id: link.xero_id for link in links},
        }


def columns(cr, table):
    cr.execute("""SELECT column_name FROM information_schema.columns
                   WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position""", (table,))
    return [row[0] for row in cr.fetchall()]


def copy_rows(cr, table, template_id, count, overrides, returning='id'):
    """``count`` copies of one row, columns in ``overrides`` replaced by SQL expressions of n
    (1..count) and t (the template row). Returns the rows of ``returning``."""
    cols = columns(cr, table)
    exprs = [overrides.get(col, f't."{col}"') for col in cols]
    cr.execute(f"""INSERT INTO "{table}" ({', '.join(f'"{c}"' for c in cols)})
                   SELECT {', '.join(exprs)} FROM "{table}" t, generate_series(1, %s) n WHERE t.id = %s
                   RETURNING {returning}""", (count, template_id))
    return cr.fetchall()


def seed_bulk(registry, sim, tenant_id, real, n_contacts, n_documents):
    """SQL copies of the pushed rows in Odoo, dict copies of their Xero objects in the simulator."""
    start = time.perf_counter()
    n_copies = n_documents - len(real['paid_move_ids']) - 1
    with registry.cursor() as cr:
        pid = real['partner_id']
        copy_rows(cr, 'res_partner', pid, n_contacts, {
            'name': "'Compare Customer ' || n", 'complete_name': "'Compare Customer ' || n",
            'ref': "'CMP' || n", 'email': "'ap' || n || '@compare.example'",
            'email_normalized': "'ap' || n || '@compare.example'", 'commercial_partner_id': 'NULL'})
        cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE ref LIKE 'CMP%%' AND id != %s", (pid,))
        cr.execute("SELECT id, substr(ref, 4)::int FROM res_partner WHERE ref LIKE 'CMP%%' AND id != %s", (pid,))
        partner_of = {n: partner for partner, n in cr.fetchall()}
        copy_rows(cr, 'xero_partner_link', real['partner_link_id'], n_contacts, {
            'partner_id': "(SELECT id FROM res_partner WHERE ref = 'CMP' || n)",
            'xero_id': f"lpad(to_hex(n), 8, '0') || '{CONTACT_ID.split('}')[1]}'", 'xero_number': 'NULL'})
        # Invoices: invoice n belongs to customer 1 + (n - 1) % contacts.
        cr.execute("CREATE TEMP TABLE cmp_partner AS SELECT n, (SELECT id FROM res_partner WHERE ref = 'CMP' || "
                   "(1 + (n - 1) %% %s)) AS partner_id FROM generate_series(1, %s) n", (n_contacts, n_copies))
        cr.execute("CREATE UNIQUE INDEX ON cmp_partner (n)")
        partner_expr = '(SELECT partner_id FROM cmp_partner p WHERE p.n = n.n)'
        copy_rows(cr, 'account_move', real['template_move_id'], n_copies, {
            'name': "'INV/CMP/' || lpad(n::text, 6, '0')", 'sequence_prefix': "'INV/CMP/'", 'sequence_number': 'n',
            'payment_reference': "'INV/CMP/' || lpad(n::text, 6, '0')",
            'partner_id': partner_expr, 'commercial_partner_id': partner_expr,
            'invoice_partner_display_name': "'Compare Customer ' || (1 + (n - 1) %% " + str(n_contacts) + ')'})
        cr.execute("CREATE TEMP TABLE cmp_move AS SELECT id AS move_id, substr(name, 9)::int AS n, partner_id "
                   "FROM account_move WHERE name LIKE 'INV/CMP/%%'")
        cr.execute("CREATE UNIQUE INDEX ON cmp_move (n)")
        cr.execute("SELECT id FROM account_move_line WHERE move_id = %s", (real['template_move_id'],))
        line_cols = columns(cr, 'account_move_line')
        for (line_id,) in cr.fetchall():
            overrides = {'move_id': 'm.move_id', 'partner_id': 'm.partner_id',
                         'move_name': "'INV/CMP/' || lpad(m.n::text, 6, '0')"}
            exprs = [overrides.get(col, f't."{col}"') for col in line_cols]
            cr.execute(f"""
                WITH new AS (
                    INSERT INTO account_move_line ({', '.join(f'"{c}"' for c in line_cols)})
                    SELECT {', '.join(exprs)} FROM account_move_line t, cmp_move m WHERE t.id = %s
                    RETURNING id),
                taxes AS (INSERT INTO account_move_line_account_tax_rel (account_move_line_id, account_tax_id)
                          SELECT new.id, r.account_tax_id FROM new, account_move_line_account_tax_rel r
                           WHERE r.account_move_line_id = %s)
                INSERT INTO account_account_tag_account_move_line_rel (account_move_line_id, account_account_tag_id)
                SELECT new.id, r.account_account_tag_id FROM new, account_account_tag_account_move_line_rel r
                 WHERE r.account_move_line_id = %s""", (line_id, line_id, line_id))
        link_cols = columns(cr, 'xero_move_link')
        overrides = {'move_id': 'm.move_id', 'xero_id': f"lpad(to_hex(m.n), 8, '0') || '{INVOICE_ID.split('}')[1]}'",
                     'xero_number': "'INV/CMP/' || lpad(m.n::text, 6, '0')"}
        cr.execute(f"""INSERT INTO xero_move_link ({', '.join(f'"{c}"' for c in link_cols)})
                       SELECT {', '.join(overrides.get(c, f't."{c}"') for c in link_cols)}
                         FROM xero_move_link t, cmp_move m WHERE t.id = %s""", (real['template_link_id'],))
        cr.execute("SELECT n, move_id FROM cmp_move")
        move_of = dict(cr.fetchall())
        cr.commit()
    log(f'Odoo: {n_contacts} customers, {n_copies} invoices copied with their links '
        f'({time.perf_counter() - start:.1f} s)')

    org = sim.organisation(tenant_id)
    with sim.lock:
        template_contact = org.contacts[real['contact_xero_id']]
        template_invoice = org.invoices[real['template_xero_id']]
        for n in range(1, n_contacts + 1):
            contact = copy.deepcopy(template_contact)
            contact.pop('ContactNumber', None)
            contact.update(ContactID=CONTACT_ID.format(n), Name=f'Compare Customer {n}',
                           EmailAddress=f'ap{n}@compare.example', AccountNumber=f'CMP{n}')
            org.contacts[contact['ContactID']] = contact
        for n in range(1, n_copies + 1):
            invoice = copy.deepcopy(template_invoice)
            number = f'INV/CMP/{n:06d}'
            for key in ('InvoiceNumber', 'Reference'):
                if invoice.get(key) == template_invoice.get('InvoiceNumber'):
                    invoice[key] = number
            invoice.update(InvoiceID=INVOICE_ID.format(n), InvoiceNumber=number,
                           Contact={'ContactID': CONTACT_ID.format(1 + (n - 1) % n_contacts)})
            org.invoices[invoice['InvoiceID']] = invoice
    log(f'simulator: {n_contacts} contacts, {n_copies} invoices')
    move_xero = dict(real['move_xero_ids'])
    move_xero.update({move_of[n]: INVOICE_ID.format(n) for n in move_of})
    contact_of_move = {move_of[n]: (partner_of[1 + (n - 1) % n_contacts], CONTACT_ID.format(1 + (n - 1) % n_contacts))
                       for n in move_of}
    return move_xero, contact_of_move, partner_of


def seed_differences(registry, sim, tenant_id, org_id, real, move_xero, contact_of_move, partner_of, each, seed):
    """``each`` differences of each kind, on distinct records; returns what they name."""
    rng = random.Random(seed)
    org = sim.organisation(tenant_id)
    bulk = sorted(contact_of_move)
    picked = rng.sample(bulk, 4 * each)
    voided, edited, only_odoo, extra_contacts = (picked[i * each:(i + 1) * each] for i in range(4))
    payments = rng.sample(real['payments'], each)
    seeded = {kind: [] for kind in KINDS}   # kind -> [(res_model, res_id, xero_id)]
    affected = set()                         # (res_model, res_id) and xero ids a seed changes too

    with registry.cursor() as cr:
        token = env_of(cr)['xero.organisation'].browse(org_id).token_id._get_access_token()
    headers = {'Authorization': f'Bearer {token}', 'xero-tenant-id': tenant_id, 'Accept': 'application/json'}
    for payment_id, xero_id, move_id in payments:
        sim.clock.advance(1)
        response = requests.post(f'{sim.url}/api.xro/2.0/Payments/{xero_id}', headers=headers, timeout=60,
                                 json={'Payments': [{'Status': 'DELETED'}]})
        response.raise_for_status()
        seeded['payment_deleted'].append(('account.payment', payment_id, xero_id))
        affected.update({('account.move', move_id), move_xero[move_id],
                         ('res.partner', real['partner_id']), real['contact_xero_id']})

    def touch(doc):
        doc['UpdatedDateUTC'] = sim.clock.now()

    with sim.lock:
        for move_id in voided:
            doc = org.invoices[move_xero[move_id]]
            doc.update(Status='VOIDED', AmountDue=0.0)
            touch(doc)
            seeded['voided'].append(('account.move', move_id, move_xero[move_id]))
        for move_id in edited:
            doc = org.invoices[move_xero[move_id]]
            doc['Date'] = doc['Date'] - datetime.timedelta(days=3)
            touch(doc)
            seeded['edited'].append(('account.move', move_id, move_xero[move_id]))
        for move_id in only_odoo:
            del org.invoices[move_xero[move_id]]
            seeded['only_odoo'].append(('account.move', move_id, move_xero[move_id]))
        template = org.invoices[real['template_xero_id']]
        for n, move_id in enumerate(extra_contacts, start=1):
            partner_id, contact_id = contact_of_move[move_id]
            doc = copy.deepcopy(template)
            doc.update(InvoiceID=EXTRA_ID.format(n), InvoiceNumber=f'INV-X-{n:05d}', Reference='',
                       Contact={'ContactID': contact_id})
            touch(doc)
            org.invoices[doc['InvoiceID']] = doc
            seeded['only_xero'].append((None, None, doc['InvoiceID']))
            affected.update({('res.partner', partner_id), contact_id})
        for move_id in (*voided, *only_odoo):
            affected.update({('res.partner', contact_of_move[move_id][0]), contact_of_move[move_id][1]})
        # Contact balances: customers with no other seed, their Xero balance off by 10.00.
        touched = {partner for partner, _contact in (contact_of_move[m] for m in picked)}
        free = sorted(p for p in partner_of.items() if p[1] not in touched)
        for n, partner_id in rng.sample(free, each):
            contact = org.contacts[CONTACT_ID.format(n)]
            contact['_BalanceAdjust'] = {'AR': 10.0}  # the simulator's own knob (e.g. a conversion balance)
            touch(contact)
            seeded['balance'].append(('res.partner', partner_id, CONTACT_ID.format(n)))
    return seeded, affected


def score(registry, org_id, seeded, affected):
    with registry.cursor() as cr:
        env = env_of(cr)
        rows = env['xero.difference'].search_read(
            [('organisation_id', '=', org_id), ('state', '=', 'open')],
            ['kind', 'res_model', 'res_id', 'xero_id', 'field_label'])
    by_key = {}
    for row in rows:
        keys = {(row['res_model'], row['res_id'])} if row['res_model'] and row['res_id'] else set()
        if row['xero_id']:
            keys.add(row['xero_id'].lower())
        row['keys'] = keys
        for key in keys:
            by_key.setdefault(key, []).append(row)
    found, missed, matched = Counter(), Counter(), set()
    for kind, items in seeded.items():
        for res_model, res_id, xero_id in items:
            hits = by_key.get((res_model, res_id), []) + by_key.get(xero_id.lower(), [])
            if hits:
                found[kind] += 1
                matched.update(id(row) for row in hits)
            else:
                missed[kind] += 1
    affected = {key.lower() if isinstance(key, str) else key for key in affected}
    rest = [row for row in rows if id(row) not in matched]
    consequential = [row for row in rest if row['keys'] & affected]
    extra = [row for row in rest if not row['keys'] & affected]
    return rows, found, missed, consequential, extra


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--db', required=True, help='database with xero_integration installed')
    parser.add_argument('--odoo', action='append', default=[], metavar='OPTION',
                        help='an Odoo command-line option, e.g. --odoo=--db_host=127.0.0.1 (repeatable)')
    parser.add_argument('--documents', type=int, default=10000, help='synced documents')
    parser.add_argument('--contacts', type=int, default=2000, help='synced contacts')
    parser.add_argument('--each', type=int, default=None,
                        help='differences seeded of each kind (default 25, fewer on small sizes)')
    parser.add_argument('--seed', type=int, default=18, help='seed of the choice of records')
    args = parser.parse_args()
    if args.each is None:
        args.each = max(1, min(25, args.contacts // 8, args.documents // 20))
    if args.each < 1 or args.contacts < 5 * args.each or args.documents < 7 * args.each + 1:
        parser.error('need --each >= 1, --contacts >= 5 * each and --documents >= 7 * each + 1')

    registry = start_odoo(args.db, args.odoo)
    from odoo.addons.xero_integration.xero_sim import XeroSimulator

    sim = XeroSimulator(port=0, virtual_clock=True).start()
    try:
        use_virtual_clock(registry, sim)
        org_id, taxes, accounts, tenant_id = set_up_organisation(registry, sim.url)
        start = time.perf_counter()
        real = push_real(registry, org_id, taxes, accounts, 2 * args.each)
        log(f'pushed {2 * args.each + 1} invoices and {2 * args.each} payments through the engine '
            f'({time.perf_counter() - start:.1f} s)')
        # The pushed customer is one of the contacts.
        move_xero, contact_of_move, partner_of = seed_bulk(
            registry, sim, tenant_id, real, args.contacts - 1, args.documents)
        seeded, affected = seed_differences(registry, sim, tenant_id, org_id, real, move_xero, contact_of_move,
                                            partner_of, args.each, args.seed)
        sim.clock.advance(120)  # the set-up's calls are in another minute
        if 'xero.difference' not in registry:
            log('seeded; this branch has no xero.difference model: nothing to compare')
            print(f'BENCH compare error=no_xero_difference_model seeded={sum(map(len, seeded.values()))}', flush=True)
            return 1
        first_request = len(sim.requests)
        before = sim.counters.count(tenant_id=tenant_id)

        log(f'comparing {args.documents} documents and {args.contacts} contacts')
        wall, cpu = time.perf_counter(), time.thread_time()
        with registry.cursor() as cr:
            env = env_of(cr)
            counts = env['xero.difference']._compare(env['xero.organisation'].browse(org_id))
            cr.commit()
        odoo_s, wall_s = time.thread_time() - cpu, time.perf_counter() - wall
        calls = sim.counters.count(tenant_id=tenant_id) - before
        per_endpoint = Counter(f'{req.method} {req.path.split("/api.xro/2.0/")[-1].split("/")[0]}'
                               for req in sim.requests[first_request:])
        rows, found, missed, consequential, extra = score(registry, org_id, seeded, affected)
    finally:
        sim.stop()

    records = int((counts or {}).get('records') or 0)
    n_seeded = sum(len(items) for items in seeded.values())
    target = math.ceil(records / 1000) + 1
    per_1000 = calls / records * 1000 if records else 0.0
    print(f'detail: _compare returned {counts}; requests by endpoint {dict(per_endpoint)}; '
          f'open rows {len(rows)} by kind {dict(Counter(r["kind"] for r in rows))}; '
          f'found by seed {dict(found)}; missed by seed {dict(missed)}; '
          f'extra rows {[(r["kind"], r["res_model"], r["res_id"], r["xero_id"], r["field_label"]) for r in extra[:10]]}'
          f'{" ..." if len(extra) > 10 else ""}; wall {wall_s:.1f} s', flush=True)
    ok = calls <= target and not sum(missed.values()) and not extra
    print(f'BENCH compare organisations=1 documents={args.documents} contacts={args.contacts} records={records} '
          f'calls={calls} calls_per_1000={per_1000:.2f} calls_target={target} seeded={n_seeded} '
          f'found={sum(found.values())} missed={sum(missed.values())} extra={len(extra)} '
          f'consequential={len(consequential)} odoo_seconds={odoo_s:.1f} wall_seconds={wall_s:.1f} ok={int(ok)}',
          flush=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
