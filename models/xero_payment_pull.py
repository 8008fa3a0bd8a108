from odoo import _, api, fields, models
from odoo.tools import float_compare

from ..xero_client import MAX_IDS_PER_GET, guid
from .xero_document_pull import _jsonable


class XeroPaymentPull(models.AbstractModel):
    """Payments and document statuses from Xero into Odoo.

    Polled every 15 minutes by default, and at once when a webhook event arrives (Xero sends no
    payment events: an INVOICE update is the sign). Payments are read from /Payments, which
    carries IsReconciled; Xero's PaymentID is the link, never an invented one. A payment made in
    Xero on a synced document is registered and reconciled in Odoo, in the journal mapped to
    its Xero account, at Xero's rate (or held for review where the organisation's payments go
    from Odoo to Xero only); one deleted in Xero reverses the Odoo payment it created. Payments Odoo
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
            ('documents', 'payments', 'credits'), 'xero_integration.ir_cron_xero_poll',
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
                documents, _more = organisation._xero().pull_documents(kind, ids=chunk.mapped('xero_id'))
                DocumentPull._pull_records(organisation, documents, {})
                for document in documents:
                    link = chunk.filtered(lambda l: l.xero_id == document['xero_id'])
                    if link and float_compare(document['amount_due'] or 0.0, link.move_id.amount_residual,
                                              precision_rounding=link.move_id.currency_id.rounding):
                        self._pull_payments_of(organisation, kind, document['xero_id'])

    @api.model
    def _pull_payments_of(self, organisation, kind, xero_id):
        field = 'Invoice.InvoiceID' if kind == 'invoices' else 'CreditNote.CreditNoteID'
        payments, _more = organisation._xero().pull_payments(where=guid(field, xero_id))
        self._pull_records(organisation, payments, {})

    # --- the poll: a kind of the pull engine --------------------------------------------------

    @api.model
    def _pull(self, organisation, page_size=None):
        return self.env['xero.pull.engine']._pull(organisation, 'payments', page_size=page_size)

    @api.model
    def _pull_fetch(self, organisation, stream, since, page, page_size):
        return organisation._xero().pull_payments(since, page, page_size)

    @api.model
    def _pull_records(self, organisation, payments, run):
        """One batch of a page, registered together (``xero.payment.register``): a payment Odoo
        refuses is held for review in a savepoint of its own, and the rest go on."""
        outcomes = self.env['xero.payment.register']._register_batch(organisation, payments)
        return [self._outcome(outcomes.get(payment['xero_id'])) for payment in payments]

    @staticmethod
    def _outcome(outcome):
        """The engine's outcome: an error's text means the payment was held for review."""
        return outcome if outcome in (None, 'created', 'updated', 'held') else 'held'

    @api.model
    def _pull_hold(self, organisation, payment, reason):
        self.env['xero.review']._hold(
            organisation, 'payment', payment['xero_id'],
            _('Payment of %(amount)s in Xero (%(reference)s)', amount=payment['amount'],
              reference=payment['reference'] or payment['xero_id']),
            _('This payment made in Xero is not registered in Odoo. %s', reason), _jsonable(payment))

    @api.model
    def _pull_one(self, organisation, payment):
        outcome = self.env['xero.payment.register']._register_batch(organisation, [payment]).get(payment['xero_id'])
        return self._outcome(outcome)
