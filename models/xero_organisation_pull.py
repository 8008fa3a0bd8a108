from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..xero_client import XeroError


class XeroOrganisation(models.Model):
    """What comes from Xero into Odoo, and how."""
    _inherit = 'xero.organisation'

    contact_group_ids = fields.One2many('xero.contact.group', 'organisation_id', string='Xero contact groups')
    import_group_ids = fields.Many2many(
        'xero.contact.group', string='Import only these contact groups',
        domain="[('organisation_id', '=', id)]", tracking=True,
        help='Leave empty to bring in every Xero contact, suppliers included. A change applies '
             'from the next pull on.')
    conflict_policy = fields.Selection(
        [('odoo', 'Odoo wins'), ('xero', 'Xero wins')], string='When both sides changed',
        default='odoo', required=True, tracking=True,
        help='When a contact changed in Odoo and in Xero since the last sync. The values that '
             'lose are written in the contact\'s chatter.')
    import_documents = fields.Boolean(
        string='Import invoices and bills made in Xero', tracking=True,
        help='Bring invoices, bills and credit notes created in Xero into Odoo.')
    import_documents_post = fields.Boolean(
        string='Post imported documents', tracking=True,
        help='Imported documents are drafts unless this is on.')
    gone_policy = fields.Selection(
        [('review', 'Put it on the review list'), ('cancel', 'Cancel it in Odoo')],
        string='Documents voided or deleted in Xero', default='review', required=True, tracking=True,
        help='An invoice, bill or credit note of Odoo that is voided or deleted in Xero. Cancel it in Odoo: '
             'as Odoo\'s own Cancel does (its payments are unreconciled; those made in Xero are reversed '
             'when Xero deletes them), and nothing is sent back to Xero. Review list: it stays open in Odoo '
             'until someone decides.')
    pull_state_ids = fields.One2many('xero.pull.state', 'organisation_id', string='Pulls')
    review_count = fields.Integer(compute='_compute_review_count')

    def _compute_review_count(self):
        for org in self:
            org.review_count = self.env['xero.review'].sudo().search_count(
                [('organisation_id', '=', org.id or 0), ('state', '=', 'open')])

    @api.model
    def _connect_authorised(self, token_data, company):
        """The first pull of contacts runs in a cron, never in the OAuth callback."""
        orgs = super()._connect_authorised(token_data, company)
        if orgs:
            self.env.ref('xero_integration.ir_cron_xero_pull').sudo()._trigger()
        return orgs

    def action_pull_now(self):
        """Wake the pull cron; nothing waits on Xero in the click."""
        if not self.env.user.has_group('xero_integration.group_xero_user'):
            raise UserError(_('Only Xero users can pull from Xero.'))
        self.env.ref('xero_integration.ir_cron_xero_pull').sudo()._trigger()
        return self._notify(_('Pull queued: contacts (and documents, when imported) changed in Xero '
                              'come in within a minute.'), kind='info')

    def action_import_contact_groups(self):
        """Read Xero's contact groups (a read: it may wait on Xero)."""
        self.ensure_one()
        self.check_access('write')
        try:
            groups = self._xero().contact_groups()
        except XeroError as e:
            raise UserError(_('Could not read the contact groups of %(org)s: %(error)s',
                              org=self.name, error=e.message)) from None
        self.env['xero.contact.group'].sudo()._import(self, groups)
        return self._notify(_('Contact groups read from Xero.'))

    def action_view_reviews(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('xero_integration.xero_review_action')
        action['domain'] = [('organisation_id', '=', self.id)]
        return action
