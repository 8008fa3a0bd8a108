import pytest

from xero_sim.seed import AU_TENANT_ID, NZ_TENANT_ID
from xero_sim.tests import helpers

_SPEC = {}


def _load_spec(name='xero_accounting.yaml'):
    if name not in _SPEC:
        path = helpers.spec_dir() / name
        _SPEC[name] = helpers.SpecValidator(path) if path.exists() else None
    return _SPEC[name]


def pytest_terminal_summary(terminalreporter):
    if helpers.VALIDATED:
        terminalreporter.write_line(
            'xero_sim: SDK responses validated against the spec, by schema: ' + ', '.join(
                '%s=%d' % kv for kv in sorted(helpers.VALIDATED.items())))
    elif _load_spec() is None:
        terminalreporter.write_line('xero_sim: spec not found - response-shape checks SKIPPED')


def pytest_report_header(config):
    path = helpers.spec_dir() / 'xero_accounting.yaml'
    if path.exists():
        return 'xero_sim: validating responses against %s' % path
    return ('xero_sim: Xero OpenAPI spec NOT FOUND at %s (set XERO_OPENAPI_DIR) - '
            'response-shape checks against the spec are SKIPPED' % path)


@pytest.fixture
def nz():
    return NZ_TENANT_ID


@pytest.fixture
def au():
    return AU_TENANT_ID


@pytest.fixture
def token(sim):
    return helpers.connect(sim)


@pytest.fixture
def client(sim, token):
    """(AccountingApi, IdentityApi, ApiClient, TokenStore), retries off,
    every response validated against the accounting / identity spec."""
    return helpers.sdk(sim, token, validators=(_load_spec(), _load_spec('xero-identity.yaml')))


@pytest.fixture
def api(client):
    return client[0]


@pytest.fixture
def spec():
    """Validator for response bodies; a no-op when the spec is absent."""
    validator = _load_spec()

    class _Check:
        available = validator is not None

        def __call__(self, schema_name, body):
            if validator is not None:
                validator.validate(schema_name, body)

        def errors(self, schema_name, body):
            return validator.errors(schema_name, body) if validator else []
    return _Check()
