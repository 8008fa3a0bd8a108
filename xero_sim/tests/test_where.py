"""The where-clause evaluator on its own (fast, no HTTP)."""
import datetime as dt
from decimal import Decimal

import pytest

from xero_sim.accounting.where import WhereError, compile_where

DOC = {'Name': 'Bayside Club', 'EmailAddress': None, 'Status': 'AUTHORISED',
       'Total': Decimal('115.00'), 'Date': dt.date(2026, 1, 15), 'IsReconciled': True,
       'Contact': {'ContactID': 'abc0d2a0-0000-4000-8000-000000000001', 'Name': 'Bayside Club'}}


@pytest.mark.parametrize('clause, expected', [
    ('Name=="Bayside Club"', True),
    ('Name=="bayside club"', True),
    ('Name!="Bayside Club"', False),
    ('Name.Contains("side")', True),
    ('Name.StartsWith("Bay") AND Name.EndsWith("Club")', True),
    ('Name.ToLower()=="bayside club"', True),
    ('EmailAddress!=null', False),
    ('EmailAddress==null', True),
    ('Status=="DRAFT" OR Status=="AUTHORISED"', True),
    ('Status=="DRAFT" || (Total>100 && IsReconciled==true)', True),
    ('NOT Status=="DRAFT"', True),
    ('Total>=115 AND Total<115.01', True),
    ('Date>=DateTime(2026, 01, 15) AND Date<DateTime(2026,1,16)', True),
    ('Date<DateTime(2026, 1, 15)', False),
    ('Contact.ContactID==Guid("ABC0D2A0-0000-4000-8000-000000000001")', True),
    ('Contact.Name=="Bayside Club"', True),
    ('IsReconciled', True),
])
def test_where(clause, expected):
    assert compile_where(clause)(DOC) is expected


@pytest.mark.parametrize('clause', ['Name==', 'Name=="x', 'Name.Frobnicate("x")', '(Name=="x"',
                                    'Name=="x" AND', 'Name ~ "x"'])
def test_where_errors(clause):
    with pytest.raises(WhereError):
        compile_where(clause)({'Name': 'x'})


# A string literal is read as Xero's Dynamic LINQ reads it: from one double quote to the next,
# with no escapes (a backslash is a backslash); non-ASCII letters are taken as written.
@pytest.mark.parametrize('name, clause, expected', [
    ('Joe "The Tap" Ltd', 'Name=="Joe The Tap Ltd"', False),
    ('C:\\Temp', r'Name=="C:\Temp"', True),
    ('ends with a backslash\\', 'Name=="ends with a backslash\\"', True),
    ('Café Zürich', 'Name=="café zürich"', True),
    ('Ōtautahi Ltd', 'Name=="Ōtautahi Ltd"', True),
    ('Ōtautahi Ltd', r'Name=="\u014Ctautahi Ltd"', False),
    (r'\u014Ctautahi Ltd', r'Name=="\u014Ctautahi Ltd"', True),
    ('Line\nbreak', r'Name=="Line\nbreak"', False),
    (r'Line\nbreak', r'Name=="Line\nbreak"', True),
    ("O'Brien", 'Name=="O\'Brien"', True),
])
def test_where_string_literals(name, clause, expected):
    assert compile_where(clause)({'Name': name}) is expected


# What real Xero answers ``400 QueryParseException: Syntax error`` to (XeroAPI/Xero-Java #347):
# a quote inside a literal, backslash-escaped (once or twice) or doubled.
@pytest.mark.parametrize('clause', [
    r'Name=="Joe \"The Tap\" Ltd"',
    r'''Name=="asd\"asd'asd\""''',
    r'''Name=="asd\\"asd'asd\\""''',
    r'Name.Contains("\"The Tap\"")',
    r'Name=="C:\\Temp \"quoted\""',
    'Name=="Joe ""The Tap"" Ltd"',
])
def test_a_quote_inside_a_literal_is_a_syntax_error(clause):
    with pytest.raises(WhereError) as err:
        compile_where(clause)
    assert str(err.value) == 'Syntax error'


def test_an_unterminated_literal():
    with pytest.raises(WhereError) as err:
        compile_where('Name=="Joe')
    assert str(err.value) == 'Unterminated string literal'
