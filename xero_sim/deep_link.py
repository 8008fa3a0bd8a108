"""Xero's deep links (``/organisationlogin/default.aspx?shortcode=...&redirecturl=...``): a small
page naming the organisation of the short code and the document the link asks for, so that
"Open in Xero" leads somewhere in the demo and tests can check which organisation it opens."""
import html
from urllib.parse import parse_qs, urlsplit

from .messages import html_response

DEEP_LINK_PATH = '/organisationlogin/default.aspx'

# The id parameter of each document path, and the organisation's collection holding it.
ID_PARAMS = {
    'invoiceid': ('invoices', 'Invoice', 'InvoiceNumber'),
    'creditnoteid': ('credit_notes', 'Credit note', 'CreditNoteNumber'),
    'banktransactionid': ('bank_transactions', 'Bank transaction', 'Reference'),
    'batchpaymentid': ('batch_payments', 'Batch payment', 'Reference'),
    'accountid': ('accounts', 'Account', 'Name'),
}


def _page(status, title, body):
    return html_response(status, '<!doctype html><html><head><meta charset="utf-8"><title>%s</title></head>'
                                 '<body><h1>Xero simulator</h1>%s</body></html>' % (html.escape(title), body))


def _document(org, redirect):
    """(what, id, label) of the document ``redirect`` points at in ``org``; label is None when
    the organisation does not hold it."""
    parts = urlsplit(redirect)
    segments = [s for s in parts.path.split('/') if s]
    if len(segments) >= 3 and segments[0].lower() == 'contacts' and segments[1].lower() == 'view':
        xero_id = segments[2]
        contact = org.contacts.get(xero_id.lower())
        return 'Contact', xero_id, contact and contact.get('Name')
    for name, values in parse_qs(parts.query).items():
        found = ID_PARAMS.get(name.lower())
        if found:
            collection, what, label_key = found
            xero_id = values[0]
            record = getattr(org, collection, {}).get(xero_id.lower())
            label = (record.get(label_key) or record.get('Reference') or xero_id) if record else None
            return what, xero_id, label
    return None, None, None


def deep_link(sim, req):
    query = req.query_lists
    short_code = (query.get('shortcode') or [''])[0]
    redirect = (query.get('redirecturl') or [''])[0]
    org = next((o for o in sim.organisations if o.short_code == short_code), None)
    if org is None:
        return _page(404, 'Unknown organisation',
                     '<p>No organisation has the short code <b>%s</b>.</p>' % html.escape(short_code))
    what, xero_id, label = _document(org, redirect)
    if what is None:
        document = '<p>The organisation\'s home page (%s).</p>' % html.escape(redirect or '/')
    elif label is None:
        document = '<p id="document">%s <code>%s</code> is not in this organisation.</p>' % (
            html.escape(what), html.escape(xero_id))
    else:
        document = '<p id="document">%s <b>%s</b> (<code>%s</code>)</p>' % (
            html.escape(what), html.escape(str(label)), html.escape(xero_id))
    return _page(200, '%s - Xero simulator' % org.name,
                 '<h2 id="organisation">%s</h2><p>Short code %s</p>%s' % (
                     html.escape(org.name), html.escape(org.short_code), document))
