"""Payload hashes, Idempotency-Keys and request batches (XERO_API.md §2, §3, §9).

The hash tells whether a record needs pushing again; it leaves out the record's own Xero id,
so the first push (no id yet) and later ones hash alike when nothing else changed. The
Idempotency-Key of a queued change is drawn once and stored with it, so a retry of the same
change reuses it; a batch's key derives from its elements' keys, so re-sending the same batch
gives the same key and a batch with one element more or less does not. Xero answers 400 to a
key it knows with another body, so a resend is the same members with the same payloads: the
request digest says whether it still is.
"""
import hashlib
import json
import uuid
from datetime import timedelta

# Top-level only: a nested id (the invoice's contact, a payment's invoice) is content.
ID_FIELDS = ('invoice_id', 'credit_note_id', 'contact_id', 'item_id', 'bank_transaction_id',
             'payment_id')
MAX_KEY_LENGTH = 128  # Xero's limit on Idempotency-Key
# Room for the envelope around the elements, e.g. '{"Invoices": [' ... ']}'.
ENVELOPE_BYTES = 64
# Xero keeps an Idempotency-Key about 6 minutes from its first use (XERO_API.md §3, §9). A
# resend inside this shorter window (a minute for clock skew and the request's own time) gets
# Xero's stored answer; after it, only a look-up by natural key can tell whether it landed.
KEY_WINDOW = timedelta(minutes=5)


def payload_hash(payload):
    """sha256 hex of the canonical JSON of ``payload`` without its own Xero id."""
    content = {k: v for k, v in payload.items() if k not in ID_FIELDS}
    text = json.dumps(content, sort_keys=True, default=str, separators=(',', ':'))
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def new_idempotency_key(kind):
    """A fresh key for one queued change, e.g. 'odoo-invoice-3f2a…' (stored with the change)."""
    key = f'odoo-{kind}-{uuid.uuid4().hex}'
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f'Idempotency-Key kind too long: {kind!r}')
    return key


def batch_key(keys):
    """The Idempotency-Key of a batch, from its elements' stored keys in order (71 chars)."""
    return 'odoo-b-' + hashlib.sha256('|'.join(keys).encode('utf-8')).hexdigest()


def request_digest(members):
    """sha256 hex of a request's members, [(Idempotency-Key, payload hash)] in the order sent:
    equal digests, equal request bodies."""
    return hashlib.sha256('|'.join(f'{key}:{digest}' for key, digest in members).encode('utf-8')).hexdigest()


def split_batches(items, size_of, max_count=50, max_bytes=3_500_000):
    """Yield lists of at most ``max_count`` items whose JSON sizes, with separators and the
    envelope, stay within ``max_bytes``; order is kept. An item too big on its own is yielded
    alone, for the caller to refuse (Xero would refuse the whole request).
    """
    batch, used = [], ENVELOPE_BYTES
    for item in items:
        size = size_of(item) + 1  # the comma between elements
        if batch and (len(batch) >= max_count or used + size > max_bytes):
            yield batch
            batch, used = [], ENVELOPE_BYTES
        batch.append(item)
        used += size
        if used > max_bytes:  # alone and still too big
            yield batch
            batch, used = [], ENVELOPE_BYTES
    if batch:
        yield batch
