import logging
from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.tools import float_compare

from ..xero_client import Element, XeroValidationError
from .xero_payment_register import PULLED_CONTEXT, SETTLED_TYPES
from .xero_sync_engine import BATCH_SIZE, DEPENDENCY_WAIT
from .xero_sync_exceptions import CONCURRENCY_ERRORS

_logger = logging.getLogger(__name__)

BATCH = 'batch_payments'
BATCH_DELETES = 'batch_payment_deletes'
# The documents a Xero batch payment settles: invoices and bills.
BATCHED_TYPES = ('out_invoice', 'in_invoice')


class XeroPaymentLinkBatch(models.Model):
    """One deposit for many documents: a Xero batch payment.

    An Odoo payment, or a bank statement line reconciled directly, that settles two or more
    synced invoices (or bills) of one organisation goes to Xero as ONE batch payment
    (``PUT /BatchPayments``), so that Xero's bank line matches the one deposit the bank shows.
    Each reconciliation keeps its own link (``kind`` ``batch_payments``): its ``xero_id`` is the
    member payment Xero made for its document, ``xero_batch_id`` the batch, and the links of one
    batch share ``batch_reference``, the batch's Reference in Xero (how a lost answer is found).
    The members are sent in one request (``_xero_request_group``), with one Idempotency-Key.

    Xero cannot change a batch. Undone in Odoo (any of its reconciliations removed, or the
    payment reset or cancelled), the batch is deleted as one (``POST /BatchPayments/{id}``,
    Status DELETED); once Xero confirms it, the reconciliations that still hold are sent again:
    as a new batch when two or more remain, as a single payment when one does.

    Not batched (one Xero payment per document, see ``xero.payment.link``): a money source that
    settles one synced document, a credit note, a bank line that is itself in Xero through the
    bank feed, invoices with bills or documents in several currencies, and a document reconciled
    with the money source after its batch reached Xero (Xero cannot add to a batch). A deposit
    of more than 50 documents goes as several batches of at most 50. The CurrencyRate of a batch
    in another currency is left out: Xero applies its own rate of the day to the batch.
    """
    _inherit = 'xero.payment.link'

    kind = fields.Selection(selection_add=[(BATCH, 'Batch payment')], ondelete={BATCH: 'cascade'})
    batch_reference = fields.Char(string='Batch reference', readonly=True, copy=False, index=True,
                                  help='Reference of the Xero batch payment this reconciliation goes in: '
                                       'the same for every document of one deposit.')
    xero_batch_id = fields.Char(string='Xero batch payment ID', readonly=True, copy=False, index=True)

    def _xero_kind(self):
        if self.kind == BATCH:
            return BATCH_DELETES if self.to_delete else BATCH
        return super()._xero_kind()

    def _xero_url(self):
        if self.kind == BATCH:
            return self.organisation_id._xero_deep_link('batch_payment', self.xero_batch_id)
        return super()._xero_url()

    # --- what is queued -----------------------------------------------------------------------

    @api.model
    def _queue_partials(self, partials):
        """The reconciliations whose money source settles two or more synced documents of one
        organisation become the members of one batch; the rest goes on (``super``)."""
        groups = self._batch_groups(partials)
        links = self.browse()
        taken = self.env['account.partial.reconcile']
        for (organisation, payment, line), members in groups.items():
            links |= self._queue_batch(organisation, payment, line, members)
            taken |= self.env['account.partial.reconcile'].union(*(partial for partial, _doc in members))
        if links:
            links._trigger_push()
        return links | super()._queue_partials(partials - taken)

    @api.model
    def _batch_groups(self, partials):
        """{(organisation, payment, statement line): [(partial, document)]} for the money sources
        that settle two or more synced documents, counting those of earlier reconciliations that
        are still waiting to be sent as single payments (they join the batch)."""
        MoveLink = self.env['xero.move.link'].sudo()
        groups = defaultdict(list)
        for partial in partials:
            debit, credit = partial.debit_move_id.move_id, partial.credit_move_id.move_id
            documents = (debit | credit).filtered(lambda m: m.move_type in BATCHED_TYPES)
            other = (debit | credit) - documents
            if len(documents) != 1 or len(other) != 1:
                continue
            payment, line = self._money_source(other)
            if not (payment or line):
                continue
            doc_link = MoveLink.search([('move_id', '=', documents.id), ('organisation_id', '!=', False)], limit=1)
            if not doc_link:
                continue
            groups[(doc_link.organisation_id, payment, line if not payment else line.browse())].append(
                (partial, documents))
        result = {}
        for (organisation, payment, line), members in groups.items():
            if line and self.env['xero.statement.line.link'].sudo().search_count([
                    ('statement_line_id', '=', line.id), ('organisation_id', '=', organisation.id)]):
                continue  # the bank line is in Xero already (bank feed): not a payment of its own
            waiting = self._waiting_singles(organisation, payment, line)
            documents = {doc for _partial, doc in members} | set(waiting.move_id)
            if len(documents) < 2 or len({(doc.move_type, doc.currency_id) for doc in documents}) > 1:
                continue  # one document, or invoices with bills, or several currencies: one by one
            result[(organisation, payment, line)] = members
        return result

    @api.model
    def _waiting_singles(self, organisation, payment, line):
        """Single payments of the same money source not sent yet: they can still join a batch."""
        source = [('payment_id', '=', payment.id)] if payment else [('statement_line_id', '=', line.id)]
        return self.sudo().search([('organisation_id', '=', organisation.id), ('kind', '=', 'payments'),
                                   ('xero_id', '=', False), ('maybe_sent', '=', False), ('to_delete', '=', False),
                                   ('sync_state', '=', 'pending'), ('partial_id', '!=', False), *source])

    @api.model
    def _queue_batch(self, organisation, payment, line, members):
        waiting = self._waiting_singles(organisation, payment, line)
        date = payment.date if payment else line.date
        links = self.sudo().create([{
            'organisation_id': organisation.id, 'partial_id': partial.id, 'kind': BATCH,
            'payment_id': payment.id or False, 'statement_line_id': line.id or False,
            'move_id': document.id, 'currency_id': document.currency_id.id,
            'amount': abs(partial.debit_amount_currency if document == partial.debit_move_id.move_id
                          else partial.credit_amount_currency),
            'date': date} for partial, document in members])
        links |= waiting
        waiting.write({'kind': BATCH, 'date': date})
        # At most one request's worth of members per batch (the engine's batch size).
        for start in range(0, len(links), BATCH_SIZE):
            chunk = links[start:start + BATCH_SIZE]
            chunk.write({'batch_reference': self._batch_reference(chunk)})
        return links._mark_pending()

    @api.model
    def _batch_reference(self, links):
        """The Reference of a batch in Xero: stable for its members, new for each batch (the
        one sent again after an undo has fewer members)."""
        prefix = self.env['xero.partner.link']._contact_number_prefix()
        return f'{prefix}BAT-{min(links.ids)}-{len(links)}'

    def _undo(self):
        """A reconciliation of a batch is gone: the batch is deleted as one, every member with
        it (those that still hold are sent again once Xero confirms, see _xero_bind_extra).

        A member whose batch may be in Xero already (its answer was lost) stays as it is: once
        the batch is found or answered, it is deleted because of it (see _xero_bind_extra)."""
        in_flight = self.sudo().filtered(lambda link: link.kind == BATCH and not link.xero_id and link.maybe_sent)
        batch = self.sudo().filtered(lambda link: link.kind == BATCH and link.xero_id and link.xero_status != 'DELETED')
        for batch_id in set(batch.mapped('xero_batch_id')):
            members = self.sudo().search([('organisation_id', 'in', batch.organisation_id.ids),
                                          ('xero_batch_id', '=', batch_id), ('kind', '=', BATCH),
                                          ('xero_id', '!=', False), ('xero_status', '!=', 'DELETED'),
                                          ('to_delete', '=', False)])
            members.write({'to_delete': True})
            members._mark_pending()
        if batch:
            self._trigger_push()
        return super(XeroPaymentLinkBatch, self - batch - in_flight)._undo()

    # --- the engine's hooks -------------------------------------------------------------------

    def _batch_siblings(self):
        return self.sudo().search([('organisation_id', '=', self.organisation_id.id), ('kind', '=', BATCH),
                                   ('batch_reference', '=', self.batch_reference), ('to_delete', '=', False)])

    def _xero_missing_dependencies(self):
        if self.kind != BATCH or self.to_delete:
            return super()._xero_missing_dependencies()
        # A batch goes whole: every member's document must be in Xero first.
        for sibling in self._batch_siblings():
            missing, refused = super(XeroPaymentLinkBatch, sibling)._xero_missing_dependencies()
            if missing:
                return missing, refused
        return None, False

    def _xero_payloads(self):
        mine = self.filtered(lambda link: link.kind == BATCH)
        prepared = super(XeroPaymentLinkBatch, self - mine)._xero_payloads() if self - mine else []
        for link in mine:
            if link.to_delete:
                prepared.append((link, {'batch_payment_id': link.xero_batch_id, 'payment_id': link.xero_id}))
                continue
            if link._batch_siblings().filtered(lambda link: link.sync_state in ('pending', 'in_flight')) - self:
                # A batch goes whole, in one request: its members claimed apart wait a little
                # and are claimed together (they follow each other).
                link.write({'next_attempt_date': fields.Datetime.now() + DEPENDENCY_WAIT,
                            'last_error': _('Waiting for the other documents of its deposit, which go to '
                                            'Xero with it as one batch payment.')})
                continue
            journal = link.payment_id.journal_id or link.statement_line_id.journal_id
            mapping = link.organisation_id.journal_mapping_ids.filtered(lambda m: m.journal_id == journal)
            if not mapping:
                link._record_refusal(_("Journal '%(journal)s' has no Xero account to take its payments in "
                                       "%(org)s: choose one for it in the organisation's payment accounts.",
                                       journal=journal.display_name, org=link.organisation_id.name))
                continue
            doc = link._document_link()
            prepared.append((link, {
                'batch_reference': link.batch_reference,
                'account': {'account_id': mapping.xero_account_id.xero_id},
                'date': link.date,
                'invoice': {'invoice_id': doc.xero_id},
                'amount': link.amount,
                # The member's own Reference, new with each batch (a batch sent again after an
                # undo is another deposit): what its answer is matched by.
                'reference': f'{link.batch_reference}/{link.id}',
            }))
        return prepared

    def _xero_request_group(self, payload):
        # One batch, one request: what the engine records of a send holds for all its members.
        if self.kind == BATCH:
            return payload['batch_payment_id'] if self.to_delete else payload['batch_reference']
        return super()._xero_request_group(payload)

    def _xero_match_key(self, payload):
        if 'batch_payment_id' in payload:
            return payload['payment_id']
        if 'batch_reference' in payload:
            return payload['reference']
        return super()._xero_match_key(payload)

    def _xero_match_key_of_element(self, element):
        if element.echo.get('batch_payment_id'):
            return element.xero_id if element.status == 'DELETED' else element.number
        return super()._xero_match_key_of_element(element)

    def _xero_send(self, organisation, kind, payloads, key):
        if kind == BATCH:
            by_reference = defaultdict(list)
            for payload in payloads:
                by_reference[payload['batch_reference']].append(payload)
            batches = [{'account': members[0]['account'], 'date': members[0]['date'], 'reference': reference,
                        'payments': [{'invoice': p['invoice'], 'amount': p['amount'], 'reference': p['reference']}
                                     for p in members]}
                       for reference, members in by_reference.items()]
            try:
                answer = organisation._xero().save_batch_payments(batches, key)
            except XeroValidationError as e:
                # The whole request refused (one batch a request): each member says why.
                messages = list(dict.fromkeys(m for element in e.elements for m in element)) or [e.message]
                return [Element(number=p['reference'], errors=messages, echo={'batch_payment_id': '-'})
                        for p in payloads]
            elements = []
            for batch in answer:
                elements += self._member_elements(batch, by_reference.get(batch.number, []))
            return elements
        if kind == BATCH_DELETES:
            by_batch = defaultdict(list)
            for payload in payloads:
                by_batch[payload['batch_payment_id']].append(payload)
            elements = []
            for index, (batch_id, members) in enumerate(by_batch.items()):
                try:
                    answer = organisation._xero().delete_batch_payment(batch_id, f'{key}-{index}')
                except XeroValidationError:
                    # Refused: deleted in Xero already (by someone there) is done; anything else
                    # is Xero's refusal, which each member records.
                    answer = organisation._xero().find_batch_payments(ids=[batch_id])
                    if not any(batch.status == 'DELETED' for batch in answer):
                        raise
                for batch in answer:
                    elements += self._deleted_elements(batch, members)
            return elements
        return super()._xero_send(organisation, kind, payloads, key)

    @api.model
    def _member_elements(self, batch, payloads):
        """One Element per member of a batch Xero answered, named by the member's Reference
        (the link's), matched by that Reference or else by document and amount."""
        if batch.errors or not batch.xero_id:
            return [Element(number=p['reference'], errors=batch.errors or [_('Xero made no batch payment.')],
                            echo={'batch_payment_id': batch.xero_id or '-'}) for p in payloads]
        members = list(batch.echo.get('payments') or [])
        elements = []
        for payload in payloads:
            member = next((m for m in members if m['reference'] == payload['reference']), None) or next(
                (m for m in members if (m['invoice_id'] or '').lower() == payload['invoice']['invoice_id'].lower()
                 and float_compare(m['amount'] or 0.0, payload['amount'], 2) == 0), None)
            if member is None:
                continue
            members.remove(member)
            elements.append(Element(xero_id=member['xero_id'], number=payload['reference'],
                                    status=batch.status, total=member['amount'], updated=batch.updated,
                                    echo={'batch_payment_id': batch.xero_id, 'batch_reference': batch.number}))
        return elements

    @api.model
    def _deleted_elements(self, batch, payloads):
        if batch.errors or batch.status != 'DELETED':
            return [Element(xero_id=p['payment_id'], number=p['payment_id'],
                            errors=batch.errors or [_('Xero did not delete the batch payment.')],
                            echo={'batch_payment_id': p['batch_payment_id']}) for p in payloads]
        return [Element(xero_id=p['payment_id'], number=p['payment_id'], status='DELETED', updated=batch.updated,
                        echo={'batch_payment_id': p['batch_payment_id']}) for p in payloads]

    def _xero_find(self, organisation, kind, chunk):
        """A batch by its Reference (one not DELETED); a deletion is found done when Xero holds
        the batch DELETED."""
        if kind == BATCH:
            by_reference = defaultdict(list)
            for link, payload in chunk:
                by_reference[payload['batch_reference']].append((link, payload))
            found = {}
            batches = organisation._xero().find_batch_payments(references=list(by_reference))
            for batch in batches:
                if batch.status == 'DELETED' or batch.number not in by_reference:
                    continue
                members = by_reference.pop(batch.number)
                elements = {e.number: e for e in self._member_elements(batch, [p for _l, p in members])}
                found.update({link.id: elements[payload['reference']] for link, payload in members
                              if payload['reference'] in elements})
            return found
        if kind == BATCH_DELETES:
            by_batch = defaultdict(list)
            for link, payload in chunk:
                by_batch[payload['batch_payment_id'].lower()].append((link, payload))
            found = {}
            for batch in organisation._xero().find_batch_payments(ids=list(by_batch)):
                if batch.status == 'DELETED' and batch.xero_id.lower() in by_batch:
                    for link, payload in by_batch[batch.xero_id.lower()]:
                        found[link.id] = self._deleted_elements(batch, [payload])[0]
            return found
        return super()._xero_find(organisation, kind, chunk)

    def _xero_bind_extra(self, element, payload):
        if self.kind != BATCH:
            return super()._xero_bind_extra(element, payload)
        document = self.move_id
        if element.status != 'DELETED':
            self.write({'xero_batch_id': element.echo['batch_payment_id']})
            document._message_log(body=_('Payment of %(amount)s sent to Xero in batch payment %(batch)s (%(org)s).',
                                         amount=self._amount_label(), batch=self.batch_reference,
                                         org=self.organisation_id.name))
            members = self.sudo().search([('organisation_id', '=', self.organisation_id.id), ('kind', '=', BATCH),
                                          ('batch_reference', '=', self.batch_reference),
                                          ('sync_state', '!=', 'skipped')])
            if not all(member.partial_id for member in members):
                # A member was undone in Odoo while this batch was on its way: the batch goes,
                # each member marking itself as it is bound, and what holds is sent again.
                self.write({'to_delete': True})
                self._mark_pending()
            return
        self.write({'xero_status': 'DELETED', 'to_delete': False})
        document._message_log(body=_('Batch payment %(batch)s deleted in Xero (%(org)s): its payment of %(amount)s '
                                     'is gone.', batch=self.batch_reference, org=self.organisation_id.name,
                                     amount=self.amount))
        if self.partial_id:
            self._send_again()

    def _send_again(self):
        """This reconciliation still holds, its batch is deleted: it goes again, in a new batch
        with the other members that still hold, or alone as a single payment."""
        survivors = self.sudo().search([('organisation_id', '=', self.organisation_id.id), ('kind', '=', BATCH),
                                        ('xero_batch_id', '=', self.xero_batch_id), ('partial_id', '!=', False)])
        if len(survivors) > 1:
            values = {'batch_reference': self._batch_reference(survivors)}
        else:
            values = {'kind': 'payments', 'batch_reference': False}
        # The deleted member's id stays in the chatter; the link waits for its new Xero payment.
        self.write({**values, 'xero_id': False, 'xero_status': False, 'pushed_hash': False})
        self._mark_pending()


