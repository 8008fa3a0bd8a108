"""The client's layout, read from its source: one job per module, every import at module level,
no import cycle, xero_python imported by ``api`` and ``sdk`` only, nothing from Odoo; and the
organisation's door offers the typed operations, never the raw call."""
import ast
from pathlib import Path

import pytest

from xero_client import OPERATIONS, XeroApi

PACKAGE = Path(__file__).resolve().parent.parent
MODULES = sorted(p for p in PACKAGE.glob('*.py'))


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def _imports(tree):
    """(module-level imports, imports inside a function or class) of one module."""
    top = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    nested = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
              and node not in top]
    return top, nested


def _names(node):
    if isinstance(node, ast.ImportFrom):
        return [('.' * node.level) + (node.module or '')]
    return [alias.name for alias in node.names]


def _siblings(tree):
    """The package modules this module imports (``from .x import``)."""
    found = set()
    for node in _imports(tree)[0]:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.add(node.module or '')
    return found


def test_the_modules_are_there():
    assert {p.stem for p in MODULES} >= {'kinds', 'where', 'converters', 'sdk', 'writes', 'reads', 'api',
                                          'batch_payments', 'credit', 'oauth', 'governor', 'exceptions'}
    assert 'operations' not in {p.stem for p in MODULES}


@pytest.mark.parametrize('path', MODULES, ids=lambda p: p.name)
def test_no_import_inside_a_function(path):
    _top, nested = _imports(_tree(path))
    assert not nested, f'{path.name}: ' + ', '.join(f'line {n.lineno}' for n in nested)


@pytest.mark.parametrize('path', MODULES, ids=lambda p: p.name)
def test_nothing_from_odoo_and_the_sdk_in_two_modules_only(path):
    names = [name for node in _imports(_tree(path))[0] for name in _names(node)]
    assert not [n for n in names if n.split('.')[0] == 'odoo'], path.name
    if path.stem not in ('api', 'sdk'):
        assert not [n for n in names if n.split('.')[0] == 'xero_python'], path.name


def test_no_import_cycle():
    graph = {p.stem: _siblings(_tree(p)) for p in MODULES}
    done, stack = set(), []

    def visit(name):
        if name in stack:
            raise AssertionError('import cycle: ' + ' -> '.join(stack[stack.index(name):] + [name]))
        if name in done or name not in graph:
            return
        stack.append(name)
        for other in graph[name]:
            visit(other)
        stack.pop()
        done.add(name)
    for name in graph:
        visit(name)
    # The bottom of the layering imports nothing of the package but the exceptions.
    assert graph['kinds'] == set() and graph['where'] == set()
    assert graph['sdk'] <= {'exceptions'} and graph['converters'] <= {'exceptions', 'kinds'}


def test_the_door_offers_typed_operations_only():
    assert 'call' not in OPERATIONS
    assert not {name for name in OPERATIONS if name.startswith('_')}
    assert {'organisation', 'accounts', 'tax_rates', 'items', 'users', 'currencies', 'lock_dates',
            'create_account', 'delete_account', 'find', 'save', 'pull_contacts'} <= OPERATIONS
    assert all(callable(getattr(XeroApi, name)) for name in OPERATIONS)
    # The connection flow's identity calls are not the organisation's business.
    assert not {'get_connections', 'delete_connection'} & OPERATIONS
