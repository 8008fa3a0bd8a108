import json

from odoo import _, fields, models

from ..xero_mappers.bank_transaction import bill_payment_payload


class XeroFeedPaymentLink(models.Model):
    """The payment of a bank feed bill: a card line of a vendor whose rule is "bill plus payment"
    goes to Xero as an ACCPAY bill (its ``xero.statement.line.link``), and this link pays that
    bill from the card's Balance account, for the line's amount, on its date, so that the bill
    is PAID and the card account shows the money.

    It waits for its bill (a dependency), carries the line's reference (what finds it again after
    a lost answer), and is deleted in Xero first when the line is replaced (``to_delete``): Xero
    voids no paid bill. The bill is no Odoo document: Odoo has the statement line only.
    """
    _name = 'xero.feed.payment.link'
    _inherit = ['xero.link.mixin']
    _description = 'Xero bank feed bill payment'
    _order = 'id desc'
    _xero_record_field = 'statement_line_id'

    statement_line_id = fields.Many2one('account.bank.statement.line', required=True, index=True,
                                        ondelete='cascade', readonly=True)
    bill_link_id = fields.Many2one('xero.statement.line.link', string='Bill', required=True, index=True,
                                   ondelete='cascade', readonly=True)
    to_delete = fields.Boolean(readonly=True, copy=False,
                               help='The line is being replaced: the payment is deleted in Xero first.')
    pushed_payload = fields.Json(readonly=True, copy=False,
                                 help='The payment as Xero last accepted it.')

    _organisation_line_uniq = models.UniqueIndex(
        '(organisation_id, statement_line_id) WHERE organisation_id IS NOT NULL',
        'A statement line has one bill payment per organisation.')
    _xero_unique_nouns = ('Xero payment', 'statement line')

    def _xero_kind(self):
        return 'feed_payment_deletes' if self.to_delete else 'feed_payments'

    def _xero_url(self):
        return self.organisation_id._xero_deep_link('bank_transaction', self.xero_id)

    def _chatter(self, body):
        self.statement_line_id.move_id.message_post(body=body)

    # --- dependencies -------------------------------------------------------------------------

    def _xero_dependencies(self):
        return {'xero.statement.line.link': self.filtered(lambda link: not link.to_delete).bill_link_id}

    def _xero_missing_dependencies(self):
        if self.to_delete:
            return None, False
        bill = self.bill_link_id
        if bill.feed_form != 'bill':
            return None, False  # no bill any more: the payload step says so
        if bill.sync_state == 'synced' and bill.xero_id and not bill.replacing_xero_id:
            return None, False
        if bill.sync_state == 'error':
            return _('Its bill is not in Xero: %s', bill.last_error), True
        return _('Waiting for its bill to reach Xero.'), False

    # --- payloads -----------------------------------------------------------------------------

    def _xero_payloads(self):
        prepared = []
        for link in self:
            if link.to_delete:
                prepared.append((link, {'payment_id': link.xero_id, 'status': 'DELETED'}))
                continue
            bill = link.bill_link_id
            line = link.statement_line_id
            if bill.feed_form != 'bill' or not bill.xero_id:
                link._record_refusal(_('The line no longer goes to Xero as a bill: there is no '
                                       'bill to pay.'), state='skipped')
                continue
            hold = line._xero_feed_hold_reason()
            if hold:
                link._record_refusal(hold, state='skipped')
                continue
            org = link.organisation_id
            row = org.bank_feed_currency_ids.filtered(lambda c: c.currency_id == line.currency_id)
            lock = org.bank_feed_id._lock_reason(line.date)
            if lock or not row.xero_account_id:
                link._record_refusal(lock or _('The Xero account "%s" is not ready.',
                                               row.account_name or line.currency_id.name))
                continue
            try:
                payload = bill_payment_payload({
                    'bill_id': bill.xero_id, 'bank_account_id': row.xero_account_id.xero_id,
                    'amount': line.amount, 'date': line.date, 'reference': bill._reference()})
            except ValueError as e:
                link._record_refusal(str(e))
                continue
            prepared.append((link, payload))
        return prepared

    def _xero_send(self, organisation, kind, payloads, key):
        if kind == 'feed_payments':
            return organisation._xero().save('payments', payloads, key)
        elements = []
        for index, payload in enumerate(payloads):
            elements += organisation._xero().delete_payment(payload['payment_id'], f'{key}-{index}')
        return elements

    # --- matching and binding -----------------------------------------------------------------

    def _xero_match_key(self, payload):
        return payload['payment_id'] if payload.get('status') == 'DELETED' else payload['reference']

    def _xero_match_key_of_element(self, element):
        if element.status == 'DELETED' and element.xero_id:
            return element.xero_id
        return element.number

    def _xero_request_group(self, payload):
        return payload['payment_id'] if self.to_delete else None  # deletions one by one

    def _xero_looks_up(self, payload):
        return not self.xero_id or self.to_delete

    def _xero_find(self, organisation, kind, chunk):
        """By the line's reference, which the payment carries (a deleted one is the past); a
        deletion is found done when Xero holds the payment DELETED."""
        if kind == 'feed_payments':
            references = {payload['reference']: link for link, payload in chunk}
            elements = organisation._xero().find('payments', numbers=list(references))
            return {references[e.number].id: e for e in elements
                    if e.number in references and e.status != 'DELETED'}
        links = {payload['payment_id'].lower(): link for link, payload in chunk}
        elements = organisation._xero().find('payments', ids=list(links))
        return {links[e.xero_id.lower()].id: e for e in elements
                if e.xero_id and e.xero_id.lower() in links and e.status == 'DELETED'}

    def _xero_bind_extra(self, element, payload):
        if self.to_delete or element.status == 'DELETED':
            self.write({'xero_status': 'DELETED', 'to_delete': False})
            self._chatter(_('The payment of its bill is deleted in Xero (%(org)s); the bill is voided '
                            'next.', org=self.organisation_id.name))
            # A bill held because this deletion was refused earlier can be voided now.
            self.bill_link_id.filtered(lambda link: link.replacing_xero_id and link.waiting_dependency)._mark_pending()
            return
        self.write({'pushed_payload': json.loads(json.dumps(payload, default=str))})

    def _xero_note_refused(self):
        for link in self:
            link._chatter(_('Xero refused the payment of the bill of this line in %(org)s: %(error)s',
                            org=link.organisation_id.name, error=link.last_error))
