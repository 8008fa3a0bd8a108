"""Outgoing webhooks, signed like Xero's: x-xero-signature =
base64(HMAC-SHA256(key, raw body)). Delivery happens on a background
thread; failures are recorded, never raised into the server."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import queue
import random
import string
import threading
import urllib.error
import urllib.request

CATEGORIES = {'CONTACT': 'Contacts', 'INVOICE': 'Invoices', 'CREDITNOTE': 'CreditNotes'}


def sign(key, body):
    return base64.b64encode(hmac.new(key.encode('utf-8'), body, hashlib.sha256).digest()).decode()


def _entropy():
    return ''.join(random.choice(string.ascii_uppercase) for _ in range(20))


class WebhookSender:
    def __init__(self, sim):
        self.sim = sim
        self.url = None
        self.key = None
        self.timeout = 5
        self._queue = queue.Queue()
        self._thread = None
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.sequence = 0
            self.pending = []
            self.deliveries = []  # dicts: body, signature, status, error
            self.last_intent = None

    def configure(self, url, key):
        self.url = url
        self.key = key

    def stop(self):
        if self._thread and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=2)
        self._thread = None

    # -- events produced by the API ----------------------------------------

    def emit(self, org, category, resource_id, event_type, data=None):
        """Queue an event; flush() sends everything emitted by a request."""
        if category not in CATEGORIES:
            return
        event = {
            'resourceUrl': '%s/%s/%s' % (self.sim.api_url, CATEGORIES[category], resource_id),
            'resourceId': resource_id,
            'eventDateUtc': self.sim.clock.now().strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3],
            'eventType': event_type, 'eventCategory': category,
            'tenantId': org.tenant_id, 'tenantType': 'ORGANISATION',
        }
        if data:
            event['data'] = data
        with self._lock:
            self.pending.append(event)

    def flush(self):
        with self._lock:
            events, self.pending = self.pending, []
        if events and self.url:
            self.send(events)

    def discard_pending(self):
        with self._lock:
            self.pending = []

    # -- delivery ----------------------------------------------------------

    def build_payload(self, events):
        with self._lock:
            first = self.sequence + 1
            self.sequence += max(1, len(events))
            last = self.sequence
        full = []
        for ev in events:
            ev = dict(ev)
            ev.setdefault('eventDateUtc', dt.datetime.now(dt.timezone.utc)
                          .strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3])
            ev.setdefault('tenantType', 'ORGANISATION')
            ev.setdefault('eventType', 'UPDATE')
            if 'resourceUrl' not in ev and ev.get('eventCategory') in CATEGORIES:
                ev['resourceUrl'] = '%s/%s/%s' % (
                    self.sim.api_url, CATEGORIES[ev['eventCategory']], ev.get('resourceId'))
            full.append(ev)
        return {'events': full, 'firstEventSequence': first,
                'lastEventSequence': last, 'entropy': _entropy()}

    def send(self, events, wait=False):
        """Send events (list of event dicts) as one signed payload. With
        wait=True, deliver synchronously and return the delivery record."""
        if not self.url or not self.key:
            raise RuntimeError('configure_webhooks(url, key) first')
        payload = self.build_payload(events)
        body = json.dumps(payload, separators=(',', ':')).encode('utf-8')
        if wait:
            return self._deliver(body, sign(self.key, body))
        self._ensure_thread()
        self._queue.put((body, sign(self.key, body)))
        return payload

    def _ensure_thread(self):
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._worker, name='xero-sim-webhooks',
                                            daemon=True)
            self._thread.start()

    def _worker(self):
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._deliver(*job)
            except Exception as exc:  # never let the worker die
                self.sim.counters.webhook_failures.append(repr(exc))
            finally:
                self._queue.task_done()

    def wait_idle(self, timeout=5):
        """Block until queued deliveries are done (tests)."""
        done = threading.Event()

        def waiter():
            self._queue.join()
            done.set()
        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)

    def _post(self, body, signature):
        req = urllib.request.Request(self.url, data=body, method='POST', headers={
            'Content-Type': 'application/json', 'x-xero-signature': signature,
            'User-Agent': 'Xero-Webhooks-Simulator'})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, None
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except Exception as exc:
            return None, repr(exc)

    def _deliver(self, body, signature):
        status, error = self._post(body, signature)
        record = {'body': body, 'signature': signature, 'status': status, 'error': error}
        with self._lock:
            self.deliveries.append(record)
        if status == 200:
            self.sim.counters.add('webhooks_sent')
        else:
            self.sim.counters.webhook_failures.append(
                {'status': status, 'error': error})
        return record

    def intent_to_receive(self, timeout=5):
        """Xero's "intent to receive" check: correctly signed empty payloads
        must get 200, wrongly signed ones 401. Returns True if they do."""
        if not self.url or not self.key:
            raise RuntimeError('configure_webhooks(url, key) first')
        results = []
        for good in (True, False, True, False):
            payload = self.build_payload([])
            body = json.dumps(payload, separators=(',', ':')).encode('utf-8')
            signature = sign(self.key if good else self.key + 'x', body)
            status, error = self._post(body, signature)
            results.append({'signed_correctly': good, 'status': status, 'error': error})
        ok = all(r['status'] == (200 if r['signed_correctly'] else 401) for r in results)
        self.last_intent = {'ok': ok, 'results': results}
        return ok
