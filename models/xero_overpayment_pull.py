from odoo import _, api, fields, models
from odoo.tools import float_compare, float_round

from .xero_document_pull import _jsonable
from .xero_payment_register import PULLED_CONTEXT, SETTLED_TYPES
from .xero_pull_state import SWITCH_OF_PULL

# The pull of overpayments and prepayments follows the payments' auto-sync switch.
SWITCH_OF_PULL.setdefault('credits', 'payments')


class XeroPullState(models.Model):
    _inherit = 'xero.pull.state'

    kind = fields.Selection(selection_add=[('credits', 'Overpayments and prepayments')],
                            ondelete={'credits': 'cascade'})


class XeroOverpaymentPull(models.AbstractModel):
    """Overpayments and prepayments made in Xero, and their allocations, into Odoo: a kind of
    the pull engine (``PULL_KINDS['credits']``), read from /Overpayments and /Prepayments.

    A new one becomes an Odoo payment of the whole amount in the journal mapped to its Xero bank
    account, for its contact, reconciled with each invoice it is allocated to; what is not
    allocated stays open on the partner as an outstanding credit, as in Xero. Allocations made
    in Xero later (on Xero's overpayments or on those Odoo sent) are reconciled the same way;
    an allocation deleted in Xero is unreconciled, and an overpayment voided in Xero cancels the
    Odoo payment it made. Odoo's own, whose answer was lost, carry Odoo's reference and are left
    to the push's look-up. What Odoo cannot do the same way (an allocation of part of both
    amounts, a voided overpayment Odoo sent) goes to the review list with the reason.
    """
    _name = 'xero.overpayment.pull'
    _description = 'Xero overpayment and prepayment pull'

    # --- the engine's hooks -------------------------------------------------------------------

    @api.model
    def _pull_fetch(self, organisation, stream, since, page, page_size):
        return organisation._xero().pull_credits(stream, since, page, page_size)

    @api.model
    def _pull_records(self, organisation, records, run):
        return self.env['xero.pull.engine']._each(
            organisation, 'credits', records, lambda record: self._pull_one(organisation, record))

    @api.model
    def _pull_hold(self, organisation, record, reason):
        self.env['xero.review']._hold(
            organisation, 'payment', record['xero_id'],
            _('%(what)s of %(amount)s in Xero (%(reference)s)', what=self._label(record), amount=record['total'],
              reference=record['reference'] or record['xero_id']),
            _('This %(what)s made in Xero is not registered in Odoo as it is there. %(reason)s',
              what=self._label(record).lower(), reason=reason),
            dict(_jsonable({k: v for k, v in record.items() if k != 'allocations'}), kind='credits'))

    @api.model
    def _label(self, record):
        return self.env._('Overpayment') if record['kind'] == 'overpayments' else self.env._('Prepayment')

    # --- one overpayment or prepayment ----------------------------------------------------------

    @api.model
    def _pull_one(self, organisation, record):
        organisation = organisation.sudo()
        Link = self.env['xero.payment.link'].sudo()
        link = Link.search([('organisation_id', '=', organisation.id), ('kind', '=', 'credits'),
                            ('xero_id', '=ilike', record['xero_id'])], limit=1)
        if link and link.xero_updated_date == record['updated'] and link.xero_status == record['status']:
            return None  # read again (the watermark's second): nothing new
        if not link:
            prefix = self.env['xero.partner.link']._contact_number_prefix()
            if record['status'] == 'VOIDED' or (record['reference'] or '').startswith(prefix) \
                    or self._unsure_credit(organisation, record):
                return None  # never in Odoo, or Odoo's own whose answer was lost (the push binds it)
            if organisation.payment_direction == 'odoo_to_xero':
                self._pull_hold(organisation, record, _(
                    'Payments made in Xero are not brought into Odoo for %(org)s (its payments go from Odoo to '
                    'Xero only). Delete it in Xero and record the payment in Odoo (it then goes to Xero), or let '
                    'payments go both ways and press Retry.', org=organisation.name))
                return 'held'
            link = self._register_credit(organisation, record)
            if not link:
                return 'held'
            outcome = 'created'
        else:
            outcome = 'updated'
        if record['status'] == 'VOIDED':
            return self._voided(organisation, link, record) or outcome
        held = self._follow_allocations(organisation, link, record)
        # One held is read again by Retry on the review list, or at its next change in Xero.
        link.write({'xero_status': record['status'], 'xero_updated_date': False if held else record['updated']})
        return 'held' if held else outcome

    @api.model
    def _unsure_credit(self, organisation, record):
        """An overpayment Odoo sent whose answer was lost, that this record may be (Xero may keep
        no Reference on it): same type, contact, date and amount. The push's look-up binds it."""
        Link = self.env['xero.payment.link'].sudo()
        wanted = Link._credit_key(record['type'], record['contact_id'], record['date'], record['total'])
        for link in Link.search([('organisation_id', '=', organisation.id), ('kind', '=', 'credits'),
                                 ('xero_id', '=', False), ('maybe_sent', '=', True)]):
            contact = self.env['xero.partner.link'].sudo().search(
                [('organisation_id', '=', organisation.id), ('partner_id', '=', link._credit_partner().id)], limit=1)
            if Link._credit_key(link.credit_type, contact.xero_id, link.date, link.amount) == wanted:
                return True
        return False

    @api.model
    def _register_credit(self, organisation, record):
        """The Odoo payment of an overpayment or prepayment made in Xero, and its link; an empty
        link once the record is held for review."""
        Link = self.env['xero.payment.link'].sudo()
        partner_link = self.env['xero.partner.link'].sudo().search(
            [('organisation_id', '=', organisation.id), ('xero_id', '=ilike', record['contact_id'])], limit=1)
        if not partner_link.partner_id:
            self._pull_hold(organisation, record, _('Its contact is not in Odoo yet: it comes with the next '
                                                    'contact pull, then press Retry.'))
            return Link
        bank_account = organisation._xero().credit_bank_account(record['xero_id'])
        mapping = organisation.journal_mapping_ids.filtered(lambda m: m.xero_account_id.xero_id == bank_account)[:1]
        if not mapping:
            self._pull_hold(organisation, record, _(
                "No Odoo journal takes the payments of its Xero bank account: choose that account as a "
                "journal's Xero payment account in the organisation's payment accounts, then press Retry."))
            return Link
        currency = self.env['res.currency'].with_context(active_test=False).search(
            [('name', '=', record['currency'])], limit=1) or organisation.company_id.currency_id
        receive = record['type'].startswith('RECEIVE')
        payment = self.env['account.payment'].with_context(**PULLED_CONTEXT).create({
            'payment_type': 'inbound' if receive else 'outbound',
            'partner_type': 'customer' if receive else 'supplier',
            'partner_id': partner_link.partner_id.id, 'amount': record['total'],
            'currency_id': currency.id, 'date': record['date'], 'journal_id': mapping.journal_id.id,
            'company_id': organisation.company_id.id,
            'memo': _('Xero %(what)s %(reference)s', what=self._label(record).lower(),
                      reference=record['reference'] or record['xero_id'])})
        payment.action_post()
        link = Link.create({
            'organisation_id': organisation.id, 'kind': 'credits', 'payment_id': payment.id,
            'amount': record['total'], 'currency_id': currency.id, 'date': record['date'],
            'credit_type': record['type'], 'from_xero': True, 'xero_id': record['xero_id'],
            'xero_bank_transaction_id': record['xero_id'], 'xero_status': record['status'],
            'xero_updated_date': record['updated'], 'sync_state': 'synced'})
        payment.message_post(body=_('%(what)s of %(amount)s made in Xero (%(org)s), registered in %(journal)s.',
                                    what=self._label(record), amount=record['total'], org=organisation.name,
                                    journal=mapping.journal_id.name))
        return link

    @api.model
    def _follow_allocations(self, organisation, link, record):
        """Reconcile in Odoo the allocations Xero holds that no link holds; unreconcile those
        Xero no longer holds. Returns whether one had to be held for review."""
        Link = self.env['xero.allocation.link'].sudo()
        known = Link.search([('credit_link_id', '=', link.id), ('kind', '=', 'credit_allocations')])
        live = {a.xero_id.lower(): a for a in record['allocations'] if a.xero_id and a.status != 'DELETED'}
        held = False
        for allocation_link in known.filtered(lambda l: l.xero_id and l.xero_status != 'DELETED'
                                              and l.xero_id.lower() not in live and not l.to_delete):
            if not allocation_link.from_xero:
                # Sent from Odoo and removed in Xero: Odoo keeps its reconciliation until someone looks.
                allocation_link.write({'xero_status': 'DELETED'})
                reason = _('An allocation of %(amount)s Odoo sent to Xero was removed there; %(doc)s is still '
                           'reconciled with the payment in Odoo: check it and unreconcile it by hand.',
                           amount=allocation_link.amount, doc=allocation_link.move_id.display_name)
                self._pull_hold(organisation, record, reason)
                allocation_link.move_id.message_post(body=reason)
                held = True
                continue
            if allocation_link.partial_id:
                allocation_link.partial_id.with_context(**PULLED_CONTEXT).unlink()
            allocation_link.write({'xero_status': 'DELETED'})
            allocation_link.move_id.message_post(body=_(
                'An allocation of %(amount)s from a Xero %(what)s was removed in Xero (%(org)s): it is '
                'unreconciled in Odoo.', amount=allocation_link.amount, what=self._label(record).lower(),
                org=organisation.name))
        mine = {x.lower() for x in known.mapped('xero_id') if x}
        # Odoo's own whose answer was lost: the push's look-up binds them.
        unsure = known.filtered(lambda l: not l.xero_id and l.maybe_sent)
        for xero_id, allocation in live.items():
            if xero_id in mine or any(
                    float_compare(l.amount, allocation.total or 0.0, precision_rounding=l.currency_id.rounding) == 0
                    and (l._document_link().xero_id or '').lower() == (allocation.echo.get('invoice_id') or '').lower()
                    for l in unsure):
                continue
            held |= not self._reconcile_allocation(organisation, link, record, allocation)
        return held

    @api.model
    def _reconcile_allocation(self, organisation, link, record, allocation):
        doc_link = self.env['xero.move.link'].sudo().search(
            [('organisation_id', '=', organisation.id), ('xero_id', '=ilike', allocation.echo.get('invoice_id'))],
            limit=1)
        document = doc_link.move_id
        if not document or document.state != 'posted':
            self._pull_hold(organisation, record, _('It is allocated to an invoice Odoo does not have.'))
            return False
        payment = link.payment_id
        doc_lines = document.line_ids.filtered(lambda l: l.account_type in SETTLED_TYPES and not l.reconciled)
        pay_lines = payment.move_id.line_ids.filtered(
            lambda l: l.account_id in doc_lines.account_id and not l.reconciled)
        currency = document.currency_id
        residuals = [abs(sum(lines.mapped('amount_residual_currency'))) for lines in (doc_lines, pay_lines)]
        if not doc_lines or not pay_lines or float_compare(
                allocation.total, min(residuals), precision_rounding=currency.rounding) > 0:
            self._pull_hold(organisation, record, _('%(doc)s or the payment has less left open in Odoo than '
                                                    'the %(amount)s allocated in Xero.',
                                                    doc=document.display_name, amount=allocation.total))
            return False
        lines = (doc_lines | pay_lines).with_context(**PULLED_CONTEXT)
        if float_compare(allocation.total, min(residuals), precision_rounding=currency.rounding) == 0:
            lines.reconcile()
        else:
            # Part of both: Odoo's reconcile would apply all it can, so the partial is made
            # for the amount Xero allocated (both lines in the document's currency).
            self._partial(lines, doc_lines, pay_lines, allocation.total)
        partial = (pay_lines.matched_debit_ids | pay_lines.matched_credit_ids).filtered(
            lambda p: document in (p.debit_move_id.move_id | p.credit_move_id.move_id)).sorted('id')[-1:]
        self.env['xero.allocation.link'].sudo().create({
            'organisation_id': organisation.id, 'kind': 'credit_allocations', 'partial_id': partial.id,
            'move_id': document.id, 'payment_id': payment.id, 'credit_link_id': link.id,
            'amount': allocation.total, 'currency_id': currency.id, 'date': allocation.echo.get('date'),
            'from_xero': True, 'xero_id': allocation.xero_id, 'xero_status': 'AUTHORISED', 'sync_state': 'synced'})
        document.message_post(body=_('%(what)s of %(amount)s allocated in Xero (%(org)s), reconciled in Odoo.',
                                     what=self._label(record), amount=allocation.total, org=organisation.name))
        return True

    @api.model
    def _partial(self, lines, doc_lines, pay_lines, amount):
        debit = (doc_lines | pay_lines).filtered(lambda l: l.balance > 0)[:1]
        credit = (doc_lines | pay_lines).filtered(lambda l: l.balance < 0)[:1]
        rate = abs(debit.balance / debit.amount_currency) if debit.amount_currency else 1.0
        company_amount = float_round(amount * rate, precision_rounding=debit.company_currency_id.rounding)
        self.env['account.partial.reconcile'].with_context(**PULLED_CONTEXT).create({
            'debit_move_id': debit.id, 'credit_move_id': credit.id, 'amount': company_amount,
            'debit_amount_currency': amount, 'credit_amount_currency': amount})

    @api.model
    def _voided(self, organisation, link, record):
        """Voided in Xero: the Odoo payment it made is cancelled; one Odoo sent goes to review."""
        link.write({'xero_status': 'VOIDED', 'xero_updated_date': record['updated']})
        payment = link.payment_id
        if link.from_xero and payment and payment.state != 'canceled' and not payment.is_matched:
            payment.with_context(**PULLED_CONTEXT).action_draft()
            payment.with_context(**PULLED_CONTEXT).action_cancel()
            self.env['xero.allocation.link'].sudo().search([('credit_link_id', '=', link.id)]).write(
                {'xero_status': 'DELETED'})
            payment.message_post(body=_('%(what)s voided in Xero (%(org)s): its Odoo payment is cancelled.',
                                        what=self._label(record), org=organisation.name))
            return 'updated'
        if payment and payment.state != 'canceled':
            self._pull_hold(organisation, record, _(
                'It was voided in Xero, but its Odoo payment %s is still registered (sent from Odoo, or '
                'since matched with a bank statement): check it and cancel it by hand.', payment.display_name))
            return 'held'
        return 'updated'


class XeroReview(models.Model):
    _inherit = 'xero.review'

    def action_retry(self):
        """Overpayments and prepayments are read again from /Overpayments or /Prepayments."""
        credits = self.filtered(lambda r: (r.data or {}).get('kind') == 'credits')
        for review in credits:
            kind = 'overpayments' if (review.data.get('type') or '').endswith('OVERPAYMENT') else 'prepayments'
            record = review.organisation_id._xero().credit(kind, review.xero_id)
            if record and self.env['xero.overpayment.pull']._pull_one(review.organisation_id, record) != 'held':
                review.state = 'done'
        return super(XeroReview, self - credits).action_retry()
