from odoo import _, fields, models


class AccountPayment(models.Model):
    _name = 'account.payment'
    _inherit = ['account.payment', 'xero.synced.mixin']
    # A payment deleted in Odoo is deleted in Xero too (see xero.payment.link).
    _xero_unlink_guard = False

    xero_link_ids = fields.One2many('xero.payment.link', 'payment_id', string='Xero links',
                                    groups='xero_integration.group_xero_user')

    def action_xero_sync(self):
        self._xero_check_access()
        links = self._xero_own_links().filtered(lambda link: link.sync_state in ('error', 'skipped'))
        links._mark_pending()
        allocations = self._xero_own_allocation_links().filtered(lambda link: link.sync_state in ('error', 'skipped'))
        allocations._mark_pending()
        partials = (self.move_id.line_ids.matched_debit_ids | self.move_id.line_ids.matched_credit_ids)
        new = partials - self.sudo().xero_link_ids.partial_id - self.sudo().xero_allocation_link_ids.partial_id
        links |= self.env['xero.payment.link']._queue_partials(new)
        allocations |= self.env['xero.allocation.link'].sudo().search([('partial_id', 'in', new.ids)]).filtered(
            lambda link: link.sync_state == 'pending')
        links._request()._trigger_push()
        allocations._request()
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'message': _('Queued for Xero; payments are sent in the background.'),
                           'type': 'info', 'sticky': False}}
