"""Xero's ``where`` clauses, built from values.

Xero's filter is a LINQ-like expression whose string literals are double-quoted; a double
quote or a backslash inside one is escaped with a backslash (``Name=="Joe \\"The Tap\\" Ltd"``).
A value is escaped, never stripped: a name with a quote in it must find its own contact, not
a contact without the quote, nor nothing. Build every clause that carries a value here.
"""


def quote(value):
    """``value`` as a where-clause string literal, quotes included: ``'a"b'`` -> ``"a\\"b"``."""
    return '"%s"' % str(value).replace('\\', '\\\\').replace('"', '\\"')


def equal(field_name, value):
    """``Field=="value"``."""
    return f'{field_name}=={quote(value)}'


def guid(field_name, value):
    """``Field==Guid("value")``: an id field."""
    return f'{field_name}==Guid({quote(value)})'


def any_equal(field_name, values):
    """A where clause matching any of ``values`` on an indexed field."""
    return ' OR '.join(equal(field_name, v) for v in values)


def any_guid(field_name, values):
    """A where clause matching any of ``values`` on an id field (Xero's ``Guid("...")``)."""
    return ' OR '.join(guid(field_name, v) for v in values)


def all_of(*clauses):
    """The clauses given (empty ones left out), each in parentheses, joined by AND; or None."""
    return ' AND '.join(f'({clause})' for clause in clauses if clause) or None
