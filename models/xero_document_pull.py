import logging

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..xero_mappers.keys import payload_hash

_logger = logging.getLogger(__name__)

ODOO_TYPES = {
    'ACCREC': 'out_invoice', 'ACCPAY': 'in_invoice',
    'ACCRECCREDIT': 'out_refund', 'ACCPAYCREDIT': 'in_refund',
}
# Nothing to bring in: gone in Xero.
SKIPPED_STATUSES = ('DELETED', 'VOIDED')


class NeedsMapping(Exception):
    """A Xero document refers to a tax type or account that has no mapping."""


class XeroDocumentPull(models.AbstractModel):
    """Invoices, bills and credit notes from Xero: the status of Odoo's own (always), and those
    made in Xero, into Odoo (per organisation, optional).

    Documents Odoo pushed are known by their link and never come back; one voided or deleted in
    Xero is cancelled in Odoo or put on the review list, as the organisation chose
    (``gone_policy``), never left open without a word. A document is matched
    to its contact's link first; taxes and accounts go through the mappings in reverse, and a
    document that needs a mapping is held for review with what to map. Nothing is guessed.
    """
    _name = 'xero.document.pull'
    _description = 'Xero document pull'

    # --- a kind of the pull engine ------------------------------------------------------------

    @api.model
    def _pull(self, organisation, page_size=None):
        return self.env['xero.pull.engine']._pull(organisation, 'documents', page_size=page_size)

    @api.model
    def _pull_fetch(self, organisation, stream, since, page, page_size):
        return organisation._xero().pull_documents(stream, since, page, page_size)

    @api.model
    def _pull_records(self, organisation, documents, run):
        return self.env['xero.pull.engine']._each(organisation, 'documents', documents,
                                                  lambda document: self._pull_one(organisation, document))

    @api.model
    def _pull_hold(self, organisation, document, reason):
        self.env['xero.review']._hold(organisation, 'document', document['xero_id'], _document_name(document),
                                      reason, _jsonable(document))

    @api.model
    def _pull_one(self, organisation, document):
        link = self.env['xero.move.link'].sudo().search([('organisation_id', '=', organisation.id),
                                                         ('xero_id', '=', document['xero_id'])])
        if link:
            # Odoo's own document (pushed, or imported before): its status follows, no copy.
            return self._mirror_status(link, document)
        if document['status'] in SKIPPED_STATUSES or not organisation.import_documents:
            return None
        try:
            move = self._create_move(organisation, document)
        except NeedsMapping as e:
            self._pull_hold(organisation, document, str(e))
            return 'held'
        return 'created' if move else None

    @api.model
    def _mirror_status(self, link, document):
        gone = document['status'] in SKIPPED_STATUSES and link.move_id.state != 'cancel'
        if link.xero_status == document['status'] and link.xero_updated_date == document['updated']:
            # Read again (the watermark's second, or Retry on the review list): a document still
            # open in Odoo and on the review list is decided again (the choice may have changed).
            if gone and self._gone_review(link).state == 'open':
                return self._gone(link, document)
            return None
        changed = link.xero_status != document['status']
        link.write({'xero_status': document['status'], 'xero_updated_date': document['updated'],
                    'xero_amount_due': document['amount_due'] or 0.0})
        if changed and gone:
            return self._gone(link, document)
        if changed and document['status'] in ('PAID', 'VOIDED', 'DELETED'):
            link.move_id.message_post(body=_('%(status)s in Xero (%(org)s).', status=document['status'],
                                             org=link.organisation_id.name))
        return 'updated'

    # --- voided or deleted in Xero ------------------------------------------------------------

    @api.model
    def _gone_review(self, link):
        return self.env['xero.review'].sudo().search([
            ('organisation_id', '=', link.organisation_id.id), ('kind', '=', 'document'),
            ('xero_id', '=', link.xero_id)], limit=1)

    @api.model
    def _gone(self, link, document):
        """An Odoo document voided or deleted in Xero: cancelled in Odoo, or put on the review
        list with both states, as the organisation chose; never left open without a word."""
        organisation, move = link.organisation_id, link.move_id
        status = document['status']
        if organisation.gone_policy == 'cancel':
            try:
                with self.env.cr.savepoint():
                    unreconciled = self._cancel_gone(move)
            except UserError as error:
                return self._hold_gone(link, document, _(
                    '%(doc)s is %(status)s in Xero (%(org)s) but %(state)s in Odoo, and Odoo could not cancel '
                    'it: %(error)s', doc=move.display_name, status=status, org=organisation.name,
                    state=self._odoo_state(move), error=error.args[0] if error.args else error))
            review = self._gone_review(link)
            if review.state == 'open':
                review.write({'state': 'done'})
            move.message_post(body=_(
                '%(status)s in Xero (%(org)s): cancelled in Odoo as well, nothing sent back to Xero.%(more)s',
                status=status, org=organisation.name,
                more=(' ' + _('Its payments are unreconciled from it: %s.', unreconciled)) if unreconciled else ''))
            return 'updated'
        return self._hold_gone(link, document, _(
            '%(doc)s is %(status)s in Xero (%(org)s) but %(state)s in Odoo%(paid)s. Cancel it in Odoo if Xero '
            'is right (nothing is sent back), or ask whoever voided it in Xero.',
            doc=move.display_name, status=status, org=organisation.name, state=self._odoo_state(move),
            paid=(' ' + _('with %s paid', move.currency_id.format(move.amount_total - move.amount_residual))
                  if move.currency_id.compare_amounts(move.amount_total, move.amount_residual) else '')))

    @api.model
    def _cancel_gone(self, move):
        """Odoo's own Cancel (back to draft, unreconcile, cancel), with nothing sent to Xero:
        the document is void there already. Returns the names of what was unreconciled."""
        move = move.with_context(xero_pulled=True)
        paid_by = (move._get_reconciled_payments().move_id | move._get_reconciled_statement_lines().move_id
                   | move._get_reconciled_invoices()).mapped('name')
        move.button_cancel()
        return ', '.join(paid_by)

    @api.model
    def _hold_gone(self, link, document, reason):
        review = self._gone_review(link)
        if review.state != 'open' or review.reason != reason:
            link.move_id.message_post(body=reason)
        self.env['xero.review']._hold(link.organisation_id, 'document', link.xero_id, _document_name(document),
                                      reason, _jsonable(document))
        return 'held'

    @api.model
    def _odoo_state(self, move):
        states = dict(move._fields['state']._description_selection(self.env))
        return states.get(move.state, move.state).lower()

    @api.model
    def _create_move(self, organisation, document):
        contact = self.env['xero.partner.link'].sudo().search([('organisation_id', '=', organisation.id),
                                                               ('xero_id', '=', document['contact_id'])])
        if not contact:
            raise NeedsMapping(_('Its contact %s is not in Odoo: pull contacts (or include its contact '
                                 'group), then try again.', document['contact_name'] or document['contact_id']))
        move_type = ODOO_TYPES[document['type']]
        sale = move_type in ('out_invoice', 'out_refund')
        currency = self.env['res.currency'].with_context(active_test=False).search(
            [('name', '=', document['currency'])], limit=1)
        if not currency.active:
            raise NeedsMapping(_('Currency %s is not active in Odoo.', document['currency']))
        inclusive = document['line_amount_types'] == 'Inclusive'
        lines = []
        for line in document['lines']:
            if not line['account_code'] and not line['quantity'] and not line['unit_amount']:
                lines.append(Command.create({'display_type': 'line_note', 'name': line['description'] or '-'}))
                continue
            lines.append(Command.create({
                'name': line['description'] or '/',
                'quantity': line['quantity'] or 1.0,
                'price_unit': line['unit_amount'] or 0.0,
                'discount': line['discount_rate'] or 0.0,
                'account_id': self._account(organisation, line['account_code']).id,
                'tax_ids': [Command.set(self._tax(organisation, line['tax_type'], sale, inclusive).ids)],
            }))
        move = self.env['account.move'].with_company(organisation.company_id).with_context(xero_pulled=True).create({
            'move_type': move_type,
            'company_id': organisation.company_id.id,
            'partner_id': contact.partner_id.id,
            'invoice_date': document['date'],
            'invoice_date_due': document['due_date'] or document['date'],
            'ref': document['number'] if not sale else (document['reference'] or document['number']),
            'currency_id': currency.id,
            'invoice_line_ids': lines,
        })
        link = self.env['xero.move.link'].sudo().create({
            'organisation_id': organisation.id, 'move_id': move.id, 'xero_id': document['xero_id'],
            'xero_number': document['number'], 'xero_status': document['status'],
            'xero_updated_date': document['updated'], 'xero_total': document['total'] or 0.0,
            'xero_amount_due': document['amount_due'] or 0.0, 'from_xero': True,
            'sync_state': 'synced', 'last_sync_date': fields.Datetime.now(),
        })
        if organisation.import_documents_post:
            move.with_context(xero_pulled=True).action_post()
            prepared = link._xero_payloads()
            link.pushed_hash = prepared and payload_hash(prepared[0][1])
            link.sync_state = 'synced'
        if float_compare(move.amount_total, document['total'] or 0.0, precision_rounding=move.currency_id.rounding):
            link.total_mismatch = _('Xero total %(xero)s, Odoo total %(odoo)s',
                                    xero=document['total'], odoo=move.amount_total)
        move.message_post(body=_('Imported from Xero (%(org)s): %(number)s, %(status)s.',
                                 org=organisation.name, number=document['number'], status=document['status']))
        return move

    @api.model
    def _account(self, organisation, code):
        mapping = organisation.account_mapping_ids.filtered(lambda m: m.xero_account_id.code == code)[:1]
        if not mapping:
            raise NeedsMapping(_('Xero account %s has no Odoo account: map it in Xero > Configuration > '
                                 'Account Mappings, then try again.', code))
        return mapping.account_id

    @api.model
    def _tax(self, organisation, tax_type, sale, inclusive):
        use = 'sale' if sale else 'purchase'
        mappings = organisation.tax_mapping_ids.filtered(
            lambda m: m.state == 'confirmed' and m.xero_tax_type == tax_type and m.tax_id.type_tax_use == use)
        if not mappings:
            if organisation.xero_default_tax_rate_id.tax_type == tax_type:
                return self.env['account.tax']  # Odoo's untaxed lines go to Xero as this one
            raise NeedsMapping(_('Xero tax type %(tax_type)s has no Odoo %(use)s tax: map it in Xero > '
                                 'Configuration > Tax Mappings, then try again.', tax_type=tax_type, use=use))
        fitting = mappings.filtered(lambda m: bool(m.tax_id.price_include) == inclusive)
        if not fitting:
            raise NeedsMapping(_('Xero tax type %(type)s is mapped, but not to a tax %(how)s the price.',
                                 type=tax_type, how=_('included in') if inclusive else _('excluded from')))
        return fitting[0].tax_id


def _document_name(document):
    return f"{document['type']} {document['number'] or ''}".strip()


def _jsonable(document):
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.isoformat() if hasattr(value, 'isoformat') else value
    return plain(document)
