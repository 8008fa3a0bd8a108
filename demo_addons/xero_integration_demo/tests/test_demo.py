from odoo.addons.xero_integration.tests.common import XeroTransactionCase

from ..demo import AU_NAME, NZ_NAME, load_demo_data


class TestDemo(XeroTransactionCase):
    """What scripts/demo.sh sets up, then Connect and Allow: the demo's invoices and a payment
    reach Xero with nothing mapped by hand."""

    def push(self, org):
        return self.env['xero.sync.engine'].with_context(xero_no_commit=True)._push_organisation(org)

    def test_demo_syncs_out_of_the_box(self):
        moves = load_demo_data(self.env, self.sim.url)
        self.assertEqual(len(moves), 4)
        self.assertEqual(load_demo_data(self.env, self.sim.url), moves, 'a second run adds nothing')
        orgs = self.connect_organisations()
        nz = orgs.filtered(lambda o: o.name == NZ_NAME)
        au = orgs.filtered(lambda o: o.name == AU_NAME)
        self.assertEqual(nz.company_id, self.env.ref('base.main_company'))
        self.assertEqual(au.company_id.name, AU_NAME, 'each organisation on the company in its currency')
        self.assertEqual((nz.company_id.currency_id.name, au.company_id.currency_id.name), ('NZD', 'AUD'))
        for org in orgs:
            self.assertTrue(org.auto_sync_contacts and org.auto_sync_invoices and org.auto_sync_payments)
            self.assertEqual(org._check_mappings(), [], org.name)
            self.assertFalse(org.currency_warning)
        self.assertEqual(nz.journal_mapping_ids.filtered(lambda m: m.journal_id.type == 'bank').xero_code, '090')
        self.assertTrue(any('Demo mode' in str(body) for body in nz.message_ids.mapped('body')),
                        'what demo mode decided is said in the chatter')

        self.push(nz)
        links = self.env['xero.move.link'].search([('move_id', 'in', moves.ids)])
        self.assertEqual(len(links), 4)
        self.assertEqual(set(links.mapped('sync_state')), {'synced'}, links.mapped('last_error'))
        self.assertTrue(all(links.mapped('xero_number')))
        self.assertFalse(self.env['xero.sync.error'].search([]))

        # A payment in the demo's bank journal goes too.
        bank = self.env['account.journal'].search(
            [('company_id', '=', nz.company_id.id), ('type', '=', 'bank')], limit=1)
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=moves[:1].ids) \
            .create({'journal_id': bank.id})._create_payments()
        self.push(nz)
        payment_link = self.env['xero.payment.link'].search([('move_id', '=', moves[0].id)])
        self.assertEqual(payment_link.sync_state, 'synced', payment_link.last_error)
        self.assertFalse(self.env['xero.sync.error'].search([]))
