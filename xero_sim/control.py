"""Out-of-process control API under /_sim/ (demos, benchmarks) and the
read-only HTML overview of what arrived in "Xero"."""
import datetime as dt
import html

from .messages import html_response, json_response
from .util import loads


def _json_body(req):
    if not req.body:
        return {}
    try:
        data = loads(req.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def handle(sim, req):
    path = req.path.rstrip('/').lower()
    method = req.method
    body = _json_body(req) if method in ('POST', 'PUT') else {}
    if body is None:
        return json_response(400, {'error': 'JSON object body expected'})
    try:
        if path == '/_sim' and method == 'GET':
            return html_response(200, overview(sim))
        if path == '/_sim/reset' and method == 'POST':
            sim.reset()
            return json_response(200, {'ok': True})
        if path == '/_sim/counters' and method == 'GET':
            return json_response(200, sim.counters.as_dict())
        if path == '/_sim/duplicates' and method == 'GET':
            kinds = [k for k in (req.query.get('kinds') or '').split(',') if k] or None
            cancelled = (req.query.get('include_cancelled') or 'true').lower() != 'false'
            return json_response(200, [
                {'tenant_id': o.tenant_id, 'name': o.name,
                 'count': sim.duplicates(o.tenant_id, kinds, cancelled),
                 'groups': sim.duplicate_groups(o.tenant_id, kinds, cancelled)}
                for o in sim.organisations])
        if path == '/_sim/organisations' and method == 'GET':
            return json_response(200, [o.summary() for o in sim.organisations])
        if path == '/_sim/faults':
            if method == 'POST':
                fault = sim.faults.add(**body)
                return json_response(200, fault.as_dict())
            if method == 'DELETE':
                sim.faults.clear()
                return json_response(200, {'ok': True})
            if method == 'GET':
                return json_response(200, [f.as_dict() for f in sim.faults])
        if path == '/_sim/clients' and method == 'POST':
            sim.add_client(body['client_id'], body['client_secret'],
                           body.get('redirect_uris'))
            return json_response(200, {'ok': True})
        if path == '/_sim/clock/advance' and method == 'POST':
            now = sim.clock.advance(float(body.get('seconds', 0)))
            return json_response(200, {'now': now.isoformat()})
        if path == '/_sim/rate-limits' and method == 'POST':
            sim.set_rate_limits(**body)
            return json_response(200, sim.ratelimiter.limits)
        if path == '/_sim/idempotency':
            if method == 'POST':
                sim.set_idempotency_retention(body['retention'])
            if method in ('GET', 'POST'):
                return json_response(200, {'retention': sim.idempotency_retention_seconds})
        if path == '/_sim/lock-dates' and method == 'POST':
            sim.set_lock_dates(body['tenant_id'], _date(body.get('period')),
                               _date(body.get('end_of_year')))
            return json_response(200, {'ok': True})
        if path == '/_sim/users/role' and method == 'POST':
            sim.set_user_role(body['tenant_id'], body['role'], body.get('email'))
            return json_response(200, {'ok': True})
        if path == '/_sim/tokens/invalidate-refresh' and method == 'POST':
            sim.invalidate_refresh_tokens()
            return json_response(200, {'ok': True})
        if path == '/_sim/tokens/expire-access' and method == 'POST':
            sim.expire_access_tokens()
            return json_response(200, {'ok': True})
        if path == '/_sim/webhooks/configure' and method == 'POST':
            sim.configure_webhooks(body['url'], body['key'])
            return json_response(200, {'ok': True})
        if path == '/_sim/webhooks/intent' and method == 'POST':
            ok = sim.send_intent_to_receive()
            return json_response(200, {'ok': ok, 'detail': sim.webhooks.last_intent})
        if path == '/_sim/webhooks/send' and method == 'POST':
            record = sim.send_webhook_events(body.get('events', []), wait=True)
            return json_response(200, {'status': record['status'], 'error': record['error']})
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        return json_response(400, {'error': '%s: %s' % (type(exc).__name__, exc)})
    return json_response(404, {'error': 'unknown control endpoint %s %s' % (method, req.path)})


def _table(title, rows, columns):
    head = ''.join('<th>%s</th>' % html.escape(c) for c in columns)
    body = ''.join('<tr>%s</tr>' % ''.join(
        '<td>%s</td>' % html.escape('' if row.get(c) is None else str(row.get(c)))
        for c in columns) for row in rows)
    return ('<h3>%s (%d)</h3><table border="1" cellpadding="3"><tr>%s</tr>%s</table>'
            % (html.escape(title), len(rows), head, body))


def _from(obj):
    """Who sent a record: the Client ID of the app that created it through the API (in the demo,
    Odoo's), or nothing for the simulator's own seed data."""
    client = obj.get('_client')
    return ('\u2605 ' + client) if client else ''


def _contact(org, doc):
    """The contact's name: a document an app created may carry only the ContactID."""
    contact = doc.get('Contact') or {}
    stored = org.contacts.get(str(contact.get('ContactID') or '').lower()) or {}
    return contact.get('Name') or stored.get('Name')


def overview(sim):
    parts = ['<!doctype html><html><head><meta charset="utf-8">'
             '<title>Xero simulator</title></head><body><h1>Xero simulator</h1>'
             '<p>Read-only view. Counters: <a href="/_sim/counters">/_sim/counters</a></p>'
             '<p>Rows marked \u2605 in the <b>From</b> column arrived through the API, with the '
             'Client ID of the app that sent them (in the demo: Odoo). The others are the '
             "simulator's own demo data.</p>"]
    with sim.lock:
        for org in sim.organisations:
            parts.append('<h2>%s <small>(%s, %s)</small></h2>' % (
                html.escape(org.name), org.base_currency, org.tenant_id))
            contacts = [dict(c, Email=c.get('EmailAddress'), From=_from(c)) for c in org.contacts.values()]
            parts.append(_table('Contacts', contacts,
                                ['From', 'Name', 'ContactNumber', 'Email', 'ContactStatus',
                                 'IsCustomer', 'IsSupplier']))
            items = [dict(i, From=_from(i), Sale=(i.get('SalesDetails') or {}).get('UnitPrice'),
                          Purchase=(i.get('PurchaseDetails') or {}).get('UnitPrice'))
                     for i in org.items.values()]
            parts.append(_table('Items', items, ['From', 'Code', 'Name', 'IsSold', 'IsPurchased',
                                                 'Sale', 'Purchase']))
            docs = [dict(i, Contact=_contact(org, i), From=_from(i),
                         Lines=len(i.get('LineItems') or ())) for i in org.invoices.values()]
            parts.append(_table('Invoices and bills', docs,
                                ['From', 'Type', 'InvoiceNumber', 'Reference', 'Contact', 'Status',
                                 'CurrencyCode', 'Lines', 'Total', 'AmountDue']))
            notes = [dict(i, Contact=_contact(org, i), From=_from(i),
                          Lines=len(i.get('LineItems') or ()))
                     for i in org.credit_notes.values()]
            parts.append(_table('Credit notes', notes,
                                ['From', 'Type', 'CreditNoteNumber', 'Contact', 'Status', 'Lines',
                                 'Total', 'RemainingCredit']))
            allocations = [dict(a, From=_from(a), CreditNote=note.get('CreditNoteNumber'),
                                Invoice=(a.get('Invoice') or {}).get('InvoiceNumber'))
                           for note in org.credit_notes.values() for a in note.get('Allocations') or ()]
            parts.append(_table('Credit note allocations', allocations,
                                ['From', 'Date', 'CreditNote', 'Invoice', 'Amount']))
            pays = [dict(p, Document=(p.get('Invoice') or p.get('CreditNote') or {}).get(
                'InvoiceNumber') or (p.get('CreditNote') or {}).get('CreditNoteNumber'),
                Account=p['Account'].get('Code'), From=_from(p)) for p in org.payments.values()]
            parts.append(_table('Payments', pays,
                                ['From', 'Date', 'Document', 'Account', 'Amount', 'Reference',
                                 'Status']))
            bank = [dict(b, Account=b['BankAccount'].get('Code'),
                         Contact=_contact(org, b), From=_from(b))
                    for b in org.bank_transactions.values()]
            parts.append(_table('Bank transactions', bank,
                                ['From', 'Type', 'Date', 'Account', 'Contact', 'Reference', 'Total',
                                 'IsReconciled', 'Status']))
    parts.append('</body></html>')
    return ''.join(parts)
