import hashlib
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..xero_mappers.bank_transaction import statement_csv

FEED_STATES = [
    ('pending_verification', 'Pending verification'),
    ('verified', 'Verified'),
    ('synced', 'Synced'),
    ('error', 'Error'),
    ('excluded', 'Excluded'),
]
# What reaches Xero: a verified line refuses changes to these until it is unverified.
SYNCED_FIELDS = ('date', 'amount', 'payment_ref', 'partner_id', 'ref', 'journal_id',
                 'foreign_currency_id', 'amount_currency', 'xero_category_id')
UNVERIFY_GROUPS = ('xero_integration.group_xero_manager', 'account.group_account_manager')


class AccountBankStatementLine(models.Model):
    """Card and wallet lines on their way to Xero: verified by a person, then sent.

    A verified line cannot change (see ``write``), so it declares no synced fields of the
    mixin's kind: verifying it again is what sends a change."""
    _name = 'account.bank.statement.line'
    _inherit = ['account.bank.statement.line', 'xero.synced.mixin']
    _xero_link_field = 'xero_feed_link_ids'

    xero_feed_link_ids = fields.One2many('xero.statement.line.link', 'statement_line_id',
                                         string='Xero transactions')
    xero_feed_payment_ids = fields.One2many('xero.feed.payment.link', 'statement_line_id',
                                            string='Xero bill payments')
    xero_category_id = fields.Many2one(
        'product.category', string='Spending category', index='btree_not_null',
        help="The card's spending category; its Xero account comes from the product category "
             'mapping.')
    xero_verified = fields.Boolean(string='Verified for Xero', readonly=True, copy=False, index=True)
    xero_verified_uid = fields.Many2one('res.users', string='Verified by', readonly=True, copy=False)
    xero_verified_date = fields.Datetime(string='Verified on', readonly=True, copy=False)
    xero_feed_organisation_id = fields.Many2one(
        related='journal_id.xero_feed_organisation_id', string='Xero organisation')
    xero_feed_state = fields.Selection(FEED_STATES, string='Xero state', compute='_compute_xero_feed_state',
                                       store=True, index=True)
    xero_feed_reason = fields.Text(string='Xero reason', compute='_compute_xero_feed_state', store=True)

    xero_replaceable = fields.Boolean(compute='_compute_xero_replaceable',
                                      help='In Xero, where it can only be deleted and sent again.')

    @api.depends('xero_feed_link_ids.xero_id', 'xero_feed_link_ids.replacing_xero_id')
    def _compute_xero_replaceable(self):
        for line in self:
            line.xero_replaceable = any(link.xero_id and link.pushed_payload and not link.replacing_xero_id
                                        for link in line.sudo().xero_feed_link_ids)

    @api.depends('journal_id.xero_feed_organisation_id', 'date', 'currency_id', 'xero_verified',
                 'xero_feed_link_ids.sync_state', 'xero_feed_link_ids.last_error',
                 'xero_feed_link_ids.xero_id', 'xero_feed_link_ids.feed_form',
                 'xero_feed_payment_ids.sync_state', 'xero_feed_payment_ids.last_error',
                 'xero_feed_payment_ids.xero_id', 'xero_feed_payment_ids.xero_status',
                 'journal_id.xero_feed_organisation_id.bank_feed_ids.start_date',
                 'journal_id.xero_feed_organisation_id.bank_feed_ids.currency_ids.enabled')
    def _compute_xero_feed_state(self):
        for line in self:
            org = line.journal_id.xero_feed_organisation_id
            link = line.xero_feed_link_ids.filtered(lambda link: link.organisation_id == org)[:1]
            in_xero = bool(link.xero_id) and link.sync_state == 'synced'
            if in_xero and link.feed_form == 'bill':
                # A bill is in Xero once its payment from the card account is too.
                payment = line.xero_feed_payment_ids.filtered(lambda p: p.organisation_id == org)[:1]
                in_xero = bool(payment.xero_id) and payment.sync_state == 'synced' \
                    and payment.xero_status != 'DELETED'
                if not in_xero:
                    link = payment
            state, reason = False, False
            if org and line.xero_verified and in_xero:
                state = 'synced'
            elif org:
                hold = line._xero_feed_exclusion(org)
                if hold:
                    state, reason = 'excluded', hold
                elif not line.xero_verified:
                    state = 'pending_verification'
                elif link.sync_state == 'error':
                    state, reason = 'error', link.last_error
                else:
                    state, reason = 'verified', link.last_error or False
            line.xero_feed_state = state
            line.xero_feed_reason = reason

    def _xero_feed_exclusion(self, org):
        """Why this line of a fed journal is never sent, or None."""
        start = org.bank_feed_start_date
        if start and self.date and self.date < start:
            return _('Dated before the start date of the bank feed (%s): never sent.', start)
        row = org.bank_feed_currency_ids.filtered(lambda c: c.currency_id == self.currency_id)
        if not row.enabled:
            return _('Currency %s is switched off for the bank feed.', self.currency_id.name)
        return None

    def _xero_feed_hold_reason(self):
        """Why the engine must not send this line now, or None."""
        org = self.journal_id.xero_feed_organisation_id
        if not org:
            return _('Its journal no longer feeds Xero.')
        if not self.xero_verified:
            return _('Unverified in Odoo: it goes to Xero once verified again.')
        return self._xero_feed_exclusion(org)

    def _xero_feed_digest(self):
        """The line's own values that reach Xero, to tell whether it changed since it was sent."""
        values = {name: self[name].id if isinstance(self[name], models.BaseModel) else self[name]
                  for name in SYNCED_FIELDS}
        values['is_reconciled'] = self.is_reconciled
        return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()

    # --- CRUD ---------------------------------------------------------------------------------

    def write(self, vals):
        # Odoo's own synchronisation between the line and its entry (reconciliation) passes.
        if not self.env.context.get('skip_account_move_synchronization') and set(vals) & set(SYNCED_FIELDS):
            Move = self.env['account.move']
            for line in self.filtered('xero_verified'):
                changed = set(Move._cleanup_write_orm_values(line, {
                    k: v for k, v in vals.items() if k in SYNCED_FIELDS}))
                if changed:
                    raise UserError(_(
                        "'%(line)s' is verified for Xero, so %(fields)s cannot change. Press "
                        "Unverify first; verifying it again sends the change to Xero.",
                        line=line.payment_ref or line.display_name,
                        fields=', '.join(sorted(line._fields[f]._description_string(self.env) for f in changed))))
        return super().write(vals)

    # --- actions ------------------------------------------------------------------------------

    def action_xero_verify(self):
        """Lock the lines and queue them for Xero; nothing waits on Xero here."""
        if not self.env.user.has_group('xero_integration.group_xero_user'):
            raise UserError(_('Only Xero users can verify transactions for Xero.'))
        # Verifying is a Xero user's act on lines they can see (an Invoicing user may have no
        # right to edit bank lines): the fields it sets are the addon's, written with sudo.
        self.check_access('read')
        lines = self.filtered(lambda line: line.xero_feed_state in ('pending_verification', 'error'))
        skipped = len(self) - len(lines)
        lines.sudo().write({'xero_verified': True, 'xero_verified_uid': self.env.uid,
                            'xero_verified_date': fields.Datetime.now()})
        Link = self.env['xero.statement.line.link'].sudo()
        for org in lines.journal_id.xero_feed_organisation_id:
            org_lines = lines.filtered(lambda line: line.journal_id.xero_feed_organisation_id == org)
            existing = Link.search([('organisation_id', '=', org.id),
                                    ('statement_line_id', 'in', org_lines.ids)])
            missing = org_lines - existing.statement_line_id
            # Made with their keys at once: thousands of lines are verified in one click.
            Link.create([{'organisation_id': org.id, 'statement_line_id': line.id,
                          'sync_state': 'pending', 'idempotency_key': Link._xero_new_key()}
                         for line in missing])
            # A line already in Xero and unchanged since is not sent again (and a changed
            # vendor rule never rewrites it).
            unchanged = existing.filtered(lambda link: link.xero_id and link.sync_state == 'synced'
                                          and link.line_digest == link.statement_line_id._xero_feed_digest())
            (existing - unchanged)._mark_pending()
            # Its bill is in Xero, its payment was not sent (unverified meanwhile, refused): it goes.
            unchanged.feed_payment_ids.filtered(
                lambda p: not p.xero_id and p.sync_state in ('error', 'skipped'))._mark_pending()
        if lines:
            Link._trigger_push()
        message = (_('1 transaction verified and queued for Xero.') if len(lines) == 1 else
                   _('%s transactions verified and queued for Xero.', len(lines)))
        if skipped:
            message += ' ' + (_('1 other was skipped (excluded, or verified already).') if skipped == 1 else
                              _('%s others were skipped (excluded, or verified already).', skipped))
        return self.env['xero.organisation']._notify(message, kind='info')

    def action_xero_unverify(self):
        """Unlock the lines for a change; the lines already in Xero stay there until verified
        again."""
        user = self.env.user
        is_manager = any(user.has_group(g) for g in UNVERIFY_GROUPS)
        for line in self.filtered('xero_verified'):
            if not is_manager and line.create_uid != user:
                raise UserError(_("Only a Xero administrator, an accounting manager or the person "
                                  "who recorded '%s' can unverify it.", line.payment_ref or line.display_name))
            if any(link.sync_state == 'in_flight' for link in (*line.xero_feed_link_ids, *line.xero_feed_payment_ids)):
                raise UserError(_("'%s' is being sent to Xero right now: try again in a minute.",
                                  line.payment_ref or line.display_name))
        lines = self.filtered('xero_verified')
        lines.sudo().write({'xero_verified': False, 'xero_verified_uid': False,
                            'xero_verified_date': False})
        lines.xero_feed_link_ids.filtered(lambda link: link.sync_state == 'pending').sudo()._record_refusal(
            _('Unverified in Odoo before it was sent.'), state='skipped')
        lines.xero_feed_payment_ids.filtered(
            lambda link: link.sync_state == 'pending' and not link.to_delete).sudo()._record_refusal(
            _('Unverified in Odoo before it was sent.'), state='skipped')
        return True

    def _xero_unlink_message(self, link):
        return _("'%(line)s' is in Xero (%(org)s) as a reconciled bank transaction: deleting it only "
                 "in Odoo would leave it in Xero's books. Unverify it and press Replace in Xero, "
                 "which deletes it there; then delete the line.",
                 line=link.statement_line_id.payment_ref or link.statement_line_id.display_name,
                 org=link.organisation_id.name)

    def action_xero_replace(self):
        """Delete the transaction in Xero and, for a verified line, send the line as it is now
        as a new one: Xero does not let a reconciled transaction be edited. Never automatic:
        the reconciliation in Xero goes with the deleted transaction, which the button's
        confirmation says. A bill plus payment goes as a pair: its payment is deleted first,
        then the bill is voided (Xero voids no paid bill), then the line is sent anew."""
        self._xero_check_access()
        links = self._xero_own_links().filtered(
            lambda link: link.xero_id and link.pushed_payload and not link.replacing_xero_id)
        in_flight = links.filtered(lambda link: link.sync_state == 'in_flight'
                                   or any(p.sync_state == 'in_flight' for p in link.feed_payment_ids))
        if in_flight:
            sending = in_flight[0].statement_line_id
            raise UserError(_("'%s' is being sent to Xero right now: try again in a minute.",
                              sending.payment_ref or sending.display_name))
        for link in links:
            link.write({'replacing_xero_id': link.xero_id})
            payments = link._payments_to_delete()
            payments.write({'to_delete': True})
            payments._mark_pending()._request()
            link._chatter(_('Replacing the transaction in Xero (%(org)s), as asked by %(user)s: the '
                            'one sent earlier is deleted there, then the line is sent again if it is '
                            'verified.', org=link.organisation_id.name, user=self.env.user.name))
        links._retry()
        return self.env['xero.organisation']._notify(
            _('%s transactions are being replaced in Xero.', len(links)), kind='info')

    def action_xero_sync_now(self):
        """Send again what Xero refused or what waits (after a mapping was fixed); what is in
        Xero is left alone."""
        self._xero_check_access()
        own = self.filtered('xero_verified')._xero_own_links()
        links = own.filtered(lambda link: link.sync_state in ('error', 'skipped', 'pending'))
        links._retry()
        # A bill in Xero whose payment was refused or skipped: the payment goes again.
        own.feed_payment_ids.filtered(lambda p: not p.to_delete and p.bill_link_id.xero_id and p.sync_state
                                      in ('error', 'skipped', 'pending'))._retry()
        if not links:
            self.env['xero.statement.line.link']._trigger_push()
        return self.env['xero.organisation']._notify(
            _('%s transactions queued for Xero.', len(links)), kind='info')

    def action_xero_export_csv(self):
        """The selected lines as Xero's bank-statement CSV, for a company not on Xero yet."""
        self.check_access('read')
        content = statement_csv([{
            'date': line.date, 'amount': line.amount,
            'payee': line.partner_id.display_name or line.partner_name or '',
            'description': line.payment_ref or '', 'reference': line.ref or '',
        } for line in self.sorted(lambda line: (line.date, line.id))])
        attachment = self.env['ir.attachment'].create({
            'name': 'xero_bank_statement_%s.csv' % fields.Date.context_today(self),
            'raw': content.encode('utf-8'), 'mimetype': 'text/csv',
        })
        return {'type': 'ir.actions.act_url', 'target': 'self',
                'url': f'/web/content/{attachment.id}?download=true'}
