import logging

from odoo import api, fields, models
from odoo.tools import float_compare

from ..xero_client import XeroError
from ..xero_client.governor import Wait
from ..xero_client.operations import MAX_IDS_PER_GET

_logger = logging.getLogger(__name__)

# Payments registered between two commits: at most about 30 ms each, so a commit every few
# seconds, and a run that stops when the cron's time is up stops within seconds of it.
COMMIT_EVERY = 200


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
        organisations = self.env['xero.organisation'].search([('state', '=', 'connected')])
        cron = self.env['ir.cron']
        cron._commit_progress(remaining=len(organisations))
        for organisation in organisations:
            States = self.env['xero.pull.state']
            try:
                if States._due(organisation, 'documents'):
                    self.env['xero.document.pull']._pull(organisation)
                if States._due(organisation, 'payments'):
                    counts = self._pull(organisation)
                    if counts and counts['more']:
                        # A backlog larger than one run: the next run goes on at once.
                        self.env.ref('xero_integration.ir_cron_xero_poll').sudo()._trigger()
                self.env['xero.webhook.event'].sudo()._mark_processed(organisation)
            except Wait as wait:
                self.env.ref('xero_integration.ir_cron_xero_poll').sudo()._trigger(at=wait.until)
            except XeroError as e:
                _logger.warning('Xero organisation %s: poll stopped (%s)', organisation.id, e.message)
            if not cron._commit_progress(1):
                break

    @api.model
    def _cron_reconcile(self):
        """Nightly: Xero does not bump UpdatedDateUTC for every change, so compare the status and
        amount due of open synced documents, 50 at a time, and fetch the payments of those that
        differ."""
        organisations = self.env['xero.organisation'].search([('state', '=', 'connected')])
        for organisation in organisations:
            try:
                self._reconcile(organisation)
            except (Wait, XeroError) as e:
                _logger.warning('Xero organisation %s: reconciliation pass stopped (%s)', organisation.id, e)
            self.env['xero.sync.engine']._commit(0)

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
                for document in documents:
                    DocumentPull._pull_one(organisation, document)
                    link = chunk.filtered(lambda l: l.xero_id == document['xero_id'])
                    if link and float_compare(document['amount_due'] or 0.0, link.move_id.amount_residual,
                                              precision_rounding=link.move_id.currency_id.rounding):
                        self._pull_payments_of(organisation, kind, document['xero_id'])

    @api.model
    def _pull_payments_of(self, organisation, kind, xero_id):
        field = 'Invoice.InvoiceID' if kind == 'invoices' else 'CreditNote.CreditNoteID'
        payments, _more = organisation._call('pull_payments', where=f'{field}==Guid("{xero_id}")', api='ops')
        self._pull_page(organisation, payments)

    # --- the poll -----------------------------------------------------------------------------

    @api.model
    def _pull(self, organisation, page_size=None):
        """Pull the payments changed since the watermark; return the counts, with ``more`` set
        when the cron's time ran out before the last page (the next run goes on from there)."""
        organisation = organisation.sudo()
        state = self.env['xero.pull.state']._for(organisation, 'payments')
        if not state.try_lock_for_update():
            return None
        counts = dict.fromkeys(('created', 'matched', 'updated', 'held', 'calls'), 0)
        counts['more'] = False
        # One `since` for every page of the run: moving it between pages would shift the pages
        # under the page number and skip payments. What is committed moves the watermark, which
        # only the next run reads: Xero's If-Modified-Since is inclusive, so that run reads again
        # at most the payments of the watermark's second (already linked, so only followed).
        since = watermark = state.watermark
        page = 1
        while True:
            args = (since, page) + ((page_size,) if page_size else ())
            payments, more = organisation._call('pull_payments', *args, api='ops')
            counts['calls'] += 1
            for start in range(0, len(payments), COMMIT_EVERY):
                chunk = payments[start:start + COMMIT_EVERY]
                for outcome, count in self._pull_page(organisation, chunk).items():
                    counts[outcome] += count
                updated = max((p['updated'] for p in chunk if p['updated']), default=None)
                if updated and (not watermark or updated > watermark):
                    watermark = state.watermark = updated
                if not self.env['xero.sync.engine']._commit(0) and (more or start + COMMIT_EVERY < len(payments)):
                    counts['more'] = True
                    break
            if counts['more'] or not more:
                break
            page += 1
        state.write({'last_pull_date': fields.Datetime.now(), 'last_created': counts['created'],
                     'last_updated': counts['updated'], 'last_held': counts['held'],
                     'last_calls': counts['calls'], 'requested': counts['more']})
        return counts

    @api.model
    def _pull_page(self, organisation, payments):
        """Register a page of payments in one batch; return {outcome: count}."""
        counts = dict.fromkeys(('created', 'updated', 'held'), 0)
        for outcome in self.env['xero.payment.register']._register_batch(organisation, payments).values():
            if outcome:
                counts[outcome if outcome in counts else 'held'] += 1  # an error text: held for review
        return counts

    @api.model
    def _pull_one(self, organisation, payment):
        outcome = self.env['xero.payment.register']._register_batch(organisation, [payment]).get(payment['xero_id'])
        return outcome if outcome in (None, 'created', 'updated', 'held') else 'held'
