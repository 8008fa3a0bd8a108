from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, float_round

from ..xero_mappers.invoice import document_payload

XERO_TYPES = {
    'out_invoice': ('invoices', 'ACCREC'),
    'in_invoice': ('invoices', 'ACCPAY'),
    'out_refund': ('credit_notes', 'ACCRECCREDIT'),
    'in_refund': ('credit_notes', 'ACCPAYCREDIT'),
}
# Xero's statuses from which a cancelled document is deleted; it is voided from the others.
DELETABLE_STATUSES = ('DRAFT', 'SUBMITTED')
SYNCED_LINE_TYPES = ('product', 'line_section', 'line_subsection', 'line_note')
# Xero's ReportTaxType of the rates that land in no box of the tax return: "No GST" / "No VAT"
# (NONE) and Australia's "BAS Excluded" (BASEXCLUDED). A rounding line carries no tax and is
# no supply: a zero-rated or exempt rate would put its cents in a box of the return.
NO_RETURN_REPORT_TAX_TYPES = ('NONE', 'BASEXCLUDED')
# Which CanApplyTo flag of a Xero rate allows it on an account of each Xero class.
CAN_APPLY_FIELDS = {
    'ASSET': 'can_apply_to_assets', 'EQUITY': 'can_apply_to_equity',
    'EXPENSE': 'can_apply_to_expenses', 'LIABILITY': 'can_apply_to_liabilities',
    'REVENUE': 'can_apply_to_revenue',
}


