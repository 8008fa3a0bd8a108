from datetime import datetime

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..xero_client.kinds import MAX_PAGE_SIZE
from ..xero_mappers.contact import contact_keys, contact_payload, normalise_phone, partner_values
from ..xero_mappers.keys import payload_hash

# Partner fields a pull writes; what a conflict compares.
PULLED_FIELDS = ('name', 'is_company', 'email', 'phone', 'vat', 'street', 'street2', 'city', 'zip',
                 'country_id', 'state_id')


class XeroContactPull(models.AbstractModel):
    """Contacts from Xero into Odoo: the first pull on connect, then incremental pulls.

    A contact already linked is updated; an unlinked one is matched to an existing partner (by
    the ContactNumber Odoo gave it, then email, then normalised phone) before anything is
    created, and several candidates are held for review. A kind of ``xero.pull.engine``, which
    pages, commits and keeps the watermark.
    """
    _name = 'xero.contact.pull'
    _description = 'Xero contact pull'

    @api.model
    def _cron_pull(self):
        self.env['xero.pull.engine']._cron(('contacts',), 'xero_integration.ir_cron_xero_pull')

    # --- a kind of the pull engine ------------------------------------------------------------

    @api.model
    def _pull(self, organisation, page_size=MAX_PAGE_SIZE):
        """Pull the contacts changed since the last pull; return the counts, or None when another
        worker is pulling this organisation."""
        return self.env['xero.pull.engine']._pull(organisation, 'contacts', page_size=page_size)

    @api.model
    def _pull_fetch(self, organisation, stream, since, page, page_size):
        return organisation._xero().pull_contacts(since, page, page_size)

    @api.model
    def _pull_records(self, organisation, contacts, run):
        """One batch: linked contacts updated and others matched, each in a savepoint; the new
        ones created together at the end."""
        if 'members' not in run:
            run['members'] = self._group_members(organisation)
            run['lookup'] = _Lookup(self.env, organisation)
        members, lookup = run['members'], run['lookup']
        wanted = [contact for contact in contacts
                  if members is None or contact['xero_id'] in members or lookup.link(contact)]
        outcomes = self.env['xero.pull.engine']._each(
            organisation, 'contacts', wanted, lambda contact: self._pull_one(organisation, contact, lookup),
            reset=lookup.reset)
        by_contact = {id(contact): outcome for contact, outcome in zip(wanted, outcomes)}
        by_contact.update(self._create_new(organisation, lookup))
        return [by_contact.get(id(contact)) for contact in contacts]

    @api.model
    def _pull_hold(self, organisation, contact, reason):
        self.env['xero.review']._hold(organisation, 'contact', contact['xero_id'], contact['name'], reason,
                                      _jsonable(contact))

    @api.model
    def _group_members(self, organisation):
        """ContactIDs of the chosen contact groups, or None when every contact comes in."""
        groups = organisation.import_group_ids
        if not groups:
            return None
        members = set()
        for group in groups:
            members.update(organisation._xero().contact_group_members(group.xero_id))
        return members

    # --- one contact --------------------------------------------------------------------------

    @api.model
    def _pull_one(self, organisation, contact, lookup):
        link = lookup.link(contact)
        if link:
            return self._update_linked(organisation, link, contact)
        if contact['status'] == 'ARCHIVED':
            return None  # not in Odoo, and no longer in use in Xero: nothing to bring in
        candidates = lookup.candidates(contact)
        if len(candidates) > 1:
            self.env['xero.review']._hold(
                organisation, 'contact', contact['xero_id'], contact['name'],
                _('Several Odoo contacts match this Xero contact: choose one, or create a new one.'),
                _jsonable(contact), candidates)
            return 'held'
        if candidates and candidates.xero_link_ids.filtered(lambda link: link.organisation_id == organisation):
            self.env['xero.review']._hold(
                organisation, 'contact', contact['xero_id'], contact['name'],
                _('%s matches, but is already linked to another Xero contact.', candidates.display_name),
                _jsonable(contact), candidates)
            return 'held'
        if candidates:
            self._apply_contact(organisation, contact, candidates, lookup)
            return 'matched'
        if not lookup.reserve(contact):
            self.env['xero.review']._hold(
                organisation, 'contact', contact['xero_id'], contact['name'],
                _('Another new Xero contact has the same email or phone: choose which Odoo contact each is.'),
                _jsonable(contact))
            return 'held'
        return 'created'  # created with the rest of its page, in one go

    @api.model
    def _create_new(self, organisation, lookup):
        """Create the partners of a batch's new contacts in one go, then their links (should
        Odoo refuse one, each on its own: only that one is held for review). Returns the outcome
        of each contact that was not created."""
        contacts = lookup.take_new()
        if not contacts:
            return {}
        outcomes = self.env['xero.pull.engine']._each(
            organisation, 'contacts', contacts,
            lambda contact: self._create_linked(organisation, [contact], lookup) and 'created',
            batch=lambda batch: self._create_linked(organisation, batch, lookup) and ['created'] * len(batch))
        return {id(contact): outcome for contact, outcome in zip(contacts, outcomes) if outcome != 'created'}

    @api.model
    def _create_linked(self, organisation, contacts, lookup):
        partners = self._create_partners(contacts)
        links = self.env['xero.partner.link'].sudo().create([
            dict(self._link_values(contact), organisation_id=organisation.id, partner_id=partner.id)
            for contact, partner in zip(contacts, partners)])
        for contact, link in zip(contacts, links):
            link.pushed_hash = payload_hash(contact_payload(link._partner_values()))
            lookup.bind(contact, link)
        return links

    @api.model
    def _create_partners(self, contacts):
        """New partners for Xero contacts, in one batch (with a child person for a company
        contact that names one); returned in the contacts' order."""
        Partner = self.env['res.partner'].with_context(
            xero_pulled=True, tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
        values = []
        for contact in contacts:
            partner_values_ = self._partner_write_values(Partner, contact)
            partner_values_.update(company_id=False, customer_rank=int(contact['is_customer']),
                                   supplier_rank=int(contact['is_supplier']))
            values.append(partner_values_)
        partners = Partner.create(values)
        persons = [{'name': partner_values(c)['person'], 'parent_id': p.id, 'type': 'contact', 'email': p.email}
                   for c, p in zip(contacts, partners) if partner_values(c)['person']]
        if persons:
            Partner.create(persons)
        return partners

    @api.model
    def _link_values(self, contact):
        """A link as Xero's contact leaves it: synced, nothing waiting to be sent."""
        return {
            'xero_id': contact['xero_id'], 'xero_status': contact['status'],
            'xero_number': contact['contact_number'], 'xero_updated_date': contact['updated'],
            'xero_currency': contact['currency'], 'sync_state': 'synced', 'last_error': False,
            'idempotency_key': False, 'maybe_sent': False, 'last_sync_date': fields.Datetime.now(),
        }

    @api.model
    def _update_linked(self, organisation, link, contact):
        if link.xero_updated_date and contact['updated'] and contact['updated'] <= link.xero_updated_date:
            return None  # what Odoo itself pushed, or already applied: no ping-pong
        partner = link.partner_id
        values = self._partner_write_values(partner, contact)
        if link.sync_state in ('pending', 'in_flight', 'error') and values:
            # Both sides changed since the last sync.
            if organisation.conflict_policy == 'odoo':
                self._note_losing_values(partner, values, _('Xero'), organisation)
                link.sudo().write({'xero_updated_date': contact['updated'], 'xero_status': contact['status']})
                return None
            self._note_losing_values(partner, {f: partner[f] for f in values}, _('Odoo'), organisation)
        self._apply_contact(organisation, contact, partner, link=link)
        return 'updated'

    @api.model
    def _apply_contact(self, organisation, contact, partner, lookup=None, link=None):
        """Write (or create) the partner from Xero's contact and mark the link synced, with the
        hash of what Odoo would push now: the pulled change is not pushed straight back."""
        if partner:
            values = self._partner_write_values(partner, contact)
            if values:
                partner.with_context(xero_pulled=True).write(values)
        else:
            partner = self._create_partners([contact])
        if contact['is_customer'] and not partner.customer_rank:
            partner.with_context(xero_pulled=True).customer_rank = 1
        if contact['is_supplier'] and not partner.supplier_rank:
            partner.with_context(xero_pulled=True).supplier_rank = 1
        Link = self.env['xero.partner.link'].sudo()
        link = link or Link.search([('organisation_id', '=', organisation.id),
                                    ('partner_id', '=', partner.id)]) or Link.create(
            {'organisation_id': organisation.id, 'partner_id': partner.id, 'sync_state': 'synced'})
        link.write(self._link_values(contact))
        link.pushed_hash = payload_hash(contact_payload(link._partner_values()))
        if lookup:
            lookup.bind(contact, link)
        return partner

    @api.model
    def _partner_write_values(self, partner, contact):
        """The partner fields Xero's contact would change (all of them for a new partner)."""
        values = partner_values(contact)
        values.pop('person')
        country = self._country(values.pop('country'))
        state_name = values.pop('state')
        values['country_id'] = country.id
        values['state_id'] = self._state(country, state_name).id
        if not partner:
            return {k: v for k, v in values.items() if v}
        changed = {}
        for name, value in values.items():
            current = partner[name]
            current = current.id if hasattr(current, '_name') else current
            if (current or False) != (value or False) and (value or name in ('email', 'phone')):
                changed[name] = value
        return changed

    @api.model
    def _country(self, text):
        Country = self.env['res.country']
        if not text:
            return Country
        cache = self.env.cr.cache.setdefault('xero_countries', {})
        if text not in cache:
            cache[text] = self._find_country(text).id
        return Country.browse(cache[text])

    @api.model
    def _find_country(self, text):
        Country = self.env['res.country']
        text = text.strip()
        if len(text) == 2:
            country = Country.search([('code', '=ilike', text)], limit=1)
            if country:
                return country
        return Country.search([('name', '=ilike', text)], limit=1)

    @api.model
    def _state(self, country, text):
        if not (country and text):
            return self.env['res.country.state']
        return self.env['res.country.state'].search([
            ('country_id', '=', country.id), '|', ('name', '=ilike', text.strip()), ('code', '=ilike', text.strip())],
            limit=1)

    @api.model
    def _note_losing_values(self, partner, values, side, organisation):
        items = Markup('').join(
            Markup('<li>%s: %s</li>') % (partner._fields[name]._description_string(self.env),
                                         value.display_name if hasattr(value, '_name') else value)
            for name, value in values.items())
        partner.message_post(body=Markup('%s<ul>%s</ul>') % (_(
            'Changed in both Odoo and Xero (%(org)s) since the last sync; these values from %(side)s '
            'were not kept:', org=organisation.name, side=side), items))


def contact_from_json(data):
    """A contact kept as JSON (for a review) back to the pull's plain values."""
    contact = dict(data)
    if contact.get('updated'):
        contact['updated'] = datetime.fromisoformat(contact['updated']).replace(tzinfo=None)
    return contact


def _jsonable(contact):
    return {k: (v.isoformat() if hasattr(v, 'isoformat') else v) for k, v in contact.items()}


class _Lookup:
    """What a pull needs to look up, loaded once per pass of the engine rather than per
    contact, and kept up to date with what the pass creates."""

    def __init__(self, env, organisation):
        self.env = env
        self.organisation = organisation
        self._links = None
        self._partners = None
        self.prefix = env['xero.partner.link']._contact_number_prefix()
        self.phone_region = organisation.company_id.country_id.code or None  # national numbers read there
        self._new = []
        self._reserved = set()

    def reset(self):
        """Forget what a rolled-back attempt left here: links and partners are read again, and
        the new contacts it reserved were not created."""
        self._links = self._partners = None
        self._new, self._reserved = [], set()

    def reserve(self, contact):
        """Keep a new contact for its page's batch; False when another new contact of this pull
        has its email or phone (the two would be one partner, or two: a person decides)."""
        keys = [k for k in contact_keys(contact, self.phone_region)[1:] if k]
        if any(key in self._reserved for key in keys):
            return False
        self._reserved.update(keys)
        self._new.append(contact)
        return True

    def take_new(self):
        new, self._new = self._new, []
        return new

    def link(self, contact):
        if self._links is None:
            links = self.env['xero.partner.link'].sudo().search(
                [('organisation_id', '=', self.organisation.id), ('xero_id', '!=', False)])
            self._links = {link.xero_id: link for link in links}
        return self._links.get(contact['xero_id'])

    def bind(self, contact, link):
        if self._links is not None:
            self._links[contact['xero_id']] = link
        if self._partners is not None:
            # A later contact with the same email or phone now meets this partner, linked: it is
            # held for review rather than made into a second partner.
            partner = link.partner_id
            self._partners['ids'].add(partner.id)
            if partner.email:
                self._partners['email'].setdefault(partner.email.strip().lower(), set()).add(partner.id)

    def candidates(self, contact):
        """Partners of the organisation's company (or shared) this contact may be: by the
        ContactNumber Odoo gave it, else by email, else by phone."""
        Partner = self.env['res.partner']
        index = self._index()
        number, email, phone = contact_keys(contact, self.phone_region)
        if number and number.startswith(self.prefix) and number[len(self.prefix):].isdigit():
            partner_id = int(number[len(self.prefix):])
            if partner_id in index['ids']:
                return Partner.browse(partner_id)
        for key, table in ((email, index['email']), (phone, index['phone'])):
            ids = table.get(key) if key else None
            if ids:
                return Partner.browse(sorted(ids))
        return Partner

    def _index(self):
        """Commercial partners of the company or shared ones, by email and by phone."""
        if self._partners is None:
            company = self.organisation.company_id
            self.env['res.partner'].flush_model(['email', 'phone', 'active', 'commercial_partner_id',
                                                 'company_id'])
            rows = self.env.execute_query(SQL(
                """SELECT id, email, phone FROM res_partner
                    WHERE active AND id = commercial_partner_id
                      AND (company_id IS NULL OR company_id = %s)""", company.id))
            index = {'ids': set(), 'email': {}, 'phone': {}, 'linked': set()}
            for partner_id, email, phone in rows:
                index['ids'].add(partner_id)
                if email:
                    index['email'].setdefault(email.strip().lower(), set()).add(partner_id)
                key = normalise_phone(phone, self.phone_region)
                if key:
                    index['phone'].setdefault(key, set()).add(partner_id)
            self._partners = index
        return self._partners
