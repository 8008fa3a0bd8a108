from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import XeroHttpCase, XeroTransactionCase

LINK_INTERNALS = {'xero_id': 'forged-id', 'pushed_hash': 'forged', 'sync_state': 'synced',
                  'last_error': False}


class LinkFixture:

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(cls.env, login='xero_link_clerk', password='xero_link_clerk_pw1',
                                  groups='base.group_user,xero_integration.group_xero_user')
        cls.partner = cls.env['res.partner'].create({'name': 'Linked contact'})
        cls.product = cls.env['product.product'].create({'name': 'Linked product', 'default_code': 'LNK'})

    def make_links(self):
        org = self.connect_organisations()[0]
        partner_link = self.env['xero.partner.link'].create({
            'organisation_id': org.id, 'partner_id': self.partner.id, 'xero_id': 'c-1'})
        product_link = self.env['xero.product.link'].create({
            'organisation_id': org.id, 'product_id': self.product.id, 'xero_id': 'i-1'})
        return org, partner_link, product_link


class TestLinkAccess(LinkFixture, XeroTransactionCase):
    """Xero users see links; only the addon (and administrators) write them."""

    def test_xero_user_reads_but_cannot_write_links(self):
        org, partner_link, product_link = self.make_links()
        for link, record_field, record in ((partner_link, 'partner_id', self.partner),
                                           (product_link, 'product_id', self.product)):
            as_clerk = link.with_user(self.clerk)
            with self.subTest(model=link._name):
                self.assertEqual(as_clerk.xero_id, link.xero_id, 'readable')
                for field, value in dict(LINK_INTERNALS, organisation_id=False).items():
                    with self.assertRaises(AccessError):
                        as_clerk.write({field: value})
                with self.assertRaises(AccessError):
                    self.env[link._name].with_user(self.clerk).create({
                        'organisation_id': org.id, record_field: record.id, 'xero_id': 'new'})
                with self.assertRaises(AccessError):
                    as_clerk.unlink()
        self.assertEqual((partner_link.xero_id, product_link.xero_id), ('c-1', 'i-1'))

    def test_administrator_keeps_full_access(self):
        manager = new_test_user(self.env, login='xero_link_manager',
                                groups='base.group_user,xero_integration.group_xero_manager')
        _org, partner_link, product_link = self.make_links()
        for link in (partner_link, product_link):
            link.with_user(manager).write({'last_error': 'looked at it'})
            self.assertEqual(link.last_error, 'looked at it')


@tagged('post_install', '-at_install')
class TestLinkAccessOverRpc(LinkFixture, XeroHttpCase):

    def test_xero_user_cannot_write_links_over_rpc(self):
        _org, partner_link, product_link = self.make_links()
        self.authenticate('xero_link_clerk', 'xero_link_clerk_pw1')
        for link in (partner_link, product_link):
            with self.subTest(model=link._name), self.assertRaises(Exception) as caught:
                self.make_jsonrpc_request('/web/dataset/call_kw', {
                    'model': link._name, 'method': 'write',
                    'args': [link.ids, {'xero_id': 'forged-id', 'sync_state': 'synced'}], 'kwargs': {}})
            self.assertIn('AccessError', str(caught.exception))
        self.assertEqual((partner_link.xero_id, product_link.xero_id), ('c-1', 'i-1'))
