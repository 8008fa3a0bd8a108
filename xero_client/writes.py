"""Typed writes, mixed into XeroApi: what the sync engine sends to Xero, in plain values.

Callers hand over plain payloads (snake_case dicts, see ``sdk.to_sdk``) and get back
``Element`` objects: the Xero id, number, status, totals, messages, and the element's own echo
of the fields that identify it, so that a batch's results are matched to records by what Xero
echoes, never by position alone. Nothing above the client walks SDK objects.
"""
from .converters import account_from_sdk, allocation_from_sdk, element_from_sdk, reads_answer
from .kinds import KINDS, MAX_BATCH
from .sdk import to_sdk


class Writes:
    """Mixed into XeroApi: batched writes, deletions, allocations, accounts."""

    @reads_answer
    def save(self, kind, payloads, key):
        """Create or update up to 50 documents of ``kind`` in one request.

        Always ``summarizeErrors=false``, so that each element answers for itself and the valid
        ones land; ``key`` is the request's Idempotency-Key. Returns one Element per element
        Xero returned, in Xero's order.
        """
        k = KINDS[kind]
        if len(payloads) > MAX_BATCH:
            raise ValueError(f'At most {MAX_BATCH} elements per request, got {len(payloads)}')
        kwargs = {'summarize_errors': False, 'idempotency_key': key}
        if k.unitdp:
            kwargs['unitdp'] = 4
        result = self.call('accounting', k.save, to_sdk(k.model, {k.attr: payloads}), **kwargs)
        return [element_from_sdk(kind, obj) for obj in getattr(result.data, k.attr) or []]

    def save_contacts(self, payloads, key):
        return self.save('contacts', payloads, key)

    def save_invoices(self, payloads, key):
        return self.save('invoices', payloads, key)

    def save_credit_notes(self, payloads, key):
        return self.save('credit_notes', payloads, key)

    def save_items(self, payloads, key):
        return self.save('items', payloads, key)

    def save_payments(self, payloads, key):
        return self.save('payments', payloads, key)

    def save_bank_transactions(self, payloads, key):
        return self.save('bank_transactions', payloads, key)

    @reads_answer
    def delete_payment(self, payment_id, key):
        """Xero deletes a payment by setting its status to DELETED, one at a time."""
        result = self.call('accounting', 'delete_payment', payment_id,
                           to_sdk('PaymentDelete', {'status': 'DELETED'}), idempotency_key=key)
        return [element_from_sdk('payments', p) for p in result.data.payments or []]

    def delete_allocation(self, credit_note_id, allocation_id):
        self.call('accounting', 'delete_credit_note_allocations', credit_note_id, allocation_id)

    @reads_answer
    def allocate_credit_note(self, credit_note_id, allocations, key):
        """Allocate one credit note to invoices: [{'invoice': {'invoice_id'}, 'amount', 'date'}]."""
        result = self.call('accounting', 'create_credit_note_allocation', credit_note_id,
                           to_sdk('Allocations', {'allocations': allocations}),
                           summarize_errors=False, idempotency_key=key)
        return [allocation_from_sdk(a) for a in result.data.allocations or []]

    @reads_answer
    def create_account(self, values, key):
        """PUT /Accounts with one account (plain values, e.g. a BANK account with its currency);
        returns the account Xero made, as ``accounts()`` lists it. ``key`` is the
        Idempotency-Key."""
        result = self.call('accounting', 'create_account', to_sdk('Account', values),
                           idempotency_key=key)
        return account_from_sdk(result.data.accounts[0])

    @reads_answer
    def delete_account(self, account_id):
        """DELETE /Accounts/{id}: Xero deletes an account no document uses (others it refuses,
        a XeroValidationError). Returns the account as Xero last described it, or None."""
        result = self.call('accounting', 'delete_account', account_id)
        accounts = result.data.accounts or []
        return account_from_sdk(accounts[0]) if accounts else None
