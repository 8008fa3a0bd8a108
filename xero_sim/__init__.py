"""Local simulator of Xero's OAuth2 identity service and Accounting API.

Plain Python (stdlib http.server); imports nothing from Odoo. One base URL
serves every Xero host:

    {url}/identity/connect/authorize        login.xero.com consent
    {url}/connect/token, /connect/revocation identity.xero.com
    {url}/connections, {url}/api.xro/2.0/... api.xero.com
    {url}/_sim/...                           control API + HTML overview

    from xero_sim import XeroSimulator
    sim = XeroSimulator(port=0, virtual_clock=True).start()

Where Xero's OpenAPI spec and Xero's observed behaviour disagree
(see docs XERO_API.md), the simulator follows the behaviour:

* summarizeErrors: the spec declares `default: false`; the live API
  summarises unless `summarizeErrors=false` is sent. The simulator
  summarises by default.
* A summarised batch that fails answers 400 ValidationException listing only
  the failing elements, and STILL COMMITS the valid elements of the batch
  (their IDs are not returned), as Xero staff describe.
* Refresh tokens: Xero documents a 30-minute grace period for re-using a
  refresh token whose response was lost. By default the simulator makes
  refresh tokens strictly single-use (re-use -> invalid_grant);
  `sim.identity.refresh_grace_seconds = 1800` restores the grace period.
* Only `offline_access` yields a refresh token (standard OAuth, as Xero).
* X-Rate-Limit-Problem values `minute` and `day` are confirmed; `concurrent`
  and `appminute` (app-wide minute limit) are the simulator's best guess.
* Idempotency-Key: the retention window and the behaviour for a re-used key
  with a different body are undocumented. The simulator keeps keys per
  tenant until reset() and replays the stored response regardless of the
  body (counting such replays in counters.idempotent_conflicts).
* Payments are accepted into BANK accounts or accounts with
  EnablePaymentsToAccount=true (unverified rule, as the spec example suggests).
* where-clause string comparisons are case-insensitive.
* TaxRates and Currencies carry no UpdatedDateUTC (as in Xero's schema);
  everything else does.

What the simulator does NOT do: scopes are recorded but not enforced per
endpoint; no multi-currency revaluation or XE.com rates (CurrencyRate
defaults to 1 unless given); no journals, reports, attachments, history,
tracking categories, quotes, purchase orders, repeating invoices,
overpayments/prepayments, batch payments or manual journals; no
Accounts-level ledger balances; webhook deliveries are not retried; no
TLS; only one simulated Xero user unless `user=` is passed on the
consent form.
"""
from .simulator import XeroSimulator

__all__ = ['XeroSimulator']
