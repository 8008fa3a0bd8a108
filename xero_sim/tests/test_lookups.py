"""The look-ups the sync engine makes before re-sending a write whose outcome
it does not know: CSV filters, `where` clauses, paging, ordering and
If-Modified-Since, all through the SDK."""
import datetime as dt
from decimal import Decimal

from xero_python.accounting import (Account, BankTransactions, Contact, Contacts, CreditNotes,
                                    Invoice, Invoices, Payment)

from xero_sim.tests.helpers import raw
from xero_sim.tests.test_invoices import TODAY, create, invoice, line
from xero_sim.tests.test_payments import bank_txn, credit_note

D = Decimal


def bill(number, contact='Marine Systems', amount=10, **kw):
    kw.setdefault('due_date', None)
    return invoice([line(amount, tax='INPUT2', account='300')], type='ACCPAY',
                   invoice_number=number, contact=contact, **kw)


def numbers(docs):
    return sorted(d.invoice_number for d in docs)


def test_invoices_by_numbers_ids_statuses_and_where(api, client, nz, spec):
    sales = create(api, nz, *[invoice([line(i + 1)]) for i in range(3)])
    bills = create(api, nz, bill('B-1'), bill('B-2', contact='PowerDirect'),
                   bill('B-3', status='DRAFT'))
    marine = bills[0].contact.contact_id
    got = api.get_invoices(nz, invoice_numbers=['INV-0001', 'INV-0003', 'NOPE']).invoices
    assert numbers(got) == ['INV-0001', 'INV-0003']
    spec('Invoices', raw(client[2]))
    got = api.get_invoices(nz, i_ds=[sales[1].invoice_id, bills[1].invoice_id]).invoices
    assert numbers(got) == ['B-2', 'INV-0002']
    assert numbers(api.get_invoices(nz, statuses=['DRAFT']).invoices) == ['B-3']
    assert numbers(api.get_invoices(nz, statuses=['AUTHORISED', 'DRAFT'],
                                    where='Type=="ACCPAY"').invoices) == ['B-1', 'B-2', 'B-3']
    # Bills: numbers are not unique, so the engine narrows by contact and type.
    where = 'Type=="ACCPAY" AND Contact.ContactID==Guid("%s")' % marine
    assert numbers(api.get_invoices(nz, where=where).invoices) == ['B-1', 'B-3']
    assert numbers(api.get_invoices(nz, where=where, invoice_numbers=['B-1', 'B-2']).invoices) \
        == ['B-1']
    assert numbers(api.get_invoices(nz, where='InvoiceNumber=="B-2"').invoices) == ['B-2']
    assert numbers(api.get_invoices(nz, where=where + ' AND InvoiceNumber=="B-3"',
                                    i_ds=[b.invoice_id for b in bills]).invoices) == ['B-3']
    assert api.get_invoices(nz, invoice_numbers=['NOPE']).invoices == []


def test_credit_notes_by_number_where(api, nz):
    made = api.create_credit_notes(nz, CreditNotes(credit_notes=[
        credit_note([line(i + 1)]) for i in range(3)])).credit_notes
    assert [n.credit_note_number for n in made] == ['CN-0001', 'CN-0002', 'CN-0003']
    got = api.get_credit_notes(
        nz, where='CreditNoteNumber=="CN-0001" OR CreditNoteNumber=="CN-0003"').credit_notes
    assert sorted(n.credit_note_number for n in got) == ['CN-0001', 'CN-0003']
    got = api.get_credit_notes(nz, where='Type=="ACCRECCREDIT" AND CreditNoteNumber=="CN-0002"',
                               page=1, page_size=10)
    assert [n.credit_note_id for n in got.credit_notes] == [made[1].credit_note_id]
    assert got.pagination.item_count == 1


def test_contacts_by_ids_number_name_and_archived(api, client, nz, spec):
    made = api.create_contacts(nz, Contacts(contacts=[
        Contact(name='Odoo Partner 1', contact_number='ODOO-1'),
        Contact(name='Odoo Partner 2', contact_number='ODOO-2'),
        Contact(name='Odoo Partner 3', contact_number='ODOO-3')])).contacts
    ids = [c.contact_id for c in made]
    got = api.get_contacts(nz, i_ds=ids[:2]).contacts
    assert sorted(c.contact_number for c in got) == ['ODOO-1', 'ODOO-2']
    spec('Contacts', raw(client[2]))
    got = api.get_contacts(nz, where='ContactNumber=="ODOO-1" OR ContactNumber=="ODOO-3"')
    assert sorted(c.contact_id for c in got.contacts) == sorted([ids[0], ids[2]])
    assert [c.contact_id for c in api.get_contacts(nz, where='Name=="Odoo Partner 2"').contacts] \
        == [ids[1]]
    # Name comparisons ignore case, as documented in the module docstring.
    assert len(api.get_contacts(nz, where='Name=="odoo partner 2"').contacts) == 1
    api.update_contact(nz, ids[2], Contacts(contacts=[Contact(contact_status='ARCHIVED')]))
    assert api.get_contacts(nz, i_ds=[ids[2]]).contacts == []
    assert api.get_contacts(nz, where='ContactNumber=="ODOO-3"').contacts == []
    archived = api.get_contacts(nz, i_ds=[ids[2]], include_archived='true').contacts
    assert [(c.contact_id, c.contact_status) for c in archived] == [(ids[2], 'ARCHIVED')]
    assert len(api.get_contacts(nz, include_archived='true').contacts) == \
        len(api.get_contacts(nz).contacts) + 1
    assert api.get_contact(nz, ids[2]).contacts[0].contact_status == 'ARCHIVED'


