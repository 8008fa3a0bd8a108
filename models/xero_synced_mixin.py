from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .xero_link_mixin import SYNC_STATES

# The worst first: a record shows the worst state of its links.
STATE_ORDER = ('error', 'in_flight', 'pending', 'skipped', 'synced')


def links_summary(links):
    """(worst state, errors) of a record's links to organisations."""
    links = links.filtered('organisation_id')
    states = set(links.mapped('sync_state'))
    return (next((s for s in STATE_ORDER if s in states), 'none'),
            '\n'.join(e for e in links.mapped('last_error') if e) or False)


class XeroSyncedMixin(models.AbstractModel):
    """The Odoo side of a record that goes to Xero, written once for every kind (after
    ``google.calendar.sync``): its Xero status and error, the fields whose change sends it
    again, the guard against deleting what Xero holds, and the actions a person presses.

    A model declares only what differs: ``_xero_link_field`` (its One2many to its links),
    ``_xero_synced_fields``, ``_xero_links()`` when its links are not its own (a contact's are
    its commercial partner's), ``_xero_dirty_links()`` when only some records send their
    changes (posted documents), and the words of ``_xero_unlink_message()``.

    The actions check the caller's rights on the records themselves, company included, before
    touching their links with sudo: a link is the addon's, the record is the user's.
    """
    _name = 'xero.synced.mixin'
    _description = 'Record synced with Xero'
    _xero_link_field = 'xero_link_ids'
    # Fields whose change sends the record to Xero again.
    _xero_synced_fields = ()
    # What Xero holds may not be deleted in Odoo alone.
    _xero_unlink_guard = True

    xero_state = fields.Selection(SYNC_STATES + [('none', 'Not in Xero')], string='Xero',
                                  compute='_compute_xero_state', search='_search_xero_state',
                                  groups='xero_integration.group_xero_user',
                                  help='The worst state of its links to organisations.')
    xero_error = fields.Text(string='Xero error', compute='_compute_xero_state',
                             groups='xero_integration.group_xero_user')

    @api.depends(lambda self: (f'{self._xero_link_field}.sync_state',
                               f'{self._xero_link_field}.last_error'))
    def _compute_xero_state(self):
        for record in self:
            record.xero_state, record.xero_error = links_summary(record._xero_links())

    def _search_xero_state(self, operator, value):
        """The records whose links are in these states ('none' = no link to an organisation)."""
        if operator not in ('=', 'in'):
            raise UserError(_('Unsupported search on the Xero status.'))
        values = [value] if operator == '=' else list(value)
        field = self._xero_link_field
        domain = [(field, 'any', [('organisation_id', '!=', False),
                                  ('sync_state', 'in', [v for v in values if v != 'none'])])]
        if 'none' in values:
            domain = ['|', (field, '=', False)] + domain
        return domain

    def _xero_links(self):
        """The links of these records to organisations (as the addon, which owns them)."""
        return self.sudo()[self._xero_link_field].filtered('organisation_id')

    def _xero_dirty_links(self):
        """The links a change of a synced field sends again."""
        return self._xero_links()

    def _xero_unlink_message(self, link):
        return _('%s is in Xero: deleting it only in Odoo would leave it there.',
                 link[link._xero_record_field].display_name)

    # --- CRUD ---------------------------------------------------------------------------------

    def write(self, vals):
        result = super().write(vals)
        # A change pulled from Xero is not a change to push back.
        if (self._xero_synced_fields and not self.env.context.get('xero_pulled')
                and any(field in vals for field in self._xero_synced_fields)):
            links = self._xero_dirty_links()._mark_dirty()
            if links:
                links._trigger_push()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_xero(self):
        # The records' own links: a person of a company is not the company's Xero contact.
        linked = self._xero_unlink_guard and self.sudo()[self._xero_link_field].filtered('xero_id')
        if linked:
            raise UserError(self._xero_unlink_message(linked[0]))

    # --- actions ------------------------------------------------------------------------------

    def _xero_check_access(self, group='xero_integration.group_xero_user'):
        """The caller may act on these records: in the group, and able to read each of them in
        the companies they are working in (a record rule, not a sudo() read of its links)."""
        if not self.env.user.has_group(group):
            raise AccessError(_('Only Xero users can do this.'))
        self.check_access('read')

    def _xero_own_links(self):
        """The links in the organisations of the caller's companies (a branch's are its
        parent's, where it books): a contact shared between companies is retried or opened only
        where the caller works."""
        Organisation = self.env['xero.organisation']
        organisations = Organisation.browse()
        for company in self.env.companies:
            organisations |= Organisation._of_company(company)
        return self._xero_links().filtered(
            lambda link: link.company_id in self.env.companies or link.organisation_id in organisations)

    def action_xero_retry(self):
        """Send again what Xero refused."""
        self._xero_check_access()
        self._xero_own_links().filtered(lambda link: link.sync_state == 'error')._retry()
        return True

    def action_xero_open(self):
        self.ensure_one()
        self._xero_check_access()
        link = self._xero_own_links().filtered('xero_id')[:1]
        if not link:
            raise UserError(_('%s is not in Xero yet.', self.display_name))
        return link._open_in_xero()
