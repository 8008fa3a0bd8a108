import hashlib
import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ..xero_client import XeroError, XeroValidationError, to_sdk

_logger = logging.getLogger(__name__)

# About 50 elements per request is Xero's practical ceiling (XERO_API.md §2).
ITEM_BATCH_SIZE = 50
ITEM_CODE_MAX = 30
ITEM_NAME_MAX = 50
ITEM_DESCRIPTION_MAX = 4000


def payload_hash(payload):
    """What the item says, not how it is addressed: the ItemID is added after the first push."""
    content = {k: v for k, v in payload.items() if k != 'item_id'}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def idempotency_key(tenant_id, payloads):
    """Same tenant and same elements give the same key, so a retried request cannot land twice.
    75 characters, under Xero's 128."""
    digest = hashlib.sha256(json.dumps([tenant_id, payloads], sort_keys=True, default=str).encode())
    return 'odoo-items-' + digest.hexdigest()


class XeroProductLink(models.Model):
    """An Odoo product and its Xero Item in one organisation."""
    _name = 'xero.product.link'
    _inherit = ['xero.link.mixin']
    _description = 'Xero item link'
    _order = 'organisation_id, product_id'

    product_id = fields.Many2one('product.product', required=True, index=True, ondelete='cascade')
    code = fields.Char(string='Item code', readonly=True, copy=False,
                       help='The Xero item code last accepted for this product.')

    _organisation_product_uniq = models.Constraint(
        'UNIQUE (organisation_id, product_id)', 'A product links to one Xero item per organisation.')
    _organisation_xero_uniq = models.Constraint(
        'UNIQUE (organisation_id, xero_id)', 'A Xero item links to one Odoo product per organisation.')

    # --- push ---------------------------------------------------------------------------------

    @api.model
    def _products_to_push(self, organisation):
        return self.env['product.product'].search([
            *self.env['product.product']._check_company_domain(organisation.company_id),
            ('type', '!=', 'combo'),
            '|', ('sale_ok', '=', True), ('purchase_ok', '=', True),
        ])

    @api.model
    def _push_items(self, organisation, products=None):
        """Send new and changed products to Xero as items; return the links that were sent or
        refused before sending.

        Elements Xero refuses keep their reason on the link and go again on the next push; the
        rest of their batch lands. Unchanged, already synced products are not sent again.
        """
        organisation.check_access('write')
        organisation._check_sync_items()
        # Links are read-only for Xero users: only the addon writes them, once the caller may
        # write on the organisation (the cron, or an administrator).
        self = self.sudo()
        if products is None:
            products = self._products_to_push(organisation)
        links = self._links_for(organisation, products)
        # Codes Xero already holds for other products; the products pushed now claim theirs below.
        codes_taken = {link.code: link.product_id for link in self.search([
            ('organisation_id', '=', organisation.id), ('code', '!=', False),
            ('product_id', 'not in', products.ids)])}
        to_send = []
        refused = self.browse()
        for link in links:
            try:
                payload = link._item_payload(organisation)
                owner = codes_taken.setdefault(payload['code'], link.product_id)
                if owner != link.product_id:
                    raise UserError(_("Internal reference '%(code)s' is also used by '%(other)s'; "
                                      "Xero item codes are unique.",
                                      code=payload['code'], other=owner.display_name))
            except UserError as e:
                link._record_error(str(e))
                refused |= link
                continue
            digest = payload_hash(payload)
            if link.sync_state == 'synced' and link.pushed_hash == digest:
                continue
            to_send.append((link, payload, digest))
        sent = self.browse()
        for batch in split_every(ITEM_BATCH_SIZE, to_send, piece_maker=list):
            batch_links, go_on = self._send_batch(organisation, batch)
            sent |= batch_links
            if not go_on:
                break
        return refused | sent

    @api.model
    def _cron_push_items(self):
        """Push every organisation that syncs items, committing after each one.

        A crash after Xero accepted a batch loses nothing: the next run sends the same payloads
        with the same Idempotency-Keys, and Xero answers as it did the first time.
        """
        organisations = self.env['xero.organisation'].search(
            [('state', '=', 'connected'), ('sync_items', '=', True)])
        cron = self.env['ir.cron']
        cron._commit_progress(remaining=len(organisations))
        for organisation in organisations:
            self._push_items(organisation)
            if not cron._commit_progress(1):
                break

    @api.model
    def _links_for(self, organisation, products):
        existing = self.search([('organisation_id', '=', organisation.id),
                                ('product_id', 'in', products.ids)])
        missing = products - existing.product_id
        links = existing | self.create([{'organisation_id': organisation.id, 'product_id': p.id}
                                        for p in missing])
        # A stable order gives a retried batch the same payload, hence the same Idempotency-Key.
        return links.sorted(lambda link: link.product_id.id)

    @api.model
    def _send_batch(self, organisation, batch):
        """Send one batch; return its links and whether the next batch may follow."""
        payloads = [payload for _link, payload, _digest in batch]
        links = self.browse([link.id for link, _payload, _digest in batch])
        try:
            result = organisation._call(
                'update_or_create_items', to_sdk('Items', {'items': payloads}),
                summarize_errors=False, unitdp=4,
                idempotency_key=idempotency_key(organisation.tenant_id, payloads))
        except XeroValidationError as e:
            # The whole request was refused: each element gets its own messages when Xero gave them.
            for index, link in enumerate(links):
                messages = e.elements[index] if index < len(e.elements) else []
                link._record_error('\n'.join(messages) or e.message)
            return links, True
        except XeroError as e:
            # No answer, a rate limit, a lost authorisation: nothing is known to have landed, and
            # the next batch would fare no better. These links go again on the next push.
            _logger.warning('Xero organisation %s: items not pushed (%s)', organisation.id, e.message)
            links._record_error(e.message, state='pending')
            return links, False
        items = result.data.items or []
        now = fields.Datetime.now()
        for (link, payload, digest), item in zip(batch, items):
            errors = [v.message for v in item.validation_errors or [] if v.message]
            if errors or item.status_attribute_string == 'ERROR' or not item.item_id:
                link._record_error('\n'.join(errors) or _('Xero refused the item without saying why.'))
                continue
            link.write({'xero_id': str(item.item_id), 'code': payload['code'], 'sync_state': 'synced',
                        'pushed_hash': digest, 'last_error': False, 'last_sync_date': now})
        return links, True

    def _record_error(self, message, state='error'):
        self.write({'sync_state': state, 'last_error': message})

    def _item_payload(self, organisation):
        """The Xero Item for this link's product, as plain SDK values (snake_case)."""
        self.ensure_one()
        company = organisation.company_id
        product = self.product_id.with_company(company)
        code = (product.default_code or '').strip()
        if not code:
            raise UserError(_("Product '%s' has no internal reference; Xero needs it as the item code.",
                              product.display_name))
        if len(code) > ITEM_CODE_MAX:
            raise UserError(_("Internal reference '%(code)s' is longer than Xero's %(max)s characters.",
                              code=code, max=ITEM_CODE_MAX))
        accounts = organisation._item_accounts(product)
        payload = {
            'code': code,
            'name': product.name[:ITEM_NAME_MAX],
            'description': (product.description_sale or product.name)[:ITEM_DESCRIPTION_MAX],
            'is_sold': product.sale_ok,
            'is_purchased': product.purchase_ok,
        }
        if self.xero_id:
            payload['item_id'] = self.xero_id
        if product.sale_ok:
            payload['sales_details'] = self._details(
                organisation, product.list_price, accounts['sale'],
                product.taxes_id.filtered(lambda t: t.company_id in company.parent_ids))
        if product.purchase_ok:
            payload['purchase_description'] = (product.description_purchase or product.name)[:ITEM_DESCRIPTION_MAX]
            payload['purchase_details'] = self._details(
                organisation, product.standard_price, accounts['purchase'],
                product.supplier_taxes_id.filtered(lambda t: t.company_id in company.parent_ids))
        return payload

    @api.model
    def _details(self, organisation, price, xero_account, taxes):
        details = {'unit_price': round(price, 4)}
        if xero_account:
            details['account_code'] = xero_account.code
        # An item carries one default tax type; with several taxes, Xero's account default applies.
        if len(taxes) == 1:
            mapping = organisation.tax_mapping_ids.filtered(
                lambda m: m.tax_id == taxes and m.state == 'confirmed')
            if mapping:
                details['tax_type'] = mapping.xero_tax_rate_id.tax_type
        return details

    # --- pull ---------------------------------------------------------------------------------

    @api.model
    def _pull_items(self, organisation):
        """Bring Xero's items into Odoo: link products with the same internal reference, create
        the missing ones, and update linked products' names and prices from Xero."""
        organisation.check_access('write')
        organisation._check_sync_items()
        company = organisation.company_id
        result = organisation._call('get_items', unitdp=4)
        # Links are read-only for Xero users: only the addon writes them. Products are created
        # and updated with the caller's own rights.
        Link = self.sudo()
        links = Link.search([('organisation_id', '=', organisation.id)])
        by_xero_id = {link.xero_id: link for link in links if link.xero_id}
        Product = self.env['product.product'].with_company(company)
        pulled = Link.browse()
        now = fields.Datetime.now()
        for item in result.data.items or []:
            link = by_xero_id.get(str(item.item_id))
            product = Product.browse(link.product_id.id) if link else Product.search([
                *Product._check_company_domain(company), ('default_code', '=', item.code)], limit=1)
            if product:
                product.write(self._product_values(item, product))
            else:
                product = Product.create(dict(self._product_values(item, product),
                                              default_code=item.code, company_id=company.id))
            if not link:
                link = links.filtered(lambda known: known.product_id == product) or Link.create(
                    {'organisation_id': organisation.id, 'product_id': product.id})
            link.write({'xero_id': str(item.item_id), 'code': item.code, 'sync_state': 'synced',
                        'last_error': False, 'last_sync_date': now})
            # What Odoo would push now is what Xero has: no need to send it back.
            try:
                link.pushed_hash = payload_hash(link._item_payload(organisation))
            except UserError:
                link.pushed_hash = False
            pulled |= link
        return pulled

    @api.model
    def _product_values(self, item, product):
        """Odoo values from a Xero item; leaves alone what only differs by Xero's shorter limits."""
        values = {'sale_ok': bool(item.is_sold), 'purchase_ok': bool(item.is_purchased)}
        name = item.name or item.code
        if not product or product.name[:ITEM_NAME_MAX] != name:
            values['name'] = name
        # A push without a sales description sends the name; do not bring that back as one.
        if item.description and item.description != (values.get('name') or product.name):
            values['description_sale'] = item.description
        if item.purchase_description and item.purchase_description != (values.get('name') or product.name):
            values['description_purchase'] = item.purchase_description
        if item.sales_details and item.sales_details.unit_price is not None:
            values['list_price'] = float(item.sales_details.unit_price)
        if item.purchase_details and item.purchase_details.unit_price is not None:
            values['standard_price'] = float(item.purchase_details.unit_price)
        return values
