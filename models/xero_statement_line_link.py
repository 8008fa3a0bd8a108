import datetime
import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..xero_client import XeroError
from ..xero_client.governor import Wait
from ..xero_mappers.bank_transaction import (bank_transaction_payload, bill_payload,
                                             delete_payload, render_description,
                                             void_bill_payload)
from ..xero_mappers.keys import payload_hash
from .xero_sync_exceptions import CONCURRENCY_ERRORS, Stop

_logger = logging.getLogger(__name__)


class XeroStatementLineLink(models.Model):
    """A card or wallet statement line and its Xero BankTransaction in one organisation.

    Xero does not let a reconciled transaction be edited, and the feed sends them reconciled
    (``IsReconciled`` of the payload Xero accepted). A changed line is therefore not sent as an
    update: it waits, with the reason, for a person to press Replace in Xero. Only then does
    the link delete the transaction it sent (``replacing_xero_id``: the exact payload last
    accepted, with Status DELETED) and send the corrected one as new; one request each.

    A line of a vendor whose rule is "bill plus payment" goes as an ACCPAY bill instead
    (``feed_form`` 'bill'), and its payment from the card account follows as its own link
    (``xero.feed.payment.link``), once the bill is in Xero. Replacing such a line deletes the
    payment first, then voids the bill (Xero voids no paid bill), then sends the line anew.
    """
    _name = 'xero.statement.line.link'
    _inherit = ['xero.link.mixin']
    _description = 'Xero bank transaction link'
    _order = 'id desc'
    _xero_record_field = 'statement_line_id'

    statement_line_id = fields.Many2one('account.bank.statement.line', required=True, index=True,
                                        ondelete='cascade', readonly=True)
    contact_partner_id = fields.Many2one('res.partner', readonly=True, index=True,
                                         help='The contact it goes to Xero with.')
    pushed_payload = fields.Json(readonly=True, copy=False,
                                 help='The transaction as Xero last accepted it.')
    line_digest = fields.Char(readonly=True, copy=False,
                              help="The line's own values when it was last sent.")
    line_replaced = fields.Boolean(readonly=True, copy=False)
    replacing_xero_id = fields.Char(readonly=True, copy=False,
                                    help='The transaction being deleted in Xero before the '
                                         'corrected one is sent.')
    feed_form = fields.Selection([('spend', 'Spend or receive money'), ('bill', 'Bill plus payment')],
                                 string='Sent as', readonly=True, copy=False,
                                 help='What the line went to Xero as; fixed once a request for it '
                                      'may have reached Xero.')
    feed_payment_ids = fields.One2many('xero.feed.payment.link', 'bill_link_id',
                                       string='Payment of the bill', readonly=True)

    _organisation_line_uniq = models.UniqueIndex(
        '(organisation_id, statement_line_id) WHERE organisation_id IS NOT NULL',
        'A statement line links to one Xero transaction per organisation.')
    _xero_unique_nouns = ('Xero transaction', 'statement line')
    _legacy_line_uniq = models.UniqueIndex(
        '(statement_line_id) WHERE organisation_id IS NULL',
        'A statement line has one legacy Xero link.')

    def _xero_kind(self):
        return 'feed_bills' if self._feed_form() == 'bill' else 'bank_transactions'

    def _feed_form(self):
        """'bill' or 'spend'. Once a request for the line may have reached Xero, what was sent
        decides (a rule changed meanwhile must not turn the look-up for a transaction into a
        second document; links from before bills were sent are transactions); before that,
        the vendor's rule: "bill plus payment" for money out. Money in (a refund) is always
        received money."""
        if self.xero_id or self.maybe_sent or self.replacing_xero_id:
            return self.feed_form or 'spend'
        return 'bill' if self._rule().push_as == 'bill' and self.statement_line_id.amount < 0 else 'spend'

    def _rule(self):
        partner = self.statement_line_id.partner_id.commercial_partner_id
        return self.organisation_id.bank_feed_rule_ids.filtered(
            lambda r: partner and r.partner_id == partner)[:1]

    def _xero_url(self):
        return self.organisation_id._xero_deep_link(
            'bill' if self.feed_form == 'bill' else 'bank_transaction', self.xero_id)

    def _reference(self):
        """Stable and unique per database: the line's id under the database's own prefix."""
        return f"{self.env['xero.partner.link']._contact_number_prefix()}BSL{self.statement_line_id.id}"

    def _chatter(self, body):
        self.statement_line_id.move_id.message_post(body=body)

    # --- dependencies -------------------------------------------------------------------------

    def _to_send(self):
        return self.filtered(lambda link: not link.replacing_xero_id and link.statement_line_id.xero_verified)

    def _contact_partner(self):
        partner = self.statement_line_id.partner_id.commercial_partner_id
        return partner or self.organisation_id.bank_feed_contact_id

    def _partner_link(self):
        partner = self._contact_partner()
        if self.contact_partner_id != partner:
            self.contact_partner_id = partner
        return self.env['xero.partner.link'].sudo()._ensure_links(self.organisation_id, partner) \
            if partner else self.env['xero.partner.link']

    def _payments_to_delete(self):
        """The payment of a bill being replaced, while Xero still holds it."""
        return self.feed_payment_ids.filtered(
            lambda p: p.xero_id and p.xero_status != 'DELETED') if self.replacing_xero_id else \
            self.env['xero.feed.payment.link']

    def _xero_dependencies(self):
        partner_links = self.env['xero.partner.link']
        for link in self._to_send():
            partner_links |= link._partner_link()
        payments = self.env['xero.feed.payment.link']
        for link in self.filtered('replacing_xero_id'):
            payments |= link._payments_to_delete()
        return {'xero.partner.link': partner_links, 'xero.feed.payment.link': payments}

    def _xero_missing_dependencies(self):
        payments = self._payments_to_delete()
        if payments:
            refused = payments.filtered(lambda p: p.sync_state == 'error')[:1]
            if refused:
                return _('The bill cannot be voided in Xero while its payment is there, and Xero '
                         'did not delete the payment: %s', refused.last_error), True
            return _('Waiting for the payment of the bill to be deleted in Xero; the bill is '
                     'voided next.'), False
        if not self._to_send():
            return None, False
        partner = self._contact_partner()
        if not partner:
            return _('This line has no partner and %s has no contact for lines without one: set '
                     'it on the Bank feed tab.', self.organisation_id.name), True
        partner_link = self._partner_link()
        if partner_link.sync_state == 'synced' and partner_link.xero_id:
            return None, False
        if partner_link.sync_state == 'error':
            return _('Its contact %(partner)s is not in Xero: %(error)s',
                     partner=partner.display_name, error=partner_link.last_error), True
        return _('Waiting for its contact %s to reach Xero.', partner.display_name), False

    # --- before the engine claims: what the payloads need from Xero ----------------------------

    @api.model
    def _xero_prepare(self, organisation):
        """The bank feed's preparation (Balance accounts, lock dates, role), before the engine
        claims this organisation's lines, so that ``_xero_payloads`` calls nothing. Only when
        lines are on their way (the lock dates are read again once a day, the accounts made
        when missing). Xero's limit parks the organisation (``Stop``); another error of Xero
        holds the lines due for their next attempt, and the other kinds go on."""
        feed = organisation.bank_feed_id
        if not feed or not self.search_count([('organisation_id', '=', organisation.id),
                                              ('sync_state', 'in', ('pending', 'in_flight'))], limit=1):
            return
        engine = self.env['xero.sync.engine']
        try:
            with self.env.cr.savepoint():
                feed._prepare()
        except CONCURRENCY_ERRORS:
            # Another worker (the daily cron) is preparing the feed right now: what it stores
            # is read by the next run; this one sends with what is stored.
            _logger.info('Xero organisation %s: bank feed being prepared by another worker',
                         organisation.id)
        except Wait as wait:
            due = engine._try_lock(self.search(engine._due_domain(organisation, self._name)))
            due._record_postponed(wait.until, str(wait))
            organisation._wake_push_at(wait.until)
            raise Stop(str(wait)) from None
        except XeroError as e:
            due = engine._try_lock(self.search(engine._due_domain(organisation, self._name)))
            due._record_retry(e.message, unknown_outcome=False)

    # --- payloads -----------------------------------------------------------------------------

    def _xero_payloads(self):
        """Built from Odoo's records and what ``_xero_prepare`` stored on the bank feed: no call
        to Xero here."""
        contacts = {(link.organisation_id.id, link.partner_id.id): link.xero_id
                    for link in self.env['xero.partner.link'].sudo().search([
                        ('organisation_id', 'in', self.organisation_id.ids),
                        ('partner_id', 'in', self.contact_partner_id.ids)])}
        prepared = []
        for link in self:
            if link.replacing_xero_id:
                prepared.append((link, link._delete_payload()))
                continue
            hold = link.statement_line_id._xero_feed_hold_reason()
            if hold:
                link._record_refusal(hold, state='skipped')
                continue
            form = link._feed_form()
            try:
                values = link._transaction_values(contacts)
                payload = bill_payload(values) if form == 'bill' else bank_transaction_payload(values)
            except (UserError, ValueError) as e:
                link._record_refusal(str(e))
                continue
            pushed = link.pushed_payload or {}
            if (link.xero_id and (pushed.get('is_reconciled') or pushed.get('type') == 'ACCPAY')
                    and payload_hash(payload) != link.pushed_hash):
                link._record_refusal(_(
                    'This line changed since it was sent, and Xero does not let a reconciled '
                    'transaction (or a paid bill) be edited. Press Replace in Xero to delete it '
                    'there and send the line as it is now.'))
                continue
            link.feed_form = form
            link.line_digest = link.statement_line_id._xero_feed_digest()
            prepared.append((link, payload))
        return prepared

    def _delete_payload(self):
        if self._feed_form() == 'bill':
            return void_bill_payload(self.replacing_xero_id, self.xero_number)
        pushed = dict(self.pushed_payload)
        pushed['date'] = fields.Date.to_date(pushed['date'])
        return delete_payload(pushed, self.replacing_xero_id)

    def _transaction_values(self, contacts=None):
        """The line as the plain values the mapper takes; raises UserError naming what to map."""
        self.ensure_one()
        line = self.statement_line_id
        org = self.organisation_id
        currency_row = org.bank_feed_currency_ids.filtered(lambda c: c.currency_id == line.currency_id)
        if not currency_row.xero_account_id:
            raise UserError(_('The Xero account "%(name)s" is not ready: %(error)s',
                              name=currency_row.account_name or line.currency_id.name,
                              error=currency_row.account_error or _('it is being created.')))
        lock = org.bank_feed_id._lock_reason(line.date)
        if lock:
            raise UserError(lock)
        partner = self._contact_partner()
        rule = self._rule()
        refund = line.amount > 0 and line.partner_id and not rule.xero_account_id \
            and self._refund_coding(rule)
        if refund:
            account, tax_rate = refund
        else:
            account, counterpart_taxes = self._xero_account(rule)
            tax_rate = rule.xero_tax_rate_id or self._xero_tax_rate(counterpart_taxes) \
                or org.bank_feed_tax_rate_id
        if account.account_class == 'REVENUE' and tax_rate.direction == 'purchase':
            raise UserError(_(
                "This line would go to Xero's sales account %(account)s with the purchase tax "
                "%(tax)s. A refund from a vendor goes to the account of what it refunds: add a "
                "rule for %(vendor)s on the Bank feed tab of %(org)s, or map its category's "
                "accounts, then press Sync now.", account=account.display_name,
                tax=tax_rate.display_name, vendor=line.partner_id.display_name or _('its vendor'),
                org=org.name))
        return {
            'amount': line.amount,
            'date': line.date,
            'reference': self._reference(),
            'contact_id': (contacts or {}).get((org.id, partner.id)) or self.env['xero.partner.link'].sudo().search([
                ('organisation_id', '=', org.id), ('partner_id', '=', partner.id)]).xero_id,
            'bank_account_id': currency_row.xero_account_id.xero_id,
            'currency_code': line.currency_id.name,
            'description': render_description(rule.description_template, {
                'label': line.payment_ref, 'partner': line.partner_id.display_name or '',
                'ref': line.ref or '', 'date': fields.Date.to_string(line.date)}),
            'account_code': account.code,
            'tax_type': tax_rate.tax_type or None,
            'xero_id': self.xero_id or None,
        }

    def _refund_coding(self, rule):
        """(Xero account, tax rate) of money in from a vendor without a rule account: a refund,
        which goes back where that vendor's spending went, never to a sales account; None when
        the partner is no vendor (no rule, no spending in this feed, not a supplier in Odoo),
        for the usual order. In this order: the counterpart when the line is reconciled in Odoo;
        the purchase account of the line's category (with the default tax); the account and tax
        of that vendor's latest spending in this feed. None of them: the line is held, saying
        what to set."""
        line = self.statement_line_id
        org = self.organisation_id
        partner = line.partner_id.commercial_partner_id
        earlier = self._earlier_spending(partner)
        if not (rule or earlier or partner.supplier_rank):
            return None
        if line.is_reconciled:
            account, taxes = self._xero_account(rule)
            return account, self._xero_tax_rate(taxes) or org.bank_feed_tax_rate_id
        category = line.xero_category_id
        mapping = org.category_mapping_ids.filtered(lambda m: category and m.categ_id == category)
        if mapping.xero_purchase_account_id:
            return mapping.xero_purchase_account_id, rule.xero_tax_rate_id or org.bank_feed_tax_rate_id
        if earlier:
            return earlier
        raise UserError(_(
            'Money in from %(vendor)s is a refund, which goes back to the account and tax of what '
            'it refunds, but nothing says which: no rule for %(vendor)s, no category on the line, '
            'and no earlier card spending of %(vendor)s in Xero. Add a rule for %(vendor)s on the '
            'Bank feed tab of %(org)s (or reconcile the line in Odoo), then press Sync now.',
            vendor=partner.display_name, org=org.name))

    def _earlier_spending(self, partner):
        """(Xero account, tax rate) of the latest spending of ``partner`` this feed sent to
        Xero (a spend or a bill), or None."""
        org = self.organisation_id
        earlier = self.search([('organisation_id', '=', org.id), ('contact_partner_id', '=', partner.id),
                               ('id', '!=', self.id), ('xero_id', '!=', False),
                               ('sync_state', '=', 'synced')], order='id desc', limit=20)
        for link in earlier:
            pushed = link.pushed_payload or {}
            items = pushed.get('line_items') or []
            if pushed.get('type') not in ('SPEND', 'ACCPAY') or not items:
                continue
            account = org.xero_account_ids.filtered(lambda a: a.code == items[0].get('account_code'))[:1]
            if account:
                tax_type = items[0].get('tax_type')
                return account, org.xero_tax_rate_ids.filtered(lambda r: tax_type and r.tax_type == tax_type)[:1]
        return None

    def _xero_account(self, rule):
        """The Xero account, in this order: the vendor's rule; the counterpart account when the
        line is reconciled in Odoo, through the account mapping; the line's category mapping;
        the organisation's default. Nothing is guessed: none of them is an error."""
        line = self.statement_line_id
        org = self.organisation_id
        if rule.xero_account_id:
            return rule.xero_account_id, None
        if line.is_reconciled:
            _liquidity, _suspense, others = line._seek_for_lines()
            mapped = org.account_mapping_ids.filtered(lambda m: m.account_id in others.account_id)
            missing = others.account_id - mapped.account_id
            if missing:
                raise UserError(_("This line is reconciled in Odoo against account '%s', which has "
                                  "no Xero account: map it in Xero > Configuration > Account Mappings.",
                                  missing[0].display_name))
            if len(mapped.xero_account_id) == 1:
                return mapped.xero_account_id, others.tax_ids
            if len(mapped.xero_account_id) > 1:
                raise UserError(_('This line is reconciled in Odoo against several accounts; Xero '
                                  'takes one: add a rule for the vendor.'))
        category = line.xero_category_id
        if category:
            mapping = org.category_mapping_ids.filtered(lambda m: m.categ_id == category)
            account = mapping.xero_purchase_account_id if line.amount < 0 else mapping.xero_sales_account_id
            if account:
                return account, None
        if org.bank_feed_account_id:
            return org.bank_feed_account_id, None
        raise UserError(_(
            'No Xero account for this transaction: add a rule for %(vendor)s, reconcile the line '
            'in Odoo, map its category %(category)s, or set a default account on the Bank feed '
            'tab of %(org)s.', vendor=line.partner_id.display_name or _('its vendor'),
            category=category.display_name or _('(none)'), org=org.name))

    def _xero_tax_rate(self, taxes):
        if not taxes:
            return self.env['xero.tax.rate']
        if len(taxes) > 1:
            raise UserError(_('The counterpart of this line has several taxes; Xero takes one: use '
                              'a group tax, or add a rule for the vendor.'))
        mapping = self.organisation_id.tax_mapping_ids.filtered(
            lambda m: m.tax_id == taxes and m.state == 'confirmed')
        if not mapping:
            raise UserError(_("Tax '%s' has no confirmed Xero tax type: map it in Xero > Configuration > Tax Mappings.",
                              taxes.name))
        return mapping.xero_tax_rate_id

    # --- matching and binding -----------------------------------------------------------------

    def _xero_send(self, organisation, kind, payloads, key):
        if kind == 'feed_bills':
            return organisation._xero().save('invoices', payloads, key)
        return super()._xero_send(organisation, kind, payloads, key)

    def _xero_match_key(self, payload):
        # A bill's number is the line's reference too (what Xero echoes of an invoice).
        return payload.get('reference') or payload.get('invoice_number')

    def _xero_find(self, organisation, kind, chunk):
        """By Reference, which holds the line's stable id; deleted ones are the past. A bill by
        its number (the same reference), then its contact, Reference and date, never by total;
        a voided one is the past."""
        if kind == 'feed_bills':
            return self._find_bills(organisation, chunk)
        payloads = {self._xero_match_key(payload): link for link, payload in chunk}
        elements = organisation._xero().find(kind, numbers=[k for k in payloads if k])
        return {payloads[el.number].id: el for el in elements
                if el.number in payloads and el.status not in ('DELETED', 'VOIDED')}

    def _find_bills(self, organisation, chunk):
        numbers = {}
        for link, payload in chunk:
            numbers.setdefault(payload['invoice_number'], []).append((link, payload))
        elements = organisation._xero().find('invoices', numbers=list(numbers))
        found = {}
        for element in elements:
            if element.status in ('DELETED', 'VOIDED') or element.echo.get('type') != 'ACCPAY':
                continue
            for link, payload in numbers.get(element.number, []):
                if link.id not in found \
                        and (element.echo.get('contact_id') or '').lower() == payload['contact']['contact_id'].lower() \
                        and element.echo.get('reference') == payload['reference'] \
                        and _day(element.echo.get('date')) == payload['date']:
                    found[link.id] = element
                    break
        return found

    def _xero_bind_extra(self, element, payload):
        if element.status in ('DELETED', 'VOIDED'):
            self._replaced(element.xero_id)
            return
        self.write({'pushed_payload': json.loads(json.dumps(payload, default=str))})
        if self.feed_form == 'bill':
            self._queue_bill_payment()

    def _queue_bill_payment(self):
        """The bill is in Xero: its payment from the card account goes next (a new one after a
        replacement, or after it was refused or skipped); one already on its way or in Xero is
        left alone. It goes even where the bank feed's auto-sync is off (``requested``): it
        completes what Xero holds already, a bill left unpaid."""
        Payment = self.env['xero.feed.payment.link'].sudo()
        payment = self.feed_payment_ids[:1]
        if not payment:
            payment = Payment.create({'organisation_id': self.organisation_id.id, 'bill_link_id': self.id,
                                      'statement_line_id': self.statement_line_id.id})
        elif payment.xero_status == 'DELETED' or (not payment.xero_id and payment.sync_state in ('error', 'skipped')):
            payment.write({'xero_id': False, 'xero_status': False, 'xero_number': False,
                           'pushed_hash': False, 'pushed_payload': False, 'to_delete': False,
                           'maybe_sent': False})
        else:
            return
        payment._mark_pending().write({'requested': True})
        Payment._trigger_push()

    def _replaced(self, old_id):
        """The old transaction (or bill) is gone from Xero: send the corrected one as new, in
        the form the vendor's rule says now."""
        bill = self.feed_form == 'bill'
        self.write({'xero_id': False, 'xero_status': False, 'replacing_xero_id': False,
                    'pushed_hash': False, 'pushed_payload': False, 'line_replaced': True,
                    'feed_form': False})
        self._mark_pending()
        if bill:
            self._chatter(_('The bill sent earlier is voided in Xero (%(org)s, %(id)s), its payment '
                            'deleted; the corrected line is being sent.', org=self.organisation_id.name,
                            id=old_id))
            return
        self._chatter(_('The transaction sent earlier is deleted in Xero (%(org)s, %(id)s); the '
                        'corrected one is being sent.', org=self.organisation_id.name, id=old_id))

    def _xero_handle_refusal(self, element, payload):
        if self.replacing_xero_id and self._deleted_in_xero(payload):
            self._replaced(self.replacing_xero_id)  # deleted already (a lost answer)
            return
        self._xero_note_refused()

    def _deleted_in_xero(self, payload):
        """Whether the transaction being replaced is DELETED (a bill: VOIDED) in Xero: its
        Status says so, whatever the words of the refusal."""
        bill = self._xero_kind() == 'feed_bills'
        try:
            elements = self.organisation_id._xero().find('invoices' if bill else self._xero_kind(),
                                                         numbers=[self._xero_match_key(payload)])
        except (Wait, XeroError):
            return False  # unknown for now: the refusal stands until someone presses Retry
        gone = 'VOIDED' if bill else 'DELETED'
        return any((el.xero_id or '').lower() == self.replacing_xero_id.lower() and el.status == gone
                   for el in elements)

    def _xero_note_sent(self, element):
        # Only a replacement is worth a message: a card feed sends thousands of lines, and the
        # line's Xero state and link already say that it is in Xero.
        if element.status not in ('DELETED', 'VOIDED') and self.line_replaced:
            self.line_replaced = False
            if self.feed_form == 'bill':
                self._chatter(_('The corrected bill is in Xero (%(org)s): %(amount)s %(currency)s; '
                                'its payment from the card account follows.',
                                org=self.organisation_id.name, amount=element.total,
                                currency=self.statement_line_id.currency_id.name))
                return
            self._chatter(_('The corrected transaction is in Xero (%(org)s): %(type)s of %(amount)s '
                            '%(currency)s, reconciled.', org=self.organisation_id.name,
                            type=element.echo.get('type'), amount=element.total,
                            currency=self.statement_line_id.currency_id.name))

    def _xero_note_refused(self):
        for link in self:
            if link.replacing_xero_id:
                # Xero keeps it (a reconciled transaction may not be deletable there): the line
                # is as before the request, and the person who asked reads why.
                link.write({'replacing_xero_id': False, 'last_error': _(
                    'Xero did not void the bill it holds (its payment, if it had one, is deleted '
                    'there: press Replace in Xero again to void it and send the line), so nothing '
                    'was replaced: %s', link.last_error) if link.feed_form == 'bill' else _(
                    'Xero did not delete the transaction it holds, so nothing was replaced: %s',
                    link.last_error)})
            link._chatter(_('Xero refused this transaction in %(org)s: %(error)s',
                            org=link.organisation_id.name, error=link.last_error))


def _day(value):
    """A date Xero echoes (a date or a datetime) as a date."""
    return value.date() if isinstance(value, datetime.datetime) else value
