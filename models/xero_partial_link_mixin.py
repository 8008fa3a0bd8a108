from odoo import _, fields, models
from odoo.tools import formatLang


class XeroPartialLinkMixin(models.AbstractModel):
    """What the two links of a reconciliation share: the Odoo record is the reconciliation
    (``account.partial.reconcile``) between a synced document and what settles it, sent to Xero
    as a payment (``xero.payment.link``) or as an allocation of a credit (``xero.allocation.link``).

    Shared: the reconciliation and what it settles, its document's link, the undo (the link
    stays, keeps its Xero id, and what Xero holds is deleted), and the organisation's payment
    direction, which holds both before they go. Each link model has its own kinds and send
    paths.
    """
    _name = 'xero.partial.link.mixin'
    _inherit = ['xero.link.mixin']
    _description = 'Xero link of a reconciliation'
    _xero_record_field = 'partial_id'

    partial_id = fields.Many2one('account.partial.reconcile', index=True, ondelete='set null', readonly=True)
    payment_id = fields.Many2one('account.payment', index=True, ondelete='set null', readonly=True)
    statement_line_id = fields.Many2one('account.bank.statement.line', string='Bank statement line', index=True,
                                        ondelete='set null', readonly=True,
                                        help='The bank line that settles the document, when it was reconciled '
                                             'with it directly (no Odoo payment).')
    move_id = fields.Many2one('account.move', string='Document', index=True, ondelete='cascade', readonly=True)
    amount = fields.Monetary(currency_field='currency_id', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    date = fields.Date(readonly=True)
    to_delete = fields.Boolean(readonly=True, copy=False, help='Undone in Odoo: to be deleted in Xero.')
    from_xero = fields.Boolean(string='Made in Xero', readonly=True, copy=False)

    def _amount_label(self):
        """The amount as the user reads money: "$ 517.50", not 517.5."""
        return formatLang(self.env, self.amount, currency_obj=self.currency_id or self.move_id.currency_id)

    def _xero_match_key_of_element(self, element):
        # A payment or allocation echoes the document it settles; a deletion answers with the
        # id of what it deleted.
        if element.echo.get('invoice_id') and not element.number:
            return element.echo['invoice_id']
        if element.status == 'DELETED' and element.xero_id:
            return element.xero_id
        return element.number

    def _document_link(self, move=None):
        return self.env['xero.move.link'].sudo().search(
            [('move_id', '=', (move or self.move_id).id), ('organisation_id', '=', self.organisation_id.id)], limit=1)

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

    def _xero_looks_up(self, payload):
        return not self.xero_id or self.to_delete

    def _held_by_direction(self):
        """Mark the links of organisations whose payments go from Xero to Odoo only, still
        waiting to be sent (and never sent: one that may have reached Xero is looked up as
        usual), as not sent; return them."""
        held = self.sudo().filtered(lambda link: link.organisation_id.payment_direction == 'xero_to_odoo'
                                    and link.sync_state in ('pending', 'error') and not link.maybe_sent)
        for organisation, links in held.grouped('organisation_id').items():
            links._record_refusal(_('Not sent: payments of %s go from Xero to Odoo only (organisation '
                                    'settings). Record this payment in Xero too, or let payments go both '
                                    'ways and press Retry.', organisation.name), state='skipped')
        return held

    def _xero_note_refused(self):
        for link in self:
            target = link.payment_id or link.move_id
            target.message_post(body=_('Xero refused this payment in %(org)s: %(error)s',
                                       org=link.organisation_id.name, error=link.last_error))
