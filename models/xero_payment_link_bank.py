from odoo import _, models


class AccountBankStatementLine(models.Model):
    """A bank line reconciled with a synced document goes to Xero as a payment on that document
    (``xero.payment.link``): the bank feed does not send it as a bank transaction as well."""
    _inherit = 'account.bank.statement.line'

    def _xero_feed_hold_reason(self):
        reason = super()._xero_feed_hold_reason()
        if reason:
            return reason
        org = self.journal_id.xero_feed_organisation_id
        links = self.env['xero.payment.link'].sudo().search([
            ('organisation_id', '=', org.id), ('statement_line_id', '=', self.id), ('kind', '=', 'payments'),
            ('partial_id', '!=', False), ('to_delete', '=', False)]).filtered(
            lambda l: l.xero_status != 'DELETED')
        if links:
            return _('Reconciled in Odoo with %(docs)s, which is in Xero (%(org)s): it goes there as a '
                     'payment on that document, not as a bank transaction too.',
                     docs=', '.join(links.move_id.mapped('display_name')), org=org.name)
        return None


class XeroStatementLineLink(models.Model):
    _inherit = 'xero.statement.line.link'

    def _replaced(self, old_id):
        """The feed's transaction of a bank line is gone from Xero: a payment of that line which
        waited for it (not to count the money twice) goes now."""
        result = super()._replaced(old_id)
        for model in ('xero.payment.link', 'xero.allocation.link'):
            waiting = self.env[model].sudo().search([
                ('organisation_id', '=', self.organisation_id.id),
                ('statement_line_id', '=', self.statement_line_id.id),
                ('sync_state', '=', 'error'), ('waiting_dependency', '=', True), ('to_delete', '=', False)])
            if waiting:
                waiting._mark_pending()
                waiting._trigger_push()
        return result
