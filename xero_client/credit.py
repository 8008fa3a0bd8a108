"""Overpayments and prepayments, in plain values (mixed into XeroApi).

Xero creates them as BankTransactions of Type RECEIVE-/SPEND-OVERPAYMENT or -PREPAYMENT, reads
them from /Overpayments and /Prepayments, and applies them to invoices through
/{Overpayments|Prepayments}/{id}/Allocations (XERO_API.md §10). An overpayment or prepayment
is voided by deleting its bank transaction once nothing is allocated from it.
"""
from .converters import allocation_from_sdk, day, messages, naive, plain, reads_answer
from .kinds import MAX_PAGE_SIZE, Element
from .sdk import to_sdk

# kind -> (GET list method, GET one method, list attribute, id attribute, allocate, delete allocation)
CREDIT_KINDS = {
    'overpayments': ('get_overpayments', 'get_overpayment', 'overpayments', 'overpayment_id',
                     'create_overpayment_allocations', 'delete_overpayment_allocations'),
    'prepayments': ('get_prepayments', 'get_prepayment', 'prepayments', 'prepayment_id',
                    'create_prepayment_allocations', 'delete_prepayment_allocations'),
}


def credit_kind(txn_type):
    """'overpayments' or 'prepayments' for a bank transaction type."""
    return 'overpayments' if txn_type and txn_type.endswith('OVERPAYMENT') else 'prepayments'


def credit_from_sdk(kind, obj):
    """One Overpayment or Prepayment as plain values, its allocations as Elements."""
    xero_id = getattr(obj, CREDIT_KINDS[kind][3], None)
    return {
        'kind': kind,
        'xero_id': str(xero_id) if xero_id else None,
        'type': plain(obj.type),
        'status': plain(obj.status),
        'contact_id': str(obj.contact.contact_id) if obj.contact and obj.contact.contact_id else None,
        'date': day(obj.date),
        'total': plain(obj.total),
        'remaining_credit': plain(obj.remaining_credit),
        'currency': plain(obj.currency_code),
        'currency_rate': plain(obj.currency_rate),
        'reference': obj.reference,
        'allocations': [allocation_from_sdk(a) for a in obj.allocations or []],
        'updated': naive(obj.updated_date_utc),
    }


def _credit_element(obj):
    """The Element of one bank transaction of an overpayment or prepayment type: its
    Overpayment or Prepayment id (what allocations name), and the bank transaction's own id
    (what a deletion names)."""
    txn_type = plain(obj.type)
    credit_id = getattr(obj, 'overpayment_id' if credit_kind(txn_type) == 'overpayments' else 'prepayment_id', None)
    errors = messages(obj.validation_errors)
    contact = obj.contact
    echo = {'type': txn_type, 'date': day(obj.date), 'total': plain(obj.total),
            'contact_id': str(contact.contact_id) if contact is not None and contact.contact_id else None,
            'bank_transaction_id': str(obj.bank_transaction_id) if obj.bank_transaction_id else None}
    return Element(xero_id=str(credit_id) if credit_id else None, status=plain(obj.status),
                   total=plain(obj.total), updated=obj.updated_date_utc, errors=errors,
                   echo={k: v for k, v in echo.items() if v is not None})


class CreditOperations:
    """Mixed into XeroApi."""

    @reads_answer
    def save_credits(self, payloads, key):
        """Create (or, with ``bank_transaction_id`` and ``status`` DELETED, void) overpayments
        and prepayments: plain BankTransaction values. One Element per element answered."""
        result = self.call('accounting', 'update_or_create_bank_transactions',
                           to_sdk('BankTransactions', {'bank_transactions': payloads}),
                           summarize_errors=False, idempotency_key=key)
        return [_credit_element(obj) for obj in result.data.bank_transactions or []]

    @reads_answer
    def allocate_credit(self, kind, credit_id, allocations, key):
        """Allocate one overpayment or prepayment to invoices:
        [{'invoice': {'invoice_id'}, 'amount', 'date'}]."""
        result = self.call('accounting', CREDIT_KINDS[kind][4], credit_id,
                           to_sdk('Allocations', {'allocations': allocations}),
                           summarize_errors=False, idempotency_key=key)
        return [allocation_from_sdk(a) for a in result.data.allocations or []]

    def delete_credit_allocation(self, kind, credit_id, allocation_id):
        self.call('accounting', CREDIT_KINDS[kind][5], credit_id, allocation_id)

    @reads_answer
    def credit(self, kind, credit_id):
        """One overpayment or prepayment (GET by id), or None when Xero has none."""
        result = self.call('accounting', CREDIT_KINDS[kind][1], credit_id)
        items = getattr(result.data, CREDIT_KINDS[kind][2]) or []
        return credit_from_sdk(kind, items[0]) if items else None

    @reads_answer
    def pull_credits(self, kind, since=None, page=1, page_size=MAX_PAGE_SIZE, where=None):
        """One page of overpayments or prepayments changed since ``since`` (or matching
        ``where``), in UpdatedDateUTC order; and whether another page may follow."""
        kwargs = {'page': page, 'page_size': page_size, 'order': 'UpdatedDateUTC ASC'}
        if since:
            kwargs['if_modified_since'] = since
        if where:
            kwargs['where'] = where
        result = self.call('accounting', CREDIT_KINDS[kind][0], **kwargs)
        items = [credit_from_sdk(kind, obj) for obj in getattr(result.data, CREDIT_KINDS[kind][2]) or []]
        return items, len(items) >= page_size

    @reads_answer
    def credit_bank_account(self, bank_transaction_id):
        """The AccountID of the bank account an overpayment or prepayment went through (the
        Overpayment itself does not carry it; its bank transaction does)."""
        result = self.call('accounting', 'get_bank_transaction', bank_transaction_id)
        txns = result.data.bank_transactions or []
        account = txns[0].bank_account if txns else None
        return str(account.account_id) if account is not None and account.account_id else None
