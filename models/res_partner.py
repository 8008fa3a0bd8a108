from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .xero_link_mixin import links_summary, xero_error_field, xero_state_domain, xero_state_field

# What the Xero contact holds of a partner: changing one sends the contact again.
XERO_SYNCED_FIELDS = ('name', 'email', 'phone', 'vat', 'street', 'street2', 'city', 'zip',
                      'state_id', 'country_id', 'is_company')


class ResPartner(models.Model):
    _inherit = 'res.partner'

    xero_link_ids = fields.One2many('xero.partner.link', 'partner_id', string='Xero links',
                                    groups='xero_integration.group_xero_user')
    xero_state = xero_state_field()
    xero_error = xero_error_field()

    @api.depends('xero_link_ids.sync_state', 'xero_link_ids.last_error')
    def _compute_xero_state(self):
        for partner in self:
            partner.xero_state, partner.xero_error = links_summary(
                partner.sudo().commercial_partner_id.xero_link_ids)

    def _search_xero_state(self, operator, value):
        return xero_state_domain(self.env, operator, value)

    def write(self, vals):
        result = super().write(vals)
        # A change pulled from Xero is not a change to push back.
        if any(field in vals for field in XERO_SYNCED_FIELDS) and not self.env.context.get('xero_pulled'):
            links = self.sudo().commercial_partner_id.xero_link_ids.filtered(
                lambda l: l.organisation_id and l.sync_state in ('synced', 'error', 'skipped'))
            if links._mark_pending():
                links._trigger_push()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_xero(self):
        linked = self.sudo().xero_link_ids.filtered('xero_id')
        if linked:
            raise UserError(_('%s is a contact in Xero: archive it instead.', linked[0].partner_id.display_name))

    def action_xero_sync(self):
        """Queue the commercial partners for every organisation their company is connected to."""
        if not self.env.user.has_group('xero_integration.group_xero_user'):
            raise UserError(_('Only Xero users can send contacts to Xero.'))
        self.check_access('read')
        Link = self.env['xero.partner.link'].sudo()
        links = Link
        for partner in self.commercial_partner_id:
            companies = partner.company_id or self.env.companies
            orgs = self.env['xero.organisation'].sudo().browse()
            for company in companies:
                orgs |= orgs._of_company(company)
            for org in orgs.filtered(lambda org: org.state == 'connected'):
                link = Link._ensure_links(org, partner)
                links |= link if link.sync_state == 'pending' else link._mark_pending()
        if links:
            links._request()._trigger_push()
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'message': _('Queued for Xero: %s. Contacts are sent in the background.',
                                        ', '.join(links.partner_id.mapped('display_name')) or _('nothing')),
                           'type': 'info', 'sticky': False}}

    def action_xero_retry(self):
        self.sudo().commercial_partner_id.xero_link_ids.filtered(
            lambda l: l.organisation_id and l.sync_state == 'error').action_retry()
        return True
