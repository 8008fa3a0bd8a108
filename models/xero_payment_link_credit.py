import logging

from odoo import _, api, fields, models

from ..xero_client import Element, guid
from ..xero_client.credit import credit_kind

_logger = logging.getLogger(__name__)

# What each document type takes money from: an invoice from money in, a bill from money out.
INVOICE_DIRECTION = {'out_invoice': 'RECEIVE', 'in_invoice': 'SPEND'}
OPEN_TYPES = ('asset_receivable', 'liability_payable')


class XeroPaymentLinkCredit(models.Model):
    """Money larger than what it settles, or money that came before its document.

    In Odoo such money leaves an outstanding credit on the partner's receivable or payable; in
    Xero it is an overpayment or a prepayment: a bank transaction of Type RECEIVE-/SPEND-
    OVERPAYMENT (or -PREPAYMENT) for the whole amount, whose credit is then allocated to
    invoices. So a money source (an Odoo payment, or a bank statement line reconciled directly)
    has one link of kind ``credits`` (the overpayment or prepayment), and each reconciliation of
    it with a synced invoice or bill an allocation link of kind ``credit_allocations``
    (``xero.allocation.link``, ``xero_allocation_link_credit.py``).

    - **Overpayment**: a reconciliation leaves the money source's receivable (payable) line
      open (``_queue_partials``).
    - **Prepayment**: a customer payment in (or a vendor payment out) is posted reconciled with
      nothing. The check runs when the user's transaction commits (a pre-commit hook queued by
      ``account.payment.action_post``), so that a payment the register wizard posts and then
      reconciles in the same transaction goes as an ordinary payment; nothing calls Xero then.
    - A later reconciliation of the same money with another document is an allocation of that
      overpayment or prepayment. Undone, the allocation is deleted in Xero; the Odoo payment
      cancelled, its allocations are deleted and then the overpayment voided (its bank
      transaction deleted, which Xero accepts once nothing is allocated from it).

    A credit note paid out in cash (an outbound customer payment reconciled with a credit note)
    is an ordinary Xero payment on the credit note: the base model sends it.
    """
    _inherit = 'xero.payment.link'

    kind = fields.Selection(selection_add=[('credits', 'Overpayment or prepayment')],
                            ondelete={'credits': 'cascade'})
    credit_type = fields.Char(string='Xero type', readonly=True,
                              help='RECEIVE-OVERPAYMENT, SPEND-OVERPAYMENT, RECEIVE-PREPAYMENT or SPEND-PREPAYMENT.')
    xero_bank_transaction_id = fields.Char(string='Xero bank transaction', readonly=True, copy=False,
                                           help='The bank transaction of the overpayment or prepayment, '
                                                'which voiding it deletes.')

    _credit_payment_uniq = models.UniqueIndex(
        "(organisation_id, payment_id) WHERE kind = 'credits' AND payment_id IS NOT NULL",
        'An Odoo payment is one overpayment or prepayment per organisation.')
    _credit_statement_line_uniq = models.UniqueIndex(
        "(organisation_id, statement_line_id) WHERE kind = 'credits' AND statement_line_id IS NOT NULL",
        'A bank statement line is one overpayment or prepayment per organisation.')

    # --- what is queued -----------------------------------------------------------------------

    @api.model
    def _queue_partials(self, partials):
        """Reconciliations whose money leaves credit over, or whose money is already an
        overpayment or prepayment in Xero, become allocations of it (``xero.allocation.link``,
        found by their reconciliation); the rest go on."""
        links = self.browse()
        allocations = self.env['xero.allocation.link']
        taken = partials.browse()
        for partial in partials:
            found = self._credit_partial(partial)
            if not found:
                continue
            document, doc_link, source_line, payment, statement_line = found
            credit = self._credit_link(doc_link.organisation_id, payment, statement_line)
            if credit._credit_gone():
                credit._revive('OVERPAYMENT')
            elif not credit:
                if self._leaves_credit(source_line):
                    credit = self._create_credit(doc_link.organisation_id, payment, statement_line, 'OVERPAYMENT')
                else:
                    continue
            taken |= partial
            amount = (partial.debit_amount_currency if document == partial.debit_move_id.move_id
                      else partial.credit_amount_currency)
            link = self.env['xero.allocation.link'].sudo().create({
                'organisation_id': doc_link.organisation_id.id, 'kind': 'credit_allocations',
                'partial_id': partial.id, 'move_id': document.id, 'payment_id': payment.id,
                'statement_line_id': statement_line.id, 'credit_link_id': credit.id,
                'currency_id': document.currency_id.id, 'amount': abs(amount), 'date': partial.max_date})
            links |= credit.filtered(lambda c: c.sync_state == 'pending')
            allocations |= link._mark_pending()
        if links or allocations:
            self._trigger_push()
        return links | super()._queue_partials(partials - taken)

    @api.model
    def _credit_partial(self, partial):
        """(document, its link, the money's line, payment, statement line) when ``partial``
        applies money in the document's currency to a synced invoice or bill in the direction
        Xero's overpayments take; None otherwise."""
        lines = partial.debit_move_id | partial.credit_move_id
        for line in lines:
            document = line.move_id
            direction = INVOICE_DIRECTION.get(document.move_type)
            if not direction:
                continue
            source_line = lines - line
            payment, statement_line = self._money_source(source_line.move_id)
            if not (payment or statement_line) or source_line.currency_id != document.currency_id:
                return None
            if self._direction(payment, statement_line) != direction:
                return None
            doc_link = self.env['xero.move.link'].sudo().search(
                [('move_id', '=', document.id), ('organisation_id', '!=', False)], limit=1)
            return (document, doc_link, source_line, payment, statement_line) if doc_link else None
        return None

    @api.model
    def _direction(self, payment, statement_line):
        if payment:
            return 'RECEIVE' if payment.payment_type == 'inbound' else 'SPEND'
        return 'RECEIVE' if statement_line.amount > 0 else 'SPEND'

    @api.model
    def _leaves_credit(self, source_line):
        """Whether the money's receivable (payable) lines keep something open."""
        open_lines = source_line.move_id.line_ids.filtered(lambda line: line.account_id == source_line.account_id)
        return not source_line.currency_id.is_zero(sum(open_lines.mapped('amount_residual_currency')))

    @api.model
    def _credit_link(self, organisation, payment, statement_line):
        domain = [('organisation_id', '=', organisation.id), ('kind', '=', 'credits')]
        domain.append(('payment_id', '=', payment.id) if payment else ('statement_line_id', '=', statement_line.id))
        return self.sudo().search(domain, limit=1)

    @api.model
    def _create_credit(self, organisation, payment, statement_line, form):
        """The overpayment or prepayment link of a money source, queued; its contact too."""
        credit = self.sudo().create(dict(self._credit_values(payment, statement_line, form),
                                         organisation_id=organisation.id, kind='credits', payment_id=payment.id,
                                         statement_line_id=statement_line.id))
        credit._ensure_contact()
        return credit._mark_pending()

    def _ensure_contact(self):
        # The contact goes in the outbox with it, in the user's transaction (as documents' do).
        partner = self._credit_partner()
        if partner:
            self.env['xero.partner.link'].sudo()._ensure_links(self.organisation_id, partner)

    @api.model
    def _credit_values(self, payment, statement_line, form):
        move = payment.move_id or statement_line.move_id
        open_lines = move.line_ids.filtered(lambda line: line.account_id.account_type in OPEN_TYPES)
        return {'currency_id': (open_lines[:1].currency_id or move.currency_id).id,
                'amount': abs(sum(open_lines.mapped('amount_currency'))),
                'date': payment.date or statement_line.date,
                'credit_type': f'{self._direction(payment, statement_line)}-{form}'}

    def _credit_gone(self):
        """Voided in Xero, or cancelled before it went: the money, posted again, is new."""
        return bool(self) and not self.to_delete and (self.xero_status == 'VOIDED' or self.sync_state == 'skipped')

    def _revive(self, form):
        """The money of a voided (or never sent) overpayment is posted again: a new one."""
        self.ensure_one()
        self.sudo().write(dict(self._credit_values(self.payment_id, self.statement_line_id, form),
                               xero_id=False, xero_status=False, xero_bank_transaction_id=False,
                               pushed_hash=False, maybe_sent=False, sent_hash=False))
        self._ensure_contact()
        return self._mark_pending()

    @api.model
    def _queue_prepayments(self, payments):
        """Customer payments in and vendor payments out posted reconciled with nothing: each
        becomes a Xero prepayment in the organisation its journal sends to."""
        links = self.browse()
        for payment in payments.exists().filtered(lambda p: p.state in ('in_process', 'paid') and p.partner_id):
            if (payment.payment_type, payment.partner_type) not in (('inbound', 'customer'), ('outbound', 'supplier')):
                continue
            open_lines = payment.move_id.line_ids.filtered(lambda line: line.account_id.account_type in OPEN_TYPES)
            if not open_lines or open_lines.matched_debit_ids or open_lines.matched_credit_ids:
                continue  # reconciled with its documents: ordinary payments (or an overpayment)
            existing = self.sudo().search([('payment_id', '=', payment.id)])
            credit = existing.filtered(lambda link: link.kind == 'credits')[:1]
            if credit._credit_gone():
                links |= credit._revive('PREPAYMENT')
                continue
            if existing:
                continue
            organisation, _reason = self.env['xero.organisation']._route(payment.company_id, payment.journal_id)
            if organisation:
                links |= self._create_credit(organisation, payment, self.env['account.bank.statement.line'],
                                             'PREPAYMENT')
        if links:
            links._trigger_push()
        return links

    def _void_credits(self):
        """The money is gone in Odoo (its payment cancelled): void its overpayment or
        prepayment in Xero, once its allocations are deleted (they go first: dependencies)."""
        for link in self.sudo().filtered(lambda link: link.kind == 'credits'):
            if link.xero_id and link.xero_status != 'VOIDED':
                link.to_delete = True
                link._mark_pending()
            elif not link.xero_id and link.sync_state != 'synced':
                link._withdraw(_('Cancelled in Odoo before it reached Xero: nothing to send.'))
        self._trigger_push()

    # --- the engine's hooks -------------------------------------------------------------------

    def _xero_kind(self):
        if self.kind == 'credits':
            return 'credit_voids' if self.to_delete else 'credits'
        return super()._xero_kind()

    def _xero_url(self):
        if self.kind == 'credits' and self.xero_bank_transaction_id:
            return self.organisation_id._xero_deep_link('bank_transaction', self.xero_bank_transaction_id)
        return super()._xero_url()

    def _credit_partner(self):
        return (self.payment_id.partner_id or self.statement_line_id.partner_id).commercial_partner_id

    def _credit_journal(self):
        return self.payment_id.journal_id or self.statement_line_id.journal_id

    def _xero_dependencies(self):
        mine = self.filtered(lambda link: link.kind == 'credits')
        deps = super(XeroPaymentLinkCredit, self - mine)._xero_dependencies()
        allocation_links = deps.get('xero.allocation.link', self.env['xero.allocation.link'])
        partner_links = deps.get('xero.partner.link', self.env['xero.partner.link'])
        for link in mine:
            if not link.to_delete:
                partner = link._credit_partner()
                partner_links |= self.env['xero.partner.link'].sudo().search(
                    [('partner_id', '=', partner.id), ('organisation_id', '=', link.organisation_id.id)])
            else:
                allocation_links |= link._credit_allocations().filtered('to_delete')
        return dict(deps, **{'xero.allocation.link': allocation_links, 'xero.partner.link': partner_links})

    def _credit_feed_transaction(self):
        """The bank feed's transaction of this credit's bank line in Xero, when it holds one (or
        may: a request on its way)."""
        if not self.statement_line_id:
            return self.env['xero.statement.line.link']
        return self.env['xero.statement.line.link'].sudo().search([
            ('organisation_id', '=', self.organisation_id.id), ('statement_line_id', '=', self.statement_line_id.id),
            '|', ('xero_id', '!=', False), ('sync_state', '=', 'in_flight')]).filtered(
            lambda link: link.xero_status not in ('DELETED', 'VOIDED'))[:1]

    def _credit_allocations(self):
        return self.env['xero.allocation.link'].search([('credit_link_id', '=', self.id),
                                                        ('kind', '=', 'credit_allocations')])

    def _xero_missing_dependencies(self):
        if self.kind != 'credits':
            return super()._xero_missing_dependencies()
        if self.to_delete:
            if self._credit_allocations().filtered(lambda a: a.to_delete and a.sync_state in ('pending', 'in_flight')):
                return _('Waiting for its allocations to be removed in Xero.'), False
            return None, False
        if self._credit_feed_transaction():
            # The money is in Xero already, as the bank feed's transaction of this bank line:
            # an overpayment too would count it twice.
            return _("The bank line '%(line)s' is already in Xero (%(org)s) as a bank transaction of the bank "
                     "feed, so an overpayment or prepayment would put the money in Xero twice. On the bank line, "
                     "press Unverify, then Replace in Xero: that transaction is deleted in Xero and this goes in "
                     "its place.", line=self.statement_line_id.payment_ref or self.statement_line_id.display_name,
                     org=self.organisation_id.name), True
        partner = self._credit_partner()
        partner_link = self.env['xero.partner.link'].sudo().search(
            [('partner_id', '=', partner.id), ('organisation_id', '=', self.organisation_id.id)], limit=1)
        if partner_link.sync_state == 'synced' and partner_link.xero_id:
            return None, False
        if partner_link.sync_state == 'error':
            return _('Its contact %(partner)s is not in Xero: %(error)s', partner=partner.display_name,
                     error=partner_link.last_error), True
        return _('Waiting for its contact %s to reach Xero.', partner.display_name), False

    def _xero_payloads(self):
        mine = self.filtered(lambda link: link.kind == 'credits')
        prepared = super(XeroPaymentLinkCredit, self - mine)._xero_payloads()
        for link in mine:
            payload = link._credit_payload()
            if payload is not None:
                prepared.append((link, payload))
        return prepared

    def _credit_payload(self):
        """The payload of one credit link, or None once it is marked with why it cannot go."""
        journal = self._credit_journal()
        mapping = self.organisation_id.journal_mapping_ids.filtered(lambda m: m.journal_id == journal)
        if not mapping:
            self._record_refusal(_("Journal '%s' has no Xero bank account: choose its Xero payment account "
                                   "in the organisation's payment accounts, then press Retry.", journal.display_name))
            return None
        bank_currency = mapping.xero_account_id.currency_code or self.organisation_id.base_currency
        if bank_currency != self.currency_id.name:
            # Xero books an overpayment or prepayment in its bank account's currency only.
            self._record_refusal(_(
                "Xero takes an overpayment or prepayment in its bank account's currency only: journal '%(journal)s' "
                "sends to a Xero bank account in %(bank)s, and this money is in %(money)s. Choose a Xero bank account "
                "in %(money)s for a journal in %(money)s, then press Retry.", journal=journal.display_name,
                bank=bank_currency, money=self.currency_id.name))
            return None
        partner_link = self.env['xero.partner.link'].sudo().search(
            [('partner_id', '=', self._credit_partner().id), ('organisation_id', '=', self.organisation_id.id)],
            limit=1)
        payload = {
            'type': self.credit_type, 'contact': {'contact_id': partner_link.xero_id},
            'bank_account': {'account_id': mapping.xero_account_id.xero_id}, 'date': self.date,
            'line_amount_types': 'NoTax', 'reference': self._reference(),
            'line_items': [{'description': _('%(what)s of %(money)s', what=_('Overpayment') if 'OVER' in
                                             self.credit_type else _('Prepayment'),
                                             money=(self.payment_id or self.statement_line_id).display_name),
                            'line_amount': self.amount}],
        }
        payload['currency_code'] = self.currency_id.name
        rate = self._credit_rate()
        if rate:
            payload['currency_rate'] = rate
        if self.to_delete:
            payload.update(bank_transaction_id=self.xero_bank_transaction_id, status='DELETED')
        return payload

    def _credit_rate(self):
        """Xero's rate (money's currency per base currency) when the money is not in the
        organisation's base currency."""
        company_currency = (self.payment_id.company_id or self.statement_line_id.company_id).currency_id
        if self.currency_id == company_currency or company_currency.name != self.organisation_id.base_currency:
            return None
        move = self.payment_id.move_id or self.statement_line_id.move_id
        line = move.line_ids.filtered(lambda line: line.account_id.account_type in OPEN_TYPES)[:1]
        if not line or not line.balance:
            return None
        return round(abs(line.amount_currency / line.balance), 6)

    def _xero_send(self, organisation, kind, payloads, key):
        if kind in ('credits', 'credit_voids'):
            return organisation._xero().save_credits(payloads, key)
        return super()._xero_send(organisation, kind, payloads, key)

    @staticmethod
    def _credit_key(txn_type, contact_id, date, amount):
        return (txn_type, (contact_id or '').lower(), str(date), '%.2f' % (amount or 0.0))

    def _xero_match_key(self, payload):
        if self.kind == 'credits':
            return 'credit'  # one per request (_xero_request_group): Xero's one answer is its
        return super()._xero_match_key(payload)

    def _xero_match_key_of_element(self, element):
        first = self[:1]
        if first.kind == 'credits':
            return 'credit'
        return super()._xero_match_key_of_element(element)

    def _xero_request_group(self, payload):
        if self.kind == 'credits':
            # One overpayment per request: Xero keeps no Reference on them to match a batch's
            # answers with, and a refused element echoes no total.
            return ('credit', self.id)
        return super()._xero_request_group(payload)

    def _xero_find(self, organisation, kind, chunk):
        """Overpayments and prepayments by their contact, type, date and amount, one no other
        link holds (Xero keeps no Reference on them); a void is found done when Xero holds the
        overpayment VOIDED."""
        if kind == 'credits':
            return self._find_credits(organisation, chunk)
        if kind == 'credit_voids':
            found = {}
            for link, _payload in chunk:
                credit = organisation._xero().credit(credit_kind(link.credit_type), link.xero_id)
                if credit and credit['status'] == 'VOIDED':
                    found[link.id] = Element(xero_id=link.xero_id, status='VOIDED',
                                             echo={'bank_transaction_id': link.xero_bank_transaction_id})
            return found
        return super()._xero_find(organisation, kind, chunk)

    def _find_credits(self, organisation, chunk):
        found = {}
        held = {x.lower() for x in self.search([('organisation_id', '=', organisation.id), ('kind', '=', 'credits'),
                                                 ('xero_id', '!=', False)]).mapped('xero_id')}
        for link, payload in chunk:
            contact_id = payload['contact']['contact_id']
            candidates, _more = organisation._xero().pull_credits(credit_kind(payload['type']),
                                                                  where=guid('Contact.ContactID', contact_id))
            wanted = self._credit_key(payload['type'], contact_id, payload['date'],
                                      payload['line_items'][0]['line_amount'])
            for credit in candidates:
                if credit['xero_id'].lower() in held or credit['status'] == 'VOIDED':
                    continue
                if self._credit_key(credit['type'], credit['contact_id'], credit['date'], credit['total']) == wanted:
                    held.add(credit['xero_id'].lower())
                    found[link.id] = Element(xero_id=credit['xero_id'], status=credit['status'],
                                             total=credit['total'], updated=credit['updated'],
                                             echo={'bank_transaction_id': credit['xero_id']})
                    break
        return found

    def _xero_bind_extra(self, element, payload):
        if self.kind != 'credits':
            return super()._xero_bind_extra(element, payload)
        money = self.payment_id or self.statement_line_id
        if self.to_delete:
            self.write({'xero_status': 'VOIDED', 'to_delete': False})
            body = _('%(what)s voided in Xero (%(org)s).', what=self._credit_label(), org=self.organisation_id.name)
        else:
            self.write({'xero_bank_transaction_id':
                        element.echo.get('bank_transaction_id') or self.xero_bank_transaction_id})
            # Its allocations held because Xero had refused it can go now.
            self._credit_allocations().filtered('waiting_dependency')._mark_pending()
            body = _('%(what)s of %(amount)s sent to Xero (%(org)s).', what=self._credit_label(), amount=self.amount,
                     org=self.organisation_id.name)
        for record in (money, self.move_id):
            if record and hasattr(record, '_message_log'):
                record._message_log(body=body)

    def _credit_label(self):
        return _('Overpayment') if 'OVER' in (self.credit_type or '') else _('Prepayment')

    def _xero_note_refused(self):
        mine = self.filtered(lambda link: link.kind == 'credits')
        super(XeroPaymentLinkCredit, self - mine)._xero_note_refused()
        for link in mine:
            target = link.payment_id or link.move_id
            if target:
                target.message_post(body=_('Xero refused this %(what)s in %(org)s: %(error)s',
                                           what=link._credit_label().lower(),
                                           org=link.organisation_id.name, error=link.last_error))


