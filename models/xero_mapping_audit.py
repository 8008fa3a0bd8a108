from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, models


class XeroMappingAudit(models.AbstractModel):
    """Mapping changes leave a trail in the organisation's chatter: who added, confirmed, changed
    or removed which mapping, and what it was before. One message per organisation and operation,
    so an import that suggests forty mappings writes one message, not forty."""
    _name = 'xero.mapping.audit'
    _description = 'Xero mapping audit trail'

    # Set on each mapping model: the fields whose change is worth a line.
    _audit_fields = ()

    def _audit_subject(self):
        """The Odoo side, e.g. "Tax 'Sales 15%'"."""
        raise NotImplementedError

    def _audit_target(self):
        """The Xero side (and state), e.g. "15% GST on Income (OUTPUT2, 15%), suggested"."""
        raise NotImplementedError

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        title = (self.env._('Suggested from the chart imported from Xero:')
                 if self.env.context.get('xero_mapping_import') else self.env._('Mapping added:'))
        records._audit_post(title, [(rec, f'{rec._audit_subject()} → {rec._audit_target()}') for rec in records])
        return records

    def write(self, vals):
        if not set(vals) & set(self._audit_fields):
            return super().write(vals)
        before = {rec: (rec._audit_subject(), rec._audit_target()) for rec in self}
        result = super().write(vals)
        lines = []
        for rec in self:
            now = (rec._audit_subject(), rec._audit_target())
            if now != before[rec]:
                old_subject, old_target = before[rec]
                lines.append((rec, f'{old_subject}: {old_target} → {now[1]}' if old_subject == now[0]
                              else f'{old_subject} → {old_target} is now {now[0]} → {now[1]}'))
        self._audit_post(self.env._('Mapping changed:'), lines)
        return result

    def unlink(self):
        lines = [(rec, f'{rec._audit_subject()} → {rec._audit_target()}') for rec in self]
        organisations = {rec: rec.organisation_id for rec in self}
        result = super().unlink()
        self._audit_post(self.env._('Mapping removed:'), lines, organisations)
        return result

    def _audit_post(self, title, lines, organisations=None):
        by_org = defaultdict(list)
        for rec, text in lines:
            org = organisations[rec] if organisations else rec.organisation_id
            by_org[org].append(text)
        for org, texts in by_org.items():
            if not org.exists():
                continue
            items = Markup('').join(Markup('<li>%s</li>') % escape(text) for text in texts)
            # Imports run as the cron's user, confirmations as Xero administrators: the trail is
            # the organisation's, whoever may post on it.
            org.sudo().message_post(body=Markup('<p>%s</p><ul>%s</ul>') % (title, items),
                                    author_id=self.env.user.partner_id.id, subtype_xmlid='mail.mt_note')
