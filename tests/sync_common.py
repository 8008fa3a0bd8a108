"""Set-up shared by the sync-engine tests: one organisation (NZ) on the main company, mapped so
that documents can go, and helpers to post documents and run the push as the cron would."""
from odoo import Command, fields

from ..xero_sim.seed import NZ_TENANT_ID
from .common import XeroTransactionCase
from .mapping_common import MappingMixin

INVOICES = '/api.xro/2.0/Invoices'
CONTACTS = '/api.xro/2.0/Contacts'
CREDIT_NOTES = '/api.xro/2.0/CreditNotes'
ENGINE_LOGGER = 'odoo.addons.xero_integration.models.xero_sync_engine'


class SyncCase(MappingMixin, XeroTransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.sale15 = cls.make_tax('GST 15% Sales', 15)
        cls.purchase15 = cls.make_tax('GST 15% Purchases', 15, type_tax_use='purchase')
        cls.included = cls.make_tax('GST 15% incl.', 15, price_include_override='tax_included')
        cls.levy_group = cls.make_group('GST + Levy', cls.make_children(
            ('GST 15% (levy group)', 15, True), ('Levy 2%', 2, False)))
        cls.customer = cls.env['res.partner'].create({'name': 'Azure Interior', 'is_company': True,
                                                      'email': 'info@azure.example'})
        cls.vendor = cls.env['res.partner'].create({'name': 'Wood Corner', 'is_company': True,
                                                    'email': 'ap@wood.example'})
        Account = cls.env['account.account']
        cls.income = Account.search([*Account._check_company_domain(company),
                                     ('account_type', '=', 'income')], limit=1)
        cls.expense = Account.search([*Account._check_company_domain(company),
                                      ('account_type', '=', 'expense')], limit=1)

    def setUp(self):
        super().setUp()
        self.org = self.connect_organisations(tenants=[NZ_TENANT_ID])
        self.org.write({'auto_sync_contacts': True, 'auto_sync_invoices': True, 'auto_sync_payments': True,
                        'auto_sync_bank_feed': True})
        self.org.tax_mapping_ids.action_confirm()
        Mapping = self.env['xero.account.mapping']
        for account, code in ((self.income, '200'), (self.expense, '300')):
            mapping = self.org.account_mapping_ids.filtered(lambda m: m.account_id == account)
            values = {'xero_account_id': self.xero_account(self.org, code).id}
            if mapping:
                mapping.write(values)
            else:
                Mapping.create(dict(values, organisation_id=self.org.id, account_id=account.id))
        self.sim.counters.reset()
        del self.sim.requests[:]

    # --- helpers ------------------------------------------------------------------------------

    def make_move(self, move_type='out_invoice', partner=None, lines=None, post=True, **values):
        """lines: [(price_unit, quantity, taxes, discount)]"""
        is_sale = move_type in ('out_invoice', 'out_refund')
        account = self.income if is_sale else self.expense
        lines = lines or [(100.0, 1, self.sale15 if is_sale else self.purchase15, 0.0)]
        move = self.env['account.move'].create(dict({
            'move_type': move_type,
            'partner_id': (partner or (self.customer if is_sale else self.vendor)).id,
            'invoice_date': fields.Date.today(),
            'ref': None if is_sale else 'VENDOR-%s' % self.env['account.move'].search_count([]),
            'invoice_line_ids': [Command.create({
                'name': f'Line {n}', 'price_unit': price, 'quantity': qty, 'discount': discount,
                'account_id': account.id, 'tax_ids': [Command.set(taxes.ids if taxes else [])],
            }) for n, (price, qty, taxes, discount) in enumerate(lines)],
        }, **values))
        if post:
            move.action_post()
        return move

    def push(self, organisation=None):
        return self.env['xero.sync.engine'].with_context(xero_no_commit=True)._push_organisation(
            organisation or self.org)

    def link(self, record):
        field = 'move_id' if record._name == 'account.move' else 'partner_id'
        model = 'xero.move.link' if record._name == 'account.move' else 'xero.partner.link'
        return self.env[model].search([(field, '=', record.id), ('organisation_id', '=', self.org.id)])

    def sim_doc(self, link):
        org = self.sim.organisation(NZ_TENANT_ID)
        return (org.invoices.get(link.xero_id.lower()) or org.credit_notes.get(link.xero_id.lower()))

    def calls(self, endpoint, method='POST'):
        return self.sim.counters.count(method=method, endpoint=endpoint)

    def assertInXeroToTheCent(self, move):
        link = self.link(move)
        self.assertEqual(link.sync_state, 'synced', link.last_error)
        doc = self.sim_doc(link)
        self.assertAlmostEqual(float(doc['Total']), move.amount_total, places=2)
        self.assertAlmostEqual(float(doc['TotalTax']), move.amount_tax, places=2)
        self.assertFalse(link.total_mismatch)
        return doc
