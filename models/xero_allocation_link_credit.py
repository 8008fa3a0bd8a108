from odoo import _, fields, models

from ..xero_client import Element
from ..xero_client.credit import credit_kind

CREDIT_ALLOCATION = 'credit_allocations'


class XeroAllocationLinkCredit(models.Model):
    """An allocation of an overpayment or prepayment (a ``credits`` payment link, see
    ``xero_payment_link_credit.py``) to a synced invoice or bill: one per reconciliation of the
    money with the document. Undone, the allocation is deleted in Xero (a DELETE, no
    Idempotency-Key); the overpayment is voided only once its allocations are gone."""
    _inherit = 'xero.allocation.link'

    kind = fields.Selection(selection_add=[(CREDIT_ALLOCATION, 'Overpayment or prepayment allocation')],
                            ondelete={CREDIT_ALLOCATION: 'cascade'})
    credit_link_id = fields.Many2one('xero.payment.link', string='Overpayment or prepayment', index=True,
                                     ondelete='cascade', readonly=True)

    def _xero_kind(self):
        if self.kind == CREDIT_ALLOCATION:
            return 'credit_allocation_deletes' if self.to_delete else CREDIT_ALLOCATION
        return super()._xero_kind()

    # --- the engine's hooks -------------------------------------------------------------------

    def _xero_dependencies(self):
        mine = self.filtered(lambda l: l.kind == CREDIT_ALLOCATION)
        deps = super(XeroAllocationLinkCredit, self - mine)._xero_dependencies()
        move_links = deps.get('xero.move.link', self.env['xero.move.link'])
        payment_links = deps.get('xero.payment.link', self.env['xero.payment.link'])
        for link in mine.filtered(lambda l: not l.to_delete):
            move_links |= link._document_link()
            payment_links |= link.credit_link_id
        return dict(deps, **{'xero.move.link': move_links, 'xero.payment.link': payment_links})

    def _xero_missing_dependencies(self):
        if self.kind != CREDIT_ALLOCATION:
            return super()._xero_missing_dependencies()
        if self.to_delete:
            return None, False
        doc = self._document_link()
        if not (doc.sync_state == 'synced' and doc.xero_id):
            return _('Waiting for %(doc)s to reach Xero%(why)s.', doc=self.move_id.display_name,
                     why=(': ' + doc.last_error) if doc.sync_state == 'error' and doc.last_error else ''), \
                doc.sync_state == 'error'
        credit = self.credit_link_id
        if not (credit.sync_state == 'synced' and credit.xero_id) or credit.to_delete:
            refused = credit.sync_state in ('error', 'skipped')
            return _('Waiting for the overpayment or prepayment of %(money)s to reach Xero%(why)s.',
                     money=(credit.payment_id or credit.statement_line_id).display_name,
                     why=(': ' + credit.last_error) if refused and credit.last_error else ''), refused
        return None, False

    def _xero_payloads(self):
        mine = self.filtered(lambda l: l.kind == CREDIT_ALLOCATION)
        prepared = super(XeroAllocationLinkCredit, self - mine)._xero_payloads()
        for link in mine:
            credit = link.credit_link_id
            values = {'credit_kind': credit_kind(credit.credit_type), 'credit_id': credit.xero_id}
            if link.to_delete:
                prepared.append((link, dict(values, allocation_id=link.xero_id)))
                continue
            prepared.append((link, dict(values, invoice={'invoice_id': link._document_link().xero_id},
                                        amount=link.amount, date=link.date)))
        return prepared

    def _xero_send(self, organisation, kind, payloads, key):
        if kind == 'credit_allocation_deletes':
            for payload in payloads:
                organisation._xero().delete_credit_allocation(payload['credit_kind'], payload['credit_id'],
                                                              payload['allocation_id'])
            # Xero's answer to a deletion says only that it is gone: each one that did not raise.
            return [Element(xero_id=p['allocation_id'], number=p['allocation_id'], status='DELETED')
                    for p in payloads]
        if kind == CREDIT_ALLOCATION:
            elements = []
            by_credit = {}
            for payload in payloads:
                by_credit.setdefault((payload['credit_kind'], payload['credit_id']), []).append(
                    {k: v for k, v in payload.items() if k not in ('credit_kind', 'credit_id')})
            for index, ((ckind, credit_id), allocations) in enumerate(by_credit.items()):
                elements += organisation._xero().allocate_credit(ckind, credit_id, allocations,
                                                                 f'{key}-{index}')
            return elements
        return super()._xero_send(organisation, kind, payloads, key)

    def _xero_match_key(self, payload):
        if self.kind == CREDIT_ALLOCATION:
            if self.to_delete:
                return payload['allocation_id'].lower()
            return payload['invoice']['invoice_id'].lower()
        return super()._xero_match_key(payload)

    def _xero_match_key_of_element(self, element):
        first = self[:1]
        if first.kind == CREDIT_ALLOCATION:
            if first.to_delete:
                return (element.xero_id or '').lower()
            return (element.echo.get('invoice_id') or '').lower()
        return super()._xero_match_key_of_element(element)

    def _xero_request_group(self, payload):
        if self.kind == CREDIT_ALLOCATION:
            # Allocations go per overpayment, deletions one by one: one request each.
            return payload['allocation_id'] if self.to_delete else payload['credit_id']
        return super()._xero_request_group(payload)

    def _xero_keyed(self, kind):
        # Xero deletes an allocation with a DELETE, which takes no Idempotency-Key.
        return kind != 'credit_allocation_deletes' and super()._xero_keyed(kind)

    def _xero_find(self, organisation, kind, chunk):
        """Allocations of an overpayment or prepayment by its own list, as credit notes' are."""
        if kind not in (CREDIT_ALLOCATION, 'credit_allocation_deletes'):
            return super()._xero_find(organisation, kind, chunk)
        found = {}
        by_credit = {}
        for link, payload in chunk:
            by_credit.setdefault((payload['credit_kind'], payload['credit_id']), []).append((link, payload))
        held = self._held_ids(organisation, CREDIT_ALLOCATION)
        for (ckind, credit_id), members in by_credit.items():
            credit = organisation._xero().credit(ckind, credit_id)
            allocations = credit['allocations'] if credit else []
            found.update(self._match_allocations(members, allocations, held,
                                                 kind == 'credit_allocation_deletes'))
        return found

    def _xero_bind_extra(self, element, payload):
        if self.kind != CREDIT_ALLOCATION:
            return super()._xero_bind_extra(element, payload)
        money = self.payment_id or self.statement_line_id
        if self.to_delete:
            self.write({'xero_status': 'DELETED', 'to_delete': False})
            body = _('Allocation of %(amount)s to %(doc)s removed in Xero (%(org)s).', amount=self.amount,
                     doc=self.move_id.display_name, org=self.organisation_id.name)
        else:
            body = _('%(what)s allocated to %(doc)s in Xero (%(amount)s).', what=self.credit_link_id._credit_label(),
                     doc=self.move_id.display_name, amount=self.amount)
        for record in (money, self.move_id):
            if record and hasattr(record, '_message_log'):
                record._message_log(body=body)
        return None

    def _xero_note_refused(self):
        mine = self.filtered(lambda l: l.kind == CREDIT_ALLOCATION)
        super(XeroAllocationLinkCredit, self - mine)._xero_note_refused()
        for link in mine:
            target = link.payment_id or link.move_id
            if target:
                target.message_post(body=_('Xero refused this %(what)s in %(org)s: %(error)s',
                                           what=_('allocation'), org=link.organisation_id.name,
                                           error=link.last_error))
