"""Pure mappers from plain Odoo values to Xero payloads. Imports nothing from odoo.

Payloads are plain dicts keyed by the xero-python SDK's snake_case attribute names, the shape
``xero_client.to_sdk`` turns into SDK models; the Odoo side builds the input dicts, stores the
payload hash, and hands the payload to the client layer.

``invoice``  invoices, bills and credit notes, and the totals Xero will compute for them;
``contact``  contacts, plus the phone/email/tax-number rules used to match existing ones;
``keys``     payload hashes, Idempotency-Keys and request batching;
``bank_transaction``  card and wallet transactions (or a bill and its payment), and Xero's
    bank-statement CSV.
"""
from .bank_transaction import (bank_transaction_payload, delete_payload,  # noqa: F401
                               render_description, statement_csv)
from .contact import (contact_payload, disambiguated_name, normalise_phone,  # noqa: F401
                      same_party)
from .invoice import (document_payload, expected_totals, id_field,  # noqa: F401
                      number_field)
from .keys import batch_key, new_idempotency_key, payload_hash, split_batches  # noqa: F401
