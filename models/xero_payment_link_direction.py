from odoo import api, models


class XeroPaymentLink(models.Model):
    """The organisation's payment direction on the way out: where payments go from Xero to Odoo
    only, a reconciliation made in Odoo (or undone there) is not sent, neither when it is queued
    nor when it is retried. Its link (a payment's or an allocation's) is kept, marked "Not sent"
    with the reason, so the document's Xero tab says why Xero does not show it
    (``xero.partial.link.mixin._held_by_direction``).

    Payments made in Xero, when the direction is Odoo to Xero only, are held by the registration
    (``xero.payment.register._plan``)."""
    _inherit = 'xero.payment.link'

    @api.model
    def _queue_partials(self, partials):
        links = super()._queue_partials(partials)
        # Whatever form the overrides gave them: every link of these reconciliations.
        queued = links | self.sudo().search([('partial_id', 'in', partials.ids)])
        links_out = queued._held_by_direction()
        self.env['xero.allocation.link'].sudo().search([('partial_id', 'in', partials.ids)])._held_by_direction()
        return links - links_out

    def _undo(self):
        result = super()._undo()
        self._held_by_direction()
        return result

    def _xero_payloads(self):
        # Also at the send: a link queued before the choice changed, or retried since.
        held = self._held_by_direction()
        return super(XeroPaymentLink, self - held)._xero_payloads()


class XeroAllocationLink(models.Model):
    """The same hold for allocations: they are payments of the document too."""
    _inherit = 'xero.allocation.link'

    def _undo(self):
        result = super()._undo()
        self._held_by_direction()
        return result

    def _xero_payloads(self):
        held = self._held_by_direction()
        return super(XeroAllocationLink, self - held)._xero_payloads()
