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
* Connections belong to (app, user): every token of that user may call every
  connected tenant; GET /connections lists them all unless authEventId is
  given; revocation removes all of them ("removes all their connections").
* X-Rate-Limit-Problem values `minute` and `day` are confirmed; `concurrent`
  and `appminute` (app-wide minute limit) are the simulator's best guess.
* Idempotency-Key (XERO_API.md section 9, third party quoting Xero): keys are
  per tenant and kept `idempotency_retention_seconds` (default 360, on
  sim.clock) from their first use. Within the window the same request gets
  the stored response replayed (header Idempotent-Replayed: true), and the
  same key with a different request (method, path, query or body) answers
  400 ValidationException. After the window the request runs again, so a
  blind resend of a create duplicates it. The check runs after the rate
  limits, so replays spend quota. An answer lost after the commit (a `drop`
  fault, or a `status` fault with after=True) is stored like any other, so a
  replay within the window gets it. Xero stores internal errors against the
  key too: a `status` fault with stored=True does that (nothing performed,
  replays get the error until the window passes); a plain `status` fault is
  a failure in front of Xero, and the simulator's own 500s are its bugs:
  neither is stored.
* Payments are accepted into BANK accounts or accounts with
  EnablePaymentsToAccount=true (unverified rule, as the spec example suggests).
* A line item with only a Description (no Quantity, UnitAmount, LineAmount,
  ItemCode, AccountCode/AccountID) is a heading or note, as Xero's invoice
  guide describes: accepted on approved invoices and credit notes, with
  LineAmount and TaxAmount 0, no account, no tax, and no Quantity or
  UnitAmount in the answer (that read-back shape is the simulator's guess).
  Sent back with LineAmount/TaxAmount 0 it stays a heading. Any line with an
  amount still needs an account once the document is not a draft.
* where-clause string comparisons are case-insensitive.
* TaxRates, Currencies and ContactGroups carry no UpdatedDateUTC (they have
  none in Xero's schema); everything else does. Payments and allocations bump
  the document's UpdatedDateUTC; derived contact flags (IsCustomer,
  IsSupplier) do not, as Xero documents.
* If-Modified-Since is inclusive (UpdatedDateUTC >= value, to the second).
* GET /Invoices and /CreditNotes return DELETED and VOIDED documents too
  (incremental sync must see them); archived contacts need includeArchived.
* A document whose Contact names an unknown Name creates that contact, as
  Xero does; an unknown ContactID is an error.
* Lock dates and the Adviser role: a write dated on or before the
  EndOfYearLockDate is always refused; one dated on or before the
  PeriodLockDate is refused unless the token's user has the role
  FINANCIALADVISER (Xero's "Adviser") in that organisation, as Xero lets
  advisers post into a locked period but never before the end-of-year lock.
  Roles are STANDARD unless set with `sim.set_user_role`; GET /Users lists
  the organisation's users (those who connected it, and those given a role).
* A bank transaction with IsReconciled=true cannot be edited: any change
  (date, contact, reference, lines, amounts, account, currency, the flag
  itself) answers "This Bank Transaction cannot be edited as it has been
  reconciled with a Bank Statement." Setting its Status to DELETED is
  accepted (the simulator's assumption: a transaction an app marked
  reconciled has no bank statement line that must be un-reconciled first;
  XERO_API.md section 9 quotes a third party saying Xero refuses it, in which
  case the client gets Xero's message and must not send a replacement).

Assumptions where Xero documents nothing (the sim's own choice, worded in
Xero's style): "Due Date is mandatory" for AUTHORISED ACCREC invoices;
ACCRECCREDIT numbers are unique (CN-0001...), ACCPAYCREDIT are not;
SUBMITTED counts as non-draft for lock dates; a supplied LineAmount is
ignored when Quantity and UnitAmount are given; new TaxRates get TaxType
TAX00n; an Idempotency-Key over 128 characters answers 400; the 429 body is
a small JSON problem document; validation messages other than those quoted
in XERO_API.md are the simulator's wording. Registered OAuth clients and the
clock survive reset() (everything else is cleared).

What the simulator does NOT do: scopes are recorded but not enforced per
endpoint; no HighVolumeException for unoptimised `where` filters and no
ceiling on the number of IDs in a CSV filter; no multi-currency revaluation or XE.com rates (CurrencyRate is 1
unless given); no journals, reports, attachments, history, tracking
categories, quotes, purchase orders, repeating invoices, overpayments,
prepayments, batch payments, manual journals or bank transfers; no ledger
balances (Contact Balances, account balances); no invoice emails or PDFs;
webhook deliveries are not retried and there is no SUBSCRIPTION category;
no TLS; one simulated Xero user unless `user=` is posted on the consent form.
"""
from .simulator import XeroSimulator

__all__ = ['XeroSimulator']
