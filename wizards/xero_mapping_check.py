from markupsafe import Markup, escape

from odoo import _, api, fields, models


class XeroMappingCheck(models.TransientModel):
    """The pre-flight check of one organisation, as the user reads it."""
    _name = 'xero.mapping.check'
    _description = 'Xero mapping check'

    organisation_id = fields.Many2one('xero.organisation', required=True, ondelete='cascade')
    company_id = fields.Many2one(related='organisation_id.company_id', store=True)
    problems = fields.Json(compute='_compute_problems', store=True, readonly=True)
    problem_count = fields.Integer(compute='_compute_problems', store=True)
    summary = fields.Html(compute='_compute_summary', sanitize=True)
    headline = fields.Char(compute='_compute_summary')

    @api.depends('organisation_id')
    def _compute_problems(self):
        for wizard in self:
            org = wizard.organisation_id
            # The posted documents, then what the bank feed's verified lines will need.
            problems = org._check_mappings() + org._check_bank_feed_lines() if org else []
            if org:
                org._record_mapping_check(problems)
            wizard.problems = problems
            wizard.problem_count = len(problems)

    @api.depends('problems')
    def _compute_summary(self):
        for wizard in self:
            count = len(wizard.problems or [])
            wizard.headline = (_('1 problem to fix before the posted documents can sync to Xero:')
                               if count == 1 else
                               _('%s problems to fix before the posted documents can sync to Xero:',
                                 count))
            if not wizard.problems:
                if not wizard.organisation_id:
                    wizard.summary = False
                    continue
                wizard.summary = Markup('<p>%s</p>') % _(
                    'Everything the posted documents of %s need is mapped.',
                    wizard.organisation_id.company_id.name)
                continue
            items = Markup('').join(Markup('<li>%s</li>') % escape(p) for p in wizard.problems)
            wizard.summary = Markup('<ul>%s</ul>') % items

    def action_check_again(self):
        self.ensure_one()
        self._compute_problems()
        return {'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id,
                'view_mode': 'form', 'target': 'new', 'name': _('Mapping check')}
