"""Items: GET (where, order, If-Modified-Since, unitdp), GET /Items/{id|Code},
PUT/POST batches, POST /Items/{id}, DELETE /Items/{id}. Code is required,
at most 30 characters and unique; a tracked item needs an inventory asset
account and a COGS account."""
from ..messages import Response, json_response
from ..state import public
from ..util import ZERO, dec, is_uuid, new_id, round2, round4
from .base import (Invalid, apply_order, envelope, filter_modified_since, filter_where,
                   not_found, read_body, run_batch, touch)

WRITABLE = ('Code', 'Name', 'Description', 'PurchaseDescription', 'IsSold', 'IsPurchased',
            'InventoryAssetAccountCode', 'IsTrackedAsInventory')


def _details(org, data, errors, label, unitdp4):
    if not isinstance(data, dict):
        return None
    out = {}
    if data.get('UnitPrice') is not None:
        try:
            price = dec(data['UnitPrice'])
            out['UnitPrice'] = round4(price) if unitdp4 else round2(price)
        except ValueError:
            errors.append('%s UnitPrice must be a number.' % label)
    for key in ('AccountCode', 'COGSAccountCode'):
        if data.get(key):
            if org.account_by_code(data[key]) is None:
                errors.append("Account code '%s' is not a valid code." % data[key])
            out[key] = str(data[key])
    if data.get('TaxType'):
        if data['TaxType'] not in org.tax_rates:
            errors.append('The TaxType code %s does not exist.' % data['TaxType'])
        out['TaxType'] = data['TaxType']
    return out


def build(sim, org, data, existing=None, unitdp4=False):
    item = dict(existing) if existing else {
        'ItemID': new_id(), 'IsSold': True, 'IsPurchased': True,
        'IsTrackedAsInventory': False, 'Description': '', 'PurchaseDescription': '',
        'TotalCostPool': ZERO, 'QuantityOnHand': ZERO, '_created': sim.clock.now()}
    for key in WRITABLE:
        if key in data and data[key] is not None:
            item[key] = data[key]
    errors = []
    for key, label in (('SalesDetails', 'Sales'), ('PurchaseDetails', 'Purchase')):
        if key in data:
            item[key] = _details(org, data[key], errors, label, unitdp4)
    code = str(item.get('Code') or '').strip()
    if not code:
        errors.append('Item code must be specified.')
    elif len(code) > 30:
        errors.append('Item code must be 30 characters or fewer.')
    elif any(i['Code'].lower() == code.lower() and i['ItemID'] != item['ItemID']
             for i in org.items.values()):
        errors.append("Item code '%s' already exists." % code)
    if item.get('Name') and len(item['Name']) > 50:
        errors.append('Item name must be 50 characters or fewer.')
    if item.get('IsTrackedAsInventory'):
        if not item.get('InventoryAssetAccountCode') or \
                not (item.get('PurchaseDetails') or {}).get('COGSAccountCode'):
            errors.append('A tracked item needs an InventoryAssetAccountCode and a '
                          'PurchaseDetails.COGSAccountCode.')
    if errors:
        raise Invalid(*errors)
    item['Code'] = code
    item.setdefault('Name', code)
    item.setdefault('SalesDetails', {})
    item.setdefault('PurchaseDetails', {})
    return touch(sim, item)


def add_item(sim, org, data):
    item = build(sim, org, data, unitdp4=True)
    org.items[item['ItemID']] = item
    return item


def present(item, unitdp4):
    out = public(item)
    if not unitdp4:
        for key in ('SalesDetails', 'PurchaseDetails'):
            if out.get(key, {}).get('UnitPrice') is not None:
                out[key] = dict(out[key], UnitPrice=round2(out[key]['UnitPrice']))
    return out


def _unitdp4(req):
    return req.query.get('unitdp') == '4'


def find(org, ident):
    if is_uuid(ident):
        return org.items.get(ident.lower())
    return next((i for i in org.items.values() if i['Code'] == ident), None)


def get_items(sim, req, org):
    items = sorted(org.items.values(), key=lambda i: i['_created'])
    items = apply_order(req, filter_where(req, filter_modified_since(req, items)))
    udp = _unitdp4(req)
    return json_response(200, envelope(sim, 'Items', [present(i, udp) for i in items]))


def get_item(sim, req, org, id):
    item = find(org, id)
    if item is None:
        raise not_found()
    return json_response(200, envelope(sim, 'Items', [present(item, _unitdp4(req))]))


def _write(sim, req, org, allow_update, path_id=None):
    elements = read_body(req, 'Items')
    udp = _unitdp4(req)

    def apply_one(element):
        existing = None
        if path_id or element.get('ItemID'):
            existing = org.items.get(str(path_id or element['ItemID']).lower())
            if existing is None:
                raise Invalid('Item could not be found')
        elif allow_update and element.get('Code'):
            existing = find(org, element['Code'])
        item = build(sim, org, element, existing, udp)
        org.items[item['ItemID']] = item
        if existing is None:
            sim.counters.record_created(org.tenant_id, 'Items')
        return present(item, udp), []
    return run_batch(sim, req, org, 'Items', elements, apply_one, 'ItemID')


def put_items(sim, req, org):
    return _write(sim, req, org, allow_update=False)


def post_items(sim, req, org):
    return _write(sim, req, org, allow_update=True)


def post_item(sim, req, org, id):
    item = find(org, id)
    if item is None:
        raise not_found()
    return _write(sim, req, org, allow_update=True, path_id=item['ItemID'])


def delete_item(sim, req, org, id):
    item = find(org, id)
    if item is None:
        raise not_found()
    del org.items[item['ItemID']]
    return Response(204, b'')


ROUTES = [
    ('GET', '/Items', get_items),
    ('PUT', '/Items', put_items),
    ('POST', '/Items', post_items),
    ('GET', '/Items/{id}', get_item),
    ('POST', '/Items/{id}', post_item),
    ('DELETE', '/Items/{id}', delete_item),
]