class XeroPaymentRegisterBatch(models.AbstractModel):
    """A batch payment made in Xero comes back as ONE Odoo payment, so that Odoo's bank line
    matches the deposit: its member payments (in /Payments with their BatchPaymentID) are taken
    out of the page, the batch is read whole (``GET /BatchPayments/{id}``, its members may be on
    other pages), and one payment is registered, its entry holding one receivable (payable) line
    per document, for the member's amount and with the document's partner, each reconciled with
    its document, and one link per member. When that cannot be (a member on a document Odoo
    does not hold, or with less left to pay in Odoo than the member pays, several currencies or
    accounts, no journal for its Xero account, or Odoo refusing the payment), its members are
    registered one by one, as single payments are."""
    _inherit = 'xero.payment.register'

    @api.model
    def _register_batch(self, organisation, payments):
        organisation = organisation.sudo()
        prefix = self.env['xero.partner.link']._contact_number_prefix()
        known = set(self.env['xero.payment.link'].sudo().search([
            ('organisation_id', '=', organisation.id),
            ('xero_id', 'in', [p['xero_id'] for p in payments if p.get('xero_id')])]).mapped('xero_id'))
        # Where payments go from Odoo to Xero only, the registration holds each member (_plan).
        members = [p for p in payments if p.get('batch_payment_id') and p.get('xero_id')
                   and p['xero_id'] not in known and p['status'] == 'AUTHORISED'
                   and not (p['reference'] or '').startswith(prefix)
                   and organisation.payment_direction != 'odoo_to_xero']
        results = super()._register_batch(organisation, [p for p in payments if p not in members])
        by_batch = defaultdict(list)
        for payment in members:
            by_batch[payment['batch_payment_id']].append(payment)
        for batch_id, seen in by_batch.items():
            results.update(self._register_xero_batch(organisation, batch_id, seen))
        return results

    @api.model
    def _register_xero_batch(self, organisation, batch_id, seen):
        """Register one batch made in Xero; returns {member id: outcome} for ``seen``."""
        batch = organisation._xero().read_batch_payment(batch_id)
        if batch is None or batch.status == 'DELETED':
            return {p['xero_id']: None for p in seen}
        plan = self._batch_plan(organisation, batch)
        if plan is None:
            return super()._register_batch(organisation, seen)
        try:
            with self.env.cr.savepoint():
                self._create_batch_payment(organisation, batch, plan)
        except CONCURRENCY_ERRORS:
            raise
        except Exception as e:  # noqa: BLE001 - Odoo refused the one payment: as single payments
            _logger.info('Xero organisation %s: batch payment %s registered member by member (%s)',
                         organisation.id, batch_id, e)
            return super()._register_batch(organisation, seen)
        return {p['xero_id']: 'created' for p in seen}

    @api.model
    def _batch_plan(self, organisation, batch):
        """{'journal', 'items': [(member, document, lines)]}, or None when the batch cannot be one
        Odoo payment."""
        members = batch.echo.get('payments') or []
        journal = {m.xero_account_id.xero_id: m.journal_id
                   for m in organisation.journal_mapping_ids}.get(batch.echo.get('account_id'))
        if not members or not journal:
            return None
        doc_links = self.env['xero.move.link'].sudo().search([
            ('organisation_id', '=', organisation.id),
            ('xero_id', 'in', [m['invoice_id'] or m['credit_note_id'] for m in members])])
        doc_of = {link.xero_id.lower(): link.move_id for link in doc_links}
        items = []
        for member in members:
            move = doc_of.get((member['invoice_id'] or member['credit_note_id'] or '').lower())
            if not move or move.state != 'posted' or move.move_type not in BATCHED_TYPES:
                return None
            lines = move.line_ids.filtered(lambda line: line.account_type in SETTLED_TYPES and not line.reconciled)
            residual = sum(lines.mapped('amount_residual_currency'))
            if not lines or float_compare(abs(residual), member['amount'] or 0.0,
                                          precision_rounding=move.currency_id.rounding) < 0:
                return None  # Odoo has less left to pay than Xero's member pays
            items.append((member, move, lines))
        moves = self.env['account.move'].union(*(move for _m, move, _l in items))
        if len(moves) != len(items) or len(moves.currency_id) != 1 or len(set(moves.mapped('move_type'))) != 1 \
                or len(moves.line_ids.filtered(lambda line: line.account_type in SETTLED_TYPES).account_id) != 1:
            return None
        return {'journal': journal, 'items': items, 'moves': moves}

    @api.model
    def _create_batch_payment(self, organisation, batch, plan):
        """One payment for the batch, its entry with one receivable (or payable) line per
        document, for the member's amount and with the document's partner, each reconciled with
        its document: Odoo settles each document exactly as Xero's member did, and the bank
        sees one line."""
        moves, items = plan['moves'], plan['items']
        lines = self.env['account.move.line'].union(*(line for _m, _move, line in items))
        inbound = sum(lines.mapped('amount_residual')) > 0
        partners = moves.commercial_partner_id
        currency = moves.currency_id
        total = currency.round(sum(member['amount'] for member, _move, _lines in items))
        date = batch.echo.get('date')
        Payment = self.env['account.payment'].with_context(**PULLED_CONTEXT)
        payment = Payment.create({
            'date': date,
            'amount': total,
            'payment_type': 'inbound' if inbound else 'outbound',
            'partner_type': 'customer' if lines[0].account_type == 'asset_receivable' else 'supplier',
            'memo': _('Xero batch payment %s', batch.number or batch.xero_id),
            'journal_id': plan['journal'].id,
            'company_id': moves.company_id.id,
            'currency_id': currency.id,
            'partner_id': partners.id if len(partners) == 1 else False,
            'destination_account_id': lines.account_id.id,
        })
        self._generate_entries(payment)
        counterpart = payment.move_id.line_ids.filtered(lambda line: line.account_id == lines.account_id)
        sign = -1 if inbound else 1
        commands, left = [Command.unlink(counterpart.id)], counterpart.balance
        for index, (member, move, _lines) in enumerate(items):
            amount = sign * member['amount']
            balance = left if index == len(items) - 1 else payment.company_id.currency_id.round(
                counterpart.balance * member['amount'] / total)
            left -= balance
            commands.append(Command.create({
                'name': counterpart.name, 'date_maturity': counterpart.date_maturity, 'account_id': lines.account_id.id,
                'partner_id': move.commercial_partner_id.id, 'currency_id': currency.id,
                'amount_currency': amount, 'balance': balance}))
        payment.move_id.with_context(skip_invoice_sync=True, skip_readonly_check=True).write({'line_ids': commands})
        payment.action_post()
        own = payment.move_id.line_ids.filtered(lambda line: line.account_id == lines.account_id)
        for (_member, _move, doc_lines), line in zip(items, own.sorted('id')):
            (doc_lines | line).with_context(**PULLED_CONTEXT).reconcile()
        self._match(payment.browse([payment.id] * len(moves)), list(moves))
        partials = own.matched_debit_ids | own.matched_credit_ids
        now = fields.Datetime.now()
        link_values = []
        for member, move, _lines in items:
            partial = partials.filtered(lambda p, m=move: m in (p.debit_move_id.move_id | p.credit_move_id.move_id))
            if len(partial) != 1 or float_compare(
                    abs(partial.debit_amount_currency if move == partial.debit_move_id.move_id
                        else partial.credit_amount_currency), member['amount'],
                    precision_rounding=move.currency_id.rounding):
                raise ValueError(f'{move.display_name}: the batch did not settle it as Xero did')
            link_values.append({
                'organisation_id': organisation.id, 'kind': BATCH, 'partial_id': partial.id,
                'payment_id': payment.id, 'move_id': move.id, 'amount': member['amount'],
                'currency_id': move.currency_id.id, 'date': date, 'from_xero': True,
                'xero_id': member['xero_id'], 'xero_status': 'AUTHORISED', 'xero_batch_id': batch.xero_id,
                'batch_reference': batch.number or batch.xero_id,
                'xero_updated_date': batch.updated and batch.updated.replace(tzinfo=None),
                'sync_state': 'synced', 'last_sync_date': now,
            })
        self.env['xero.payment.link'].sudo().create(link_values)
        bodies = {move.id: self.env._('Paid in Xero by batch payment %(batch)s (%(amount)s of %(total)s, %(org)s), '
                                      'registered in %(journal)s as %(payment)s.', batch=batch.number or batch.xero_id,
                                      amount=member['amount'], total=total, org=organisation.name,
                                      journal=plan['journal'].name, payment=payment.name)
                  for member, move, _lines in items}
        self.env['account.move'].browse(bodies)._message_log_batch(bodies)
        return payment

    @api.model
    def _follow(self, organisation, link, payment):
        """A member of a batch made in Xero: the first deletion cancels the one Odoo payment,
        the others find it cancelled already."""
        if link.kind == BATCH and link.from_xero and payment['status'] == 'DELETED' \
                and link.xero_status != 'DELETED' and link.payment_id.state == 'canceled':
            link.write({'xero_status': 'DELETED', 'xero_updated_date': payment['updated']})
            link.move_id.message_post(body=_('Batch payment %(batch)s was deleted in Xero (%(org)s): its Odoo payment '
                                             '%(payment)s is cancelled.',
                                             batch=link.batch_reference or link.xero_batch_id,
                                             org=organisation.name, payment=link.payment_id.name))
            return 'updated'
        return super()._follow(organisation, link, payment)
