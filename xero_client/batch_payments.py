"""Batch payments (/BatchPayments), in plain values: one deposit or payment run for many
documents, which Xero keeps as one bank line and one Payment per document.

A batch comes back as an ``Element``: its id, its Reference as ``number`` (the natural key a
lost answer is looked up by), its status and total, and in ``echo['payments']`` its members:
[{'xero_id', 'invoice_id', 'credit_note_id', 'amount', 'reference'}].
"""
from .converters import messages, naive, plain, reads_answer
from .kinds import MAX_BATCH, MAX_IDS_PER_GET, Element
from .sdk import to_sdk
from .where import all_of, any_guid, covering, has_quote, keep_equal


def _member(obj):
    invoice, credit_note = obj.invoice, obj.credit_note
    return {
        'xero_id': str(obj.payment_id) if obj.payment_id else None,
        'invoice_id': str(invoice.invoice_id) if invoice is not None and invoice.invoice_id else None,
        'credit_note_id': (str(credit_note.credit_note_id)
                           if credit_note is not None and credit_note.credit_note_id else None),
        'amount': plain(obj.amount),
        'reference': obj.reference,
    }


def batch_from_sdk(obj):
    """The plain Element of one SDK BatchPayment."""
    payments = obj.payments or []
    errors = messages(obj.validation_errors)
    for payment in payments:
        errors += [m for m in messages(getattr(payment, 'validation_errors', None)) if m not in errors]
    account = obj.account
    return Element(
        xero_id=str(obj.batch_payment_id) if obj.batch_payment_id else None,
        number=obj.reference,
        status=plain(obj.status),
        total=plain(obj.total_amount),
        updated=obj.updated_date_utc,
        errors=errors,
        echo={'payments': [_member(p) for p in payments],
              'date': naive(obj.date),
              'account_id': str(account.account_id) if account is not None and account.account_id else None,
              'type': plain(obj.type)},
    )


class BatchPaymentOperations:
    """Mixed into XeroApi: batch payments."""

    @reads_answer
    def save_batch_payments(self, payloads, key):
        """Create batch payments: [{'account': {'account_id'}, 'date', 'reference',
        'payments': [{'invoice': {'invoice_id'} or 'credit_note': {...}, 'amount', 'reference'}]}],
        with ``summarizeErrors=false`` (each batch answers for itself) and ``key`` as the
        Idempotency-Key. Xero cannot change a batch: it is created, or deleted whole."""
        if len(payloads) > MAX_BATCH:
            raise ValueError(f'At most {MAX_BATCH} batch payments per request, got {len(payloads)}')
        result = self.call('accounting', 'create_batch_payment',
                           to_sdk('BatchPayments', {'batch_payments': payloads}),
                           summarize_errors=False, idempotency_key=key)
        return [batch_from_sdk(b) for b in result.data.batch_payments or []]

    @reads_answer
    def delete_batch_payment(self, batch_payment_id, key):
        """Delete a batch and every payment in it (POST /BatchPayments/{id}, Status DELETED)."""
        result = self.call('accounting', 'delete_batch_payment_by_url_param', batch_payment_id,
                           to_sdk('BatchPaymentDeleteByUrlParam', {'status': 'DELETED'}), idempotency_key=key)
        return [batch_from_sdk(b) for b in result.data.batch_payments or []]

    @reads_answer
    def find_batch_payments(self, references=(), ids=()):
        """Batch payments with these References or ids, deleted ones included (at most 50)."""
        references, ids = list(references or ()), list(ids or ())
        if len(references) > MAX_IDS_PER_GET or len(ids) > MAX_IDS_PER_GET:
            raise ValueError(f'At most {MAX_IDS_PER_GET} values per look-up')
        where = all_of(covering('Reference', references) if references else None,
                       any_guid('BatchPaymentID', ids) if ids else None)
        kwargs = {'where': where} if where else {}
        result = self.call('accounting', 'get_batch_payments', **kwargs)
        batches = [batch_from_sdk(b) for b in result.data.batch_payments or []]
        # A Reference with a double quote went as Reference.Contains(...): the exact ones only.
        return keep_equal(batches, references, lambda b: b.number) if has_quote(references) else batches

    @reads_answer
    def read_batch_payment(self, batch_payment_id):
        """One batch payment (GET /BatchPayments/{id}) with its members, or None."""
        result = self.call('accounting', 'get_batch_payment', batch_payment_id)
        batches = result.data.batch_payments or []
        return batch_from_sdk(batches[0]) if batches else None
