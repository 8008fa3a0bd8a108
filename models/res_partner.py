from odoo import _, fields, models

# What the Xero contact holds of a partner: changing one sends the contact again.
XERO_SYNCED_FIELDS = ('name', 'email', 'phone', 'vat', 'street', 'street2', 'city', 'zip',
                      'state_id', 'country_id', 'is_company')


class ResPartner(models.Model):
    _name = 'res.partner'
    _inherit = ['res.partner', 'xero.synced.mixin']
    _xero_synced_fields = XERO_SYNCED_FIELDS

    xero_link_ids = fields.One2many('xero.partner.link', 'partner_id', string='Xero links',
                                    groups='xero_integration.group_xero_user')

    def _xero_links(self):
        """The commercial partner is the Xero contact: a person of a company shows its links."""
        return self.sudo().commercial_partner_id.xero_link_ids.filtered('organisation_id')

    def _xero_unlink_message(self, link):
        return _('%s is a contact in Xero: archive it instead.', link.partner_id.display_name)

    def action_xero_sync(self):
        """Queue the commercial partners for every organisation their company is connected to."""
        self._xero_check_access()
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
