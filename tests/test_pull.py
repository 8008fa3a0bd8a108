from unittest.mock import patch


from ..xero_client.api import XeroApi
from ..xero_sim.seed import NZ_TENANT_ID
from .sync_common import CONTACTS, SyncCase


class PullCase(SyncCase):

    def sim_contacts(self):
        return self.sim.organisation(NZ_TENANT_ID).contacts

    def sim_add(self, **values):
        """A contact made in Xero (seeded straight into the simulator)."""
        self.sim.seed(NZ_TENANT_ID, contacts=[values])
        return next(c for c in self.sim_contacts().values() if c['Name'] == values['Name'])

    def sim_change(self, contact, **values):
        contact.update(values)
        self.sim.clock.advance(5)
        contact['UpdatedDateUTC'] = self.sim.clock.now()

    def pull(self, **kwargs):
        return self.env['xero.contact.pull'].with_context(xero_no_commit=True)._pull(self.org, **kwargs)

    def partner_of(self, contact):
        return self.env['xero.partner.link'].search([('organisation_id', '=', self.org.id),
                                                     ('xero_id', '=', contact['ContactID'])]).partner_id


class TestContactPull(PullCase):

    def test_first_pull_pages_through_every_contact(self):
        for n in range(23):
            self.sim_add(Name=f'Paged {n:02d}', EmailAddress=f'paged{n}@example.com')
        counts = self.pull(page_size=10)
        total = len(self.sim_contacts())
        self.assertEqual(counts['created'], total)
        self.assertEqual(counts['calls'], -(-total // 10), 'one call per page')
        pages = [r for r in self.sim.requests if r.endpoint == CONTACTS and r.method == 'GET']
        self.assertTrue(all(r.query.get('includeArchived') == 'true' for r in pages), 'as the spec writes it')
        self.assertTrue(all(r.query.get('order', '').startswith('UpdatedDateUTC') for r in pages),
                        'pages in UpdatedDateUTC order')
        self.assertEqual(max(int(r.query.get('pageSize')) for r in pages), 10)
        partner = self.partner_of(next(c for c in self.sim_contacts().values() if c['Name'] == 'Paged 07'))
        self.assertEqual(partner.email, 'paged7@example.com')
        state = self.env['xero.pull.state'].search([('organisation_id', '=', self.org.id), ('kind', '=', 'contacts')])
        self.assertEqual(state.last_created, total)
        newest = max(c['UpdatedDateUTC'] for c in self.sim_contacts().values()).replace(tzinfo=None)
        self.assertLess(abs((state.watermark - newest).total_seconds()), 0.001,
                        "Xero's own greatest UpdatedDateUTC (to the millisecond Xero gives), not the local clock")

    def test_connect_wakes_the_pull_and_calls_nothing_itself(self):
        cron = self.env.ref('xero_integration.ir_cron_xero_pull')
        self.assertTrue(self.env['ir.cron.trigger'].search([('cron_id', '=', cron.id)]))
        self.assertFalse([r for r in self.sim.requests if r.endpoint == CONTACTS])

    def test_match_by_contact_number_email_and_phone(self):
        by_number = self.env['res.partner'].create({'name': 'Numbered Ltd'})
        by_email = self.env['res.partner'].create({'name': 'Mailed Ltd', 'email': 'Hello@Mailed.example'})
        by_phone = self.env['res.partner'].create({'name': 'Phoned Ltd', 'phone': '+64 9 555 0101'})
        number = self.env['xero.partner.link']._contact_number(by_number)
        a = self.sim_add(Name='Numbered Limited', ContactNumber=number)
        b = self.sim_add(Name='Mailed Limited', EmailAddress='hello@mailed.example')
        c = self.sim_add(Name='Phoned Limited', Phones=[{'PhoneType': 'DEFAULT', 'PhoneCountryCode': '64',
                                                          'PhoneAreaCode': '9', 'PhoneNumber': '5550101'}])
        before = self.env['res.partner'].search_count([])
        counts = self.pull()
        self.assertEqual(self.partner_of(a), by_number)
        self.assertEqual(self.partner_of(b), by_email)
        self.assertEqual(self.partner_of(c), by_phone)
        self.assertEqual(counts['matched'], 3)
        self.assertEqual(by_email.name, 'Mailed Limited', "a match takes Xero's details")
        created = self.env['res.partner'].search_count([]) - before
        self.assertEqual(created, len(self.sim_contacts()) - 3 + 1, 'the others are new (Bayside also gets its person)')

    def test_ambiguous_match_is_held_for_review(self):
        twins = self.env['res.partner'].create([{'name': 'Twin A', 'email': 'same@twin.example'},
                                                {'name': 'Twin B', 'email': 'same@twin.example'}])
        contact = self.sim_add(Name='Twin Holdings', EmailAddress='same@twin.example')
        counts = self.pull()
        self.assertEqual(counts['held'], 1)
        self.assertFalse(self.partner_of(contact), 'not guessed')
        review = self.env['xero.review'].search([('xero_id', '=', contact['ContactID'])])
        self.assertEqual(review.candidate_partner_ids, twins)
        review.partner_id = twins[1]
        review.action_link()
        self.assertEqual(self.partner_of(contact), twins[1])
        self.assertEqual(review.state, 'done')

    def test_name_rule(self):
        person = self.sim_add(Name='Jane Doe', FirstName='Jane', LastName='Doe', EmailAddress='jane@doe.example')
        company = self.sim_add(Name='Doe Trading', FirstName='John', LastName='Doe', EmailAddress='john@doe.example')
        plain = self.sim_add(Name='Nameless Co')
        self.pull()
        self.assertFalse(self.partner_of(person).is_company)
        self.assertEqual(self.partner_of(person).name, 'Jane Doe')
        self.assertTrue(self.partner_of(company).is_company)
        self.assertEqual(self.partner_of(company).child_ids.mapped('name'), ['John Doe'])
        self.assertEqual(self.partner_of(plain).name, 'Nameless Co')

    def test_group_filter(self):
        self.org.action_import_contact_groups()
        self.org.import_group_ids = self.org.contact_group_ids.filtered(lambda g: g.name == 'Preferred customers')
        self.pull()
        names = self.env['xero.partner.link'].search([('organisation_id', '=', self.org.id)]).partner_id.mapped('name')
        self.assertEqual(names, ['Bayside Club'])
        # Without a choice, every contact comes in from the next pull on.
        self.org.import_group_ids = False
        state = self.env['xero.pull.state']._for(self.org, 'contacts')
        state.watermark = False
        self.pull()
        self.assertEqual(self.env['xero.partner.link'].search_count([('organisation_id', '=', self.org.id)]),
                         len(self.sim_contacts()))

    def test_incremental_pull_catches_a_change_made_during_the_previous_pull(self):
        for n in range(4):
            self.sim_add(Name=f'Busy {n}')
        first = min(self.sim_contacts().values(), key=lambda c: c['UpdatedDateUTC'])
        original = XeroApi.pull_contacts

        def pull_and_change(api, since=None, page=1, page_size=1000):
            result = original(api, since, page, page_size)
            if not result[1]:
                # Someone edits a contact in Xero after Xero served the last page, before the
                # pull has finished: the local clock would now be past that change.
                self.sim_change(first, EmailAddress='changed@during.example')
            return result
        with patch.object(XeroApi, 'pull_contacts', pull_and_change):
            self.pull(page_size=3)
        self.assertNotEqual(self.partner_of(first).email, 'changed@during.example')
        del self.sim.requests[:]
        counts = self.pull()
        self.assertEqual(self.partner_of(first).email, 'changed@during.example')
        self.assertLessEqual(counts['calls'], 3)
        self.assertTrue(all(r.headers.get('If-Modified-Since') for r in self.sim.requests
                            if r.endpoint == CONTACTS and r.method == 'GET'))

    def test_archived_contact(self):
        self.pull()
        marine = next(c for c in self.sim_contacts().values() if c['Name'] == 'Marine Systems')
        partner = self.partner_of(marine)
        self.sim_change(marine, ContactStatus='ARCHIVED')
        self.pull()
        link = partner.xero_link_ids
        self.assertEqual(link.xero_status, 'ARCHIVED', 'archived on the link, and shown')
        self.assertTrue(partner.exists() and partner.active, 'the partner is never deleted')

    def test_no_ping_pong(self):
        # Odoo → Xero → back: the pushed change is not applied again.
        self.make_move()
        self.push()
        link = self.link(self.customer)
        counts = self.pull()
        self.assertEqual(counts['updated'], 0)
        self.assertEqual(link.sync_state, 'synced')
        # Xero → Odoo → back: the pulled change is not pushed again.
        contact = self.sim_contacts()[link.xero_id.lower()]
        self.sim_change(contact, EmailAddress='new@azure.example')
        self.pull()
        self.assertEqual(self.customer.email, 'new@azure.example')
        self.assertEqual(link.sync_state, 'synced')
        self.sim.counters.reset()
        self.push()
        self.assertEqual(self.calls(CONTACTS), 0)

    def _conflict(self, policy):
        self.org.conflict_policy = policy
        self.make_move()
        self.push()
        link = self.link(self.customer)
        self.customer.email = 'odoo@azure.example'
        self.assertEqual(link.sync_state, 'pending')
        self.sim_change(self.sim_contacts()[link.xero_id.lower()], EmailAddress='xero@azure.example')
        self.pull()
        return link

    def test_conflict_odoo_wins(self):
        link = self._conflict('odoo')
        self.assertEqual(self.customer.email, 'odoo@azure.example')
        self.assertTrue(any('xero@azure.example' in (m.body or '') for m in self.customer.message_ids),
                        "Xero's losing value is in the chatter")
        self.push()
        self.assertEqual(self.sim_contacts()[link.xero_id.lower()]['EmailAddress'], 'odoo@azure.example')

    def test_conflict_xero_wins(self):
        link = self._conflict('xero')
        self.assertEqual(self.customer.email, 'xero@azure.example')
        self.assertTrue(any('odoo@azure.example' in (m.body or '') for m in self.customer.message_ids),
                        "Odoo's losing value is in the chatter")
        self.assertEqual(link.sync_state, 'synced')


class TestDocumentPull(PullCase):

    def setUp(self):
        super().setUp()
        self.env.ref('base.NZD').active = True
        self.org.import_documents = True
        self.pull()  # contacts first

    def xero_invoice(self, contact_name, account='200', tax_type='OUTPUT2', amount=100.0, number=None):
        contact = next(c for c in self.sim_contacts().values() if c['Name'] == contact_name)
        payload = {'type': 'ACCREC', 'contact': {'contact_id': contact['ContactID']},
                   'date': self.env.cr.now().date(), 'due_date': self.env.cr.now().date(),
                   'line_amount_types': 'Exclusive', 'status': 'AUTHORISED',
                   'line_items': [{'description': 'Made in Xero', 'quantity': 2.0, 'unit_amount': amount,
                                   'account_code': account, 'tax_type': tax_type}]}
        if number:
            payload['invoice_number'] = number
        element, = self.org._xero().save('invoices', [payload], f'test-{number or contact_name}')
        self.assertTrue(element.ok, element.errors)
        return element

    def pull_documents(self):
        return self.env['xero.document.pull'].with_context(xero_no_commit=True)._pull(self.org)

    def test_invoice_made_in_xero_is_imported_with_mapped_taxes(self):
        element = self.xero_invoice('City Limousines', number='XERO-1')
        counts = self.pull_documents()
        self.assertEqual(counts['created'], 1)
        link = self.env['xero.move.link'].search([('xero_id', '=', element.xero_id)])
        move = link.move_id
        self.assertEqual(move.state, 'draft', 'drafts by default')
        self.assertEqual(move.partner_id.name, 'City Limousines')
        tax = move.invoice_line_ids.tax_ids
        self.assertEqual(self.mapping_of(self.org, tax).xero_tax_type, 'OUTPUT2', 'through the tax mapping, reversed')
        self.assertEqual(move.invoice_line_ids.account_id, self.income)
        self.assertAlmostEqual(move.amount_total, element.total)
        self.assertTrue(link.from_xero)

    def test_missing_mapping_is_held_then_imported(self):
        element = self.xero_invoice('City Limousines', account='260', number='XERO-2')
        counts = self.pull_documents()
        self.assertEqual(counts['held'], 1)
        self.assertFalse(self.env['xero.move.link'].search([('xero_id', '=', element.xero_id)]))
        review = self.env['xero.review'].search([('xero_id', '=', element.xero_id)])
        self.assertIn('260', review.reason, 'it says what to map')
        Account = self.env['account.account']
        other = Account.search([*Account._check_company_domain(self.env.company),
                                ('account_type', '=', 'income_other')], limit=1)
        mapping = self.org.account_mapping_ids.filtered(lambda m: m.account_id == other)
        values = {'xero_account_id': self.xero_account(self.org, '260').id}
        mapping.write(values) if mapping else self.env['xero.account.mapping'].create(
            dict(values, organisation_id=self.org.id, account_id=other.id))
        review.action_retry()
        self.assertEqual(review.state, 'done')
        self.assertTrue(self.env['xero.move.link'].search([('xero_id', '=', element.xero_id)]).move_id)

    def test_pushed_invoices_do_not_come_back(self):
        move = self.make_move()
        self.push()
        before = self.env['account.move'].search_count([])
        self.pull_documents()
        self.assertEqual(self.env['account.move'].search_count([]), before)
        self.assertEqual(self.env['xero.move.link'].search_count([('move_id', '=', move.id)]), 1)