class XeroMoveLink(models.Model):
    """An Odoo invoice, bill or credit note and its Xero document in one organisation."""
    _name = 'xero.move.link'
    _inherit = ['xero.link.mixin']
    _description = 'Xero document link'
    _order = 'id desc'
    _xero_record_field = 'move_id'

    move_id = fields.Many2one('account.move', required=True, index=True, ondelete='cascade',
                              readonly=True)
    move_type = fields.Selection(related='move_id.move_type')
    xero_total = fields.Float(string='Total in Xero', readonly=True, copy=False)
    xero_amount_due = fields.Float(string='Amount due in Xero', readonly=True, copy=False)
    from_xero = fields.Boolean(string='Made in Xero', readonly=True, copy=False,
                               help='Imported from Xero: it keeps its Xero number.')
    total_mismatch = fields.Char(readonly=True, copy=False,
                                 help="Set when Xero's total differs from Odoo's after a push.")
    reposting = fields.Boolean(readonly=True, copy=False,
                               help='Reset to draft in Odoo while approved in Xero: posting it again '
                                    'updates the same Xero document.')

    _organisation_move_uniq = models.UniqueIndex(
        '(organisation_id, move_id) WHERE organisation_id IS NOT NULL',
        'A document links to one Xero document per organisation.')
    _xero_unique_nouns = ('Xero document', 'Odoo document')
    _legacy_move_uniq = models.UniqueIndex(
        '(move_id) WHERE organisation_id IS NULL', 'A document has one legacy Xero link.')

    def _xero_kind(self):
        return XERO_TYPES[self.move_id.move_type][0]

    def _xero_url(self):
        if not self.xero_id:
            return False
        if self._xero_kind() == 'credit_notes':
            kind = 'credit_note'
        else:
            kind = 'invoice' if self.move_id.move_type in ('out_invoice', 'out_refund') else 'bill'
        return self.organisation_id._xero_deep_link(kind, self.xero_id)

    # --- dependencies -------------------------------------------------------------------------

    def _partner_link(self):
        partner = self.move_id.commercial_partner_id
        if not partner:
            return self.env['xero.partner.link']
        known = self.env.cr.cache.get('xero_partner_links', {}).get((self.organisation_id.id, partner.id))
        if known:
            return self.env['xero.partner.link'].sudo().browse(known)
        return self.env['xero.partner.link'].sudo()._ensure_links(self.organisation_id, partner)

    def _xero_dependencies(self):
        """The contacts of a batch, looked up once (and kept for the payloads that follow)."""
        posted = self.filtered(lambda link: link.move_id.state == 'posted')
        partner_links = self.env['xero.partner.link']
        cache = self.env.cr.cache.setdefault('xero_partner_links', {})
        for organisation in posted.organisation_id:
            partners = posted.filtered(lambda link: link.organisation_id == organisation).move_id.commercial_partner_id
            links = self.env['xero.partner.link'].sudo()._ensure_links(organisation, partners)
            cache.update({(organisation.id, link.partner_id.id): link.id for link in links})
            partner_links |= links
        return {'xero.partner.link': partner_links}

    def _xero_missing_dependencies(self):
        if self.move_id.state != 'posted':
            return None, False
        partner_link = self._partner_link()
        if partner_link.sync_state == 'synced' and partner_link.xero_id:
            return None, False
        if partner_link.sync_state == 'error':
            return _('Its contact %(partner)s is not in Xero: %(error)s',
                     partner=self.move_id.commercial_partner_id.display_name,
                     error=partner_link.last_error), True
        return _('Waiting for its contact %s to reach Xero.', self.move_id.commercial_partner_id.display_name), False

    # --- payloads -----------------------------------------------------------------------------

    def _xero_payloads(self):
        prepared = []
        for link in self:
            move = link.move_id
            if move.state == 'cancel' and link.xero_id:
                prepared.append((link, link._cancel_payload()))
                continue
            if move.state != 'posted' and not link.xero_id and link.maybe_sent:
                # Its create had no answer: Xero may hold it. The engine looks it up with the
                # payload it was sent with; found, it is cancelled there too (``_withdraw``).
                link.withdrawn = True
            elif move.state == 'cancel':
                link._record_refusal(_('Cancelled before it reached Xero: nothing to send.'), state='skipped')
                continue
            elif move.state != 'posted':
                link._record_refusal(_('Back to draft in Odoo: it goes to Xero again when posted.'),
                                     state='skipped')
                continue
            try:
                values = link._document_values()
                payload, predicted = document_payload(values)
                unfixable = None
                if predicted['drift'] and not predicted['tax_drift']:
                    unfixable = link._rounding_line(values, predicted)
                    if not unfixable:
                        payload, predicted = document_payload(values)
            except (UserError, ValueError) as e:
                link._record_refusal(str(e))
                link._odoo_note_refused()
                continue
            if predicted['drift'] or predicted['tax_drift']:
                link._record_refusal(unfixable or link._drift_reason(values, predicted))
                link._odoo_note_refused()
                continue
            prepared.append((link, payload))
        return prepared

    def _rounding_line(self, values, predicted):
        """Add a rounding line when Odoo's untaxed amount is not the sum of its rounded lines;
        return None when added, else why the document cannot be sent as it is.

        A company that rounds globally has an untaxed total up to half a cent per line away
        from the sum of its lines' rounded subtotals, while Xero's subtotal is always that sum.
        The tax is already made to agree line by line (``TaxAmount``); the difference goes on a
        line of its own, to the organisation's rounding account, with a rate that lands in no
        box of the tax return, so that Xero's subtotal, tax and total are all Odoo's and its
        return is not touched. Only as much as rounding can explain: more is held for a person.
        """
        org = self.organisation_id
        drift = predicted['drift']
        products = [line for line in values['lines'] if line.get('display_type', 'product') == 'product']
        cap = self._rounding_line_cap(len(products), values.get('cash_rounding') or 0.0)
        currency = self.move_id.currency_id
        if float_compare(abs(drift), cap, precision_digits=2) > 0:
            return _("Xero adds up this document's lines to %(xero)s where Odoo's total is %(odoo)s: "
                     "%(gap)s apart, more than the rounding of its %(count)s lines can explain (at "
                     "most %(cap)s). Check the lines' amounts and taxes, then post it again.",
                     xero=predicted['total'], odoo=values['amount_total'], gap=abs(drift),
                     count=len(products), cap=cap)
        if not org.xero_rounding_account_id:
            return _("Odoo's total differs from the sum of its rounded lines by %(gap)s %(currency)s "
                     "(rounding), which Xero needs on its rounding account, and %(org)s has none: "
                     "set its Rounding account (Xero > Organisations > %(org)s, Mapping tab), then "
                     "press Retry.", gap=abs(drift), currency=currency.name, org=org.name)
        rate = self._rounding_tax_rate()
        if not rate:
            return _("Odoo's total differs from the sum of its rounded lines by %(gap)s %(currency)s "
                     "(rounding), which goes to Xero as a rounding line with a tax rate outside the "
                     "tax return, and %(org)s has no such active 0%% rate in Xero (such as 'No GST' or "
                     "'BAS Excluded'): add one in Xero, import the chart & taxes again (Xero > "
                     "Organisations > %(org)s), then press Retry.",
                     gap=abs(drift), currency=currency.name, org=org.name)
        values['lines'].append({
            'display_type': 'product', 'description': _('Rounding'), 'quantity': 1.0,
            'price_unit': -drift, 'discount': 0.0, 'account_code': org.xero_rounding_account_id.code,
            'tax_type': rate.tax_type, 'tax_rate': 0.0, 'price_include': False,
            'price_subtotal': -drift, 'price_total': -drift,
        })
        return None

    @api.model
    def _rounding_line_cap(self, line_count, cash_rounding=0.0):
        """The most a rounding line may carry for a document of ``line_count`` lines.

        A company that rounds globally rounds the sum of its lines' exact untaxed amounts, where
        Xero adds up the lines rounded one by one: each line moves the difference by at most
        half a cent, the final rounding by half a cent more. So half a cent per line and half a
        cent, in whole cents, plus the cash rounding Odoo added (Xero knows none: it goes on the
        same line). A larger gap is not rounding, and is held."""
        cents = (line_count + 1) // 2
        return float_round(cents / 100 + abs(cash_rounding), precision_digits=2)

    def _rounding_tax_rate(self):
        """The organisation's Xero rate for rounding lines: active, 0 %, outside the tax return
        (ReportTaxType NONE or BASEXCLUDED) and allowed on the rounding account's class;
        Xero's own NONE first. The rate for untaxed lines is not used: it is often zero-rated
        or exempt, which the return reports."""
        org = self.organisation_id
        flag = CAN_APPLY_FIELDS.get((org.xero_rounding_account_id.account_class or '').upper())
        rates = org.xero_tax_rate_ids.filtered(
            lambda r: r.active and r.status == 'ACTIVE' and float_is_zero(r.effective_rate, precision_digits=4)
            and (r.report_tax_type or '').upper() in NO_RETURN_REPORT_TAX_TYPES
            and (not flag or r[flag]))
        return rates.sorted(lambda r: (r.tax_type != 'NONE', (r.report_tax_type or '').upper() != 'NONE',
                                       r.id))[:1]

    def _drift_reason(self, values, predicted):
        """Why Xero would not hold this document's totals, said for the accountant."""
        if predicted['tax_drift']:
            return _("Xero would compute the tax of this document as %(xero_tax)s where Odoo has "
                     "%(odoo_tax)s: more than rounding explains, so it is held rather than sent with "
                     "another tax. Check that each tax of its lines maps to a Xero rate of the same "
                     "percentage (Xero > Configuration > Tax Mappings), then post it again.",
                     xero_tax=predicted['total_tax'], odoo_tax=values['amount_tax'])
        return _("Xero would total this document %(xero)s (tax %(xero_tax)s) where Odoo has "
                 "%(odoo)s (tax %(odoo_tax)s); it is held so that the books do not drift.",
                 xero=predicted['total'], xero_tax=predicted['total_tax'],
                 odoo=values['amount_total'], odoo_tax=values['amount_tax'])

    def _cancel_payload(self):
        kind = self._xero_kind()
        id_field = 'invoice_id' if kind == 'invoices' else 'credit_note_id'
        number_field = 'invoice_number' if kind == 'invoices' else 'credit_note_number'
        status = 'DELETED' if self.xero_status in DELETABLE_STATUSES else 'VOIDED'
        return {id_field: self.xero_id, number_field: self.xero_number, 'status': status,
                'type': XERO_TYPES[self.move_id.move_type][1]}

    def _document_values(self):
        """The move as the plain values the mapper takes; raises UserError naming what to map."""
        self.ensure_one()
        move = self.move_id.with_company(self.move_id.company_id)
        org = self.organisation_id
        kind, xero_type = XERO_TYPES[move.move_type]
        partner_link = self._partner_link()
        is_bill = move.move_type in ('in_invoice', 'in_refund')
        if is_bill:
            # A bill's number in Xero is the vendor's reference; Odoo's own name goes in Reference.
            number, reference = move.ref or move.name, move.name
        else:
            number, reference = move.name, move.ref or None
        if self.from_xero:
            number = self.xero_number
        company_currency = move.company_id.currency_id
        rate = None
        if move.currency_id != company_currency and company_currency.name == org.base_currency:
            # Xero's rate is units of the document currency per unit of base currency, as Odoo's.
            rate = move.invoice_currency_rate or None
        return {
            'kind': 'invoice' if kind == 'invoices' else 'credit_note',
            'xero_type': xero_type,
            'number': number,
            'reference': reference,
            'contact': {'contact_id': partner_link.xero_id},
            'date': move.invoice_date or move.date,
            'due_date': move.invoice_date_due if kind == 'invoices' else None,
            'currency_code': move.currency_id.name,
            'currency_rate': rate,
            'status': org.invoice_status,
            'xero_id': self.xero_id or None,
            'amount_untaxed': move.amount_untaxed,
            'amount_tax': move.amount_tax,
            'amount_total': move.amount_total,
            # Odoo's cash rounding line, in the document's terms: Xero has none, so its amount
            # is part of what the rounding line carries.
            'cash_rounding': sum(move.line_ids.filtered(lambda line: line.display_type == 'rounding')
                                 .mapped('amount_currency')) * move.direction_sign,
            'lines': [self._line_values(line) for line in move.invoice_line_ids.sorted('sequence')
                      if line.display_type in SYNCED_LINE_TYPES],
        }

    def _line_values(self, line):
        if line.display_type != 'product':
            return {'display_type': line.display_type, 'description': line.name or ''}
        org = self.organisation_id
        taxes = line.tax_ids
        if len(taxes) > 1:
            raise UserError(_("Line '%s' has several taxes; Xero takes one tax type per line: use a "
                              "group tax and map it.", line.name))
        if taxes:
            mapping = org.tax_mapping_ids.filtered(lambda m: m.tax_id == taxes and m.state == 'confirmed')
            if not mapping:
                raise UserError(_("Tax '%s' has no confirmed Xero tax type: map it in Xero > Configuration > "
                                  "Tax Mappings.", taxes.name))
            rate = mapping.xero_tax_rate_id
        else:
            rate = org.xero_default_tax_rate_id
            if not rate:
                raise UserError(_('Lines without tax need a default Xero tax type on %s.', org.name))
        account = org.account_mapping_ids.filtered(lambda m: m.account_id == line.account_id).xero_account_id
        if not account:
            raise UserError(_("Account '%s' has no Xero account: map it in Xero > Configuration > Account Mappings.",
                              line.account_id.display_name))
        return {
            'display_type': 'product',
            'description': line.name or line.product_id.display_name or '',
            'quantity': line.quantity, 'price_unit': line.price_unit, 'discount': line.discount,
            'account_code': account.code, 'tax_type': rate.tax_type,
            'tax_rate': rate.effective_rate if taxes else 0.0,
            'price_include': bool(taxes) and all(taxes.mapped('price_include')),
            'price_subtotal': line.price_subtotal, 'price_total': line.price_total,
        }

    # --- matching and binding -----------------------------------------------------------------

    def _xero_match_key(self, payload):
        return payload.get('invoice_number') or payload.get('credit_note_number')

    def _xero_looks_up(self, payload):
        return not self.xero_id or payload.get('status') in ('DELETED', 'VOIDED')

    def _xero_find(self, organisation, kind, chunk):
        """Sales documents by their unique number. Bills by contact, number and Reference
        (Odoo's own name, unique in Odoo), since Xero lets two bills share a number. Never by
        total: two bills of one vendor often share one, and the bill Xero holds may have
        another (Xero's rounding, or a correction made in Odoo while the answer was lost).
        Nor by date: what is compared is the payload built now, and a date corrected in Odoo
        meanwhile would send the bill a second time. A cancellation is found done when Xero
        holds the document with the status it was sent."""
        found = {}
        by_number = {}
        for link, payload in chunk:
            by_number.setdefault(self._xero_match_key(payload), []).append((link, payload))
        elements = organisation._xero().find(kind, numbers=[n for n in by_number if n])
        for element in elements:
            for link, payload in by_number.get(element.number, []):
                if link.id in found:
                    continue
                if link.xero_id:  # a cancellation: the very document, now in that status
                    if (element.xero_id or '').lower() == link.xero_id.lower() \
                            and element.status == payload['status']:
                        found[link.id] = element
                        break
                    continue
                if element.status in ('DELETED', 'VOIDED') or element.echo.get('type') != payload['type']:
                    continue
                if payload['type'] in ('ACCPAY', 'ACCPAYCREDIT') and not (
                        element.echo.get('contact_id') == payload['contact'].get('contact_id')
                        and (element.echo.get('reference') or None) == (payload.get('reference') or None)):
                    continue
                found[link.id] = element
                break
        return found

    def _xero_bind_extra(self, element, payload):
        move = self.move_id
        values = {'xero_total': element.total or 0.0, 'total_mismatch': False,
                  'xero_amount_due': element.amount_due if element.amount_due is not None else element.total or 0.0}
        if element.total is not None and float_compare(element.total, move.amount_total,
                                                       precision_rounding=move.currency_id.rounding):
            values['total_mismatch'] = _('Xero total %(xero)s, Odoo total %(odoo)s',
                                         xero=element.total, odoo=float_round(move.amount_total, 2))
            move.message_post(body=_('The total in Xero (%(xero)s) differs from Odoo\'s (%(odoo)s).',
                                     xero=element.total, odoo=move.amount_total))
        self.write(values)

    def _xero_note_sent(self, element):
        self._xero_notes_sent([(self, element)])

    def _xero_notes_sent(self, sent):
        bodies = {}
        for link, element in sent:
            if link.reposting and element.status not in ('VOIDED', 'DELETED'):
                link.reposting = False
                bodies[link.move_id.id] = _(
                    'Posted again in Odoo: the changes updated %(number)s in Xero (%(org)s), the same '
                    'document, %(status)s, amount due %(due)s.', number=element.number,
                    org=link.organisation_id.name, status=element.status, due=link.xero_amount_due)
            elif element.status in ('VOIDED', 'DELETED'):
                bodies[link.move_id.id] = _('%(status)s in Xero (%(org)s).', status=element.status.capitalize(),
                                            org=link.organisation_id.name)
            else:
                bodies[link.move_id.id] = _('Sent to Xero (%(org)s) as %(number)s, %(status)s.',
                                            org=link.organisation_id.name, number=element.number,
                                            status=element.status)
        # Log notes, one batch of rows: no followers to notify, no mail run per document.
        self.env['account.move'].browse(list(bodies))._message_log_batch(bodies=bodies)

    def _odoo_note_refused(self):
        """Odoo's own check stopped the document before any call to Xero: say whose check it was."""
        for link in self:
            link.move_id.message_post(body=_('Not sent to Xero (%(org)s): Odoo\'s check before sending refused '
                                             'this document: %(error)s',
                                             org=link.organisation_id.name, error=link.last_error))

    def _xero_note_refused(self):
        for link in self:
            if link.reposting and link.move_id.state == 'posted' and link.sync_state == 'error':
                # Xero keeps the approved document as it was (payments applied, a locked
                # period): say so, in front of Xero's own reason.
                link.last_error = _('Posted again in Odoo, but Xero kept %(number)s as it was: '
                                    '%(reason)s', number=link.xero_number, reason=link.last_error)
            link.move_id.message_post(body=_('Xero refused this document in %(org)s: %(error)s',
                                             org=link.organisation_id.name, error=link.last_error))
