"""Xero's ``where`` clauses, built from values.

Xero's filter is .NET Dynamic LINQ: a string literal runs from one double quote to the next, and
nothing in it is an escape (a backslash is a backslash). There is no documented way to put a
double quote inside one: ``Name=="Joe \\"The Tap\\" Ltd"`` and its double-backslash variants are
answered ``400 QueryParseException: Syntax error`` (XeroAPI/Xero-Java #347, xeroizer #160). So
``quote`` refuses a value holding a double quote, and a look-up by such a value goes another way:
``covering`` (a clause Xero parses, matching at least the values) then ``keep_equal`` (the exact
values, compared as Xero's ``==`` compares strings), or Xero's own list and search parameters
(``InvoiceNumbers``, ``IDs``, ``searchTerm``). Build every clause that carries a value here.
"""


def quote(value):
    """``value`` as a where-clause string literal, quotes included: ``'C:\\Temp'`` ->
    ``"C:\\Temp"``. A value holding a double quote cannot be written as one: ValueError (look it
    up with ``covering`` and ``keep_equal``, or a list or search parameter)."""
    text = str(value)
    if '"' in text:
        raise ValueError(f'Xero cannot read a double quote inside a where-clause string: {text!r}')
    return f'"{text}"'


def has_quote(values):
    """Whether any of ``values`` holds a double quote (and so cannot go into a literal)."""
    return any('"' in str(v) for v in values)


def quote_free_run(value):
    """The longest stretch of ``value`` without a double quote, without its outer spaces:
    ``'Joe "The Tap" Ltd'`` -> ``'The Tap'``. Every text holding ``value`` holds it."""
    return max((part.strip() for part in str(value).split('"')), key=len)


def same_text(left, right):
    """``left == right`` as Xero's where compares strings: case-insensitively (its database
    collation, as the simulator's parser does); None reads as the empty string."""
    return str(left or '').lower() == str(right or '').lower()


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


def covering(field_name, values):
    """A where clause Xero can parse whatever ``values`` hold, matching at least every one of
    them: ``Field=="v"`` for a value without a double quote, ``Field.Contains("run")`` (its
    longest quote-free run) for one with. When ``has_quote(values)``, the answer may hold more:
    narrow it with ``keep_equal``."""
    return ' OR '.join(f'{field_name}.Contains({quote(quote_free_run(v))})' if '"' in str(v)
                       else equal(field_name, v) for v in values)


def keep_equal(found, values, key):
    """The items of ``found`` whose ``key(item)`` equals one of ``values`` (``same_text``)."""
    wanted = {str(v or '').lower() for v in values}
    return [item for item in found if str(key(item) or '').lower() in wanted]


def all_of(*clauses):
    """The clauses given (empty ones left out), each in parentheses, joined by AND; or None."""
    return ' AND '.join(f'({clause})' for clause in clauses if clause) or None
