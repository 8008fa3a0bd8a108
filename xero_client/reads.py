"""Typed reads, mixed into XeroApi: what the addon reads from Xero, in plain values.

Every read returns dicts, lists of dicts or ``Element`` objects (see ``converters``); paged
reads also say whether another page may follow. Where clauses are built by ``where``; a value holding a double
quote, which no where literal can carry, is looked up another way (see ``where``).
"""
from .converters import (account_from_sdk, allocation_from_sdk, contact_from_sdk,
                         contact_group_from_sdk, document_from_sdk, element_from_sdk, item_from_sdk,
                         organisation_from_sdk, payment_from_sdk, plain, reads_answer,
                         tax_rate_from_sdk, user_from_sdk)
from .kinds import KINDS, MAX_IDS_PER_GET, MAX_PAGE_SIZE
from .where import all_of, any_guid, covering, equal, has_quote, keep_equal, quote_free_run, same_text


class Reads:
    """Mixed into XeroApi: look-ups by natural keys, the organisation's settings, paged and
    incremental reads."""

    # --- the organisation and its settings ------------------------------------------------------

    @reads_answer
    def organisation(self):
        """The organisation (GET /Organisation): see ``converters.organisation_from_sdk``."""
        return self._organisation()

    @reads_answer
    def lock_dates(self):
        """{'period': date or None, 'end_of_year': date or None} of the organisation."""
        info = self._organisation()
        return {'period': info['period_lock_date'], 'end_of_year': info['end_of_year_lock_date']}

    def _organisation(self):
        return organisation_from_sdk(self.call('accounting', 'get_organisations').data.organisations[0])

    @reads_answer
    def accounts(self, codes=()):
        """The chart of accounts (GET /Accounts), archived accounts included, or only the
        accounts with these codes: [see ``converters.account_from_sdk``]."""
        kwargs = {'where': covering('Code', codes)} if codes else {}
        result = self.call('accounting', 'get_accounts', **kwargs)
        accounts = [account_from_sdk(a) for a in result.data.accounts or []]
        return keep_equal(accounts, codes, lambda a: a['code']) if has_quote(codes) else accounts

    @reads_answer
    def tax_rates(self):
        """The organisation's tax rates (GET /TaxRates), with their components."""
        result = self.call('accounting', 'get_tax_rates')
        return [tax_rate_from_sdk(r) for r in result.data.tax_rates or []]

    @reads_answer
    def items(self, codes=()):
        """The organisation's items (GET /Items, prices to 4 decimals), or those with these codes."""
        kwargs = {'unitdp': 4}
        if codes:
            kwargs['where'] = covering('Code', codes)
        result = self.call('accounting', 'get_items', **kwargs)
        items = [item_from_sdk(i) for i in result.data.items or []]
        return keep_equal(items, codes, lambda i: i['code']) if codes and has_quote(codes) else items

    @reads_answer
    def users(self):
        """[{'user_id', 'email', 'first_name', 'last_name', 'role'}] of the organisation."""
        result = self.call('accounting', 'get_users')
        return [user_from_sdk(u) for u in result.data.users or []]

    @reads_answer
    def currencies(self):
        """Codes of the currencies enabled in the organisation (GET /Currencies), sorted. Xero
        refuses a document in any other currency."""
        result = self.call('accounting', 'get_currencies')
        return sorted({plain(c.code) for c in result.data.currencies or [] if c.code})

    @reads_answer
    def contact_groups(self):
        """[{'xero_id', 'name', 'status'}] of the organisation's contact groups."""
        result = self.call('accounting', 'get_contact_groups')
        return [contact_group_from_sdk(g) for g in result.data.contact_groups or []]

    @reads_answer
    def contact_group_members(self, group_id):
        """The ContactIDs in one contact group."""
        result = self.call('accounting', 'get_contact_group', group_id)
        groups = result.data.contact_groups or []
        return [str(c.contact_id) for g in groups for c in g.contacts or [] if c.contact_id]

    # --- look-ups -------------------------------------------------------------------------------

    @reads_answer
    def find(self, kind, numbers=(), ids=(), where=None):
        """Documents of ``kind`` with these numbers or ids, archived and voided ones included.

        Uses Xero's dedicated filters where it has them (``InvoiceNumbers=``, ``IDs=``) and a
        ``where`` on the natural key or the id elsewhere (CreditNotes and Items have no ``IDs``
        filter); callers pass at most 50 values. A caller's ``where`` is built with ``where``.
        A number holding a double quote goes as ``Field.Contains(...)`` of its quote-free part
        and the answer is narrowed here to the exact numbers (``where.covering``).
        """
        numbers, ids = list(numbers or ()), list(ids or ())
        if len(numbers) > MAX_IDS_PER_GET or len(ids) > MAX_IDS_PER_GET:
            raise ValueError(f'At most {MAX_IDS_PER_GET} values per look-up')
        kwargs = {}
        if kind == 'invoices':
            method = 'get_invoices'
            kwargs.update(unitdp=4, include_archived=True)
            if numbers:
                kwargs['invoice_numbers'] = numbers
            if ids:
                kwargs['i_ds'] = ids
        elif kind == 'contacts':
            method = 'get_contacts'
            kwargs['include_archived'] = True
            if ids:
                kwargs['i_ds'] = ids
            if numbers:
                where = all_of(where, covering('ContactNumber', numbers))
        elif kind == 'credit_notes':
            method = 'get_credit_notes'
            kwargs['unitdp'] = 4
            if numbers:
                where = all_of(where, covering('CreditNoteNumber', numbers))
            if ids:
                where = all_of(where, any_guid('CreditNoteID', ids))
        elif kind == 'items':
            method = 'get_items'
            if numbers:
                where = covering('Code', numbers)
            if ids:
                where = all_of(where, any_guid('ItemID', ids))
        elif kind == 'payments':
            # /Payments has no IDs filter (XERO_API.md §2): the Reference Odoo gave them.
            method = 'get_payments'
            if numbers:
                where = covering('Reference', numbers)
            if ids:
                where = all_of(where, any_guid('PaymentID', ids))
        elif kind == 'bank_transactions':
            # Xero's own References= filter (CSV), rather than an unoptimised where clause.
            method = 'get_bank_transactions'
            kwargs['unitdp'] = 4
            if numbers:
                kwargs['references'] = numbers
        else:
            raise ValueError(f'No look-up for {kind}')
        if where:
            kwargs['where'] = where
        result = self.call('accounting', method, **kwargs)
        found = [element_from_sdk(kind, obj) for obj in getattr(result.data, KINDS[kind].attr) or []]
        if numbers and has_quote(numbers) and kind in ('contacts', 'credit_notes', 'items', 'payments'):
            found = keep_equal(found, numbers, lambda el: el.number)
        return found

    @reads_answer
    def contacts_named(self, name):
        """The contacts, archived ones included, named ``name`` as Xero's ``Name==`` compares
        names (case-insensitively, ``where.same_text``).

        A name without a double quote: ``where=Name=="name"``. With one, which no where literal
        can carry: ``searchTerm`` (Xero's case-insensitive text search over Name, FirstName,
        LastName, ContactNumber, EmailAddress) with the name's longest quote-free run, then only
        the contacts whose Name is exactly ``name``. The run, not the whole name: what Xero's
        search does with a double quote is documented nowhere, and the run is found wherever
        the name is (a name of quotes and spaces alone: every contact, narrowed here).
        """
        name = str(name)
        kwargs = {'include_archived': True}
        if '"' in name:
            term = quote_free_run(name)
            if term:
                kwargs['search_term'] = term
        else:
            kwargs['where'] = equal('Name', name)
        result = self.call('accounting', 'get_contacts', **kwargs)
        found = [element_from_sdk('contacts', c) for c in result.data.contacts or []]
        return [el for el in found if same_text(el.echo.get('name'), name)]

    @reads_answer
    def credit_note_allocations(self, credit_note_id):
        """The allocations Xero holds on one credit note (GET /CreditNotes/{id}), deleted ones
        with status DELETED: how a lost answer on an allocation or its deletion is settled."""
        result = self.call('accounting', 'get_credit_note', credit_note_id, unitdp=4)
        notes = result.data.credit_notes or []
        return [allocation_from_sdk(a) for note in notes for a in note.allocations or []]

    # --- paged, incremental reads ---------------------------------------------------------------

    @reads_answer
    def pull_contacts(self, since=None, page=1, page_size=MAX_PAGE_SIZE):
        """One page of contacts changed since ``since`` (naive UTC), archived ones included, in
        ``UpdatedDateUTC`` order, as plain dicts; and whether another page may follow."""
        kwargs = {'page': page, 'page_size': page_size, 'include_archived': True,
                  'order': 'UpdatedDateUTC ASC'}
        if since:
            kwargs['if_modified_since'] = since
        result = self.call('accounting', 'get_contacts', **kwargs)
        contacts = [contact_from_sdk(c) for c in result.data.contacts or []]
        return contacts, len(contacts) >= page_size

    @reads_answer
    def pull_payments(self, since=None, page=1, page_size=MAX_PAGE_SIZE, where=None):
        """One page of payments changed since ``since`` (or matching ``where``), from /Payments
        (which carries IsReconciled, unlike the copies inside an invoice), in UpdatedDateUTC
        order."""
        kwargs = {'page': page, 'page_size': page_size, 'order': 'UpdatedDateUTC ASC'}
        if since:
            kwargs['if_modified_since'] = since
        if where:
            kwargs['where'] = where
        result = self.call('accounting', 'get_payments', **kwargs)
        payments = [payment_from_sdk(p) for p in result.data.payments or []]
        return payments, len(payments) >= page_size

    @reads_answer
    def pull_documents(self, kind, since=None, page=1, page_size=MAX_PAGE_SIZE, ids=None):
        """One page of invoices or credit notes changed since ``since``, in UpdatedDateUTC order
        (or these ids, at most 50), as plain dicts with their lines."""
        kwargs = {'page': page, 'page_size': page_size, 'order': 'UpdatedDateUTC ASC', 'unitdp': 4}
        if since:
            kwargs['if_modified_since'] = since
        if ids and kind == 'invoices':
            kwargs['i_ds'] = list(ids)
        elif ids:
            kwargs['where'] = any_guid('CreditNoteID', ids)
        method = 'get_invoices' if kind == 'invoices' else 'get_credit_notes'
        result = self.call('accounting', method, **kwargs)
        documents = [document_from_sdk(kind, d) for d in getattr(result.data, KINDS[kind].attr) or []]
        return documents, len(documents) >= page_size
