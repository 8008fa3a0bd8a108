import logging
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare, formatLang, format_date

from .xero_sync_exceptions import CONCURRENCY_ERRORS

_logger = logging.getLogger(__name__)

# The lines a payment settles: the document's receivable or payable lines.
SETTLED_TYPES = ('asset_receivable', 'liability_payable')

# Context of everything written while registering: nothing goes back to Xero (xero_pulled), and
# no chatter tracking or follower work per payment (the document gets one message instead).
PULLED_CONTEXT = {'xero_pulled': True, 'tracking_disable': True, 'mail_create_nolog': True,
                  'mail_notrack': True, 'skip_invoice_sync': True, 'skip_sale_auto_invoice_send': True}


class XeroPaymentRegister(models.AbstractModel):
    """Registers a page of payments made in Xero as Odoo payments, in a few bulk calls.

    The register-payment wizard costs about 0.2 s a payment (it computes its batches, amounts
    and payment methods for one document at a time), so a page of 1,000 cannot fit in Odoo's
    time limit. Here a page is: one search of the links and the documents, one ``create`` of
    the payments, one ``action_post`` (their journal entries are created together), one
    reconciliation plan and one ``create`` of the links. When that fails, each payment is
    registered again alone in a savepoint, so the one that fails goes to the review list with
    its reason and the rest are registered.

    A payment in another currency than the company's is booked at Xero's ``CurrencyRate``, so
    that the exchange difference is the one Xero books. One dated in a period Odoo has locked is
    registered where Odoo's lock dates allow, with a note of both dates on the payment and its
    document. Where the organisation's payments go from Odoo to Xero only, payments made in Xero
    are not registered: each one is put on the review list.
    """
    _name = 'xero.payment.register'
    _description = 'Xero payment registration'

    @api.model
    def _register_batch(self, organisation, payments):
        """Register ``payments`` (plain values of ``payment_from_sdk``) for ``organisation``.

        Returns {xero_id: outcome}: 'created', 'updated', 'held' or None (nothing to do), or the
        text of the error that sent the payment to the review list.
        """
        organisation = organisation.sudo()
        payments = [p for p in payments if p.get('xero_id')]
        results = {}
        links = self.env['xero.payment.link'].sudo().search([
            ('organisation_id', '=', organisation.id), ('xero_id', 'in', [p['xero_id'] for p in payments])])
        link_of = {link.xero_id: link for link in links}
        fresh = []
        for payment in payments:
            link = link_of.get(payment['xero_id'])
            if link and link.xero_status == payment['status'] and link.xero_updated_date == payment['updated']:
                results[payment['xero_id']] = None  # read again (the watermark's second): nothing new
            elif link:
                # Deletions and status changes are rare: one savepoint each.
                results[payment['xero_id']] = self._isolated(
                    organisation, payment, lambda p=payment, link=link: self._follow(organisation, link, p))
            else:
                fresh.append(payment)
        plan = self._plan(organisation, fresh, results)
        if not plan:
            return results
        try:
            with self.env.cr.savepoint():
                results.update(self._create_payments(organisation, plan))
        except CONCURRENCY_ERRORS:
            raise  # another worker's transaction, not a payment's fault: the run stops and retries
        except Exception as e:  # noqa: BLE001 - any failure: isolate the payment that causes it
            if len(plan) == 1:
                results[plan[0]['payment']['xero_id']] = self._hold_error(organisation, plan[0]['payment'], e)
                return results
            _logger.info('Xero organisation %s: a page of %s payments failed as a whole (%s); '
                         'registering them one by one', organisation.id, len(plan), e)
            for item in plan:
                xero_id = item['payment']['xero_id']
                results[xero_id] = self._isolated(
                    organisation, item['payment'],
                    lambda i=item: self._create_payments(organisation, [i])[i['payment']['xero_id']])
        return results

    # --- what to register ---------------------------------------------------------------------

    @api.model
    def _plan(self, organisation, payments, results):
        """The payments to create, each with its document and journal; the others get their
        outcome in ``results`` (held when no journal maps to the Xero account)."""
        prefix = self.env['xero.partner.link']._contact_number_prefix()
        payments = [p for p in payments if p['status'] == 'AUTHORISED']
        for payment in payments:
            results.setdefault(payment['xero_id'], None)
        # Odoo's own, whose answer was lost: the push's look-up binds it.
        payments = [p for p in payments if not (p['reference'] or '').startswith(prefix)]
        document_ids = {i for p in payments for i in (p['invoice_id'], p['credit_note_id']) if i}
        doc_links = self.env['xero.move.link'].sudo().search([
            ('organisation_id', '=', organisation.id), ('xero_id', 'in', list(document_ids))])
        doc_link_of = {link.xero_id: link for link in doc_links}
        journal_of = {m.xero_account_id.xero_id: m.journal_id for m in organisation.journal_mapping_ids}
        residual = {}  # what is left to pay on each document after the payments planned before
        plan = []
        for payment in payments:
            doc_link = doc_link_of.get(payment['invoice_id']) or doc_link_of.get(payment['credit_note_id'])
            if not doc_link or doc_link.move_id.state != 'posted':
                continue
            move = doc_link.move_id
            if organisation.payment_direction == 'odoo_to_xero':
                if float_compare(residual.get(move, move.amount_residual), 0.0,
                                 precision_rounding=move.currency_id.rounding) > 0:
                    self.env['xero.payment.pull']._pull_hold(organisation, payment, _(
                        'Payments made in Xero are not brought into Odoo for %(org)s (its payments go from Odoo '
                        'to Xero only), so %(doc)s is paid %(amount)s more in Xero than in Odoo. Delete the '
                        'payment in Xero and record it in Odoo (it then goes to Xero), or let payments go both '
                        'ways in the organisation\'s settings and press Retry.',
                        org=organisation.name, doc=move.display_name, amount=payment['amount']))
                    results[payment['xero_id']] = 'held'
                continue
            journal = journal_of.get(payment['account_id'])
            if not journal:
                self.env['xero.review']._hold(
                    organisation, 'document', payment['xero_id'], _('Payment on %s', move.name),
                    _('Xero account %s takes payments but no Odoo journal maps to it: map one in Xero > '
                      'Mapping > Payment accounts.', payment['account_code'] or payment['account_id']),
                    {'kind': 'payments', 'invoice_id': payment['invoice_id']})
                results[payment['xero_id']] = 'held'
                continue
            left = residual.setdefault(move, move.amount_residual)
            if float_compare(left, 0.0, precision_rounding=move.currency_id.rounding) <= 0:
                continue  # already settled in Odoo: nothing to register
            residual[move] = left - (payment['amount'] or 0.0)
            plan.append({'payment': payment, 'move': move, 'journal': journal})
        return plan

    # --- registration -------------------------------------------------------------------------

    @api.model
    def _create_payments(self, organisation, plan):
        """Create, post and reconcile the payments of ``plan``, and link them; return
        {xero_id: 'created'}."""
        Payment = self.env['account.payment'].with_context(**PULLED_CONTEXT)
        values, settled, balances = [], [], []
        for item in plan:
            payment, move = item['payment'], item['move']
            balances.append(self._xero_balance(organisation, move, payment))
            lines = move.line_ids.filtered(lambda line: line.account_type in SETTLED_TYPES and not line.reconciled)
            if not lines:
                raise UserError(_('%s has nothing left to pay in Odoo.', move.display_name))
            settled.append(lines)
            # As the wizard decides: a debit left open (an invoice, a vendor refund) is money in.
            inbound = sum(lines.mapped('amount_residual')) > 0
            values.append({
                'date': payment['date'],
                'amount': payment['amount'],
                'payment_type': 'inbound' if inbound else 'outbound',
                'partner_type': 'customer' if lines[0].account_type == 'asset_receivable' else 'supplier',
                'memo': _('Xero payment %s', payment['reference'] or payment['xero_id']),
                'journal_id': item['journal'].id,
                'company_id': move.company_id.id,
                'currency_id': move.currency_id.id,
                'partner_id': move.commercial_partner_id.id,
                'destination_account_id': lines[0].account_id.id,
            })
        odoo_payments = Payment.create(values)
        self._generate_entries(odoo_payments, dict(zip(odoo_payments.ids, balances)))
        odoo_payments.action_post()  # one call: one write of the state, one post of all the entries
        # One reconciliation group per document, with all of its payments of this page.
        groups = defaultdict(lambda: self.env['account.move.line'])
        for odoo_payment, lines in zip(odoo_payments, settled):
            accounts = lines.account_id
            groups[lines.move_id] |= lines | odoo_payment.move_id.line_ids.filtered(
                lambda line, a=accounts: line.account_id in a and not line.reconciled)
        self.env['account.move.line'].with_context(**PULLED_CONTEXT)._reconcile_plan(list(groups.values()))
        self._match(odoo_payments, [item['move'] for item in plan])

        now = fields.Datetime.now()
        link_values = []
        for item, odoo_payment in zip(plan, odoo_payments):
            payment, move = item['payment'], item['move']
            lines = odoo_payment.move_id.line_ids
            partial = (lines.matched_debit_ids | lines.matched_credit_ids).filtered(
                lambda p, m=move: m in (p.debit_move_id.move_id | p.credit_move_id.move_id))[:1]
            link_values.append({
                'organisation_id': organisation.id, 'kind': 'payments', 'partial_id': partial.id,
                'payment_id': odoo_payment.id, 'move_id': move.id, 'amount': payment['amount'],
                'currency_id': move.currency_id.id, 'date': payment['date'], 'from_xero': True,
                'xero_id': payment['xero_id'], 'xero_status': payment['status'],
                'xero_updated_date': payment['updated'], 'sync_state': 'synced', 'last_sync_date': now,
            })
        self.env['xero.payment.link'].sudo().create(link_values)
        moved = self._moved_dates(plan, odoo_payments)
        bodies = {}
        for move, move_plan in self._by_move(plan).items():
            bodies[move.id] = _('Payment of %(amount)s made in Xero (%(org)s), registered in %(journal)s.',
                                amount=', '.join(formatLang(self.env, item['payment']['amount'],
                                                            currency_obj=move.currency_id) for item in move_plan),
                                org=organisation.name,
                                journal=', '.join(dict.fromkeys(item['journal'].name for item in move_plan)))
            notes = [moved[item['payment']['xero_id']] for item in move_plan if item['payment']['xero_id'] in moved]
            if notes:
                bodies[move.id] = ' '.join([bodies[move.id], *notes])
        # One message per document, created together (no notification: a note in the chatter).
        self.env['account.move'].browse(bodies)._message_log_batch(bodies)
        return {item['payment']['xero_id']: 'created' for item in plan}

    @api.model
    def _xero_balance(self, organisation, move, payment):
        """The payment in the company's currency at Xero's ``CurrencyRate`` (document currency per
        base currency), so that the exchange difference is the one Xero books; None (Odoo's own
        rate of the day) when the document is in the company's currency, Xero gave no rate, or
        Xero's base currency is not the company's."""
        company_currency = move.company_id.currency_id
        rate = payment.get('currency_rate')
        if move.currency_id == company_currency or not rate or rate <= 0 \
                or company_currency.name != organisation.base_currency:
            return None
        return company_currency.round((payment['amount'] or 0.0) / rate)

    @api.model
    def _moved_dates(self, plan, odoo_payments):
        """{xero_id: note} of the payments whose entry Odoo dated otherwise than Xero's date (a
        lock date of Odoo's); the note, with both dates, goes on the payment and its document."""
        notes = {}
        for item, odoo_payment in zip(plan, odoo_payments):
            entry = odoo_payment.move_id
            xero_date = fields.Date.to_date(item['payment']['date'])
            if not entry or not xero_date or entry.date == xero_date:
                continue
            locks = entry.company_id._get_violated_lock_dates(xero_date, entry._affect_tax_report(), entry.journal_id)
            note = _('Paid in Xero on %(xero_date)s, a date Odoo has locked%(locks)s: its entry %(entry)s is dated '
                     '%(odoo_date)s in Odoo.', xero_date=format_date(self.env, xero_date),
                     locks=(' (%s)' % self.env['res.company']._format_lock_dates(locks)) if locks else '',
                     entry=entry.name, odoo_date=format_date(self.env, entry.date))
            notes[item['payment']['xero_id']] = note
            odoo_payment._message_log(body=note)
        return notes

    @staticmethod
    def _by_move(plan):
        by_move = defaultdict(list)
        for item in plan:
            by_move[item['move']].append(item)
        return by_move

    @api.model
    def _generate_entries(self, odoo_payments, balances=None):
        """The payments' journal entries, created in one ``create``.

        ``account.payment._generate_journal_entry`` creates them together too, but then writes
        each payment's ``move_id`` one payment at a time, each write synchronising the payment
        with its entry (about half of the cost of a payment). The entry is what that method
        would make (``_generate_move_vals``, with ``balances`` {payment id: balance in the
        company's currency} forced where Xero gave the rate), and the column is set in one
        statement, with the ORM told what changed.
        """
        need_move = odoo_payments.filtered(lambda p: not p.move_id and p.outstanding_account_id)
        if not need_move:
            return  # no outstanding account: the payments have no entry (Odoo's own rule)
        balances = balances or {}
        moves = self.env['account.move'].with_context(**PULLED_CONTEXT).create(
            [payment._generate_move_vals(force_balance=balances.get(payment.id)) for payment in need_move])
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """UPDATE account_payment payment SET move_id = new.move_id
                 FROM unnest(%s::int[], %s::int[]) AS new(id, move_id) WHERE payment.id = new.id""",
            need_move.ids, moves.ids))
        need_move.invalidate_recordset(['move_id'])
        need_move.modified(['move_id'])

    @api.model
    def _match(self, odoo_payments, moves):
        """Each document's matched payments (what the wizard adds with ``+=`` on each document,
        a write of the document that costs as much as a payment), in one statement."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """INSERT INTO account_move__account_payment (invoice_id, payment_id)
                    SELECT * FROM unnest(%s::int[], %s::int[]) ON CONFLICT DO NOTHING""",
            [move.id for move in moves], odoo_payments.ids))
        moves = self.env['account.move'].union(*moves)
        moves.invalidate_recordset(['matched_payment_ids'])
        odoo_payments.invalidate_recordset(['invoice_ids'])
        moves.modified(['matched_payment_ids'])
        odoo_payments.modified(['invoice_ids'])

    @api.model
    def _follow(self, organisation, link, payment):
        """A payment already linked: mirror its status; one deleted in Xero reverses the Odoo
        payment it created."""
        if payment['status'] != 'DELETED' or link.xero_status == 'DELETED':
            if link.xero_updated_date != payment['updated']:
                link.write({'xero_status': payment['status'], 'xero_updated_date': payment['updated']})
                return 'updated'
            return None
        if link.to_delete:
            # Odoo's own deletion, whose answer was lost: the push's look-up settles the link.
            link.write({'xero_updated_date': payment['updated']})
            return 'updated'
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

    # --- isolation ----------------------------------------------------------------------------

    @api.model
    def _isolated(self, organisation, payment, register):
        """``register()`` in a savepoint; an error rolls back this payment only and holds it."""
        try:
            with self.env.cr.savepoint():
                return register()
        except CONCURRENCY_ERRORS:
            raise
        except Exception as e:  # noqa: BLE001 - one payment's error never stops the page
            return self._hold_error(organisation, payment, e)

    @api.model
    def _hold_error(self, organisation, payment, error):
        """Put the payment on the review list with Odoo's reason; return the reason."""
        if isinstance(error, (UserError, ValidationError)):
            reason = _('Odoo refused it: %s', error.args[0] if error.args else error)
        else:
            _logger.warning('Xero organisation %s: payment %s could not be registered',
                            organisation.id, payment['xero_id'], exc_info=True)
            reason = _('Odoo could not record it because of an unexpected error (%s). Your administrator '
                       'finds the details in the server log; once it is fixed, retry it from here.',
                       type(error).__name__)
        self.env['xero.payment.pull']._pull_hold(organisation, payment, reason)
        return reason
