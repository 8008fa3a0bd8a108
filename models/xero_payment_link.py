from odoo import _, api, fields, models
from odoo.tools import float_compare

from ..xero_client import Element
from .xero_move_link import XERO_TYPES

KINDS = [('payments', 'Payment'), ('allocations', 'Credit note allocation')]


class XeroPaymentLink(models.Model):
    """One application of money to a synced document, and its Xero payment or allocation.

    The Odoo record is the reconciliation (``account.partial.reconcile``) between the document
    and what settles it: an ``account.payment``, or a bank statement line reconciled with the
    document directly, becomes a Xero Payment on that document, for the amount reconciled in the
    document's currency, at the rate of the reconciliation, into the Xero bank account of the
    money's journal (one Odoo payment or bank line across several synced invoices goes as one
    Xero batch payment instead: see ``xero_payment_link_batch.py``; money left over as credit,
    as an overpayment or prepayment: ``xero_payment_link_credit.py``); a credit note reconciled
    with an invoice becomes a Xero Allocation. The reconciliation may be undone in Odoo: the
    link stays, keeps its Xero id, and the Xero payment is deleted.
    """
    _name = 'xero.payment.link'
    _inherit = ['xero.link.mixin']
    _description = 'Xero payment link'
    _order = 'id desc'
    _xero_record_field = 'partial_id'

    partial_id = fields.Many2one('account.partial.reconcile', index=True, ondelete='set null', readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    payment_id = fields.Many2one('account.payment', index=True, ondelete='set null', readonly=True)
    statement_line_id = fields.Many2one('account.bank.statement.line', string='Bank statement line', index=True,
                                        ondelete='set null', readonly=True,
                                        help='The bank line that settles the document, when it was reconciled '
                                             'with it directly (no Odoo payment).')
    move_id = fields.Many2one('account.move', string='Document', index=True, ondelete='cascade', readonly=True)
    credit_note_id = fields.Many2one('account.move', string='Credit note', ondelete='cascade', readonly=True)
    amount = fields.Monetary(currency_field='currency_id', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    date = fields.Date(readonly=True)
    to_delete = fields.Boolean(readonly=True, copy=False, help='Undone in Odoo: to be deleted in Xero.')
    from_xero = fields.Boolean(string='Made in Xero', readonly=True, copy=False)

    _organisation_partial_uniq = models.UniqueIndex(
        '(organisation_id, partial_id) WHERE organisation_id IS NOT NULL AND partial_id IS NOT NULL',
        'A reconciliation links to one Xero payment per organisation.')
    _xero_unique_nouns = ('Xero payment', 'Odoo reconciliation')

    def _xero_kind(self):
        if self.to_delete:
            return 'payment_deletes' if self.kind == 'payments' else 'allocation_deletes'
        return self.kind

    def _xero_url(self):
        return self.xero_id and self.kind == 'payments' and \
            f'https://go.xero.com/Bank/ViewTransaction.aspx?bankTransactionID={self.xero_id}'

    # --- what is queued -----------------------------------------------------------------------

    @api.model
    def _money_source(self, move):
        """What brings the money of a journal entry reconciled with a document: its Odoo payment,
        or its bank statement line (reconciled directly, with no payment); empty records otherwise
        (a credit note, a write-off, an entry)."""
        return move.origin_payment_id, move.statement_line_id

    @api.model
    def _queue_partials(self, partials):
        """Links for new reconciliations of synced documents; returns them."""
        links = self.browse()
        MoveLink = self.env['xero.move.link'].sudo()
        for partial in partials:
            debit, credit = partial.debit_move_id.move_id, partial.credit_move_id.move_id
            documents = (debit | credit).filtered(lambda m: m.move_type in XERO_TYPES)
            for document in documents:
                doc_link = MoveLink.search([('move_id', '=', document.id), ('organisation_id', '!=', False)], limit=1)
                if not doc_link:
                    continue
                other = (debit | credit) - document
                line = partial.debit_move_id if document == debit else partial.credit_move_id
                amount = partial.debit_amount_currency if document == debit else partial.credit_amount_currency
                values = {'organisation_id': doc_link.organisation_id.id, 'partial_id': partial.id,
                          'move_id': document.id, 'currency_id': line.currency_id.id,
                          'amount': abs(amount), 'date': partial.max_date}
                payment, st_line = self._money_source(other) if len(other) == 1 else (None, None)
                if payment or st_line:
                    # An Odoo payment, or a bank statement line reconciled with the document
                    # directly (Odoo's bank reconciliation, OCA's, or journal items matched by
                    # hand): a Xero payment on the money's date.
                    values.update(kind='payments', payment_id=payment.id if payment else False,
                                  statement_line_id=st_line.id if st_line and not payment else False,
                                  date=(payment or st_line).date)
                elif other.move_type in ('out_refund', 'in_refund') and document.move_type in ('out_invoice', 'in_invoice'):
                    values.update(kind='allocations', credit_note_id=other.id)
                else:
                    continue  # a write-off, an exchange difference, an entry: not a Xero payment
                link = self.sudo().create(values)
                links |= link._mark_pending()
                break
        if links:
            links._trigger_push()
        return links

    def _undo(self):
        """The reconciliation is gone in Odoo: delete what Xero holds of it."""
        for link in self.sudo():
            if link.xero_id and link.xero_status != 'DELETED':
                link.to_delete = True
                link._mark_pending()
            elif not link.xero_id and link.sync_state != 'synced':
                link._withdraw(_('Undone in Odoo before it reached Xero: nothing to send.'))
        self._trigger_push()

    def _xero_withdrawn_found(self):
        # Undone in Odoo, in Xero after all: delete it there.
        self.write({'to_delete': True})
        self._mark_pending()

    # --- the engine's hooks -------------------------------------------------------------------

    def _document_link(self, move=None):
        return self.env['xero.move.link'].sudo().search(
            [('move_id', '=', (move or self.move_id).id), ('organisation_id', '=', self.organisation_id.id)], limit=1)

    def _xero_dependencies(self):
        doc_links = self.env['xero.move.link']
        for link in self.filtered(lambda l: not l.to_delete):
            doc_links |= link._document_link()
            if link.credit_note_id:
                doc_links |= link._document_link(link.credit_note_id)
        return {'xero.move.link': doc_links}

    def _xero_missing_dependencies(self):
        if self.to_delete:
            return None, False
        for move in (self.move_id | self.credit_note_id):
            doc = self._document_link(move)
            if not (doc.sync_state == 'synced' and doc.xero_id):
                refused = doc.sync_state == 'error'
                return _('Waiting for %(doc)s to reach Xero%(why)s.', doc=move.display_name,
                         why=(': ' + doc.last_error) if refused and doc.last_error else ''), refused
        feed = self._feed_transaction()
        if feed.xero_id:
            # The money is in Xero already, as the bank feed's transaction of this line: a
            # payment too would count it twice. A person removes that one; then this goes.
            return _("The bank line '%(line)s' is already in Xero (%(org)s) as a bank transaction of the "
                     "bank feed, so a payment on %(doc)s would put the money in Xero twice. On the bank "
                     "line, press Unverify, then Replace in Xero: that transaction is deleted in Xero and "
                     "this payment goes in its place.",
                     line=self.statement_line_id.payment_ref or self.statement_line_id.display_name,
                     org=self.organisation_id.name, doc=self.move_id.display_name), True
        if feed.sync_state == 'in_flight':
            return _('The bank feed is sending this bank line to Xero right now: waiting for its answer.'), False
        return None, False

    def _feed_transaction(self):
        """The bank feed's transaction of this link's statement line in Xero, when it holds one
        (or may: a request on its way)."""
        if not self.statement_line_id:
            return self.env['xero.statement.line.link']
        return self.env['xero.statement.line.link'].sudo().search([
            ('organisation_id', '=', self.organisation_id.id), ('statement_line_id', '=', self.statement_line_id.id),
            '|', ('xero_id', '!=', False), ('sync_state', '=', 'in_flight')]).filtered(
            lambda l: l.xero_status not in ('DELETED', 'VOIDED'))[:1]

    def _reference(self):
        prefix = self.env['xero.partner.link']._contact_number_prefix()
        return f'{prefix}PAY-{self.id}'

    def _xero_payloads(self):
        prepared = []
        for link in self:
            if link.to_delete:
                if link.kind == 'payments':
                    prepared.append((link, {'payment_id': link.xero_id, 'status': 'DELETED'}))
                else:
                    prepared.append((link, {'allocation_id': link.xero_id,
                                            'credit_note_id': link._document_link(link.credit_note_id).xero_id}))
                continue
            doc = link._document_link()
            if link.kind == 'allocations':
                prepared.append((link, {
                    'credit_note_id': link._document_link(link.credit_note_id).xero_id,
                    'invoice': {'invoice_id': doc.xero_id},
                    'amount': link.amount, 'date': link.date}))
                continue
            journal = (link.payment_id or link.statement_line_id).journal_id
            mapping = link.organisation_id.journal_mapping_ids.filtered(lambda m: m.journal_id == journal)
            account = mapping.xero_account_id or link._feed_account(journal)
            if not account:
                link._record_refusal(_(
                    "Journal '%(journal)s' has no Xero bank account in %(org)s, so this payment cannot "
                    "go to Xero: choose one on the Payment accounts tab of the organisation (Xero > "
                    "Organisations, or Xero > Configuration > Payment Accounts), then press Retry.",
                    journal=journal.display_name, org=link.organisation_id.name))
                continue
            target = ({'credit_note': {'credit_note_id': doc.xero_id}} if doc._xero_kind() == 'credit_notes'
                      else {'invoice': {'invoice_id': doc.xero_id}})
            payload = dict(target, account={'account_id': account.xero_id},
                           date=link.date, amount=link.amount, reference=link._reference())
            rate = link._currency_rate()
            if rate:
                payload['currency_rate'] = rate
            prepared.append((link, payload))
        return prepared

    def _feed_account(self, journal):
        """A journal that feeds this organisation has its Xero bank account per currency (Bank
        feed tab): the payment of one of its lines goes there."""
        if not self.statement_line_id or journal.xero_feed_organisation_id != self.organisation_id:
            return self.env['xero.account']
        return self.organisation_id.bank_feed_currency_ids.filtered(
            lambda c: c.currency_id == self.statement_line_id.currency_id).xero_account_id[:1]

    def _currency_rate(self):
        """The rate of the reconciliation that settles the document, in Xero's direction
        (document currency units per 1 base currency), when the document is not in the
        organisation's base currency; None (Xero then takes its own) when it cannot be known,
        never 1 as a guess.

        The base-currency value is what the money brought to this reconciliation in Odoo: the
        partial's company amount (the smaller of the two sides' values) plus the exchange
        difference Odoo booked on the money's side of it. So Xero's exchange gain or loss
        (amount / this rate - amount / the document's rate) is Odoo's exchange difference."""
        company_currency = self.move_id.company_id.currency_id
        partial = self.partial_id
        if (not partial or self.currency_id == company_currency
                or company_currency.name != self.organisation_id.base_currency):
            return None
        on_debit = partial.debit_move_id.move_id == self.move_id
        money_line = partial.credit_move_id if on_debit else partial.debit_move_id
        exchange = partial.exchange_move_id.line_ids.filtered(
            lambda l: money_line in (l.matched_debit_ids.debit_move_id | l.matched_credit_ids.credit_move_id))
        base = partial.amount + abs(sum(exchange.mapped('balance')))
        amount = abs(partial.debit_amount_currency if on_debit else partial.credit_amount_currency)
        if company_currency.is_zero(base) or self.currency_id.is_zero(amount):
            return None
        return round(amount / base, 6)

    def _xero_send(self, organisation, kind, payloads, key):
        if kind == 'payments':
            return organisation._xero().save(kind, payloads, key)
        if kind == 'payment_deletes':
            elements = []
            for index, payload in enumerate(payloads):
                elements += organisation._xero().delete_payment(payload['payment_id'], f'{key}-{index}')
            return elements
        if kind == 'allocation_deletes':
            for payload in payloads:
                organisation._xero().delete_allocation(payload['credit_note_id'], payload['allocation_id'])
            # Xero answers a deletion with no body: each one that did not raise is gone.
            return [Element(xero_id=p['allocation_id'], number=p['allocation_id'], status='DELETED')
                    for p in payloads]
        elements = []
        by_note = {}
        for payload in payloads:
            by_note.setdefault(payload['credit_note_id'], []).append(
                {k: v for k, v in payload.items() if k != 'credit_note_id'})
        for index, (note, allocations) in enumerate(by_note.items()):
            elements += organisation._xero().allocate_credit_note(note, allocations, f'{key}-{index}')
        return elements

    def _xero_match_key(self, payload):
        if 'status' in payload and payload.get('payment_id'):
            return payload['payment_id']
        if 'allocation_id' in payload:
            return payload['allocation_id']
        if 'reference' in payload:
            return payload['reference']
        return payload['invoice']['invoice_id']

    def _xero_match_key_of_element(self, element):
        if element.echo.get('invoice_id') and not element.number:
            return element.echo['invoice_id']
        if element.status == 'DELETED' and element.xero_id:
            return element.xero_id
        return element.number

    def _xero_request_group(self, payload):
        # Allocations go per credit note, deletions one by one: one request each.
        if self.to_delete:
            return payload.get('payment_id') or payload['allocation_id']
        return payload['credit_note_id'] if self.kind == 'allocations' else None

    def _xero_keyed(self, kind):
        # Xero deletes an allocation with a DELETE, which takes no Idempotency-Key.
        return kind != 'allocation_deletes'

    def _xero_looks_up(self, payload):
        return not self.xero_id or self.to_delete

    def _xero_find(self, organisation, kind, chunk):
        """Payments by the Reference Odoo gave them; a deletion is found done when Xero holds
        the payment DELETED. Allocations, which have no number, by the credit note's own list:
        one to the same invoice, of the same amount and date, that no other link holds; a
        deletion is done when the allocation is gone or marked deleted."""
        if kind == 'payments':
            references = {payload['reference']: link for link, payload in chunk}
            elements = organisation._xero().find('payments', numbers=list(references))
            return {references[e.number].id: e for e in elements
                    if e.number in references and e.status != 'DELETED'}
        if kind == 'payment_deletes':
            links = {payload['payment_id'].lower(): link for link, payload in chunk}
            elements = organisation._xero().find('payments', ids=list(links))
            return {links[e.xero_id.lower()].id: e for e in elements
                    if e.xero_id and e.xero_id.lower() in links and e.status == 'DELETED'}
        found = {}
        by_note = {}
        for link, payload in chunk:
            by_note.setdefault(payload['credit_note_id'], []).append((link, payload))
        held = {xero_id.lower() for xero_id in self.search([
            ('organisation_id', '=', organisation.id), ('kind', '=', 'allocations'),
            ('xero_id', '!=', False)]).mapped('xero_id')}
        for note, members in by_note.items():
            allocations = organisation._xero().credit_note_allocations(note)
            found.update(self._match_allocations(members, allocations, held, kind == 'allocation_deletes'))
        return found

    @api.model
    def _match_allocations(self, members, allocations, held, deleting):
        """Settle the look-up of ``members`` ((link, payload) pairs) against the allocations Xero
        holds on one credit (a credit note, an overpayment or a prepayment).

        A deletion is done when its allocation is gone or marked deleted. A create is found as
        an allocation to the same invoice, of the same amount and date, that no other link holds
        (``held``: lower-case ids, updated with each one found). Returns {link id: Element}."""
        found = {}
        if deleting:
            live = {a.xero_id.lower() for a in allocations if a.xero_id and a.status != 'DELETED'}
            for link, payload in members:
                if payload['allocation_id'].lower() not in live:
                    found[link.id] = Element(xero_id=payload['allocation_id'], number=payload['allocation_id'],
                                             status='DELETED')
            return found
        for link, payload in members:
            element = next((a for a in allocations if a.xero_id and a.xero_id.lower() not in held
                            and a.status != 'DELETED'
                            and (a.echo.get('invoice_id') or '').lower() == payload['invoice']['invoice_id'].lower()
                            and float_compare(a.total or 0.0, payload['amount'], 2) == 0
                            and a.echo.get('date') == payload['date']), None)
            if element:
                held.add(element.xero_id.lower())
                found[link.id] = element
        return found

    def _xero_bind_extra(self, element, payload):
        if self.to_delete:
            self.write({'xero_status': 'DELETED', 'to_delete': False})
        document = self.move_id
        status = element.echo.get('document_status')
        if status and self.kind == 'payments':
            # Xero's answer says what the payment made of the document: its tab shows it at once.
            self._document_link().write({'xero_status': status,
                                         'xero_amount_due': element.echo.get('document_amount_due') or 0.0})
        if element.status == 'DELETED':
            body = _('Payment of %(amount)s deleted in Xero (%(org)s).', amount=self.amount, org=self.organisation_id.name)
        elif self.kind == 'allocations':
            body = _('Credit note %(note)s allocated in Xero (%(amount)s).', note=self.credit_note_id.name,
                     amount=self.amount)
        else:
            body = _('Payment of %(amount)s sent to Xero (%(org)s).', amount=self.amount, org=self.organisation_id.name)
        document._message_log(body=body)

    def _xero_note_refused(self):
        for link in self:
            target = link.payment_id or link.move_id
            target.message_post(body=_('Xero refused this payment in %(org)s: %(error)s',
                                       org=link.organisation_id.name, error=link.last_error))
