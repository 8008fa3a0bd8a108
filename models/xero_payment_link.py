from odoo import _, api, fields, models
from odoo.tools import float_compare

from ..xero_client import Element
from .xero_move_link import XERO_TYPES

KINDS = [('payments', 'Payment'), ('allocations', 'Credit note allocation')]


class XeroPaymentLink(models.Model):
    """One application of money to a synced document, and its Xero payment or allocation.

    The Odoo record is the reconciliation (``account.partial.reconcile``) between the document
    and what settles it: an ``account.payment`` becomes a Xero Payment on that document, for
    the amount reconciled (one Odoo payment across several synced invoices goes as one Xero
    batch payment instead: see ``xero_payment_link_batch.py``); a credit note reconciled with an invoice becomes a Xero
    Allocation. The reconciliation may be undone in Odoo: the link stays, keeps its Xero id,
    and the Xero payment is deleted.
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
    _organisation_xero_uniq = models.UniqueIndex(
        '(organisation_id, xero_id) WHERE organisation_id IS NOT NULL AND xero_id IS NOT NULL',
        'A Xero payment links to one Odoo reconciliation per organisation.')

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
                if other.origin_payment_id:
                    values.update(kind='payments', payment_id=other.origin_payment_id.id,
                                  date=other.origin_payment_id.date)
                elif other.move_type in ('out_refund', 'in_refund') and document.move_type in ('out_invoice', 'in_invoice'):
                    values.update(kind='allocations', credit_note_id=other.id)
                else:
                    continue  # a bank line, a write-off, an entry: not a Xero payment
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
                link._record_refusal(_('Undone in Odoo before it reached Xero: nothing to send.'),
                                     state='skipped')
        self._trigger_push()

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
        return None, False

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
            journal = link.payment_id.journal_id
            mapping = link.organisation_id.journal_mapping_ids.filtered(lambda m: m.journal_id == journal)
            if not mapping:
                link._record_refusal(_("Journal '%s' has no Xero payment account: map it in Xero > Mapping.",
                                       journal.display_name))
                continue
            target = ({'credit_note': {'credit_note_id': doc.xero_id}} if doc._xero_kind() == 'credit_notes'
                      else {'invoice': {'invoice_id': doc.xero_id}})
            payload = dict(target, account={'account_id': mapping.xero_account_id.xero_id},
                           date=link.date, amount=link.amount, reference=link._reference())
            rate = link._currency_rate()
            if rate:
                payload['currency_rate'] = rate
            prepared.append((link, payload))
        return prepared

    def _currency_rate(self):
        """The payment's own rate, in Xero's direction (document currency per base currency),
        when the document is not in the organisation's base currency."""
        payment = self.payment_id
        company_currency = payment.company_id.currency_id
        if self.currency_id == company_currency or company_currency.name != self.organisation_id.base_currency:
            return None
        line = payment.move_id.line_ids.filtered(lambda l: l.account_id == payment.outstanding_account_id)[:1]
        if not line or not line.balance:
            return None
        return round(abs(line.amount_currency / line.balance), 6)

    def _xero_send(self, organisation, kind, payloads, key):
        if kind == 'payments':
            return organisation._call('save', kind, payloads, key, api='ops')
        if kind == 'payment_deletes':
            elements = []
            for index, payload in enumerate(payloads):
                elements += organisation._call('delete_payment', payload['payment_id'], f'{key}-{index}', api='ops')
            return elements
        if kind == 'allocation_deletes':
            for payload in payloads:
                organisation._call('delete_allocation', payload['credit_note_id'], payload['allocation_id'], api='ops')
            # Xero answers a deletion with no body: each one that did not raise is gone.
            return [Element(xero_id=p['allocation_id'], number=p['allocation_id'], status='DELETED')
                    for p in payloads]
        elements = []
        by_note = {}
        for payload in payloads:
            by_note.setdefault(payload['credit_note_id'], []).append(
                {k: v for k, v in payload.items() if k != 'credit_note_id'})
        for index, (note, allocations) in enumerate(by_note.items()):
            elements += organisation._call('allocate_credit_note', note, allocations, f'{key}-{index}', api='ops')
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
            elements = organisation._call('find', 'payments', numbers=list(references), api='ops')
            return {references[e.number].id: e for e in elements
                    if e.number in references and e.status != 'DELETED'}
        if kind == 'payment_deletes':
            links = {payload['payment_id'].lower(): link for link, payload in chunk}
            elements = organisation._call('find', 'payments', ids=list(links), api='ops')
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
            allocations = organisation._call('credit_note_allocations', note, api='ops')
            if kind == 'allocation_deletes':
                live = {a.xero_id.lower() for a in allocations if a.xero_id and a.status != 'DELETED'}
                for link, payload in members:
                    if payload['allocation_id'].lower() not in live:
                        found[link.id] = Element(xero_id=payload['allocation_id'], number=payload['allocation_id'],
                                                 status='DELETED')
                continue
            for link, payload in members:
                element = next((a for a in allocations if a.xero_id and a.xero_id.lower() not in held
                                and a.status != 'DELETED'
                                and a.echo.get('invoice_id', '').lower() == payload['invoice']['invoice_id'].lower()
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
