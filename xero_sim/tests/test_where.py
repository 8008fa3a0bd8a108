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
