from odoo import api, models


class AccountPartialReconcile(models.Model):
    """Reconciling money with a synced document queues its Xero payment or allocation;
    undoing it queues the deletion. Nothing calls Xero here."""
    _inherit = 'account.partial.reconcile'

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        if not self.env.context.get('xero_pulled'):
            self.env['xero.payment.link']._queue_partials(partials)
        return partials

    def unlink(self):
        links = self.env['xero.payment.link'].sudo().search([('partial_id', 'in', self.ids)])
        result = super().unlink()
        if links and not self.env.context.get('xero_pulled'):
            links._undo()
        return result
