from odoo import _, api, fields, models

from .xero_move_link import XERO_TYPES

KINDS = [('payments', 'Payment')]


class XeroPaymentLink(models.Model):
    """One application of money to a synced document, and its Xero payment.

    The Odoo record is the reconciliation (``account.partial.reconcile``) between the document
    and what settles it: an ``account.payment``, or a bank statement line reconciled with the
    document directly, becomes a Xero Payment on that document, for the amount reconciled in the
    document's currency, at the rate of the reconciliation, into the Xero bank account of the
    money's journal (one Odoo payment or bank line across several synced invoices goes as one
    Xero batch payment instead: see ``xero_payment_link_batch.py``; money left over as credit,
    as an overpayment or prepayment: ``xero_payment_link_credit.py``). A credit note reconciled
    with an invoice becomes a Xero Allocation, which is a link of its own
    (``xero.allocation.link``). The reconciliation may be undone in Odoo: the link stays, keeps
    its Xero id, and the Xero payment is deleted.
    """
    _name = 'xero.payment.link'
    _inherit = ['xero.partial.link.mixin']
    _description = 'Xero payment link'
    _order = 'id desc'

    kind = fields.Selection(KINDS, required=True, readonly=True)

    _organisation_partial_uniq = models.UniqueIndex(
        '(organisation_id, partial_id) WHERE organisation_id IS NOT NULL AND partial_id IS NOT NULL',
        'A reconciliation links to one Xero payment per organisation.')
    _xero_unique_nouns = ('Xero payment', 'Odoo reconciliation')

    def _xero_kind(self):
        return 'payment_deletes' if self.to_delete else self.kind

    def _xero_url(self):
        return self.kind == 'payments' and self.organisation_id._xero_deep_link('bank_transaction', self.xero_id)

    # --- what is queued -----------------------------------------------------------------------

    @api.model
    def _money_source(self, move):
        """What brings the money of a journal entry reconciled with a document: its Odoo payment,
        or its bank statement line (reconciled directly, with no payment); empty records otherwise
        (a credit note, a write-off, an entry)."""
        return move.origin_payment_id, move.statement_line_id

    @api.model
    def _queue_partials(self, partials):
        """Links for new reconciliations of synced documents; returns the payment links (a
        credit note's allocation is queued as a ``xero.allocation.link``, found by its
        reconciliation)."""
        links = self.browse()
        allocations = self.env['xero.allocation.link']
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
                elif (other.move_type in ('out_refund', 'in_refund')
                      and document.move_type in ('out_invoice', 'in_invoice')):
                    values.update(kind='allocations', credit_note_id=other.id)
                    allocations |= self.env['xero.allocation.link'].sudo().create(values)._mark_pending()
                    break
                else:
                    continue  # a write-off, an exchange difference, an entry: not a Xero payment
                link = self.sudo().create(values)
                links |= link._mark_pending()
                break
        if links or allocations:
            self._trigger_push()
        return links

    # --- the engine's hooks -------------------------------------------------------------------

    def _xero_dependencies(self):
        doc_links = self.env['xero.move.link']
        for link in self.filtered(lambda link: not link.to_delete):
            doc_links |= link._document_link()
        # An allocation of the same document that Odoo removed goes first (the document's
        # amount due in Xero is what a payment may take), as it did when both were one kind.
        deletes = self.env['xero.allocation.link'].sudo().search([
            ('organisation_id', 'in', self.organisation_id.ids), ('move_id', 'in', self.move_id.ids),
            ('to_delete', '=', True), ('sync_state', 'in', ('pending', 'in_flight'))])
        return {'xero.move.link': doc_links, 'xero.allocation.link': deletes}

    def _xero_missing_dependencies(self):
        if self.to_delete:
            return None, False
        for move in self.move_id:
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
            lambda link: link.xero_status not in ('DELETED', 'VOIDED'))[:1]

    def _reference(self):
        prefix = self.env['xero.partner.link']._contact_number_prefix()
        return f'{prefix}PAY-{self.id}'

    def _xero_payloads(self):
        prepared = []
        for link in self:
            if link.to_delete:
                prepared.append((link, {'payment_id': link.xero_id, 'status': 'DELETED'}))
                continue
            doc = link._document_link()
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
            lambda line: money_line in (line.matched_debit_ids.debit_move_id | line.matched_credit_ids.credit_move_id))
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
        # Allocations are another model's (xero.allocation.link): never sent from here.
        raise ValueError(f'{self._name} does not send {kind!r}')

    def _xero_match_key(self, payload):
        if 'status' in payload and payload.get('payment_id'):
            return payload['payment_id']
        if 'reference' in payload:
            return payload['reference']
        return payload['invoice']['invoice_id']

    def _xero_request_group(self, payload):
        # Deletions one by one: one request each.
        return payload['payment_id'] if self.to_delete else None

    def _xero_find(self, organisation, kind, chunk):
        """Payments by the Reference Odoo gave them; a deletion is found done when Xero holds
        the payment DELETED."""
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
        raise ValueError(f'{self._name} does not look up {kind!r}')

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
            body = _('Payment of %(amount)s deleted in Xero (%(org)s).',
                     amount=self._amount_label(), org=self.organisation_id.name)
        else:
            body = _('Payment of %(amount)s sent to Xero (%(org)s).', amount=self._amount_label(),
                     org=self.organisation_id.name)
        document._message_log(body=body)
