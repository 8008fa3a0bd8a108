"""XeroSimulator: the object tests and demos hold."""
import threading

from . import seed as seed_data
from .clock import Clock
from .faults import Faults
from .identity import Identity
from .observability import Counters
from .ratelimit import DEFAULT_LIMITS, RateLimiter
from .state import Organisation


# Xero keeps an Idempotency-Key about 6 minutes from its first use (XERO_API.md section 9).
DEFAULT_IDEMPOTENCY_RETENTION = 360


class XeroSimulator:
    provider_name = 'Xero Simulator'

    def __init__(self, port=0, host='127.0.0.1', virtual_clock=False,
                 rate_limits=None, seed_defaults=True,
                 idempotency_retention_seconds=DEFAULT_IDEMPOTENCY_RETENTION):
        self.host = host
        self.port = port
        self.clock = Clock(virtual=virtual_clock)
        self.lock = threading.RLock()  # serialises all state changes
        self.counters = Counters()
        self.faults = Faults()
        self.requests = []
        self.errors = []  # unexpected exceptions inside handlers
        self._initial_rate_limits = dict(rate_limits or {})
        self.ratelimiter = RateLimiter(self.clock, rate_limits)
        self._initial_idempotency_retention = idempotency_retention_seconds
        self.set_idempotency_retention(idempotency_retention_seconds)
        self.identity = Identity(self.clock, lambda: self.organisations)
        self._seed_defaults = seed_defaults
        self.organisations = []
        self._server = None
        self._thread = None
        from .webhooks import WebhookSender
        self.webhooks = WebhookSender(self)
        self._seed()

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        from .server import make_server
        if self._server:
            return self
        self._server = make_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={'poll_interval': 0.1},
                                        name='xero-sim', daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, ready=None):
        """Serve in the calling thread (the CLI); ready(sim) runs once bound."""
        from .server import make_server
        self._server = make_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        if ready:
            ready(self)
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self._server = None

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
            self._server = None
        self.webhooks.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return 'http://%s:%d' % (self.host, self.port)

    @property
    def api_url(self):
        return self.url + '/api.xro/2.0'

    def reset(self):
        """Back to the freshly seeded default state."""
        with self.lock:
            self.counters.reset()
            self.faults.clear()
            del self.requests[:]
            del self.errors[:]
            self.identity.reset()
            self.ratelimiter.reset()
            self.ratelimiter.limits = dict(DEFAULT_LIMITS)
            self.ratelimiter.set_limits(**self._initial_rate_limits)
            self.set_idempotency_retention(self._initial_idempotency_retention)
            self.webhooks.reset()
            self._seed()

    def _seed(self):
        self.organisations = []
        if not self._seed_defaults:
            return
        for org_kwargs, seed_kwargs in seed_data.default_organisations():
            org = Organisation(**org_kwargs)
            self.organisations.append(org)
            self.seed(org.tenant_id, **seed_kwargs)

    # -- clients / tokens --------------------------------------------------

    @property
    def clients(self):
        return self.identity.clients

    def add_client(self, client_id, client_secret, redirect_uris=None):
        self.identity.add_client(client_id, client_secret, redirect_uris)

    def invalidate_refresh_tokens(self):
        self.identity.invalidate_refresh_tokens()

    def expire_access_tokens(self):
        self.identity.expire_access_tokens()

    # -- organisations and data --------------------------------------------

    def get_organisation(self, tenant_id):
        for org in self.organisations:
            if org.tenant_id == tenant_id:
                return org
        return None

    def organisation(self, name_or_id):
        for org in self.organisations:
            if name_or_id in (org.tenant_id, org.name):
                return org
        raise KeyError(name_or_id)

    def add_organisation(self, name, base_currency='NZD', country_code=None,
                         tenant_id=None, seed_defaults=True, **kwargs):
        """Add a tenant; with seed_defaults it gets the demo chart and tax
        rates of its country (NZ style unless country AU)."""
        with self.lock:
            org = Organisation(name, base_currency, country_code,
                               tenant_id=tenant_id, **kwargs)
            self.organisations.append(org)
            if seed_defaults:
                nz, au = seed_data.default_organisations()
                template = au[1] if org.country_code == 'AU' else nz[1]
                currencies = [{'Code': org.base_currency, 'Description': org.base_currency}]
                currencies += [c for c in template['currencies']
                               if c['Code'] != org.base_currency]
                self.seed(org.tenant_id, currencies=currencies,
                          tax_rates=template['tax_rates'],
                          accounts=seed_data.chart(
                              org.base_currency, 'GST',
                              'OUTPUT' if org.country_code == 'AU' else 'OUTPUT2',
                              'INPUT' if org.country_code == 'AU' else 'INPUT2'))
            return org.tenant_id

    def seed(self, tenant_id, accounts=(), tax_rates=(), contacts=(),
             contact_groups=(), items=(), currencies=()):
        """Load data into a tenant, in Xero's JSON shapes (PascalCase).
        Invalid data raises ValueError."""
        from .accounting import seeding
        org = self.get_organisation(tenant_id)
        if org is None:
            raise KeyError(tenant_id)
        with self.lock:
            seeding.seed(self, org, accounts=accounts, tax_rates=tax_rates,
                         contacts=contacts, contact_groups=contact_groups,
                         items=items, currencies=currencies)

    def set_lock_dates(self, tenant_id, period=None, end_of_year=None):
        org = self.get_organisation(tenant_id)
        with self.lock:
            org.period_lock_date = period
            org.end_of_year_lock_date = end_of_year

    def set_user_role(self, tenant_id, role, email=None):
        """Give a user (by default the demo user who consents) an OrganisationRole in one
        organisation, e.g. 'FINANCIALADVISER' (Xero's Adviser) or 'STANDARD'."""
        from .identity import DEFAULT_USER
        org = self.get_organisation(tenant_id)
        with self.lock:
            org.user_roles[email or DEFAULT_USER] = role

    def set_rate_limits(self, **limits):
        self.ratelimiter.set_limits(**limits)

    def set_idempotency_retention(self, seconds):
        """How long (on sim.clock) an Idempotency-Key is remembered after its
        first use; afterwards the same key runs as a new request."""
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError('retention must be >= 0 seconds')
        self.idempotency_retention_seconds = seconds

    # -- what arrived -------------------------------------------------------

    def duplicates(self, tenant_id, kinds=None, include_cancelled=True):
        """Extra copies of invoices/bills, credit notes and contacts in the
        tenant now (kinds may add 'Payments', 'BankTransactions'); see
        xero_sim/duplicates.py for the fingerprints."""
        from . import duplicates
        with self.lock:
            return duplicates.count(self.organisation(tenant_id),
                                    kinds or duplicates.DEFAULT_KINDS, include_cancelled)

    def duplicate_groups(self, tenant_id, kinds=None, include_cancelled=True):
        """The duplicates themselves: [{'kind': 'Invoices', 'ids': [...]}]."""
        from . import duplicates
        with self.lock:
            return duplicates.groups(self.organisation(tenant_id),
                                     kinds or duplicates.DEFAULT_KINDS, include_cancelled)

    # -- webhooks ----------------------------------------------------------

    def configure_webhooks(self, url, key):
        self.webhooks.configure(url, key)

    def send_intent_to_receive(self, timeout=5):
        return self.webhooks.intent_to_receive(timeout=timeout)

    def send_webhook_events(self, events, wait=False):
        return self.webhooks.send(events, wait=wait)
