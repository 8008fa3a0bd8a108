"""OAuth2 state of the simulated Xero identity service: clients, consent
codes, grants (one per authorisation event), rotating refresh tokens,
JWT access tokens and connections.

Connections belong to (client_id, user), as in Xero: a token may call any
tenant its user has connected to the app, and GET /connections lists all of
them (authEventId narrows it to one consent)."""
import base64
import hashlib
import hmac
import json
import secrets
import threading
import uuid

ACCESS_TOKEN_SECONDS = 1800
CODE_SECONDS = 300
REFRESH_IDLE_SECONDS = 60 * 86400
DEFAULT_USER = 'demo.user@example.com'


class OAuthError(Exception):
    def __init__(self, error, status=400, description=None):
        super().__init__(error)
        self.error = error
        self.status = status
        self.description = description


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def pkce_challenge(verifier):
    return b64url(hashlib.sha256(verifier.encode('ascii')).digest())


class Identity:
    def __init__(self, clock, organisations_getter, issuer='https://identity.xero.com'):
        self.clock = clock
        self._orgs = organisations_getter
        self.issuer = issuer
        self.lock = threading.RLock()
        self.clients = {'demo-client-id': 'demo-client-secret'}
        self.redirect_uris = {}  # client_id -> set, empty = any accepted
        # Xero keeps a lost refresh response usable for 30 minutes; the
        # contract asks for strict single use, so 0 by default.
        self.refresh_grace_seconds = 0
        self.secret = secrets.token_bytes(32)
        self.reset()

    def reset(self):
        with self.lock:
            self.codes = {}
            self.grants = {}           # auth_event_id -> grant dict
            self.refresh_tokens = {}   # token -> record
            self.access_tokens = {}    # jti -> record
            self.connections = {}      # (client_id, user) -> {tenant: conn}
            self.users = {}

    # -- clients -----------------------------------------------------------

    def add_client(self, client_id, client_secret, redirect_uris=None):
        with self.lock:
            self.clients[client_id] = client_secret
            if redirect_uris:
                self.redirect_uris[client_id] = set(redirect_uris)

    def check_redirect(self, client_id, redirect_uri):
        allowed = self.redirect_uris.get(client_id)
        return not allowed or redirect_uri in allowed

    def authenticate_client(self, client_id, client_secret, allow_public=False):
        if client_id not in self.clients:
            raise OAuthError('invalid_client', 401)
        if client_secret is None and allow_public:
            return
        if not hmac.compare_digest(str(client_secret or ''),
                                   self.clients[client_id]):
            raise OAuthError('invalid_client', 401)

    # -- users -------------------------------------------------------------

    def user(self, email):
        email = email or DEFAULT_USER
        with self.lock:
            if email not in self.users:
                name = email.split('@')[0].replace('.', ' ').title().split()
                self.users[email] = {
                    'email': email, 'xero_userid': str(uuid.uuid4()),
                    'sub': uuid.uuid4().hex,
                    'given_name': name[0] if name else 'Demo',
                    'family_name': name[-1] if len(name) > 1 else 'User',
                    'global_session_id': uuid.uuid4().hex,
                }
            return self.users[email]

    # -- consent -> code ---------------------------------------------------

    def issue_code(self, client_id, redirect_uri, scope, tenant_ids,
                   code_challenge=None, code_challenge_method=None,
                   user_email=None, nonce=None):
        user = self.user(user_email)
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = {
                'client_id': client_id, 'redirect_uri': redirect_uri,
                'scope': scope, 'tenants': list(tenant_ids),
                'challenge': code_challenge,
                'method': code_challenge_method, 'user': user['email'],
                'issued': self.clock.time(), 'used': False, 'nonce': nonce,
                'session_state': secrets.token_urlsafe(24),
            }
        return code, self.codes[code]['session_state']

    def exchange_code(self, client_id, client_secret, code, redirect_uri,
                      code_verifier):
        with self.lock:
            record = self.codes.get(code)
            pkce = bool(record and record['challenge'])
            self.authenticate_client(client_id, client_secret,
                                     allow_public=pkce)
            if not record or record['client_id'] != client_id:
                raise OAuthError('invalid_grant')
            if record['used']:
                raise OAuthError('invalid_grant')
            if self.clock.time() - record['issued'] > CODE_SECONDS:
                raise OAuthError('invalid_grant')
            if redirect_uri != record['redirect_uri']:
                raise OAuthError('invalid_grant')
            if pkce:
                if not code_verifier or pkce_challenge(code_verifier) != record['challenge']:
                    raise OAuthError('invalid_grant')
            record['used'] = True
            grant = self._create_grant(record)
            return self._issue_tokens(grant, nonce=record['nonce'])

    def _create_grant(self, record):
        now = self.clock.time()
        event_id = str(uuid.uuid4())
        user = self.users[record['user']]
        grant = {
            'auth_event_id': event_id, 'client_id': record['client_id'],
            'user': record['user'], 'scope': record['scope'],
            'auth_time': int(now), 'sid': uuid.uuid4().hex,
            'public': bool(record['challenge']), 'revoked': False,
        }
        self.grants[event_id] = grant
        conns = self.connections.setdefault((record['client_id'], user['email']), {})
        orgs = {o.tenant_id: o for o in self._orgs()}
        for tenant_id in record['tenants']:
            if tenant_id not in orgs:
                continue
            existing = conns.get(tenant_id)
            if existing:
                existing['authEventId'] = event_id
                existing['updated'] = now
            else:
                conns[tenant_id] = {
                    'id': str(uuid.uuid4()), 'authEventId': event_id,
                    'tenantId': tenant_id, 'created': now, 'updated': now}
        return grant

    # -- tokens ------------------------------------------------------------

    def _jwt(self, payload):
        header = {'alg': 'HS256', 'kid': 'xero-sim', 'typ': 'JWT'}
        signing_input = (b64url(json.dumps(header, separators=(',', ':')).encode())
                         + '.' + b64url(json.dumps(payload, separators=(',', ':')).encode()))
        sig = hmac.new(self.secret, signing_input.encode('ascii'), hashlib.sha256).digest()
        return signing_input + '.' + b64url(sig)

    def decode_jwt(self, token):
        """Payload of a token this simulator signed, else None."""
        try:
            head, body, sig = token.split('.')
            expected = hmac.new(self.secret, (head + '.' + body).encode('ascii'),
                                hashlib.sha256).digest()
            if not hmac.compare_digest(b64url_decode(sig), expected):
                return None
            return json.loads(b64url_decode(body))
        except (ValueError, TypeError):
            return None

    def _issue_tokens(self, grant, nonce=None):
        now = int(self.clock.time())
        user = self.users[grant['user']]
        scopes = grant['scope'].split()
        jti = uuid.uuid4().hex
        access = self._jwt({
            'nbf': now, 'exp': now + ACCESS_TOKEN_SECONDS, 'iss': self.issuer,
            'aud': self.issuer + '/resources', 'client_id': grant['client_id'],
            'sub': user['sub'], 'auth_time': grant['auth_time'],
            'xero_userid': user['xero_userid'],
            'global_session_id': user['global_session_id'],
            'sid': grant['sid'], 'jti': jti,
            'authentication_event_id': grant['auth_event_id'],
            'scope': scopes, 'amr': ['pwd'],
        })
        self.access_tokens[jti] = {'grant': grant['auth_event_id'],
                                   'exp': now + ACCESS_TOKEN_SECONDS,
                                   'expired': False}
        id_payload = {
            'nbf': now, 'exp': now + 300, 'iss': self.issuer,
            'aud': grant['client_id'], 'iat': now, 'at_hash': b64url(
                hashlib.sha256(access.encode()).digest()[:16]),
            'sid': grant['sid'], 'sub': user['sub'], 'auth_time': grant['auth_time'],
            'xero_userid': user['xero_userid'],
            'global_session_id': user['global_session_id'],
            'preferred_username': user['email'], 'email': user['email'],
            'given_name': user['given_name'], 'family_name': user['family_name'],
            'amr': ['pwd'],
        }
        if nonce:
            id_payload['nonce'] = nonce
        result = {
            'id_token': self._jwt(id_payload),
            'access_token': access,
            'expires_in': ACCESS_TOKEN_SECONDS,
            'token_type': 'Bearer',
            'scope': grant['scope'],
        }
        # As in Xero, only offline_access yields a refresh token.
        if 'offline_access' in scopes:
            refresh = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = {
                'grant': grant['auth_event_id'], 'issued': self.clock.time(),
                'used_at': None, 'invalid': False, 'reply': None}
            result['refresh_token'] = refresh
        return result

    def refresh(self, client_id, client_secret, refresh_token):
        with self.lock:
            record = self.refresh_tokens.get(refresh_token)
            grant = self.grants.get(record['grant']) if record else None
            self.authenticate_client(
                client_id, client_secret,
                allow_public=bool(grant and grant['public']))
            if not record or record['invalid'] or grant['revoked']:
                raise OAuthError('invalid_grant')
            if grant['client_id'] != client_id:
                raise OAuthError('invalid_grant')
            now = self.clock.time()
            if now - record['issued'] > REFRESH_IDLE_SECONDS:
                raise OAuthError('invalid_grant')
            if record['used_at'] is not None:
                if (self.refresh_grace_seconds
                        and now - record['used_at'] <= self.refresh_grace_seconds):
                    return record['reply']
                raise OAuthError('invalid_grant')
            record['used_at'] = now
            reply = self._issue_tokens(grant)
            record['reply'] = reply
            return reply

    def revoke(self, client_id, client_secret, token):
        with self.lock:
            self.authenticate_client(client_id, client_secret, allow_public=True)
            record = self.refresh_tokens.get(token)
            if record is None:
                payload = self.decode_jwt(token)
                event = payload and payload.get('authentication_event_id')
            else:
                event = record['grant']
            grant = self.grants.get(event) if event else None
            if not grant or grant['client_id'] != client_id:
                return False  # RFC 7009: unknown tokens still answer 200
            grant['revoked'] = True
            for rec in self.refresh_tokens.values():
                if rec['grant'] == event:
                    rec['invalid'] = True
            # Xero: revoking "removes all their connections to your app".
            self.connections.pop((grant['client_id'], grant['user']), None)
            return True

    def invalidate_refresh_tokens(self):
        with self.lock:
            for rec in self.refresh_tokens.values():
                rec['invalid'] = True

    def expire_access_tokens(self):
        with self.lock:
            for rec in self.access_tokens.values():
                rec['expired'] = True

    def check_access_token(self, token):
        """(grant, None) for a usable token, else (None, reason)."""
        payload = self.decode_jwt(token) if token else None
        if not payload or 'jti' not in payload:
            return None, 'AuthenticationUnsuccessful'
        with self.lock:
            rec = self.access_tokens.get(payload['jti'])
            if not rec:
                return None, 'AuthenticationUnsuccessful'
            if rec['expired'] or self.clock.time() >= rec['exp']:
                return None, 'TokenExpired'
            grant = self.grants.get(rec['grant'])
            if not grant or grant['revoked']:
                return None, 'AuthenticationUnsuccessful'
            return grant, None

    # -- connections -------------------------------------------------------

    def connections_for(self, grant, auth_event_id=None):
        with self.lock:
            conns = self.connections.get((grant['client_id'], grant['user']), {})
            return [c for c in conns.values()
                    if not auth_event_id or c['authEventId'] == auth_event_id]

    def delete_connection(self, grant, connection_id):
        with self.lock:
            conns = self.connections.get((grant['client_id'], grant['user']), {})
            for tenant_id, conn in list(conns.items()):
                if conn['id'] == connection_id:
                    del conns[tenant_id]
                    return True
            return False

    def is_connected(self, grant, tenant_id):
        with self.lock:
            conns = self.connections.get((grant['client_id'], grant['user']), {})
            return tenant_id in conns
