"""HTTP side of the identity service: consent page, /connect/token,
/connect/revocation and /connections."""
import base64
import datetime as dt
import html
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from .identity import OAuthError
from .messages import Response, html_response, json_response, redirect

AUTH_PARAMS = ('response_type', 'client_id', 'redirect_uri', 'scope', 'state',
               'code_challenge', 'code_challenge_method', 'nonce', 'user')


def _form(req):
    """Form fields (query for GET, body for POST) as name -> list."""
    if req.method == 'GET':
        return req.query_lists
    return parse_qs(req.body.decode('utf-8', 'replace'), keep_blank_values=True)


def _first(form, name):
    values = form.get(name)
    return values[0] if values else None


def _error_page(status, message):
    body = ('<!doctype html><html><head><title>Xero simulator - error</title></head>'
            '<body><h1>Sorry, something went wrong</h1><p>%s</p></body></html>'
            % html.escape(message))
    return html_response(status, body)


def _with_query(url, params):
    parts = urlsplit(url)
    query = parts.query + ('&' if parts.query else '') + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def authorize(sim, req):
    form = _form(req)
    params = {k: _first(form, k) for k in AUTH_PARAMS}
    identity = sim.identity
    missing = [k for k in ('response_type', 'client_id', 'redirect_uri', 'scope')
               if not params[k]]
    if missing:
        return _error_page(400, 'Missing parameter(s): %s' % ', '.join(missing))
    if params['response_type'] != 'code':
        return _error_page(400, 'unsupported_response_type')
    if params['client_id'] not in identity.clients:
        return _error_page(400, 'unauthorized_client: unknown client_id')
    if not identity.check_redirect(params['client_id'], params['redirect_uri']):
        return _error_page(400, 'Invalid redirect_uri')
    if params['code_challenge'] and (params['code_challenge_method'] or 'plain') != 'S256':
        return _error_page(400, 'Only code_challenge_method=S256 is supported')

    if req.method == 'GET':
        return html_response(200, _consent_page(sim, params))

    decision = _first(form, 'decision') or 'allow'
    if decision != 'allow':
        out = {'error': 'access_denied'}
        if params['state'] is not None:
            out['state'] = params['state']
        return redirect(_with_query(params['redirect_uri'], out))
    known = [o.tenant_id for o in sim.organisations]
    tenants = form.get('tenant')
    tenants = [t for t in tenants if t in known] if tenants else known
    code, session_state = identity.issue_code(
        params['client_id'], params['redirect_uri'], params['scope'], tenants,
        params['code_challenge'], params['code_challenge_method'],
        user_email=params['user'], nonce=params['nonce'])
    out = {'code': code}
    if params['state'] is not None:
        out['state'] = params['state']
    out['scope'] = params['scope']
    out['session_state'] = session_state
    return redirect(_with_query(params['redirect_uri'], out))


def _consent_page(sim, params):
    hidden = ''.join(
        '<input type="hidden" name="%s" value="%s">' % (k, html.escape(v, quote=True))
        for k, v in params.items() if v is not None)
    orgs = ''.join(
        '<li><label><input type="checkbox" name="tenant" value="%s" checked> %s (%s)'
        '</label></li>' % (o.tenant_id, html.escape(o.name), o.base_currency)
        for o in sim.organisations)
    scopes = ''.join('<li>%s</li>' % html.escape(s) for s in params['scope'].split())
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<title>Xero simulator - authorise app</title></head><body>'
        '<h1>Xero simulator</h1><p><b>%s</b> wants access to your organisations.</p>'
        '<form method="post" action="/identity/connect/authorize">%s'
        '<h2>Organisations</h2><ul>%s</ul><h2>Permissions</h2><ul>%s</ul>'
        '<button type="submit" name="decision" value="allow" id="allow">Allow access</button> '
        '<button type="submit" name="decision" value="deny" id="deny">Cancel</button>'
        '</form></body></html>'
        % (html.escape(params['client_id']), hidden, orgs, scopes))


def _client_credentials(req, form):
    auth = req.headers.get('Authorization') or ''
    if auth.lower().startswith('basic '):
        try:
            raw = base64.b64decode(auth[6:].strip()).decode('utf-8')
            client_id, _, secret = raw.partition(':')
            return client_id, secret
        except (ValueError, UnicodeDecodeError):
            raise OAuthError('invalid_client', 401)
    return _first(form, 'client_id'), _first(form, 'client_secret')


def _oauth_error(exc):
    body = {'error': exc.error}
    if exc.description:
        body['error_description'] = exc.description
    return json_response(exc.status, body, {'Cache-Control': 'no-store'})


def token(sim, req):
    form = _form(req)
    try:
        client_id, secret = _client_credentials(req, form)
        if not client_id:
            raise OAuthError('invalid_client', 401)
        grant_type = _first(form, 'grant_type')
        if grant_type == 'authorization_code':
            if not _first(form, 'code'):
                raise OAuthError('invalid_request')
            result = sim.identity.exchange_code(
                client_id, secret, _first(form, 'code'),
                _first(form, 'redirect_uri'), _first(form, 'code_verifier'))
        elif grant_type == 'refresh_token':
            if not _first(form, 'refresh_token'):
                raise OAuthError('invalid_request')
            result = sim.identity.refresh(client_id, secret,
                                          _first(form, 'refresh_token'))
        else:
            raise OAuthError('unsupported_grant_type')
    except OAuthError as exc:
        return _oauth_error(exc)
    return json_response(200, result, {'Cache-Control': 'no-store'})


def revocation(sim, req):
    form = _form(req)
    try:
        client_id, secret = _client_credentials(req, form)
        if not client_id:
            raise OAuthError('invalid_client', 401)
        if not _first(form, 'token'):
            raise OAuthError('invalid_request')
        sim.identity.revoke(client_id, secret, _first(form, 'token'))
    except OAuthError as exc:
        return _oauth_error(exc)
    return Response(200, b'')


def _dotnet_time(ts):
    # Xero's connection dates: 2019-12-07T18:46:19.5165400 (7 digits, no Z).
    when = dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc)
    return when.strftime('%Y-%m-%dT%H:%M:%S.') + '%07d' % (when.microsecond * 10)


def connection_json(sim, conn):
    org = sim.get_organisation(conn['tenantId'])
    return {
        'id': conn['id'], 'authEventId': conn['authEventId'],
        'tenantId': conn['tenantId'], 'tenantType': 'ORGANISATION',
        'tenantName': org.name if org else None,
        'createdDateUtc': _dotnet_time(conn['created']),
        'updatedDateUtc': _dotnet_time(conn['updated']),
    }


def connections(sim, req, grant, connection_id=None):
    if req.method == 'GET' and connection_id is None:
        event = req.query.get('authEventId')
        conns = sim.identity.connections_for(grant, event)
        return json_response(200, [connection_json(sim, c) for c in conns])
    if req.method == 'DELETE' and connection_id:
        if sim.identity.delete_connection(grant, connection_id):
            return Response(204, b'')
        return json_response(404, {'Title': 'Not Found', 'Status': 404,
                                   'Detail': 'Connection not found'})
    return json_response(405, {'Title': 'Method Not Allowed', 'Status': 405})
