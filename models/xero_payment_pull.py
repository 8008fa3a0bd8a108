from odoo import _, api, fields, models
from odoo.tools import float_compare, float_is_zero

from ..xero_client.operations import MAX_IDS_PER_GET
from .xero_document_pull import _jsonable


class XeroPaymentPull(models.AbstractModel):
    """Payments and document statuses from Xero into Odoo.

    Polled every 15 minutes by default, and at once when a webhook event arrives (Xero sends no
    payment events: an INVOICE update is the sign). Payments are read from /Payments, which
    carries IsReconciled; Xero's PaymentID is the link, never an invented one. A payment made in
    Xero on a synced document is registered and reconciled in Odoo, in the journal mapped to
    its Xero account; one deleted in Xero reverses the Odoo payment it created. Payments Odoo
    pushed are recognised by their link (or their Reference) and never come back.
    """
    _name = 'xero.payment.pull'
    _description = 'Xero payment and status poll'

    @api.model
    def _cron_poll(self):
        """Documents (Xero's statuses, and those made in Xero), then payments, for every
        organisation, through the pull engine; an organisation read to the end has handled its
        webhook events."""
        self.env['xero.pull.engine']._cron(
            ('documents', 'payments'), 'xero_integration.ir_cron_xero_poll',
            after=lambda organisation: self.env['xero.webhook.event'].sudo()._mark_processed(organisation))

    @api.model
    def _cron_reconcile(self):
        """Nightly: Xero does not bump UpdatedDateUTC for every change, so compare the status and
        amount due of open synced documents, 50 at a time, and fetch the payments of those that
        differ."""
        Engine = self.env['xero.pull.engine']
        organisations = self.env['xero.organisation'].search([('state', '=', 'connected')])
        for organisation in organisations:
            Engine._guarded(organisation, 'xero_integration.ir_cron_xero_reconcile',
                            lambda: self._reconcile(organisation))
            Engine._commit(0)

    @api.model
    def _reconcile(self, organisation):
        organisation = organisation.sudo()
        links = self.env['xero.move.link'].sudo().search([
            ('organisation_id', '=', organisation.id), ('xero_id', '!=', False),
            ('xero_status', 'in', ('AUTHORISED', 'SUBMITTED'))])
        DocumentPull = self.env['xero.document.pull']
        for kind in ('invoices', 'credit_notes'):
            kind_links = links.filtered(lambda l: l._xero_kind() == kind)
            for start in range(0, len(kind_links), MAX_IDS_PER_GET):
                chunk = kind_links[start:start + MAX_IDS_PER_GET]
                documents, _more = organisation._call('pull_documents', kind, ids=chunk.mapped('xero_id'), api='ops')
                DocumentPull._pull_records(organisation, documents, {})
                for document in documents:
                    link = chunk.filtered(lambda l: l.xero_id == document['xero_id'])
                    if link and float_compare(document['amount_due'] or 0.0, link.move_id.amount_residual,
                                              precision_rounding=link.move_id.currency_id.rounding):
                        self._pull_payments_of(organisation, kind, document['xero_id'])

    @api.model
    def _pull_payments_of(self, organisation, kind, xero_id):
        field = 'Invoice.InvoiceID' if kind == 'invoices' else 'CreditNote.CreditNoteID'
        payments, _more = organisation._call('pull_payments', where=f'{field}==Guid("{xero_id}")', api='ops')
        self._pull_records(organisation, payments, {})

    # --- the poll: a kind of the pull engine --------------------------------------------------

    @api.model
    def _pull(self, organisation, page_size=None):
        return self.env['xero.pull.engine']._pull(organisation, 'payments', page_size=page_size)

    @api.model
    def _pull_fetch(self, organisation, stream, since, page, page_size):
        return organisation._call('pull_payments', since, page, page_size, api='ops')

    @api.model
    def _pull_records(self, organisation, payments, run):
        """One batch of a page: one outcome per payment, each registered, followed or held in a
        savepoint of its own."""
        return self.env['xero.pull.engine']._each(organisation, 'payments', payments,
                                                  lambda payment: self._pull_one(organisation, payment))

    @api.model
    def _pull_hold(self, organisation, payment, reason):
        self.env['xero.review']._hold(
            organisation, 'payment', payment['xero_id'],
            _('Payment of %(amount)s in Xero (%(reference)s)', amount=payment['amount'],
              reference=payment['reference'] or payment['xero_id']),
            _('This payment made in Xero is not registered in Odoo. %s', reason), _jsonable(payment))

    @api.model
    def _pull_one(self, organisation, payment):
        Link = self.env['xero.payment.link'].sudo()
        link = Link.search([('organisation_id', '=', organisation.id), ('xero_id', '=', payment['xero_id'])])
        if link:
            return self._follow(organisation, link, payment)
        if payment['status'] != 'AUTHORISED':
            return None
        prefix = self.env['xero.partner.link']._contact_number_prefix()
        if (payment['reference'] or '').startswith(prefix):
            return None  # Odoo's own, whose answer was lost: the push's look-up binds it
        doc_link = self.env['xero.move.link'].sudo().search([
            ('organisation_id', '=', organisation.id),
            ('xero_id', 'in', [i for i in (payment['invoice_id'], payment['credit_note_id']) if i])], limit=1)
        if not doc_link or doc_link.move_id.state != 'posted':
            return None
        mapping = organisation.journal_mapping_ids.filtered(
            lambda m: m.xero_account_id.xero_id == payment['account_id'])[:1]
        if not mapping:
            self.env['xero.review']._hold(
                organisation, 'document', payment['xero_id'], _('Payment on %s', doc_link.move_id.name),
                _('Xero account %s takes payments but no Odoo journal maps to it: map one in Xero > '
                  'Mapping > Payment accounts.', payment['account_code'] or payment['account_id']),
                {'kind': 'payments', 'invoice_id': payment['invoice_id']})
            return 'held'
        self._register_payment(organisation, doc_link, payment, mapping.journal_id)
        return 'created'

    @api.model
    def _register_payment(self, organisation, doc_link, payment, journal):
        move = doc_link.move_id
        if float_is_zero(move.amount_residual, precision_rounding=move.currency_id.rounding):
            return None
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=move.ids, xero_pulled=True).create({
                'journal_id': journal.id,
                'amount': payment['amount'],
                'currency_id': move.currency_id.id,
                'payment_date': payment['date'],
                'communication': _('Xero payment %s', payment['reference'] or payment['xero_id']),
                'payment_difference_handling': 'open',
            })
        odoo_payment = wizard._create_payments()
        partial = (odoo_payment.move_id.line_ids.matched_debit_ids
                   | odoo_payment.move_id.line_ids.matched_credit_ids)[:1]
        self.env['xero.payment.link'].sudo().create({
            'organisation_id': organisation.id, 'kind': 'payments', 'partial_id': partial.id,
            'payment_id': odoo_payment.id, 'move_id': move.id, 'amount': payment['amount'],
            'currency_id': move.currency_id.id, 'date': payment['date'], 'from_xero': True,
            'xero_id': payment['xero_id'], 'xero_status': payment['status'],
            'xero_updated_date': payment['updated'], 'sync_state': 'synced',
            'last_sync_date': fields.Datetime.now(),
        })
        move.message_post(body=_('Payment of %(amount)s made in Xero (%(org)s), registered in %(journal)s.',
                                 amount=payment['amount'], org=organisation.name, journal=journal.name))
        return odoo_payment

    @api.model
    def _follow(self, organisation, link, payment):
        if payment['status'] != 'DELETED' or link.xero_status == 'DELETED':
            if link.xero_updated_date != payment['updated']:
                link.write({'xero_status': payment['status'], 'xero_updated_date': payment['updated']})
                return 'updated'
            return None
        link.write({'xero_status': 'DELETED', 'xero_updated_date': payment['updated']})
        move = link.move_id
        odoo_payment = link.payment_id
        if link.from_xero and odoo_payment and not odoo_payment.is_matched:
            # Reverse what Xero's payment made in Odoo; nothing to send back.
            odoo_payment.with_context(xero_pulled=True).action_draft()
            odoo_payment.with_context(xero_pulled=True).action_cancel()
            move.message_post(body=_('A payment of %(amount)s was deleted in Xero (%(org)s): its Odoo payment '
                                     'is cancelled.', amount=link.amount, org=organisation.name))
            return 'updated'
        reason = (_('The payment was deleted in Xero, but its Odoo payment has since been matched with a bank '
                    'statement: check it and undo it by hand.') if link.from_xero else
                  _('A payment Odoo sent was deleted in Xero; it is still registered in Odoo.'))
        self.env['xero.review']._hold(organisation, 'document', payment['xero_id'],
                                      _('Payment on %s', move.name), reason, {'kind': 'payments'})
        move.message_post(body=reason)
        return 'held'
