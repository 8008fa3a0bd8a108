"""ContactGroups: GET, PUT, GET/POST /ContactGroups/{id}, and membership via
PUT/DELETE /ContactGroups/{id}/Contacts[/{ContactID}]."""
from ..messages import Response, json_response
from ..util import new_id
from .base import (ApiError, Invalid, apply_order, envelope, filter_where, not_found,
                   read_body, validation_body)


def build(org, data, existing=None):
    group = dict(existing) if existing else {'ContactGroupID': new_id(), 'Status': 'ACTIVE',
                                             '_members': []}
    name = str(data.get('Name', group.get('Name')) or '').strip()
    status = str(data.get('Status') or group['Status']).upper()
    errors = []
    if not name:
        errors.append('The contact group name must be specified.')
    elif status == 'ACTIVE' and any(
            g['Name'].lower() == name.lower() and g['ContactGroupID'] != group['ContactGroupID']
            and g['Status'] == 'ACTIVE' for g in org.contact_groups.values()):
        errors.append('The contact group name %s is already in use.' % name)
    if status not in ('ACTIVE', 'DELETED'):
        errors.append('Status must be ACTIVE or DELETED.')
    if errors:
        raise Invalid(*errors)
    group.update(Name=name, Status=status)
    return group


def add_contact_group(sim, org, data):
    """Seeding: 'Contacts' may list contact names or ContactIDs."""
    group = build(org, data)
    for ref in data.get('Contacts') or []:
        contact = org.contact_ref(ref if isinstance(ref, dict) else
                                  ({'ContactID': ref} if len(ref) == 36 else {'Name': ref}))
        if contact:
            group['_members'].append(contact['ContactID'])
    org.contact_groups[group['ContactGroupID']] = group
    return group


def present(org, group, with_contacts=True):
    out = {k: v for k, v in group.items() if not k.startswith('_')}
    out['Contacts'] = [{'ContactID': cid, 'Name': org.contacts[cid]['Name']}
                       for cid in group['_members'] if cid in org.contacts] if with_contacts else []
    return out


def _fail(element, exc):
    return ApiError(400, validation_body([dict(
        element, ValidationErrors=[{'Message': m} for m in exc.messages])]))


def get_groups(sim, req, org):
    items = [g for g in org.contact_groups.values() if g['Status'] == 'ACTIVE']
    items = apply_order(req, filter_where(req, items))
    return json_response(200, envelope(sim, 'ContactGroups',
                                       [present(org, g, with_contacts=False) for g in items]))


def _group(org, id):
    group = org.contact_groups.get(id.lower())
    if group is None:
        raise not_found()
    return group


def get_group(sim, req, org, id):
    return json_response(200, envelope(sim, 'ContactGroups', [present(org, _group(org, id))]))


def put_groups(sim, req, org):
    created = []
    for element in read_body(req, 'ContactGroups'):
        try:
            group = build(org, element)
        except Invalid as exc:
            raise _fail(element, exc)
        org.contact_groups[group['ContactGroupID']] = group
        created.append(group)
        sim.counters.record_created(org.tenant_id, 'ContactGroups')
    return json_response(200, envelope(sim, 'ContactGroups', [present(org, g) for g in created]))


def post_groups(sim, req, org):
    """Create or update (by ContactGroupID) several groups."""
    done = []
    for element in read_body(req, 'ContactGroups'):
        existing = None
        if element.get('ContactGroupID'):
            existing = _group(org, str(element['ContactGroupID']))
        try:
            group = build(org, element, existing)
        except Invalid as exc:
            raise _fail(element, exc)
        if group['Status'] == 'DELETED':
            group['_members'] = []
        org.contact_groups[group['ContactGroupID']] = group
        done.append(group)
        if existing is None:
            sim.counters.record_created(org.tenant_id, 'ContactGroups')
    return json_response(200, envelope(sim, 'ContactGroups', [present(org, g) for g in done]))


def post_group(sim, req, org, id):
    group = _group(org, id)
    element = read_body(req, 'ContactGroups')[0]
    try:
        group = build(org, element, group)
    except Invalid as exc:
        raise _fail(element, exc)
    if group['Status'] == 'DELETED':
        group['_members'] = []
    org.contact_groups[group['ContactGroupID']] = group
    return json_response(200, envelope(sim, 'ContactGroups', [present(org, group)]))


def put_group_contacts(sim, req, org, id):
    group = _group(org, id)
    if group['Status'] != 'ACTIVE':
        raise ApiError(400, validation_body([{'ValidationErrors': [
            {'Message': 'The contact group has been deleted.'}]}]))
    added, failed = [], []
    for element in read_body(req, 'Contacts'):
        contact = org.contacts.get(str(element.get('ContactID') or '').lower())
        if contact is None:
            failed.append(dict(element, ValidationErrors=[
                {'Message': 'The contact with the specified ContactID was not found.'}]))
            continue
        if contact['ContactID'] not in group['_members']:
            group['_members'].append(contact['ContactID'])
        added.append({'ContactID': contact['ContactID'], 'Name': contact['Name']})
    if failed:
        raise ApiError(400, validation_body(failed))
    return json_response(200, envelope(sim, 'Contacts', added))


def delete_group_contacts(sim, req, org, id):
    _group(org, id)['_members'] = []
    return Response(204, b'')


def delete_group_contact(sim, req, org, id, contact_id):
    group = _group(org, id)
    if contact_id.lower() not in group['_members']:
        raise not_found()
    group['_members'].remove(contact_id.lower())
    return Response(204, b'')


ROUTES = [
    ('GET', '/ContactGroups', get_groups),
    ('PUT', '/ContactGroups', put_groups),
    ('POST', '/ContactGroups', post_groups),
    ('GET', '/ContactGroups/{id}', get_group),
    ('POST', '/ContactGroups/{id}', post_group),
    ('PUT', '/ContactGroups/{id}/Contacts', put_group_contacts),
    ('DELETE', '/ContactGroups/{id}/Contacts', delete_group_contacts),
    ('DELETE', '/ContactGroups/{id}/Contacts/{contact_id}', delete_group_contact),
]
