"""The difference report: per organisation, every synced record whose two sides disagree.

``_compare(organisation)`` reads Xero's books in pages of 1,000 (documents, payments, contacts
with their balances, bank transactions) and Odoo's links, and keeps one row per difference:
new ones open, the same ones refreshed, those not found again resolved. Nothing is read per
record: about one call per 1,000 records read.
"""
import logging
from urllib.parse import quote

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from ..xero_client import guid

_logger = logging.getLogger(__name__)

PAGE_SIZE = 1000
GONE = ('VOIDED', 'DELETED')
KINDS = [('document', 'Document'), ('payment', 'Payment'), ('contact', 'Contact balance'),
         ('bank', 'Bank feed line')]
FIXES = [('sync', 'Sync now'), ('pull', 'Pull'), ('open_odoo', 'Open in Odoo'), ('open_xero', 'Open in Xero')]
KEY = ('kind', 'res_model', 'res_id', 'xero_id', 'field_label')
DEEP_LINK = 'https://go.xero.com/organisationlogin/default.aspx?shortcode={code}&redirecturl={url}'
XERO_PATHS = {
    'document': '/AccountsReceivable/View.aspx?InvoiceID={id}',
    'payment': '/Bank/ViewTransaction.aspx?paymentID={id}',
    'contact': '/Contacts/View/{id}',
    'bank': '/Bank/ViewTransaction.aspx?bankTransactionID={id}',
}


