from odoo import _, api, fields, models
from odoo.tools import float_compare

from ..xero_client import Element
from .xero_synced_mixin import STATE_ORDER, links_summary

KINDS = [('allocations', 'Credit note allocation')]


class XeroAllocationLink(models.Model):
    """One application of a credit to a synced invoice, and its Xero allocation.

    The Odoo record is the reconciliation (``account.partial.reconcile``) of a credit note with
    an invoice (or bill): a Xero Allocation of the credit note to the invoice, for the amount
    reconciled, on the reconciliation's date. Overpayments and prepayments are allocated the
    same way (``xero_allocation_link_credit.py``). Undone in Odoo, the link stays, keeps its
    Xero id, and the allocation is deleted in Xero (a DELETE, which takes no Idempotency-Key).

    Allocations have no number in Xero: a lost answer is settled by the credit's own list of
    allocations (``_match_allocations``).
    """
    _name = 'xero.allocation.link'
    _inherit = ['xero.partial.link.mixin']
    _description = 'Xero allocation link'
    _order = 'id desc'

    kind = fields.Selection(KINDS, required=True, readonly=True)
    credit_note_id = fields.Many2one('account.move', string='Credit note', ondelete='cascade', readonly=True)

    _organisation_partial_uniq = models.UniqueIndex(
        '(organisation_id, partial_id) WHERE organisation_id IS NOT NULL AND partial_id IS NOT NULL',
        'A reconciliation links to one Xero allocation per organisation.')
    _xero_unique_nouns = ('Xero allocation', 'Odoo reconciliation')

    def _xero_kind(self):
        return 'allocation_deletes' if self.to_delete else self.kind

    # --- the engine's hooks -------------------------------------------------------------------

    def _xero_dependencies(self):
        doc_links = self.env['xero.move.link']
        for link in self.filtered(lambda link: not link.to_delete):
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

    def _xero_payloads(self):
        prepared = []
        for link in self:
            note = link._document_link(link.credit_note_id).xero_id
            if link.to_delete:
                prepared.append((link, {'allocation_id': link.xero_id, 'credit_note_id': note}))
                continue
            prepared.append((link, {'credit_note_id': note, 'invoice': {'invoice_id': link._document_link().xero_id},
                                    'amount': link.amount, 'date': link.date}))
        return prepared

    def _xero_send(self, organisation, kind, payloads, key):
        if kind == 'allocation_deletes':
            for payload in payloads:
                organisation._xero().delete_allocation(payload['credit_note_id'], payload['allocation_id'])
            # Xero answers a deletion with no body: each one that did not raise is gone.
            return [Element(xero_id=p['allocation_id'], number=p['allocation_id'], status='DELETED')
                    for p in payloads]
        if kind == 'allocations':
            elements = []
            by_note = {}
            for payload in payloads:
                by_note.setdefault(payload['credit_note_id'], []).append(
                    {k: v for k, v in payload.items() if k != 'credit_note_id'})
            for index, (note, allocations) in enumerate(by_note.items()):
                elements += organisation._xero().allocate_credit_note(note, allocations, f'{key}-{index}')
            return elements
        # Payments are another model's (xero.payment.link): never sent from here.
        raise ValueError(f'{self._name} does not send {kind!r}')

    def _xero_match_key(self, payload):
        if 'allocation_id' in payload:
            return payload['allocation_id']
        return payload['invoice']['invoice_id']

    def _xero_request_group(self, payload):
        # Allocations go per credit note, deletions one by one: one request each.
        return payload['allocation_id'] if self.to_delete else payload['credit_note_id']

    def _xero_keyed(self, kind):
        # Xero deletes an allocation with a DELETE, which takes no Idempotency-Key.
        return kind != 'allocation_deletes'

    def _xero_find(self, organisation, kind, chunk):
        """Allocations, which have no number, by the credit note's own list: one to the same
        invoice, of the same amount and date, that no other link holds; a deletion is done
        when the allocation is gone or marked deleted."""
        if kind not in ('allocations', 'allocation_deletes'):
            raise ValueError(f'{self._name} does not look up {kind!r}')
        found = {}
        by_note = {}
        for link, payload in chunk:
            by_note.setdefault(payload['credit_note_id'], []).append((link, payload))
        held = self._held_ids(organisation, 'allocations')
        for note, members in by_note.items():
            allocations = organisation._xero().credit_note_allocations(note)
            found.update(self._match_allocations(members, allocations, held, kind == 'allocation_deletes'))
        return found

    @api.model
    def _held_ids(self, organisation, kind):
        """The Xero ids (lower case) the links of ``kind`` hold in ``organisation``."""
        return {xero_id.lower() for xero_id in self.search([
            ('organisation_id', '=', organisation.id), ('kind', '=', kind),
            ('xero_id', '!=', False)]).mapped('xero_id')}

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
        if element.status == 'DELETED':
            body = _('Payment of %(amount)s deleted in Xero (%(org)s).', amount=self._amount_label(),
                     org=self.organisation_id.name)
        else:
            body = _('Credit note %(note)s allocated in Xero (%(amount)s).', note=self.credit_note_id.name,
                     amount=self._amount_label())
        self.move_id._message_log(body=body)


class AccountMove(models.Model):
    _inherit = 'account.move'

    xero_allocation_link_ids = fields.One2many('xero.allocation.link', 'move_id', string='Xero allocations',
                                               groups='xero_integration.group_xero_user')


class AccountPayment(models.Model):
    """A payment's Xero state is the worst of its payment links and of the allocations of its
    overpayment or prepayment (``xero_allocation_link_credit.py``), as when both were one model."""
    _inherit = 'account.payment'

    xero_allocation_link_ids = fields.One2many('xero.allocation.link', 'payment_id', string='Xero allocations',
                                               groups='xero_integration.group_xero_user')

    @api.depends('xero_allocation_link_ids.sync_state', 'xero_allocation_link_ids.last_error')
    def _compute_xero_state(self):
        super()._compute_xero_state()
        for payment in self:
            allocations = payment.sudo().xero_allocation_link_ids.filtered('organisation_id')
            if not allocations:
                continue
            state, errors = links_summary(allocations)
            current = payment.xero_state
            if current not in STATE_ORDER or STATE_ORDER.index(state) < STATE_ORDER.index(current):
                payment.xero_state = state
            payment.xero_error = '\n'.join(e for e in (payment.xero_error, errors) if e) or False

    def _xero_own_allocation_links(self):
        """The allocation links in the organisations of the caller's companies (as
        ``_xero_own_links``)."""
        links = self.sudo().xero_allocation_link_ids.filtered('organisation_id')
        organisations = self.env['xero.organisation'].browse()
        for company in self.env.companies:
            organisations |= self.env['xero.organisation']._of_company(company)
        return links.filtered(
            lambda link: link.company_id in self.env.companies or link.organisation_id in organisations)

    def action_xero_retry(self):
        result = super().action_xero_retry()
        self._xero_own_allocation_links().filtered(lambda link: link.sync_state == 'error')._retry()
        return result
