"""In-memory state of one simulated organisation (tenant).

Objects are stored as dicts already in Xero's PascalCase output shape
(Decimals and dates are serialised on the way out); keys starting with '_'
are private bookkeeping and never leave the simulator."""
import datetime as dt
import uuid

from .util import UTC, new_id


class Organisation:
    def __init__(self, name, base_currency='NZD', country_code=None,
                 tenant_id=None, legal_name=None, short_code=None,
                 timezone=None, organisation_type='COMPANY', created=None,
                 tax_number=None, financial_year_end=(31, 3)):
        self.tenant_id = tenant_id or str(uuid.uuid4())
        self.name = name
        self.legal_name = legal_name or name
        self.base_currency = base_currency
        self.country_code = country_code or {
            'NZD': 'NZ', 'AUD': 'AU', 'GBP': 'GB', 'USD': 'US'}.get(base_currency, 'NZ')
        self.short_code = short_code or '!' + self.tenant_id[:5]
        self.timezone = timezone or {
            'NZ': 'NEWZEALANDSTANDARDTIME', 'AU': 'AUSEASTERNSTANDARDTIME',
            'GB': 'GMTSTANDARDTIME', 'US': 'EASTERNSTANDARDTIME'}.get(
                self.country_code, 'NEWZEALANDSTANDARDTIME')
        self.organisation_type = organisation_type
        self.tax_number = tax_number
        self.financial_year_end = financial_year_end  # (day, month)
        self.created = created or dt.datetime.now(UTC)
        self.period_lock_date = None
        self.end_of_year_lock_date = None
        self.user_roles = {}       # user email -> OrganisationRole
        # The role of the user whose token makes the current request (set under sim.lock).
        self.acting_role = None
        self.clear()

    def clear(self):
        self.accounts = {}
        self.tax_rates = {}        # TaxType -> rate
        self.currencies = {}       # Code -> currency
        self.contacts = {}
        self.contact_groups = {}
        self.items = {}
        self.invoices = {}
        self.credit_notes = {}
        self.payments = {}
        self.bank_transactions = {}
        self.overpayments = {}     # OverpaymentID (its bank transaction's id) -> Overpayment
        self.prepayments = {}
        self.idempotency = {}      # key -> (status, body, headers, digest, first use), by first use
        self.sequences = {'INV': 0, 'CN': 0, 'TAX': 0}
        self.fingerprints = {}     # fingerprint -> object id
        self.batch_payments = {}   # BatchPaymentID -> batch (its members are in payments)

    @property
    def version(self):
        return self.country_code if self.country_code in ('AU', 'NZ', 'UK', 'US') else 'GLOBAL'

    # -- lookups -----------------------------------------------------------

    def account_by_code(self, code):
        if code is None:
            return None
        for acc in self.accounts.values():
            if acc.get('Code') == str(code) and acc['Status'] != 'DELETED':
                return acc
        return None

    def account_ref(self, ref):
        """Resolve {AccountID|Code} as sent inside documents."""
        if not isinstance(ref, dict):
            return None
        if ref.get('AccountID'):
            acc = self.accounts.get(str(ref['AccountID']).lower())
            if acc:
                return acc
        return self.account_by_code(ref.get('Code'))

    def contact_ref(self, ref):
        if not isinstance(ref, dict):
            return None
        if ref.get('ContactID'):
            return self.contacts.get(str(ref['ContactID']).lower())
        if ref.get('ContactNumber'):
            for c in self.contacts.values():
                if c.get('ContactNumber') == ref['ContactNumber']:
                    return c
        if ref.get('Name'):
            for c in self.contacts.values():
                if c['Name'].lower() == str(ref['Name']).lower() \
                        and c['ContactStatus'] == 'ACTIVE':
                    return c
        return None

    def invoice_ref(self, ref):
        if not isinstance(ref, dict):
            return None
        if ref.get('InvoiceID'):
            return self.invoices.get(str(ref['InvoiceID']).lower())
        if ref.get('InvoiceNumber'):
            for inv in self.invoices.values():
                if inv.get('InvoiceNumber') == ref['InvoiceNumber'] \
                        and inv['Status'] not in ('DELETED', 'VOIDED'):
                    return inv
        return None

    def credit_note_ref(self, ref):
        if not isinstance(ref, dict):
            return None
        if ref.get('CreditNoteID'):
            return self.credit_notes.get(str(ref['CreditNoteID']).lower())
        if ref.get('CreditNoteNumber'):
            for cn in self.credit_notes.values():
                if cn.get('CreditNoteNumber') == ref['CreditNoteNumber']:
                    return cn
        return None

    def role_of(self, email):
        return self.user_roles.get(email, 'STANDARD')

    def next_number(self, prefix):
        self.sequences[prefix] += 1
        return '%s-%04d' % (prefix, self.sequences[prefix])

    def __getitem__(self, key):
        # Dict-style access for callers that treat organisations as records.
        return self.summary()[key]

    def summary(self):
        return {'tenant_id': self.tenant_id, 'name': self.name,
                'base_currency': self.base_currency}

    def __repr__(self):
        return '<Organisation %s %s %s>' % (self.name, self.base_currency, self.tenant_id)


def public(obj):
    """Copy of a stored object without private '_' keys (recursively)."""
    if isinstance(obj, dict):
        return {k: public(v) for k, v in obj.items() if not k.startswith('_')}
    if isinstance(obj, list):
        return [public(v) for v in obj]
    return obj


__all__ = ['Organisation', 'public', 'new_id']
