"""A small evaluator for Xero's `where` filter (a LINQ-like subset):

    Name=="ACME" AND EmailAddress!=null
    Name.Contains("acme") OR Name.StartsWith("Bo")
    Status=="AUTHORISED" && Type=="ACCREC"
    Contact.ContactID==Guid("...")  Date>=DateTime(2020, 1, 31)
    AmountDue>0  IsReconciled==true  Name.ToLower()=="acme"  (parentheses, NOT)

String comparisons are case-insensitive (as Xero's database collation is).

Xero's filter is .NET Dynamic LINQ, and its string literals are read as Dynamic LINQ reads them:
from one double quote to the next, with no escapes at all (a backslash is a backslash, non-ASCII
letters are taken as written). So ``Name=="Joe \"The Tap\" Ltd"`` ends its literal at the
second quote and the rest is a syntax error, as real Xero answers it (XeroAPI/Xero-Java #347).
Dynamic LINQ's doubled quote (``"a""b"``) is refused too: Xero documents no way to put a quote
in a literal, and the simulator must not bless one.
Anything else raises WhereError, which the API reports as Xero does: 400 QueryParseException
(ErrorNumber 16) with Xero's message ("Syntax error", "Unterminated string literal")."""
import datetime as dt
import re
from decimal import Decimal

_TOKEN = re.compile(r'''\s*(?:
    (?P<str>"[^"]*")|
    (?P<num>-?\d+(?:\.\d+)?)|
    (?P<op>==|!=|>=|<=|&&|\|\||[<>!().,])|
    (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
)''', re.X)


SYNTAX_ERROR = 'Syntax error'


class WhereError(ValueError):
    """A clause Xero would not parse; the message is Xero's own where it is known."""

    def __init__(self, message=SYNTAX_ERROR, detail=None):
        super().__init__(message)
        self.detail = detail  # the simulator's own words, for whoever debugs a test


def _tokenize(text):
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            rest = text[pos:].lstrip()
            if rest.startswith('"') and '"' not in rest[1:]:
                raise WhereError('Unterminated string literal')
            raise WhereError(detail='Could not parse where clause near %r' % text[pos:pos + 20])
        pos = m.end()
        kind = m.lastgroup
        val = m.group(kind)
        if kind == 'str':
            val = val[1:-1]  # as written: Dynamic LINQ has no escapes
        out.append((kind, val))
    return out


def _lookup(obj, path):
    for part in path:
        if not isinstance(obj, dict):
            return None
        if part in obj:
            obj = obj[part]
            continue
        lowered = {k.lower(): v for k, v in obj.items()}
        obj = lowered.get(part.lower())
    return obj


def _norm(value):
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def _compare(op, left, right):
    left, right = _norm(left), _norm(right)
    if op == '==':
        return left == right
    if op == '!=':
        return left != right
    if left is None or right is None:
        return False
    try:
        return {'>': left > right, '<': left < right,
                '>=': left >= right, '<=': left <= right}[op]
    except TypeError:
        return False


class _Parser:
    def __init__(self, tokens):
        self.t = tokens
        self.i = 0

    def peek(self, value=None):
        if self.i >= len(self.t):
            return None
        tok = self.t[self.i]
        if value is None:
            return tok
        return tok if tok[1].upper() == value.upper() else None

    def take(self, value=None):
        tok = self.peek(value)
        if tok is None:
            raise WhereError(detail='Expected %s in where clause' % (value or 'more input'))
        self.i += 1
        return tok

    def parse(self):
        fn = self.or_expr()
        if self.i != len(self.t):
            raise WhereError(detail='Unexpected %r in where clause' % (self.t[self.i][1],))
        return fn

    def or_expr(self):
        parts = [self.and_expr()]
        while self.peek('OR') or self.peek('||'):
            self.i += 1
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda o: any(p(o) for p in parts))

    def and_expr(self):
        parts = [self.unary()]
        while self.peek('AND') or self.peek('&&'):
            self.i += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda o: all(p(o) for p in parts))

    def unary(self):
        if self.peek('NOT') or self.peek('!'):
            self.i += 1
            inner = self.unary()
            return lambda o: not inner(o)
        if self.peek('('):
            self.i += 1
            inner = self.or_expr()
            self.take(')')
            return inner
        left = self.operand()
        tok = self.peek()
        if tok and tok[1] in ('==', '!=', '>', '<', '>=', '<='):
            self.i += 1
            right = self.operand()
            return lambda o: _compare(tok[1], left(o), right(o))
        return lambda o: bool(left(o))

    def literal_call(self, name):
        self.take('(')
        args = []
        while not self.peek(')'):
            kind, val = self.take()
            if kind not in ('str', 'num'):
                raise WhereError('Bad argument to %s' % name)
            args.append(val)
            if self.peek(','):
                self.i += 1
        self.take(')')
        if name.lower() == 'guid':
            return args[0].lower() if args else None
        try:
            if len(args) == 1 and isinstance(args[0], str) and not args[0].isdigit():
                return dt.datetime.fromisoformat(args[0][:19])
            return dt.datetime(*[int(a) for a in args])
        except (ValueError, TypeError):
            raise WhereError('Bad DateTime in where clause')

    def operand(self):
        kind, val = self.take()
        if kind == 'str':
            return lambda o, v=val: v
        if kind == 'num':
            return lambda o, v=Decimal(val): v
        if kind != 'ident':
            raise WhereError(detail='Unexpected %r in where clause' % val)
        low = val.lower()
        if low in ('true', 'false'):
            return lambda o, v=(low == 'true'): v
        if low == 'null':
            return lambda o: None
        if low in ('guid', 'datetime') and self.peek('('):
            value = self.literal_call(val)
            return lambda o, v=value: v
        path = [val]
        method = None
        while self.peek('.'):
            self.i += 1
            name = self.take()[1]
            if self.peek('('):
                method = name
                break
            path.append(name)
        if method is None:
            return lambda o: _lookup(o, path)
        self.take('(')
        arg = None
        if not self.peek(')'):
            arg = self.take()[1]
        self.take(')')
        m = method.lower()
        if m in ('tolower', 'toupper'):
            return lambda o: (_lookup(o, path) or '').lower()
        if m in ('contains', 'startswith', 'endswith'):
            needle = str(arg).lower()

            def fn(o):
                hay = _lookup(o, path)
                if not isinstance(hay, str):
                    return False
                hay = hay.lower()
                return {'contains': needle in hay, 'startswith': hay.startswith(needle),
                        'endswith': hay.endswith(needle)}[m]
            return fn
        raise WhereError('Unsupported method %s in where clause' % method)


def compile_where(text):
    return _Parser(_tokenize(text)).parse()
