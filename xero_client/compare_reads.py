"""Typed reads for the difference report, mixed into XeroApi: whole books in pages of 1,000,
reduced to what the comparison needs (no per-record calls)."""
from .converters import guid, naive, plain, reads_answer
from .kinds import MAX_PAGE_SIZE


def _amount(value):
    value = plain(value)
    return float(value) if value is not None else 0.0


class CompareReads:

    @reads_answer
    def compare_contacts(self, page=1, page_size=MAX_PAGE_SIZE):
        """One page of contacts with their Balances (receivable and payable outstanding), as
        ``{'xero_id', 'name', 'status', 'receivable', 'payable'}``; and whether another page
        may follow."""
        result = self.call('accounting', 'get_contacts', page=page, page_size=page_size,
                           include_archived=True, order='Name ASC')
        rows = []
        for contact in result.data.contacts or []:
            balances = contact.balances
            receivable = getattr(balances, 'accounts_receivable', None) if balances else None
            payable = getattr(balances, 'accounts_payable', None) if balances else None
            rows.append({
                'xero_id': guid(contact.contact_id), 'name': contact.name,
                'status': plain(contact.contact_status),
                'receivable': _amount(receivable.outstanding) if receivable else 0.0,
                'payable': _amount(payable.outstanding) if payable else 0.0,
            })
        return rows, len(rows) >= page_size

    @reads_answer
    def compare_bank_transactions(self, page=1, page_size=MAX_PAGE_SIZE):
        """One page of bank transactions (every status), as ``{'xero_id', 'status', 'total',
        'date', 'reference'}``; and whether another page may follow."""
        result = self.call('accounting', 'get_bank_transactions', page=page, page_size=page_size,
                           order='UpdatedDateUTC ASC')
        rows = [{'xero_id': guid(txn.bank_transaction_id), 'status': plain(txn.status),
                 'total': _amount(txn.total), 'date': txn.date, 'reference': txn.reference,
                 'updated': naive(txn.updated_date_utc)}
                for txn in result.data.bank_transactions or []]
        return rows, len(rows) >= page_size
