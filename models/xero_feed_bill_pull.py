from odoo import api, models


class XeroDocumentPull(models.AbstractModel):
    """The bills of the bank feed are no Odoo documents (Odoo has the statement line): the pull
    never brings them in as vendor bills, and the status Xero gives them shows on the line's
    link."""
    _inherit = 'xero.document.pull'

    @api.model
    def _pull_one(self, organisation, document):
        if document['type'] == 'ACCPAY':
            bill = self.env['xero.statement.line.link'].sudo().search([
                ('organisation_id', '=', organisation.id), ('xero_id', '=', document['xero_id'])], limit=1)
            if bill:
                if bill.xero_status == document['status']:
                    return None
                bill.write({'xero_status': document['status']})
                return 'updated'
            prefix = self.env['xero.partner.link']._contact_number_prefix()
            if (document['number'] or '').startswith(f'{prefix}BSL'):
                return None  # the feed's own, whose answer was lost: the push's look-up binds it
        return super()._pull_one(organisation, document)
