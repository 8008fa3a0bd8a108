"""Shared test helpers: OAuth consent + PKCE, SDK clients with urllib3
retries disabled, and a JSON-schema validator built from Xero's spec."""
import base64
import hashlib
import os
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
import urllib3

REDIRECT_URI = 'http://localhost:8069/xero/oauth/callback'
SCOPE = ('openid profile email offline_access accounting.settings accounting.contacts '
         'accounting.invoices accounting.payments accounting.banktransactions')
CLIENT_ID = 'demo-client-id'
CLIENT_SECRET = 'demo-client-secret'


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b'=').decode()
    return verifier, challenge


def consent(sim, tenants=None, decision='allow', client_id=CLIENT_ID, scope=SCOPE,
            redirect_uri=REDIRECT_URI, state='st-123', challenge=None, **extra):
    """POST the consent decision; returns the parsed redirect query."""
    data = {'response_type': 'code', 'client_id': client_id, 'redirect_uri': redirect_uri,
            'scope': scope, 'state': state, 'decision': decision}
    if challenge:
        data.update(code_challenge=challenge, code_challenge_method='S256')
    if tenants is not None:
        data['tenant'] = list(tenants)
    data.update(extra)
    resp = requests.post(sim.url + '/identity/connect/authorize', data=data,
                         allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text
    location = resp.headers['Location']
    assert location.startswith(redirect_uri)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(sim, code, verifier=None, redirect_uri=REDIRECT_URI, basic=True,
             client_id=CLIENT_ID, client_secret=CLIENT_SECRET):
    data = {'grant_type': 'authorization_code', 'code': code, 'redirect_uri': redirect_uri}
    if verifier:
        data['code_verifier'] = verifier
    kwargs = {}
    if basic:
        kwargs['auth'] = (client_id, client_secret)
    else:
        data.update(client_id=client_id, client_secret=client_secret)
    return requests.post(sim.url + '/connect/token', data=data, timeout=5, **kwargs)


def refresh(sim, refresh_token, client_id=CLIENT_ID, client_secret=CLIENT_SECRET):
    return requests.post(sim.url + '/connect/token', timeout=5, data={
        'grant_type': 'refresh_token', 'refresh_token': refresh_token,
        'client_id': client_id, 'client_secret': client_secret})


def connect(sim, tenants=None, **kwargs):
    """Full code flow with PKCE; returns the token response dict."""
    verifier, challenge = pkce_pair()
    query = consent(sim, tenants=tenants, challenge=challenge, **kwargs)
    resp = exchange(sim, query['code'], verifier)
    assert resp.status_code == 200, resp.text
    return resp.json()


def jwt_payload(token):
    import json
    body = token.split('.')[1]
    return json.loads(base64.urlsafe_b64decode(body + '=' * (-len(body) % 4)))


class TokenStore:
    """What an app keeps between calls; fed to the SDK getter/saver."""

    def __init__(self, token):
        self.token = dict(token)
        self.token['scope'] = token['scope'].split() if isinstance(token['scope'], str) \
            else token['scope']
        self.token.setdefault('expires_at', time.time() + token['expires_in'])
        self.saved = []

    def get(self):
        return self.token

    def save(self, token):
        self.saved.append(token)
        self.token = dict(token)


VALIDATED = {}  # response type -> count, filled by checking clients


def _checking(client, validators):
    """Validate every body the SDK deserialises against the spec schema named
    by the SDK's own response_type (Invoices, Allocation, list[Connection]...)."""
    import json as _json
    from decimal import Decimal as _D
    original = client.deserialize

    def deserialize(response, response_type, model_finder):
        body = _json.loads(response.data or b'null', parse_float=_D)
        name = response_type
        if name.startswith('list[') and isinstance(body, list):
            name = name[5:-1]
            items = body
        else:
            items = [body]
        for validator in validators:
            if validator is not None and validator.has(name):
                for item in items:
                    validator.validate(name, item)
                VALIDATED[name] = VALIDATED.get(name, 0) + 1
                break
        return original(response, response_type, model_finder)
    client.deserialize = deserialize


def sdk(sim, token, retries=False, validators=()):
    """(AccountingApi, IdentityApi, ApiClient, TokenStore) against the sim.
    With validators, every deserialised response is checked against the spec."""
    from xero_python.accounting import AccountingApi
    from xero_python.api_client import ApiClient, Configuration
    from xero_python.api_client.oauth2 import OAuth2Token
    from xero_python.identity import IdentityApi
    store = TokenStore(token)
    client = ApiClient(
        Configuration(oauth2_token=OAuth2Token(client_id=CLIENT_ID,
                                               client_secret=CLIENT_SECRET)),
        pool_threads=1, oauth2_token_getter=store.get, oauth2_token_saver=store.save)
    if retries is False:
        # XERO_API.md section 7: never let urllib3 silently re-send writes.
        client.rest_client.pool_manager = urllib3.PoolManager(retries=False)
    if validators:
        _checking(client, validators)
    return (AccountingApi(client, base_url=sim.url + '/api.xro/2.0'),
            IdentityApi(client, base_url=sim.url), client, store)


def api_headers(token, tenant_id=None, **extra):
    headers = {'Authorization': 'Bearer ' + token['access_token'],
               'Accept': 'application/json'}
    if tenant_id:
        headers['Xero-Tenant-Id'] = tenant_id
    headers.update(extra)
    return headers


# -- OpenAPI validation ------------------------------------------------------

def spec_dir():
    env = os.environ.get('XERO_OPENAPI_DIR')
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root.parent / 'shared' / 'xero-openapi'


def _openapi_to_jsonschema(node):
    """OpenAPI 3.0 'nullable' is not JSON Schema; everything else we need is."""
    if isinstance(node, dict):
        out = {k: _openapi_to_jsonschema(v) for k, v in node.items()
               if k not in ('example', 'examples', 'externalDocs')}
        if out.get('nullable') and 'type' in out:
            out['type'] = [out['type'], 'null']
        return out
    if isinstance(node, list):
        return [_openapi_to_jsonschema(v) for v in node]
    return node


class SpecValidator:
    def __init__(self, path):
        import yaml
        from jsonschema import Draft202012Validator
        loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
        with open(path, 'rb') as fh:
            spec = yaml.load(fh, Loader=loader)
        self.root = {'components': {'schemas': _openapi_to_jsonschema(
            spec['components']['schemas'])}}
        self._cls = Draft202012Validator
        self._cache = {}

    def validator(self, schema_name):
        if schema_name not in self._cache:
            schema = dict(self.root)
            schema['$ref'] = '#/components/schemas/' + schema_name
            self._cache[schema_name] = self._cls(schema)
        return self._cache[schema_name]

    def has(self, schema_name):
        return schema_name in self.root['components']['schemas']

    def errors(self, schema_name, body):
        return sorted(self.validator(schema_name).iter_errors(body), key=str)

    def validate(self, schema_name, body):
        errs = self.errors(schema_name, body)
        assert not errs, '%s does not match spec schema %s:\n%s' % (
            str(body)[:500], schema_name,
            '\n'.join('%s at %s' % (e.message, list(e.absolute_path)) for e in errs[:10]))


def raw(api_client):
    """JSON body of the SDK's last response (to check it against the spec)."""
    import json
    from decimal import Decimal
    return json.loads(api_client.last_response.data, parse_float=Decimal)
