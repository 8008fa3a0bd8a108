"""Webhooks: signature, intent to receive, events on changes, manual sends,
failures recorded without hurting the server."""
import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from xero_python.accounting import Contact, Contacts, CreditNotes

from xero_sim.tests import helpers
from xero_sim.tests.test_invoices import create, invoice, line
from xero_sim.tests.test_payments import credit_note

KEY = 'webhook-signing-key-from-the-developer-portal'


class Receiver:
    """A tiny webhook endpoint that checks x-xero-signature like an app must."""

    def __init__(self, key=KEY, always=None):
        self.key, self.always = key, always
        self.received = []
        self.event = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                expected = base64.b64encode(hmac.new(receiver.key.encode(), body,
                                                     hashlib.sha256).digest()).decode()
                ok = hmac.compare_digest(expected, self.headers.get('x-xero-signature', ''))
                status = receiver.always or (200 if ok else 401)
                if ok:
                    receiver.received.append(json.loads(body))
                    receiver.event.set()
                self.send_response(status)
                self.send_header('Content-Length', '0')
                self.end_headers()

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05},
                         daemon=True).start()
        self.url = 'http://127.0.0.1:%d/xero/webhook' % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        return [e for payload in self.received for e in payload['events']]


@pytest.fixture
def receiver(sim):
    r = Receiver()
    sim.configure_webhooks(r.url, KEY)
    yield r
    r.close()


@pytest.fixture(scope='module')
def webhook_spec():
    path = helpers.spec_dir() / 'xero-webhooks.yaml'
    if not path.exists():
        return None
    return helpers.SpecValidator(path)


def test_intent_to_receive(sim, receiver):
    assert sim.send_intent_to_receive() is True
    results = sim.webhooks.last_intent['results']
    assert {(r['signed_correctly'], r['status']) for r in results} == {(True, 200), (False, 401)}
    lax = Receiver(always=200)  # a receiver that never checks signatures
    try:
        sim.configure_webhooks(lax.url, KEY)
        assert sim.send_intent_to_receive() is False
    finally:
        lax.close()


def test_events_on_changes(sim, receiver, api, nz, webhook_spec):
    contact = api.create_contacts(nz, Contacts(contacts=[Contact(name='Hooked Ltd')])).contacts[0]
    api.update_contact(nz, contact.contact_id, Contacts(contacts=[Contact(
        email_address='x@hooked.example')]))
    inv = create(api, nz, invoice([line(10)], contact='Hooked Ltd'))[0]
    note = api.create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(1)], contact='Hooked Ltd')])).credit_notes[0]
    assert sim.webhooks.wait_idle(5)
    events = receiver.events()
    seen = [(e['eventCategory'], e['eventType'], e['resourceId']) for e in events]
    assert ('CONTACT', 'CREATE', contact.contact_id) in seen
    assert ('CONTACT', 'UPDATE', contact.contact_id) in seen
    assert ('INVOICE', 'CREATE', inv.invoice_id) in seen
    assert ('CREDITNOTE', 'CREATE', note.credit_note_id) in seen
    cn_event = [e for e in events if e['eventCategory'] == 'CREDITNOTE'][0]
    assert cn_event['data'] == {'Type': 'ACCRECCREDIT', 'Status': 'AUTHORISED'}
    for e in events:
        assert e['tenantId'] == nz and e['tenantType'] == 'ORGANISATION'
        assert e['resourceUrl'].endswith(e['resourceId'])
    for payload in receiver.received:
        assert payload['firstEventSequence'] <= payload['lastEventSequence']
        assert payload['entropy']
        if webhook_spec:
            webhook_spec.validate('WebhookEvent', payload)
    cn_payload = [p for p in receiver.received
                  if any(e['eventCategory'] == 'CREDITNOTE' for e in p['events'])][0]
    if webhook_spec:
        webhook_spec.validate('CreditNoteWebhookEvent', cn_payload)
    sequences = [p['firstEventSequence'] for p in receiver.received]
    assert sequences == sorted(sequences)
    assert sim.counters.webhooks_sent == len(receiver.received)


def test_manual_events_and_failures(sim, receiver, nz):
    record = sim.send_webhook_events([{'resourceId': '11111111-1111-1111-1111-111111111111',
                                       'eventCategory': 'INVOICE', 'eventType': 'UPDATE',
                                       'tenantId': nz}], wait=True)
    assert record['status'] == 200
    assert receiver.events()[0]['resourceUrl'].endswith('/Invoices/11111111-1111-1111-1111-111111111111')
    sim.configure_webhooks('http://127.0.0.1:9/nothing-listens-here', KEY)
    sim.send_webhook_events([{'resourceId': nz, 'eventCategory': 'CONTACT', 'tenantId': nz}])
    assert sim.webhooks.wait_idle(5)
    assert sim.counters.webhook_failures
    resp = requests.post(sim.url + '/_sim/webhooks/send', timeout=10, json={'events': []})
    assert resp.status_code == 200 and resp.json()['status'] is None


def test_control_api_webhooks(sim, receiver):
    url = sim.url + '/_sim/webhooks/'
    assert requests.post(url + 'configure', json={'url': receiver.url, 'key': KEY},
                         timeout=5).json() == {'ok': True}
    assert requests.post(url + 'intent', timeout=10).json()['ok'] is True
    resp = requests.post(url + 'send', timeout=10, json={'events': [
        {'resourceId': '22222222-2222-2222-2222-222222222222', 'eventCategory': 'CONTACT',
         'eventType': 'CREATE', 'tenantId': sim.organisations[0].tenant_id}]})
    assert resp.json()['status'] == 200
