from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..xero_client import guid
from .xero_contact_pull import contact_from_json


class XeroReview(models.Model):
    """A record from Xero that needs a person's decision before it comes into Odoo: a contact
    that matches several partners, a document whose tax or account has no mapping, or a record
    Odoo refused (the reason says why). Nothing is guessed."""
    _name = 'xero.review'
    _inherit = ['xero.organisation.mixin', 'mail.thread']
    _description = 'Xero record to review'
    _order = 'state, id desc'

    kind = fields.Selection([('contact', 'Contact'), ('document', 'Invoice or bill'), ('payment', 'Payment'),
                             ('account', 'Account'), ('tax_rate', 'Tax rate'), ('item', 'Item')],
                            required=True, readonly=True)
    xero_id = fields.Char(string='Xero ID', required=True, readonly=True, index=True)
    name = fields.Char(readonly=True)
    reason = fields.Text(readonly=True)
    data = fields.Json(readonly=True, help="Xero's record as last pulled.")
    candidate_partner_ids = fields.Many2many('res.partner', string='Candidates', readonly=True)
    partner_id = fields.Many2one('res.partner', string='Link to')
    state = fields.Selection([('open', 'To review'), ('done', 'Done'), ('ignored', 'Ignored')],
                             default='open', required=True, readonly=True, tracking=True)

    _organisation_xero_uniq = models.Constraint('UNIQUE (organisation_id, kind, xero_id)',
                                                'A Xero record is reviewed once per organisation.')

    @api.model
    def _hold(self, organisation, kind, xero_id, name, reason, data, candidates=None):
        review = self.sudo().search([('organisation_id', '=', organisation.id), ('kind', '=', kind),
                                     ('xero_id', '=', xero_id)])
        values = {'name': name, 'reason': reason, 'data': data,
                  'candidate_partner_ids': [(6, 0, (candidates or self.env['res.partner']).ids)]}
        if review:
            if review.state == 'open':
                review.write(values)
            return review
        return self.sudo().create(dict(values, organisation_id=organisation.id, kind=kind, xero_id=xero_id))

    def action_link(self):
        for review in self:
            if review.kind != 'contact':
                raise UserError(_('Only contacts can be linked to a partner.'))
            if not review.partner_id:
                raise UserError(_('Choose the partner to link %s to.', review.name))
            self.env['xero.contact.pull']._apply_contact(review.organisation_id, contact_from_json(review.data),
                                                        review.partner_id)
            review.state = 'done'
        return True

    def action_create(self):
        for review in self.filtered(lambda r: r.kind == 'contact'):
            self.env['xero.contact.pull']._apply_contact(review.organisation_id, contact_from_json(review.data), None)
            review.state = 'done'
        return True

    def action_retry(self):
        """Read the document or payment from Xero again and bring it in, now that its mapping
        may exist or its cause is fixed. Accounts, tax rates and items come as Xero's whole
        list: it is read again (what goes in is marked done)."""
        for organisation in self.filtered(lambda r: r.kind in ('account', 'tax_rate')).organisation_id:
            organisation._import_chart()
        for organisation in self.filtered(lambda r: r.kind == 'item').organisation_id:
            self.env['xero.product.link']._pull_items(organisation)
        for review in self.filtered(lambda r: r.kind == 'payment' or (r.data or {}).get('kind') == 'payments'):
            payments, _more = review.organisation_id._xero().pull_payments(where=guid('PaymentID', review.xero_id))
            if payments and self.env['xero.payment.pull']._pull_one(review.organisation_id, payments[0]) != 'held':
                review.state = 'done'
        for review in self.filtered(lambda r: r.kind == 'document' and (r.data or {}).get('kind') != 'payments'):
            kind = review.data.get('kind', 'invoices')
            documents, _more = review.organisation_id._xero().pull_documents(kind, ids=[review.xero_id])
            if documents and self.env['xero.document.pull']._pull_one(review.organisation_id, documents[0]) != 'held':
                review.state = 'done'
        return True

    def action_ignore(self):
        self.write({'state': 'ignored'})
        return True