class XeroDifference(models.Model):
    _name = 'xero.difference'
    _description = 'Difference between Odoo and Xero'
    _order = 'state, kind, name, id'

    organisation_id = fields.Many2one('xero.organisation', required=True, index=True, ondelete='cascade',
                                      readonly=True)
    company_id = fields.Many2one(related='organisation_id.company_id', store=True, index=True)
    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    name = fields.Char(string='Record', readonly=True)
    res_model = fields.Char(string='Odoo model', readonly=True)
    res_id = fields.Integer(string='Odoo record', readonly=True, default=0)
    xero_id = fields.Char(string='Xero ID', readonly=True, index=True)
    field_label = fields.Char(string='Difference', readonly=True)
    odoo_value = fields.Char(string='In Odoo', readonly=True)
    xero_value = fields.Char(string='In Xero', readonly=True)
    reason = fields.Char(string='Why', readonly=True)
    fix = fields.Selection(FIXES, readonly=True)
    state = fields.Selection([('open', 'Open'), ('resolved', 'Resolved')], default='open', required=True,
                             readonly=True, index=True)
    first_seen = fields.Datetime(string='First seen', readonly=True)
    last_seen = fields.Datetime(string='Last seen', readonly=True)
    resolved_date = fields.Datetime(string='Resolved on', readonly=True)

    # --- the comparison ---------------------------------------------------------------------

    @api.model
    def _compare(self, organisation):
        """One comparison of ``organisation``: the rows kept in step; returns the counts
        ``{'records', 'calls', 'differences'}``."""
        organisation = organisation.sudo()
        stats = {'records': 0, 'calls': 0}
        # Read everything first: a failing read leaves the rows as they were.
        books = {
            'documents': self._read_documents(organisation, stats),
            'payments': self._read_pages(organisation, stats, 'pull_payments'),
            'contacts': self._read_pages(organisation, stats, 'compare_contacts'),
            'bank': self._read_pages(organisation, stats, 'compare_bank_transactions'),
        }
        rows = self._compare_payments(organisation, books)
        explained_moves = {row.pop('_move_id') for row in rows if row.get('_move_id')}
        rows += self._compare_documents(organisation, books, explained_moves)
        rows += self._compare_bank(organisation, books)
        explained_partners = {row.pop('_partner_id') for row in rows if row.get('_partner_id')}
        rows += self._compare_contacts(organisation, books, explained_partners)
        for row in rows:
            row.pop('_move_id', None)
            row.pop('_partner_id', None)
        self._store(organisation, rows)
        return {'records': stats['records'], 'calls': stats['calls'], 'differences': len(rows)}

    @api.model
    def _read_pages(self, organisation, stats, operation, *args):
        """Every page of a typed read, 1,000 at a time."""
        records, page = [], 1
        while True:
            found, more = getattr(organisation._xero(), operation)(*args, page=page, page_size=PAGE_SIZE)
            stats['calls'] += 1
            stats['records'] += len(found)
            records += found
            if not more:
                return records
            page += 1

    @api.model
    def _read_documents(self, organisation, stats):
        return {document['xero_id'].lower(): document
                for kind in ('invoices', 'credit_notes')
                for document in self._read_pages(organisation, stats, 'pull_documents', kind)
                if document['xero_id']}

    @api.model
    def _store(self, organisation, rows):
        now = fields.Datetime.now()
        existing = self.sudo().search([('organisation_id', '=', organisation.id)])
        by_key = {tuple(row[k] or False for k in KEY): row for row in existing}
        found = self.browse()
        to_create = []
        for values in rows:
            values = {**values, 'res_id': values.get('res_id') or 0}
            key = tuple(values.get(k) or False for k in KEY)
            key = key[:2] + (values['res_id'],) + key[3:]
            row = by_key.get(key)
            if row:
                row.write({**values, 'state': 'open', 'last_seen': now, 'resolved_date': False,
                           **({} if row.state == 'open' else {'first_seen': now})})
                found |= row
            else:
                to_create.append({**values, 'organisation_id': organisation.id, 'state': 'open',
                                  'first_seen': now, 'last_seen': now})
        (existing.filtered(lambda r: r.state == 'open') - found).write({'state': 'resolved', 'resolved_date': now})
        self.sudo().create(to_create)

    # --- documents ---------------------------------------------------------------------------

    @api.model
    def _document_reason(self, organisation, link):
        review = self.env['xero.review'].sudo().search([
            ('organisation_id', '=', organisation.id), ('xero_id', '=', link.xero_id), ('state', '=', 'open'),
            ('xero_id', '!=', False)], limit=1) if link.xero_id else None
        if review:
            return self.env._('Held for review: %s', review.reason or '')[:250]
        if link.last_error:
            return link.last_error[:250]
        lock = organisation.xero_period_lock_date
        date = link.move_id.invoice_date or link.move_id.date
        if lock and date and date <= lock:
            return self.env._("On or before Xero's lock date (%s).", fields.Date.to_string(lock))
        if not organisation.auto_sync_invoices:
            return self.env._('Auto-sync of invoices is off for this organisation.')
        return False

    @api.model
    def _compare_documents(self, organisation, books, explained_moves):
        documents = books['documents']
        rows = []
        links = self.env['xero.move.link'].sudo().search([('organisation_id', '=', organisation.id)])
        known = {link.xero_id.lower() for link in links if link.xero_id}
        known |= {link.xero_id.lower() for link in self.env['xero.statement.line.link'].sudo().search(
            [('organisation_id', '=', organisation.id), ('xero_id', '!=', False)])}
        contacts = {link.partner_id.id: link.xero_id for link in self.env['xero.partner.link'].sudo().search(
            [('organisation_id', '=', organisation.id), ('xero_id', '!=', False)])}
        for link in links:
            move = link.move_id
            base = {'kind': 'document', 'name': move.name or move.display_name, 'res_model': 'account.move',
                    'res_id': move.id, 'xero_id': link.xero_id or False, '_partner_id': move.commercial_partner_id.id}
            document = documents.get((link.xero_id or '').lower())
            if not document:
                if move.state != 'posted' or link.withdrawn:
                    continue
                rows.append(dict(base, field_label=self.env._('Only in Odoo'),
                                 odoo_value=move.currency_id.format(move.amount_total),
                                 xero_value=self.env._('Missing') if link.xero_id else self.env._('Not sent'),
                                 reason=self._document_reason(organisation, link) or (
                                     self.env._('Waiting to be sent.') if link.sync_state == 'pending' else False),
                                 fix='sync'))
                continue
            rows += self._document_fields(organisation, link, document, base, move.id in explained_moves, contacts)
        for xero_id, document in documents.items():
            if xero_id in known or document['status'] in GONE + ('DRAFT',):
                continue
            review = self.env['xero.review'].sudo().search([
                ('organisation_id', '=', organisation.id), ('xero_id', '=', document['xero_id']),
                ('state', '=', 'open')], limit=1)
            rows.append({'kind': 'document', 'name': document['number'] or document['xero_id'],
                         'res_model': False, 'res_id': 0, 'xero_id': document['xero_id'],
                         'field_label': self.env._('Only in Xero'), 'odoo_value': self.env._('Missing'),
                         'xero_value': '%s %s' % (document['total'], document['currency'] or ''),
                         'reason': (self.env._('Held for review: %s', review.reason or '')[:250] if review else
                                    False if organisation.import_documents else
                                    self.env._('Import of documents made in Xero is off.')),
                         'fix': 'pull'})
        return rows

    @api.model
    def _document_fields(self, organisation, link, document, base, payment_explained, contacts):
        move = link.move_id
        currency = move.currency_id
        xero_gone = document['status'] in GONE
        if move.state == 'cancel' or xero_gone:
            if (move.state == 'cancel') == xero_gone:
                return []
            states = dict(move._fields['state']._description_selection(self.env))
            return [dict(base, field_label=self.env._('Status'), odoo_value=states.get(move.state),
                         xero_value=document['status'], reason=self._document_reason(organisation, link),
                         fix='pull' if xero_gone else 'sync')]
        rows = []

        def differ(label, odoo, xero, fix='sync'):
            # Why, read only for a record that differs (no query per record compared).
            rows.append(dict(base, field_label=label, odoo_value=odoo, xero_value=xero,
                             reason=self._document_reason(organisation, link), fix=fix))

        total = float(document['total'] or 0.0)
        if float_compare(move.amount_total, total, precision_rounding=currency.rounding):
            differ(self.env._('Total'), currency.format(move.amount_total), currency.format(total))
        elif not payment_explained and float_compare(move.amount_residual, float(document['amount_due'] or 0.0),
                                                     precision_rounding=currency.rounding):
            differ(self.env._('Amount due'), currency.format(move.amount_residual),
                   currency.format(float(document['amount_due'] or 0.0)), fix='pull')
        date = move.invoice_date
        xero_date = fields.Date.to_date(document['date']) if document['date'] else False
        if date and xero_date and date != xero_date:
            differ(self.env._('Date'), fields.Date.to_string(date), fields.Date.to_string(xero_date))
        if document['currency'] and document['currency'] != currency.name:
            differ(self.env._('Currency'), currency.name, document['currency'])
        contact_id = contacts.get(move.commercial_partner_id.id)
        if contact_id and document['contact_id'] and contact_id.lower() != document['contact_id'].lower():
            differ(self.env._('Contact'), move.commercial_partner_id.display_name, document['contact_name'] or '')
        if link.xero_number and document['number'] and link.xero_number != document['number']:
            differ(self.env._('Number'), link.xero_number, document['number'], fix='open_xero')
        return rows

    # --- payments ----------------------------------------------------------------------------

    @api.model
    def _compare_payments(self, organisation, books):
        payments = {p['xero_id'].lower(): p for p in books['payments'] if p['xero_id']}
        rows = []
        links = self.env['xero.payment.link'].sudo().search([('organisation_id', '=', organisation.id)])
        linked = set()
        for link in links:
            if link.to_delete:
                continue
            move = link.move_id
            name = (link.payment_id or link.statement_line_id).display_name or move.display_name or ''
            base = {'kind': 'payment', 'name': name, 'res_model': 'xero.payment.link', 'res_id': link.id,
                    'xero_id': link.xero_id or False, '_move_id': move.id,
                    '_partner_id': move.commercial_partner_id.id}
            currency = link.currency_id or move.currency_id
            amount = currency.format(link.amount) if currency else str(link.amount)
            if not link.xero_id:
                if link.sync_state in ('error', 'skipped'):
                    rows.append(dict(base, field_label=self.env._('Only in Odoo'), odoo_value=amount,
                                     xero_value=self.env._('Not sent'), reason=(link.last_error or '')[:250],
                                     fix='sync'))
                continue
            linked.add(link.xero_id.lower())
            payment = payments.get(link.xero_id.lower())
            if not payment or payment['status'] == 'DELETED':
                rows.append(dict(base, field_label=self.env._('Only in Odoo'), odoo_value=amount,
                                 xero_value=self.env._('Deleted') if payment else self.env._('Missing'),
                                 reason=self.env._('Deleted in Xero; Odoo still holds it: Sync now sends it again.'),
                                 fix='sync'))
                continue
            xero_amount = float(payment['amount'] or 0.0)
            if currency and float_compare(link.amount, xero_amount, precision_rounding=currency.rounding):
                rows.append(dict(base, field_label=self.env._('Amount'), odoo_value=amount,
                                 xero_value=currency.format(xero_amount), reason=False, fix='open_xero'))
            xero_date = fields.Date.to_date(payment['date']) if payment['date'] else False
            if link.date and xero_date and link.date != xero_date:
                rows.append(dict(base, field_label=self.env._('Date'), odoo_value=fields.Date.to_string(link.date),
                                 xero_value=fields.Date.to_string(xero_date), reason=False, fix='open_xero'))
        moves = {link.xero_id.lower(): link.move_id for link in self.env['xero.move.link'].sudo().search(
            [('organisation_id', '=', organisation.id), ('xero_id', '!=', False)])}
        for xero_id, payment in payments.items():
            document_id = (payment['invoice_id'] or payment['credit_note_id'] or '').lower()
            if xero_id in linked or payment['status'] == 'DELETED' or document_id not in moves:
                continue
            move = moves[document_id]
            rows.append({'kind': 'payment', 'name': payment['reference'] or move.display_name,
                         'res_model': False, 'res_id': 0, 'xero_id': payment['xero_id'],
                         'field_label': self.env._('Only in Xero'), 'odoo_value': self.env._('Missing'),
                         'xero_value': move.currency_id.format(float(payment['amount'] or 0.0)),
                         'reason': False if organisation.auto_sync_payments else
                         self.env._('Auto-sync of payments is off for this organisation.'),
                         'fix': 'pull', '_move_id': move.id, '_partner_id': move.commercial_partner_id.id})
        return rows

    # --- contacts ----------------------------------------------------------------------------

    @api.model
    def _compare_contacts(self, organisation, books, explained_partners):
        contacts = {c['xero_id'].lower(): c for c in books['contacts'] if c['xero_id']}
        outstanding = {}
        for link in self.env['xero.move.link'].sudo().search([('organisation_id', '=', organisation.id),
                                                              ('xero_id', '!=', False)]):
            move = link.move_id
            if move.state != 'posted':
                continue
            sign = -1 if move.move_type in ('out_refund', 'in_refund') else 1
            side = 0 if move.move_type in ('out_invoice', 'out_refund') else 1
            entry = outstanding.setdefault(move.commercial_partner_id.id, [0.0, 0.0])
            entry[side] += sign * move.amount_residual
        rows = []
        currency = organisation.company_id.currency_id
        partner_links = self.env['xero.partner.link'].sudo().search([('organisation_id', '=', organisation.id),
                                                                     ('xero_id', '!=', False)])
        for link in partner_links:
            contact = contacts.get(link.xero_id.lower())
            partner = link.partner_id
            if not contact or partner.id in explained_partners:
                continue
            odoo = outstanding.get(partner.id, [0.0, 0.0])
            for index, label, xero in ((0, self.env._('Receivable'), contact['receivable']),
                                       (1, self.env._('Payable'), contact['payable'])):
                if float_is_zero(odoo[index] - xero, precision_rounding=currency.rounding):
                    continue
                rows.append({'kind': 'contact', 'name': partner.display_name, 'res_model': 'res.partner',
                             'res_id': partner.id, 'xero_id': link.xero_id, 'field_label': label,
                             'odoo_value': currency.format(odoo[index]), 'xero_value': currency.format(xero),
                             'reason': self.env._('No document or payment of this contact differs: the '
                                                  'difference was made in Xero (a conversion balance, a '
                                                  'journal or a document Odoo does not hold).'),
                             'fix': 'open_xero'})
        return rows

    # --- bank feed ---------------------------------------------------------------------------

    @api.model
    def _compare_bank(self, organisation, books):
        transactions = {t['xero_id'].lower(): t for t in books['bank'] if t['xero_id']}
        documents = books['documents']
        rows = []
        links = self.env['xero.statement.line.link'].sudo().search([('organisation_id', '=', organisation.id)])
        for link in links:
            line = link.statement_line_id
            if not line.xero_verified or link.replacing_xero_id:
                continue
            base = {'kind': 'bank', 'name': line.display_name or line.payment_ref or '',
                    'res_model': 'account.bank.statement.line', 'res_id': line.id, 'xero_id': link.xero_id or False,
                    '_partner_id': False}
            amount = line.currency_id.format(abs(line.amount))
            if not link.xero_id:
                if link.sync_state in ('error', 'skipped'):
                    rows.append(dict(base, field_label=self.env._('Only in Odoo'), odoo_value=amount,
                                     xero_value=self.env._('Not sent'), reason=(link.last_error or '')[:250],
                                     fix='sync'))
                continue
            element = (documents if link.feed_form == 'bill' else transactions).get(link.xero_id.lower())
            if element and element['status'] not in GONE:
                continue
            rows.append(dict(base, field_label=self.env._('Removed in Xero'), odoo_value=amount,
                             xero_value=element['status'] if element else self.env._('Missing'),
                             reason=False, fix='sync'))
        return rows

    # --- the cron and the dashboard's button ------------------------------------------------

    @api.model
    def _cron_compare(self):
        organisations = self.env['xero.organisation'].sudo().search([('state', '=', 'connected')])
        self.action_compare_now(organisations.ids)

    @api.model
    def action_compare_now(self, organisation_ids):
        """Compare these organisations now, one after the other; one that fails is logged and
        the others go on. Returns {organisation id: counts or None when it failed}."""
        results = {}
        commit = not self.env.context.get('xero_no_commit') and not self.env.registry.in_test_mode()
        for organisation in self.env['xero.organisation'].sudo().browse(organisation_ids).exists():
            try:
                with self.env.cr.savepoint():
                    results[organisation.id] = self._compare(organisation)
            except Exception:
                _logger.warning('Xero comparison failed for %s', organisation.display_name, exc_info=True)
                results[organisation.id] = None
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit  # one organisation's rows, kept
        return results

    # --- fixes -------------------------------------------------------------------------------

    def action_fix(self):
        self.ensure_one()
        if not self.env.user.has_group('xero_integration.group_xero_user'):
            raise UserError(self.env._('Only Xero users can fix differences.'))
        self.check_access('read')
        return getattr(self, f'_fix_{self.fix}')()

    def _record(self):
        if not self.res_model or not self.res_id or self.res_model not in self.env:
            return None
        record = self.env[self.res_model].browse(self.res_id).exists()
        return record or None

    def _link(self):
        """The link this row is about, in its organisation."""
        record = self._record()
        if not record:
            return None
        if record._name.startswith('xero.'):
            return record.sudo()
        model = {'account.move': 'xero.move.link', 'account.bank.statement.line': 'xero.statement.line.link',
                 'res.partner': 'xero.partner.link'}.get(record._name)
        if not model:
            return None
        Link = self.env[model].sudo()
        return Link.search([('organisation_id', '=', self.organisation_id.id),
                            (Link._xero_record_field, '=', record.id)], limit=1)

    def _fix_sync(self):
        link = self._link()
        if not link:
            raise UserError(self.env._('The Odoo record of this difference is gone.'))
        if self.xero_id and self.field_label in (self.env._('Removed in Xero'), self.env._('Only in Odoo')):
            # Removed (or deleted) in Xero behind Odoo's back: sent again, as new.
            link.write({'xero_id': False, 'xero_number': False, 'xero_status': False, 'pushed_hash': False,
                        'maybe_sent': False})
        # Xero changed behind Odoo's back: the same payload goes again (never skipped as unchanged).
        link.write({'pushed_hash': False})
        link._mark_pending()._request()
        self.env['xero.sync.engine']._push_organisation(self.organisation_id)
        return True

    def _fix_pull(self):
        organisation = self.organisation_id.sudo()
        xero_id = self.xero_id
        if not xero_id:
            raise UserError(self.env._('This difference has no Xero record to pull.'))
        if self.kind == 'payment':
            payments, _more = organisation._xero().pull_payments(where=guid('PaymentID', xero_id))
            self.env['xero.payment.pull']._pull_records(organisation, payments, {})
            return True
        for kind in ('invoices', 'credit_notes'):
            documents, _more = organisation._xero().pull_documents(kind, ids=[xero_id])
            if documents:
                self.env['xero.document.pull']._pull_records(organisation, documents, {})
                if self.field_label == self.env._('Amount due'):
                    self.env['xero.payment.pull']._pull_payments_of(organisation, kind, xero_id)
                return True
        raise UserError(self.env._('Xero does not hold this record any more.'))

    def _fix_open_odoo(self):
        record = self._record()
        if not record:
            raise UserError(self.env._('The Odoo record of this difference is gone.'))
        if record._name == 'xero.payment.link':
            record = record.payment_id or record.statement_line_id or record.move_id
        return {'type': 'ir.actions.act_window', 'res_model': record._name, 'res_id': record.id,
                'views': [(False, 'form')], 'target': 'current'}

    def _fix_open_xero(self):
        return {'type': 'ir.actions.act_url', 'url': self._xero_url(), 'target': 'new'}

    def _xero_url(self):
        self.ensure_one()
        organisation = self.organisation_id
        if hasattr(organisation, '_xero_deep_link'):
            return organisation._xero_deep_link(self.kind, self.xero_id)
        path = XERO_PATHS[self.kind].format(id=self.xero_id or '') if self.xero_id else '/Dashboard/'
        return DEEP_LINK.format(code=quote(organisation.short_code or ''), url=quote(path, safe=''))
