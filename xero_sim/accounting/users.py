"""GET /Users and /Users/{id}: the organisation's users and their OrganisationRole.

The users are those who connected the organisation to an app, and those given a role with
``sim.set_user_role``; their UserID is the ``xero_userid`` claim of their tokens."""
from ..messages import json_response
from .base import apply_order, envelope, filter_where, not_found


def _users(sim, org):
    identity = sim.identity
    with identity.lock:
        emails = [email for (_client, email), conns in identity.connections.items()
                  if org.tenant_id in conns]
    emails += [email for email in org.user_roles if email not in emails]
    out = []
    for index, email in enumerate(sorted(dict.fromkeys(emails))):
        user = identity.user(email)
        out.append({
            'UserID': user['xero_userid'], 'EmailAddress': email,
            'FirstName': user['given_name'], 'LastName': user['family_name'],
            'UpdatedDateUTC': org.created, 'IsSubscriber': index == 0,
            'OrganisationRole': org.role_of(email),
        })
    return out


def get_users(sim, req, org):
    items = apply_order(req, filter_where(req, _users(sim, org)))
    return json_response(200, envelope(sim, 'Users', items))


def get_user(sim, req, org, id):
    items = [u for u in _users(sim, org) if u['UserID'] == id.lower()]
    if not items:
        raise not_found()
    return json_response(200, envelope(sim, 'Users', items))


ROUTES = [
    ('GET', '/Users', get_users),
    ('GET', '/Users/{id}', get_user),
]
