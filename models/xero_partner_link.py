from odoo import _, api, fields, models

from ..xero_client import XeroError
from ..xero_client.governor import Wait
from ..xero_mappers.contact import NAME_MAX, contact_payload, same_party


class XeroPartnerLink(models.Model):
    """An Odoo contact and its Xero Contact in one organisation.

    The commercial partner (the company, or a person on their own) is the Xero contact; its
    ContactNumber is a stable reference unique to this database, which is what Odoo finds it
    by in Xero.
    """
    _name = 'xero.partner.link'
    _inherit = ['xero.link.mixin']
    _description = 'Xero contact link'
    _xero_record_field = 'partner_id'

    partner_id = fields.Many2one('res.partner', required=True, index=True, ondelete='cascade',
                                 readonly=True)
    xero_currency = fields.Char(string='Default currency in Xero', readonly=True, copy=False)
    name_suffix = fields.Char(readonly=True, copy=False,
                              help='Added to the name in Xero, where another contact has the same name.')

    _organisation_partner_uniq = models.UniqueIndex(
        '(organisation_id, partner_id) WHERE organisation_id IS NOT NULL',
        'A contact links to one Xero contact per organisation.')
    _xero_unique_nouns = ('Xero contact', 'Odoo contact')
    _legacy_partner_uniq = models.UniqueIndex(
        '(partner_id) WHERE organisation_id IS NULL', 'A contact has one legacy Xero link.')

    def _xero_kind(self):
        return 'contacts'

    def _xero_url(self):
        return self.organisation_id._xero_deep_link('contact', self.xero_id)

    @api.model
    def _contact_number_prefix(self):
        uuid = self.env['ir.config_parameter'].sudo().get_param('database.uuid', '')
        return f'ODOO-{uuid[:8]}-'

    @api.model
    def _contact_number(self, partner):
        """Stable and unique per database: the partner's id under the database's own prefix."""
        return f'{self._contact_number_prefix()}{partner.id}'

    def _partner_values(self):
        partner = self.partner_id
        return {
            'name': partner.name or partner.display_name, 'is_company': partner.is_company,
            'email': partner.email, 'phone': partner.phone, 'vat': partner.vat,
            'ref': self._contact_number(partner), 'street': partner.street,
            'street2': partner.street2, 'city': partner.city, 'state': partner.state_id.name,
            'zip': partner.zip, 'country_code': partner.country_id.code,
            'xero_id': self.xero_id, 'name_suffix': self.name_suffix,
        }

    def _xero_payloads(self):
        return [(link, contact_payload(link._partner_values())) for link in self]

    def _xero_match_key(self, payload):
        return payload.get('contact_number')

    def _xero_handle_refusal(self, element, payload):
        """A name another Xero contact has: the same party is linked, another one gets a name
        of its own, and the partner's chatter says so.

        Xero's refusal carries no error number: whether the name is taken is read from Xero's
        contacts of that name, not from the words of the message."""
        organisation = self.organisation_id
        name = payload['name']
        try:
            found = organisation._xero().contacts_named(name)  # exactly that name, quotes and all
        except (Wait, XeroError):
            found = []  # unknown for now: the refusal stands until someone presses Retry
        found = [el for el in found if el.xero_id != self.xero_id]
        if not found:
            return self._xero_note_refused()
        ours = {'email': payload.get('email_address'), 'tax_number': payload.get('tax_number')}
        twin = next((el for el in found if same_party(ours, el.echo)), None)
        if twin and not self.search_count([('organisation_id', '=', organisation.id),
                                            ('xero_id', '=', twin.xero_id)]):
            self.sudo().write({'xero_id': twin.xero_id, 'xero_status': twin.status})
            self._mark_pending()  # send Odoo's details (and ContactNumber) to the contact found
            self.partner_id.message_post(body=_(
                'Xero already had a contact named "%(name)s" with the same email or tax number: '
                'linked to it in %(org)s.', name=name, org=organisation.name))
            return
        # The partner's own reference reads better than the ContactNumber, which stays hidden.
        self.sudo().name_suffix = ' (%s)' % (self.partner_id.ref or self.partner_id.id)
        self._mark_pending()
        self.partner_id.message_post(body=_(
            'Another contact in %(org)s is already named "%(name)s": this one goes to Xero as '
            '"%(new)s".', org=organisation.name, name=name,
            new=contact_payload(self._partner_values())['name']))

    def _xero_bind_extra(self, element, payload):
        """Documents and transactions held for this contact can go now."""
        full = (self.partner_id.name or '').strip()
        if len(full) + len(self.name_suffix or '') > NAME_MAX:
            # Xero takes 255 characters of a name: say what it holds rather than cut silently.
            self.partner_id.message_post(body=_(
                'The name has %(length)s characters and Xero takes at most %(max)s: it is "%(name)s" '
                'in %(org)s.', length=len(full), max=NAME_MAX, name=payload.get('name'),
                org=self.organisation_id.name))
        self.env['xero.move.link'].sudo().search([
            ('organisation_id', '=', self.organisation_id.id), ('waiting_dependency', '=', True),
            ('move_id.commercial_partner_id', '=', self.partner_id.id)])._mark_pending()
        self.env['xero.statement.line.link'].sudo().search([
            ('organisation_id', '=', self.organisation_id.id), ('waiting_dependency', '=', True),
            ('contact_partner_id', '=', self.partner_id.id)])._mark_pending()

    def _xero_note_refused(self):
        for link in self:
            link.partner_id.message_post(body=_('Xero refused this contact in %(org)s: %(error)s',
                                                org=link.organisation_id.name, error=link.last_error))
