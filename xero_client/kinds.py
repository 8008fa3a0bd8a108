"""The kinds of Xero documents the addon writes and reads, and ``Element``, the plain value
every write and look-up answers with. Imports nothing: every other module may import it.
"""
import datetime
from dataclasses import dataclass, field

# Xero's practical ceiling per request (XERO_API.md §2), the largest id group a GET filter is
# known to take (§9: about 52 invoice ids), and the largest pageSize Xero is known to serve (§9).
MAX_BATCH = 50
MAX_IDS_PER_GET = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Kind:
    """How one kind of Xero document is written and read."""
    save: str          # SDK method that creates and updates a batch (POST)
    model: str         # SDK list model, e.g. 'Invoices'
    attr: str          # attribute holding the list, e.g. 'invoices'
    id_attr: str       # e.g. 'invoice_id'
    number_attr: str   # what Xero echoes and the engine matches on
    unitdp: bool       # whether the endpoint takes unitdp=4


KINDS = {
    'contacts': Kind('update_or_create_contacts', 'Contacts', 'contacts', 'contact_id',
                     'contact_number', False),
    'invoices': Kind('update_or_create_invoices', 'Invoices', 'invoices', 'invoice_id',
                     'invoice_number', True),
    'credit_notes': Kind('update_or_create_credit_notes', 'CreditNotes', 'credit_notes',
                         'credit_note_id', 'credit_note_number', True),
    'items': Kind('update_or_create_items', 'Items', 'items', 'item_id', 'code', True),
    # Xero has no batch update of payments: PUT creates, a deletion goes one by one.
    'payments': Kind('create_payments', 'Payments', 'payments', 'payment_id', 'reference', False),
    # Xero echoes a bank transaction's Reference, which carries a stable Odoo id.
    'bank_transactions': Kind('update_or_create_bank_transactions', 'BankTransactions',
                              'bank_transactions', 'bank_transaction_id', 'reference', True),
}


@dataclass
class Element:
    """One document of Xero's answer, as plain values."""
    xero_id: str = None
    number: str = None
    status: str = None
    total: float = None
    total_tax: float = None
    sub_total: float = None
    amount_due: float = None
    updated: datetime.datetime = None
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    echo: dict = field(default_factory=dict)

    @property
    def ok(self):
        return bool(self.xero_id) and not self.errors
