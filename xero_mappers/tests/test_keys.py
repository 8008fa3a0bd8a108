"""Payload hashes, Idempotency-Keys and batching."""
import datetime as dt
import hashlib
import json
import re

import pytest

from xero_mappers import batch_key, new_idempotency_key, payload_hash, split_batches

INVOICE = {'type': 'ACCREC', 'contact': {'contact_id': 'c-1'}, 'date': dt.date(2026, 3, 2),
           'line_items': [{'description': 'Desk', 'quantity': 1.0, 'unit_amount': 100.0}]}


def test_payload_hash_is_canonical_json_without_own_id():
    expected = hashlib.sha256(json.dumps(INVOICE, sort_keys=True, default=str,
                                         separators=(',', ':')).encode()).hexdigest()
    assert payload_hash(INVOICE) == expected
    # Key order does not matter; the document's own id does not count...
    assert payload_hash(dict(reversed(list(INVOICE.items())))) == expected
    assert payload_hash(dict(INVOICE, invoice_id='i-1')) == expected
    assert payload_hash({'name': 'A', 'contact_id': 'x'}) == payload_hash({'name': 'A'})
    # ...but a nested one (the invoice's contact) does, and so does any content.
    assert payload_hash(dict(INVOICE, contact={'contact_id': 'c-2'})) != expected
    assert payload_hash(dict(INVOICE, date=dt.date(2026, 3, 3))) != expected


def test_new_idempotency_key():
    first, second = new_idempotency_key('invoice'), new_idempotency_key('invoice')
    assert re.fullmatch(r'odoo-invoice-[0-9a-f]{32}', first)
    assert first != second
    with pytest.raises(ValueError):
        new_idempotency_key('k' * 120)


def test_batch_key():
    keys = ['odoo-invoice-1', 'odoo-invoice-2']
    digest = hashlib.sha256(b'odoo-invoice-1|odoo-invoice-2').hexdigest()
    assert batch_key(keys) == 'odoo-b-' + digest
    assert batch_key(keys) == batch_key(list(keys))
    assert batch_key(keys) != batch_key(keys[::-1]) != batch_key(keys[:1])
    assert len(batch_key(keys * 500)) == 71 <= 128


def test_split_by_count():
    batches = list(split_batches(range(120), lambda i: 10))
    assert [len(b) for b in batches] == [50, 50, 20]
    assert [i for b in batches for i in b] == list(range(120))
    assert list(split_batches([], len)) == []


def test_split_by_bytes():
    # Each item counts its size plus a comma; the envelope takes 64 bytes: 64 + 3 × 301 = 967.
    sizes = {'a': 300, 'b': 300, 'c': 300, 'd': 300}
    batches = list(split_batches('abcd', sizes.get, max_bytes=1000))
    assert batches == [['a', 'b', 'c'], ['d']]


def test_oversized_item_is_alone():
    sizes = {'a': 100, 'big': 5000, 'b': 100, 'c': 100}
    batches = list(split_batches(['a', 'big', 'b', 'c'], sizes.get, max_bytes=1000))
    assert batches == [['a'], ['big'], ['b', 'c']]