class AccountPayment(models.Model):
    _inherit = 'account.payment'

    def action_post(self):
        result = super().action_post()
        if not self.env.context.get('xero_pulled'):
            # Once the user's transaction is done (the register wizard reconciles after
            # posting): a payment still reconciled with nothing is a prepayment.
            pending = self.env.cr.precommit.data.setdefault('xero_prepayments', set())
            if not pending:
                self.env.cr.precommit.add(self._xero_queue_prepayments)
            pending.update(self.ids)
        return result

    def _xero_queue_prepayments(self):
        ids = self.env.cr.precommit.data.pop('xero_prepayments', set())
        if not ids:
            return
        try:
            with self.env.cr.savepoint():
                self.env['xero.payment.link']._queue_prepayments(self.browse(ids).sudo())
        except Exception:  # noqa: BLE001 - the user's payment is saved whatever the queue does
            _logger.warning('Xero: the prepayment check of payments %s failed; Send to Xero on the payment '
                            'queues it again', sorted(ids), exc_info=True)

    def action_xero_sync(self):
        result = super().action_xero_sync()
        self.env['xero.payment.link']._queue_prepayments(self)._request()
        return result

    def action_draft(self):
        credits = self.env['xero.payment.link'].sudo().search(
            [('payment_id', 'in', self.ids), ('kind', '=', 'credits')])
        result = super().action_draft()
        if credits and not self.env.context.get('xero_pulled'):
            credits._void_credits()
        return result


class XeroPartnerLink(models.Model):
    _inherit = 'xero.partner.link'

    def _xero_bind_extra(self, element, payload):
        """Overpayments and prepayments held for this contact can go now."""
        super()._xero_bind_extra(element, payload)
        self.env['xero.payment.link'].sudo().search([
            ('organisation_id', '=', self.organisation_id.id), ('kind', '=', 'credits'),
            ('waiting_dependency', '=', True)]).filtered(
                lambda link: link._credit_partner() == self.partner_id)._mark_pending()
