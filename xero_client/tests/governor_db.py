"""A scratch PostgreSQL database holding only the governor's table, and the cursors the governor
is given in Odoo, for the ``test_governor_*`` modules.

The server and role are the ones ``scripts/test.sh`` sets up (PGHOST, PGPORT, XERO_DB_USER,
XERO_DB_PASSWORD / PGPASSWORD). The database is created per test module and dropped after it.
"""
import datetime
import itertools
import os
import uuid

import psycopg2
import pytest
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from xero_client import governor as gov_module
from xero_client.governor import LOCK_NAMESPACE

T0 = datetime.datetime(2026, 3, 2, 9, 0, 0)


def connect(dbname):
    return psycopg2.connect(
        host=os.environ.get('PGHOST', '127.0.0.1'), port=int(os.environ.get('PGPORT', 5432)),
        user=os.environ.get('XERO_DB_USER', 'odoo'), dbname=dbname,
        password=os.environ.get('XERO_DB_PASSWORD') or os.environ.get('PGPASSWORD') or 'odoo')


class Cursor:
    """What the governor needs of an Odoo cursor: execute, fetch, commit, rollback, and a
    context manager that commits (or rolls back) and gives the connection back."""

    def __init__(self, connection, close=True):
        self.connection = connection
        self._cr = connection.cursor()
        self._close = close

    def execute(self, query, params=None):
        self._cr.execute(query, params)

    def fetchone(self):
        return self._cr.fetchone()

    def fetchall(self):
        return self._cr.fetchall()

    def commit(self):
        self.connection.commit()

    def rollback(self):
        self.connection.rollback()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.rollback()
        self._cr.close()
        if self._close:
            self.connection.close()


def fresh(dbname):
    """A cursor on a connection of its own, as ``xero.organisation._budget_cursor`` gives."""
    def factory():
        connection = connect(dbname)
        connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
        return Cursor(connection)
    return factory


class Clock:
    """The governor's clock, moved by hand."""

    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


def create_database():
    """A new database with the columns Odoo creates for ``xero.organisation.runtime``; its name."""
    admin = connect('postgres')
    admin.autocommit = True
    name = f'xero_gov_{uuid.uuid4().hex[:12]}'
    try:
        with admin.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()
    connection = connect(name)
    try:
        with connection, connection.cursor() as cr:
            cr.execute(f"""CREATE TABLE {gov_module.TABLE} (
                id serial PRIMARY KEY, key varchar NOT NULL, organisation_id integer,
                last_call_date timestamp, minute_window_start timestamp, minute_calls integer,
                minute_remaining integer, day_window_start timestamp, day_calls integer,
                day_remaining integer, retry_at timestamp, paused_until timestamp)""")
            cr.execute(f'CREATE UNIQUE INDEX ON {gov_module.TABLE} (key)')
    finally:
        connection.close()
    return name


def drop_database(name):
    admin = connect('postgres')
    admin.autocommit = True
    try:
        with admin.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@pytest.fixture(scope='module')
def dbname():
    try:
        name = create_database()
    except psycopg2.OperationalError as e:
        pytest.skip(f'no PostgreSQL for the governor tests: {e}')
    yield name
    drop_database(name)


# Far from test_governor.py's 101...: the modules share no organisation even in one database.
_ORG_IDS = itertools.count(5001)


@pytest.fixture
def org_id():
    """An organisation id of its own per test (a test that needs several uses ``org_id * 10 + n``)."""
    return next(_ORG_IDS)


def held_slots(dbname):
    """The governor's advisory locks held by any session on this database."""
    connection = connect(dbname)
    try:
        with connection.cursor() as cr:
            cr.execute("""SELECT count(*) FROM pg_locks
                           WHERE locktype = 'advisory' AND classid = %s AND granted
                             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
                       (LOCK_NAMESPACE,))
            return cr.fetchone()[0]
    finally:
        connection.close()


def row(dbname, key):
    """Every column of one row of the governor's table, as a dict (None when missing)."""
    connection = connect(dbname)
    try:
        with connection.cursor() as cr:
            cr.execute(f'SELECT * FROM {gov_module.TABLE} WHERE key = %s', (key,))
            values = cr.fetchone()
            if values is None:
                return None
            return dict(zip([d.name for d in cr.description], values))
    finally:
        connection.close()


def set_row(dbname, key, **values):
    """Write columns of an existing row, as another worker (or Xero's last answer) left them."""
    connection = connect(dbname)
    try:
        with connection, connection.cursor() as cr:
            assignments = ', '.join(f'{name} = %({name})s' for name in values)
            cr.execute(f'UPDATE {gov_module.TABLE} SET {assignments} WHERE key = %(key)s',
                       dict(values, key=key))
            assert cr.rowcount == 1, f'no row {key}'
    finally:
        connection.close()
