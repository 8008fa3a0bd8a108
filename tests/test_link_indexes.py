import psycopg2.errors

from odoo.tools import SQL, mute_logger

from ..models.xero_sync_engine import LINK_MODELS
from ..xero_sim.seed import NZ_TENANT_ID
from .common import XeroTransactionCase

# Declared once in xero.link.mixin, made by Odoo on every link table as <table>_<name>.
SHARED = {
    'organisation_xero_uniq': '(organisation_id, xero_id) WHERE ((organisation_id IS NOT NULL) AND '
                              '(xero_id IS NOT NULL))',
    'legacy_xero_uniq': '(xero_id) WHERE ((organisation_id IS NULL) AND (xero_id IS NOT NULL))',
}
# Each link's own: one link per organisation and Odoo record.
RECORD_SIDE = {
    'xero.partner.link': 'organisation_partner_uniq', 'xero.move.link': 'organisation_move_uniq',
    'xero.product.link': 'organisation_product_uniq', 'xero.statement.line.link': 'organisation_line_uniq',
    'xero.payment.link': 'organisation_partial_uniq', 'xero.allocation.link': 'organisation_partial_uniq',
    'xero.feed.payment.link': 'organisation_line_uniq',
}


class TestLinkIndexes(XeroTransactionCase):

    def _indexes(self, table):
        return dict(self.env.execute_query(SQL(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", table)))

    def test_every_link_table_has_the_shared_unique_indexes(self):
        for model in LINK_MODELS:
            Link = self.env[model]
            indexes = self._indexes(Link._table)
            for name, definition in SHARED.items():
                full_name = f'{Link._table}_{name}'
                with self.subTest(model=model, index=name):
                    self.assertIn(full_name, Link._table_objects, 'inherited from xero.link.mixin')
                    self.assertIn(full_name, indexes)
                    self.assertTrue(indexes[full_name].startswith('CREATE UNIQUE INDEX'))
                    self.assertTrue(indexes[full_name].endswith(definition), indexes[full_name])
            with self.subTest(model=model, index='record side'):
                self.assertIn(f'{Link._table}_{RECORD_SIDE[model]}', indexes, 'its own index stays')

    def _refused(self, link, xero_id):
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.errors.UniqueViolation) as caught, \
                self.env.cr.savepoint():
            link.xero_id = xero_id
            link.flush_recordset()
        return link._sql_error_to_message(caught.exception), caught.exception.diag.constraint_name

    def test_a_duplicate_xero_id_is_refused_with_the_links_own_words(self):
        org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        Link = self.env['xero.partner.link'].sudo()
        first, second = Link.create([{'organisation_id': org.id, 'partner_id': self.env['res.partner'].create(
            {'name': name}).id} for name in ('First', 'Second')])
        first.xero_id = 'contact-1'
        first.flush_recordset()
        message, index = self._refused(second, 'contact-1')
        self.assertEqual(index, 'xero_partner_link_organisation_xero_uniq')
        self.assertEqual(message, 'A Xero contact links to one Odoo contact per organisation.')

        # Legacy links, made before organisations existed: one per Xero id.
        Product = self.env['xero.product.link'].sudo()
        legacy = Product.create([{'product_id': self.env['product.product'].create({'name': name}).id,
                                  'xero_id': xero_id} for name, xero_id in (('Chair', 'item-1'), ('Desk', 'item-2'))])
        message, index = self._refused(legacy[1], 'item-1')
        self.assertEqual(index, 'xero_product_link_legacy_xero_uniq')
        self.assertEqual(message, 'A Xero item has one legacy link.')
