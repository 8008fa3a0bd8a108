from odoo import api, models


class AccountPartialReconcile(models.Model):
    """Reconciling money with a synced document queues its Xero payment or allocation (two link
    models, ``xero.payment.link`` and ``xero.allocation.link``);
    undoing it queues the deletion. Nothing calls Xero here."""
    _inherit = 'account.partial.reconcile'

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        if not self.env.context.get('xero_pulled'):
            self.env['xero.payment.link']._queue_partials(partials)
        return partials

    def unlink(self):
        links = [self.env[model].sudo().search([('partial_id', 'in', self.ids)])
                 for model in ('xero.payment.link', 'xero.allocation.link')]
        result = super().unlink()
        if not self.env.context.get('xero_pulled'):
            for model_links in links:
                if model_links:
                    model_links._undo()
        return result
