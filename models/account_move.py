from odoo import _, api, fields, models

from .xero_synced_mixin import links_summary
from .xero_move_link import XERO_TYPES

# Xero statuses of a document Xero has approved (or is about to): it stays so while the Odoo
# document is back to draft.
APPROVED_STATUSES = ('SUBMITTED', 'AUTHORISED', 'PAID')

# Fields of a posted document that Xero holds too: changing one sends the document again.
XERO_SYNCED_FIELDS = ('partner_id', 'ref', 'invoice_date', 'invoice_date_due', 'payment_reference',
                      'currency_id')


class AccountMove(models.Model):
    _name = 'account.move'
    _inherit = ['account.move', 'xero.synced.mixin']
    _xero_synced_fields = XERO_SYNCED_FIELDS

    xero_link_ids = fields.One2many('xero.move.link', 'move_id', string='Xero links',
                                    groups='xero_integration.group_xero_user')
    xero_state = fields.Selection(selection_add=[('draft_in_xero', 'Draft in Odoo, approved in Xero')])
    xero_number = fields.Char(compute='_compute_xero_state', groups='xero_integration.group_xero_user')
    xero_status = fields.Char(string='Status in Xero', compute='_compute_xero_state',
                              groups='xero_integration.group_xero_user')
    xero_amount_due = fields.Monetary(string='Amount due in Xero', compute='_compute_xero_state',
                                      groups='xero_integration.group_xero_user')
    xero_payment_link_ids = fields.One2many('xero.payment.link', 'move_id', string='Xero payments',
                                            groups='xero_integration.group_xero_user')

    @api.depends('xero_link_ids.sync_state', 'xero_link_ids.last_error', 'xero_link_ids.xero_status',
                 'xero_link_ids.xero_amount_due', 'state', 'company_id')
    def _compute_xero_state(self):
        for move in self:
            links = move.sudo().xero_link_ids.filtered('organisation_id')
            move.xero_state, _errors = links_summary(links)
            if move.state == 'draft' and move._xero_approved_links():
                move.xero_state = 'draft_in_xero'
            move.xero_number = ', '.join(n for n in links.mapped('xero_number') if n)
            move.xero_status = ', '.join(s for s in links.mapped('xero_status') if s) or False
            move.xero_amount_due = sum(links.mapped('xero_amount_due'))
            reason = '\n'.join(e for e in links.mapped('last_error') if e)
            if not links and move.state == 'posted' and move.move_type in XERO_TYPES:
                reason = self.env['xero.organisation']._route(move.company_id, move.journal_id)[1]
            move.xero_error = reason or False

    def _search_xero_state(self, operator, value):
        if operator not in ('=', 'in'):
            return super()._search_xero_state(operator, value)
        values = [value] if operator == '=' else list(value)
        draft = ['&', ('state', '=', 'draft'), ('xero_link_ids', 'any', [
            ('organisation_id', '!=', False), ('xero_id', '!=', False),
            ('xero_status', 'in', APPROVED_STATUSES)])]
        others = [v for v in values if v != 'draft_in_xero']
        # A document shows one status: draft in Odoo and approved in Xero wins over its links'.
        domain = ['&', '!', *draft, *super()._search_xero_state('in', others)] if others else []
        if 'draft_in_xero' in values:
            domain = ['|', *draft, *domain] if domain else draft
        return domain

    def _xero_approved_links(self):
        return self.sudo().xero_link_ids.filtered(
            lambda link: link.organisation_id and link.xero_id and link.xero_status in APPROVED_STATUSES)

    def _xero_dirty_links(self):
        return self.filtered(lambda m: m.state == 'posted')._xero_links()

    def _xero_unlink_message(self, link):
        return _('%s is in Xero: cancel it instead, which voids it there too.', link.move_id.display_name)

    # --- the outbox ---------------------------------------------------------------------------

    def _xero_queue(self):
        """Create or mark the links of documents that go to Xero; return them."""
        links = self.env['xero.move.link'].sudo()
        if self.env.context.get('xero_pulled'):
            return links  # it came from Xero: nothing to send back
        for move in self.filtered(lambda m: m.move_type in XERO_TYPES and m.state in ('posted', 'cancel')):
            org, _reason = self.env['xero.organisation']._route(move.company_id, move.journal_id)
            existing = move.sudo().xero_link_ids.filtered('organisation_id')
            if move.state == 'cancel':
                # Only what Xero holds needs voiding; a link never synced has nothing to undo, and
                # one voided or deleted in Xero already (the review list's case) neither.
                links |= existing.filtered(
                    lambda link: link.xero_id and link.xero_status not in ('VOIDED', 'DELETED'))._mark_pending()
                continue
            if existing:
                links |= existing._mark_pending()
            elif org:
                links |= links._ensure_links(org, move)
        # The contacts go in the outbox with their documents, in the user's transaction: two
        # workers creating the same contact's link during a push would collide.
        for link in links:
            partner = link.move_id.commercial_partner_id
            if partner and link.organisation_id:
                self.env['xero.partner.link'].sudo()._ensure_links(link.organisation_id, partner)
        if links:
            links._trigger_push()
        return links

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._xero_queue()
        return posted

    def button_cancel(self):
        result = super().button_cancel()
        self._xero_queue()
        return result

    def button_draft(self):
        """Back to draft: Xero keeps the document approved; posting again updates it."""
        approved = self.filtered(lambda m: m.state == 'posted' and m._xero_approved_links())
        result = super().button_draft()
        for move in approved:
            links = move._xero_approved_links()
            links.write({'reposting': True})
            move.message_post(body=_(
                'Back to draft in Odoo; %(number)s stays approved in Xero (%(org)s) until this '
                'document is posted again, which updates it there.',
                number=', '.join(links.mapped('xero_number')), org=', '.join(links.organisation_id.mapped('name'))))
        return result

    # --- actions ------------------------------------------------------------------------------

    def action_xero_sync(self):
        """"Sync now" and the list action "Sync to Xero": queue, wake the push, return at once."""
        self._xero_check_access()
        links = self._xero_queue()._request()
        skipped = len(self) - len(links.move_id)
        count = len(links.move_id)
        message = (_('1 document queued for Xero; it is sent in the background.') if count == 1 else
                   _('%s documents queued for Xero; they are sent in the background.', count))
        if skipped:
            message += ' ' + _('Not sent: %s (only posted invoices, bills and credit notes of a '
                               'connected company go to Xero).', skipped)
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'message': message, 'type': 'info' if links else 'warning', 'sticky': False,
                           'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'}}}
