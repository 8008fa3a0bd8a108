from odoo.exceptions import UserError
from odoo.tests import Form

from .common import XeroTransactionCase


class TestOrganisationCompany(XeroTransactionCase):
    """A live organisation stays with the company its mappings belong to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env['res.company'].create({'name': 'Xero Other Co'})

    def test_connected_organisation_keeps_its_company(self):
        org = self.connect_organisations()[0]
        company = org.company_id
        with self.assertRaisesRegex(UserError, 'cannot change while it is connected'):
            org.write({'company_id': self.other_company.id})
        self.assertEqual(org.company_id, company)
        # Writing the same company is no change.
        org.write({'company_id': company.id})

    def test_needs_reconnect_organisation_keeps_its_company(self):
        org = self.connect_organisations()[0]
        org.write({'state': 'needs_reconnect'})
        with self.assertRaises(UserError):
            org.company_id = self.other_company

    def test_disconnected_organisation_can_move(self):
        org = self.connect_organisations()[0]
        org.action_disconnect()
        org.company_id = self.other_company
        self.assertEqual(org.company_id, self.other_company)

    def test_company_is_readonly_in_the_form_while_connected(self):
        org = self.connect_organisations()[0]
        form = Form(org)
        with self.assertRaisesRegex(AssertionError, 'readonly'):
            form.company_id = self.other_company
        org.action_disconnect()
        with Form(org) as form:
            form.company_id = self.other_company
        self.assertEqual(org.company_id, self.other_company)
