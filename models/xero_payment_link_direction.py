from odoo import _, api, models


class XeroPaymentLink(models.Model):
    """The organisation's payment direction on the way out: where payments go from Xero to Odoo
    only, a reconciliation made in Odoo (or undone there) is not sent, neither when it is queued
    nor when it is retried. Its link is kept, marked "Not sent" with the reason, so the
    document's Xero tab says why Xero does not show it.

    Payments made in Xero, when the direction is Odoo to Xero only, are held by the registration
    (``xero.payment.register._plan``)."""
    _inherit = 'xero.payment.link'

    @api.model
    def _queue_partials(self, partials):
        links = super()._queue_partials(partials)
        # Whatever form the overrides gave them: every link of these reconciliations.
        queued = links | self.sudo().search([('partial_id', 'in', partials.ids)])
        links_out = queued._held_by_direction()
        return links - links_out

    def _undo(self):
        result = super()._undo()
        self._held_by_direction()
        return result

    def _xero_payloads(self):
        # Also at the send: a link queued before the choice changed, or retried since.
        held = self._held_by_direction()
        return super(XeroPaymentLink, self - held)._xero_payloads()

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
