from odoo import _, api, fields, models


class XeroOrganisation(models.Model):
    """After the consent round trip: say what was connected and what to do next."""
    _inherit = 'xero.organisation'

    # Who connected it and has not been told yet: the OAuth callback redirects to a server action
    # that reads this, shows one notification and clears it. Stored, because the callback and
    # the page it redirects to are two requests.
    connect_notice_user_id = fields.Many2one('res.users', readonly=True, copy=False)

    @api.model
    def _connect_authorised(self, token_data, company):
        orgs = super()._connect_authorised(token_data, company)
        orgs.sudo().connect_notice_user_id = self.env.user
        return orgs

    @api.model
    def _action_connected_notice(self):
        """The organisations list, behind a notification naming what was just connected."""
        action = self.env['ir.actions.act_window']._for_xml_id('xero_integration.xero_organisation_action')
        orgs = self.sudo().search([('connect_notice_user_id', '=', self.env.uid)])
        if not orgs:
            return action  # a reload of the page: nothing new to say
        orgs.connect_notice_user_id = False
        # The company is named only where it is not the one the user is working in.
        names = ', '.join(org.name if org.company_id == self.env.company else
                          _('%(org)s (company %(company)s)', org=org.name, company=org.company_id.name)
                          for org in orgs)
        next_steps = _('Next: open each organisation, confirm the suggested tax mappings on its Taxes '
                       'tab, press Check mappings, and switch on Auto-sync when it says Ready.')
        ready = orgs.filtered(lambda org: org.auto_sync_invoices)
        if ready and ready == orgs:
            next_steps = _('Auto-sync is on: posted invoices go to Xero within minutes. Press Check '
                           'mappings on an organisation to see that nothing is missing.')
        title = _('Connected to Xero') if len(orgs) == 1 else _('%s organisations connected to Xero', len(orgs))
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'title': title, 'message': f'{names}. {next_steps}', 'type': 'success',
                           'sticky': True, 'next': action}}
