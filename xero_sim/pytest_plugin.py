"""pytest plugin for the plain-Python parts of the repository (xero_sim/, xero_client/), loaded
with ``-p xero_sim.pytest_plugin`` from pytest.ini. It gives both suites the ``sim`` fixture.

The repository root is an Odoo addon whose ``__init__.py`` imports odoo. pytest imports every
package's ``__init__.py`` on the way to a test, only to look for ``setup_module``: none of ours
has one, so that step is skipped for packages inside this repository. (A conftest.py at the root
would itself be imported through that ``__init__.py``.)
"""
from pathlib import Path

import _pytest.python
import pytest

from xero_sim import XeroSimulator

_REPO_ROOT = Path(__file__).resolve().parent.parent
_package_setup = _pytest.python.Package.setup


def _setup_package_outside_repo(self):
    path = Path(self.path).resolve()
    if path == _REPO_ROOT or _REPO_ROOT in path.parents:
        return None
    return _package_setup(self)


_pytest.python.Package.setup = _setup_package_outside_repo


@pytest.fixture(scope='session')
def _sim():
    sim = XeroSimulator(port=0, virtual_clock=True).start()
    yield sim
    sim.stop()


@pytest.fixture
def sim(_sim):
    """The one simulator of the run, reset for each test."""
    _sim.reset()
    yield _sim
    _sim.faults.clear()
    # Any exception inside a handler is a simulator bug, whatever the test saw.
    assert _sim.errors == [], _sim.errors[0]
