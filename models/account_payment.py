from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .xero_link_mixin import links_summary, xero_error_field, xero_state_domain, xero_state_field


class AccountPayment(models.Model):
    _inherit = 'account.payment'

    xero_link_ids = fields.One2many('xero.payment.link', 'payment_id', string='Xero',
                                    groups='xero_integration.group_xero_user')
    xero_state = xero_state_field()
    xero_error = xero_error_field()

    @api.depends('xero_link_ids.sync_state', 'xero_link_ids.last_error')
    def _compute_xero_state(self):
        for payment in self:
            payment.xero_state, payment.xero_error = links_summary(payment.sudo().xero_link_ids)

    def _search_xero_state(self, operator, value):
        return xero_state_domain(self.env, operator, value)

    def action_xero_sync(self):
        if not self.env.user.has_group('xero_integration.group_xero_user'):
            raise UserError(_('Only Xero users can send payments to Xero.'))
        self.check_access('read')
        links = self.sudo().xero_link_ids.filtered(lambda l: l.organisation_id and l.sync_state in ('error', 'skipped'))
        links._mark_pending()
        partials = (self.move_id.line_ids.matched_debit_ids | self.move_id.line_ids.matched_credit_ids)
        new = partials - self.sudo().xero_link_ids.partial_id
        links |= self.env['xero.payment.link']._queue_partials(new)
        links._request()._trigger_push()
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'message': _('Queued for Xero; payments are sent in the background.'),
                           'type': 'info', 'sticky': False}}

    def action_xero_open(self):
        self.ensure_one()
        link = self.sudo().xero_link_ids.filtered('xero_id')[:1]
        if not link:
            raise UserError(_('This payment is not in Xero yet.'))
        return link.action_open_in_xero()
