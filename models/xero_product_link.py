import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..xero_mappers.keys import payload_hash

_logger = logging.getLogger(__name__)

ITEM_CODE_MAX = 30
ITEM_NAME_MAX = 50
ITEM_DESCRIPTION_MAX = 4000


class XeroProductLink(models.Model):
    """An Odoo product and its Xero Item in one organisation."""
    _name = 'xero.product.link'
    _inherit = ['xero.link.mixin']
    _description = 'Xero item link'
    _order = 'organisation_id, product_id'
    _xero_record_field = 'product_id'

    product_id = fields.Many2one('product.product', required=True, index=True, ondelete='cascade',
                                 readonly=True)
    code = fields.Char(string='Item code', readonly=True, copy=False,
                       help='The Xero item code last accepted for this product.')

    _organisation_product_uniq = models.UniqueIndex(
        '(organisation_id, product_id) WHERE organisation_id IS NOT NULL',
        'A product links to one Xero item per organisation.')
    _xero_unique_nouns = ('Xero item', 'Odoo product')
    _legacy_product_uniq = models.UniqueIndex(
        '(product_id) WHERE organisation_id IS NULL', 'A product has one legacy Xero link.')

    def _xero_kind(self):
        return 'items'

    def _xero_match_key(self, payload):
        return payload.get('code')

    # --- push ---------------------------------------------------------------------------------

    @api.model
    def _products_to_push(self, organisation):
        return self.env['product.product'].search([
            *self.env['product.product']._check_company_domain(organisation._routed_companies()),
            ('type', '!=', 'combo'),
            '|', ('sale_ok', '=', True), ('purchase_ok', '=', True),
        ])

    @api.model
    def _push_items(self, organisation, products=None):
        """Queue new and changed products as Xero items and send them through the engine; return
        the links that were sent or refused.

        Elements Xero refuses keep their reason on the link and go again on the next push; the
        rest of their batch lands. Unchanged, already synced products are not sent again.
        """
        organisation.check_access('write')
        links = self._queue_items(organisation, products)
        self.env['xero.sync.engine'].with_context(xero_no_commit=True)._push_now(organisation, links)
        return links

    @api.model
    def _queue_items(self, organisation, products=None):
        """Mark the links of products whose item differs from what Xero accepted."""
        organisation._check_sync_items()
        # Links are read-only for Xero users: only the addon writes them, once the caller may
        # write on the organisation (the cron, or an administrator).
        self = self.sudo()
        if products is None:
            products = self._products_to_push(organisation)
        links = self.sudo()._ensure_links(organisation, products).sorted(lambda link: link.product_id.id)
        changed = self.browse()
        for link in links.filtered(lambda link: link.sync_state in ('synced', 'error')):
            try:
                digest = payload_hash(link._item_payload(organisation))
            except UserError:
                digest = None
            if link.sync_state == 'error' or digest != link.pushed_hash:
                changed |= link
        changed._mark_pending()
        return links

    @api.model
    def _cron_queue_items(self):
        """Queue every organisation's changed products and wake the push cron, the only one that
        sends to Xero: two crons sending the same outbox would contend for its rows."""
        organisations = self.env['xero.organisation'].search(
            [('state', '=', 'connected'), ('sync_items', '=', True)])
        States = self.env['xero.pull.state']
        queued = False
        for organisation in organisations:
            if not States._due(organisation, 'items'):
                continue
            links = self._queue_items(organisation).filtered(lambda link: link.sync_state == 'pending')
            state = States._for(organisation, 'items')
            if state.requested:
                links.write({'requested': True})
                state.requested = False
            queued = queued or bool(links)
        if queued:
            self._trigger_push()

    def _xero_payloads(self):
        """Item payloads; a product without a usable, unique code is refused before sending."""
        prepared = []
        organisation = self.organisation_id
        codes_taken = {link.code: link.product_id for link in self.sudo().search([
            ('organisation_id', '=', organisation.id), ('code', '!=', False),
            ('product_id', 'not in', self.product_id.ids)])}
        for link in self:
            try:
                payload = link._item_payload(organisation)
                owner = codes_taken.setdefault(payload['code'], link.product_id)
                if owner != link.product_id:
                    raise UserError(_("Internal reference '%(code)s' is also used by '%(other)s'; "
                                      "Xero item codes are unique.",
                                      code=payload['code'], other=owner.display_name))
            except UserError as e:
                link._record_refusal(str(e))
                continue
            prepared.append((link, payload))
        return prepared

    def _xero_bind_extra(self, element, payload):
        self.code = payload['code']

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
        the missing ones, and update linked products' names and prices from Xero. An item Odoo
        refuses is held for review; the others go in."""
        organisation.check_access('write')
        organisation._check_sync_items()
        return self.env['xero.pull.engine']._read_whole(organisation, 'items')

    # --- a kind of the pull engine, listed whole ----------------------------------------------

    @api.model
    def _pull_fetch(self, organisation):
        # 'item' is the client's plain item, which _product_values reads; the rest names it for review.
        return [{'xero_id': item['xero_id'], 'code': item['code'], 'name': item['name'] or item['code'], 'item': item}
                for item in organisation._xero().items()]

    @api.model
    def _pull_existing(self, organisation):
        # Links are read-only for Xero users: only the addon writes them.
        return {link.xero_id: link for link in self.sudo().search(
            [('organisation_id', '=', organisation.id), ('xero_id', '!=', False)])}

    @api.model
    def _pull_one(self, organisation, record, link):
        # Products are created and updated with the caller's own rights.
        company = organisation.company_id
        Product = self.env['product.product'].with_company(company)
        item = record['item']
        product = Product.browse(link.product_id.id) if link else Product.search([
            *Product._check_company_domain(company), ('default_code', '=', item['code'])], limit=1)
        if product:
            product.write(self._product_values(item, product))
            outcome = 'matched' if not link else 'updated'
        else:
            product = Product.create(dict(self._product_values(item, product),
                                          default_code=item['code'], company_id=company.id))
            outcome = 'created'
        if not link:
            Link = self.sudo()
            link = Link.search([('organisation_id', '=', organisation.id), ('product_id', '=', product.id)]) \
                or Link.create({'organisation_id': organisation.id, 'product_id': product.id})
        link.write({'xero_id': record['xero_id'], 'code': item['code'], 'sync_state': 'synced',
                    'last_error': False, 'last_sync_date': fields.Datetime.now(), 'idempotency_key': False})
        # What Odoo would push now is what Xero has: no need to send it back.
        try:
            link.pushed_hash = payload_hash(link._item_payload(organisation))
        except UserError:
            link.pushed_hash = False
        return outcome, link

    @api.model
    def _pull_hold(self, organisation, record, reason):
        self.env['xero.review']._hold(organisation, 'item', record['xero_id'], record['name'], reason,
                                      {'code': record['code'], 'name': record['name']})

    @api.model
    def _product_values(self, item, product):
        """Odoo values from a Xero item (the client's plain item); leaves alone what only
        differs by Xero's shorter limits."""
        values = {'sale_ok': item['is_sold'], 'purchase_ok': item['is_purchased']}
        name = item['name'] or item['code']
        if not product or product.name[:ITEM_NAME_MAX] != name:
            values['name'] = name
        # A push without a sales description sends the name; do not bring that back as one.
        if item['description'] and item['description'] != (values.get('name') or product.name):
            values['description_sale'] = item['description']
        if item['purchase_description'] and item['purchase_description'] != (values.get('name') or product.name):
            values['description_purchase'] = item['purchase_description']
        if item['sales']['unit_price'] is not None:
            values['list_price'] = float(item['sales']['unit_price'])
        if item['purchase']['unit_price'] is not None:
            values['standard_price'] = float(item['purchase']['unit_price'])
        return values
