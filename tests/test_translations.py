"""The translation template is complete: every term Odoo's own exporter finds in the addon
(Python `_()` calls, views, QWeb templates, menus, fields, selections) is in
i18n/xero_integration.pot, so that a translator working from it misses nothing."""
import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

POT_PATH = 'xero_integration/i18n/xero_integration.pot'


@tagged('post_install', '-at_install')
class TestTranslationTemplate(TransactionCase):

    def test_every_term_is_in_the_pot(self):
        # The reader trans_export uses for `odoo i18n export`, limited to this module; a row is
        # (module, type, name, res_id, source, value, comments).
        terms = {row[4] for row in TranslationModuleReader(self.env.cr, modules=['xero_integration'])
                 if row[0] == 'xero_integration' and row[4]}
        self.assertIn('Only administrators can connect Xero organisations.', terms,
                      'the reader finds the terms of the controllers')
        self.assertIn('Back to Xero organisations', terms, 'and of the QWeb templates')
        try:
            pot = polib.pofile(file_path(POT_PATH))
        except FileNotFoundError:
            self.fail(f'{POT_PATH} is missing: run scripts/pot.sh')
        in_pot = {entry.msgid for entry in pot if not entry.obsolete}
        missing = sorted(terms - in_pot)
        self.assertFalse(missing, '%d user-facing string(s) missing from %s, run scripts/pot.sh:\n%s'
                         % (len(missing), POT_PATH, '\n'.join(f'  {term!r}' for term in missing)))
