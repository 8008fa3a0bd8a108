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


# A string literal escapes a double quote and a backslash with a backslash (as Xero's LINQ-like
# filter does); everything else, non-ASCII letters included, is taken as written.
@pytest.mark.parametrize('name, clause, expected', [
    ('Joe "The Tap" Ltd', r'Name=="Joe \"The Tap\" Ltd"', True),
    ('Joe The Tap Ltd', r'Name=="Joe \"The Tap\" Ltd"', False),
    ('Joe "The Tap" Ltd', 'Name=="Joe The Tap Ltd"', False),
    ('Joe "The Tap" Ltd', r'Name.Contains("\"The Tap\"")', True),
    ('C:\\Temp "quoted"', r'Name=="C:\\Temp \"quoted\""', True),
    ('Café Zürich', 'Name=="café zürich"', True),
    ('Ōtautahi Ltd', 'Name=="Ōtautahi Ltd"', True),
    ('Ōtautahi Ltd', r'Name=="\u014Ctautahi Ltd"', True),
    ('Line\nbreak', r'Name=="Line\nbreak"', True),
])
def test_where_string_escapes(name, clause, expected):
    assert compile_where(clause)({'Name': name}) is expected


def test_an_unterminated_escaped_quote_is_an_error():
    with pytest.raises(WhereError):
        compile_where(r'Name=="Joe \"')
