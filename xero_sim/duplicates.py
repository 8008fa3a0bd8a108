"""Duplicate detection over a tenant's current data, for tests and
benchmarks: how many invoices, bills, credit notes or contacts exist more
than once. (counters.duplicates, by contrast, counts at creation time
documents identical down to their lines.)

Fingerprints (what a blind resend repeats):
  Invoices, CreditNotes  Type, contact, number if the client supplied one
                         (auto-numbers differ between copies), Date,
                         currency, Total, Reference
  Contacts               Name, case-insensitive (ACTIVE and ARCHIVED: a
                         contact recreated next to an archived one counts)
  Payments               document, Date, Amount, Reference, account
  BankTransactions       Type, bank account, contact, Date, Total, Reference
"""
from collections import defaultdict

DEFAULT_KINDS = ('Invoices', 'CreditNotes', 'Contacts')
ALL_KINDS = DEFAULT_KINDS + ('Payments', 'BankTransactions')
CANCELLED = ('DELETED', 'VOIDED', 'ARCHIVED')


def _document(number_field):
    def fingerprint(doc):
        number = doc.get(number_field) if doc.get('_number_supplied') else None
        return (doc['Type'], doc['Contact']['ContactID'], number, str(doc.get('Date')),
                doc.get('CurrencyCode'), str(doc.get('Total')), doc.get('Reference') or '')
    return fingerprint


def _contact(contact):
    return (contact['Name'].strip().lower(),)


def _payment(payment):
    return (tuple(payment['_doc']), str(payment['Date']), str(payment['Amount']),
            payment.get('Reference') or '', payment['Account']['AccountID'])


def _bank_transaction(txn):
    return (txn['Type'], txn['BankAccount']['AccountID'],
            (txn.get('Contact') or {}).get('ContactID'), str(txn['Date']), str(txn['Total']),
            txn.get('Reference') or '')


# kind -> (collection attribute, id field, status field, fingerprint)
KINDS = {
    'Invoices': ('invoices', 'InvoiceID', 'Status', _document('InvoiceNumber')),
    'CreditNotes': ('credit_notes', 'CreditNoteID', 'Status', _document('CreditNoteNumber')),
    'Contacts': ('contacts', 'ContactID', 'ContactStatus', _contact),
    'Payments': ('payments', 'PaymentID', 'Status', _payment),
    'BankTransactions': ('bank_transactions', 'BankTransactionID', 'Status', _bank_transaction),
}


def groups(org, kinds=DEFAULT_KINDS, include_cancelled=True):
    """[{'kind', 'ids'}] for every fingerprint held by more than one object,
    ids in creation order. include_cancelled=False ignores DELETED, VOIDED
    and ARCHIVED objects (a duplicate the client already cleaned up)."""
    out = []
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError('unknown kind %r (expected some of %s)' % (kind, ', '.join(KINDS)))
        collection, id_field, status_field, fingerprint = KINDS[kind]
        seen = defaultdict(list)
        for obj in getattr(org, collection).values():
            if not include_cancelled and obj.get(status_field) in CANCELLED:
                continue
            seen[fingerprint(obj)].append(obj[id_field])
        out.extend({'kind': kind, 'ids': ids} for ids in seen.values() if len(ids) > 1)
    return out


def count(org, kinds=DEFAULT_KINDS, include_cancelled=True):
    """Extra copies: a document sent three times counts 2."""
    return sum(len(g['ids']) - 1 for g in groups(org, kinds, include_cancelled))