def test_bank_transactions_and_payments_by_reference(api, nz):
    api.create_bank_transactions(nz, BankTransactions(bank_transactions=[
        bank_txn(reference='ODOO-BNK-1'), bank_txn(reference='ODOO-BNK-2')]))
    got = api.get_bank_transactions(nz, where='Reference=="ODOO-BNK-2"').bank_transactions
    assert [t.reference for t in got] == ['ODOO-BNK-2']
    assert api.get_bank_transactions(nz, where='Reference=="nope"').bank_transactions == []
    inv = create(api, nz, invoice([line(100)]))[0]
    for ref in ('ODOO-PAY-1', 'ODOO-PAY-2'):
        api.create_payment(nz, Payment(invoice=Invoice(invoice_id=inv.invoice_id),
                                       account=Account(code='090'), amount=10, date=TODAY,
                                       reference=ref))
    got = api.get_payments(nz, where='Reference=="ODOO-PAY-1"').payments
    assert [(p.reference, p.invoice.invoice_id) for p in got] == [('ODOO-PAY-1', inv.invoice_id)]
    got = api.get_payments(nz, where='Reference=="ODOO-PAY-2" AND Invoice.InvoiceID==Guid("%s")'
                           % inv.invoice_id).payments
    assert [p.reference for p in got] == ['ODOO-PAY-2']


def test_paging_order_and_if_modified_since(sim, api, nz):
    made = []
    for i in range(5):  # one a minute, so UpdatedDateUTC differs
        made.append(create(api, nz, invoice([line(i + 1)], reference='P%d' % i))[0])
        sim.clock.advance(60)
    contacts = api.get_contacts(nz).contacts
    # Touch the first invoice: it moves to the end in UpdatedDateUTC order.
    api.update_invoice(nz, made[0].invoice_id,
                       Invoices(invoices=[Invoice(reference='P0-touched')]))
    pages = [api.get_invoices(nz, page=p, page_size=2, order='UpdatedDateUTC ASC')
             for p in (1, 2, 3, 4)]
    refs = [[i.reference for i in page.invoices] for page in pages]
    assert refs == [['P1', 'P2'], ['P3', 'P4'], ['P0-touched'], []]
    assert [(p.pagination.page, p.pagination.page_count, p.pagination.item_count)
            for p in pages[:3]] == [(1, 3, 5), (2, 3, 5), (3, 3, 5)]
    desc = api.get_invoices(nz, order='UpdatedDateUTC DESC', page=1, page_size=1).invoices
    assert [i.reference for i in desc] == ['P0-touched']
    since = made[3].updated_date_utc.replace(tzinfo=None)
    got = api.get_invoices(nz, if_modified_since=since, order='UpdatedDateUTC ASC').invoices
    assert [i.reference for i in got] == ['P3', 'P4', 'P0-touched']
    got = api.get_invoices(nz, if_modified_since=since, page=2, page_size=2,
                           order='UpdatedDateUTC ASC').invoices
    assert [i.reference for i in got] == ['P0-touched']
    # Contacts page the same way.
    first = api.get_contacts(nz, page=1, page_size=3, order='UpdatedDateUTC ASC')
    second = api.get_contacts(nz, page=2, page_size=3, order='UpdatedDateUTC ASC')
    assert first.pagination.item_count == len(contacts)
    assert [c.contact_id for c in first.contacts + second.contacts] == \
        [c.contact_id for c in sorted(contacts, key=lambda c: c.updated_date_utc)]
    mark = sim.clock.now().replace(tzinfo=None) - dt.timedelta(seconds=1)
    assert api.get_contacts(nz, if_modified_since=mark).contacts == []
    sim.clock.advance(5)
    new = api.create_contacts(nz, Contacts(contacts=[Contact(name='Late Ltd')])).contacts[0]
    assert [c.contact_id for c in api.get_contacts(nz, if_modified_since=mark).contacts] \
        == [new.contact_id]
