"""A database of its own, for the tests that need real commits.

Odoo's test cursor turns a commit into a savepoint, and the tests that set ``xero_no_commit``
turn the engine's commits into flushes: neither exercises the commit before a send, nor the
cron runner's own commits and re-runs. A class using ``OwnDatabaseMixin`` gets a database
cloned from the template the test scripts built (``account`` installed), with
``xero_integration`` installed into it, and a real ``Registry`` on it, outside test mode:
``own_registry.cursor()`` gives real cursors, whose commits are real. The database is dropped
when the class ends, failed or not, so that no test leaves data behind in the test database.

The template is named by ``XERO_TEMPLATE_DB`` (``scripts/test.sh`` sets it); without it, the
only ``xero_tmpl_*`` database of the server is taken.
"""
import logging
import os
import shutil
import threading
import time
import uuid
from contextlib import closing, contextmanager
from unittest import SkipTest
from unittest.mock import patch

import psycopg2.errors

from odoo import SUPERUSER_ID, api, sql_db
from odoo.addons.base.models.ir_cron import IrCron
from odoo.modules.registry import DummyRLock, Registry
from odoo.tools import SQL, config

_logger = logging.getLogger(__name__)

TEMPLATE_ENV = 'XERO_TEMPLATE_DB'
MODULE = 'xero_integration'
# The addon's crons: the only ones the cron runner is let run in the database of a test.
XERO_CRONS = ('ir_cron_xero_queue_items', 'ir_cron_xero_push', 'ir_cron_xero_resume', 'ir_cron_xero_pull',
              'ir_cron_xero_poll', 'ir_cron_xero_reconcile', 'ir_cron_xero_prune_log',
              'ir_cron_xero_failure_digest', 'ir_cron_xero_inactivity', 'ir_cron_xero_migrate',
              'ir_cron_xero_bank_feed')


@contextmanager
def _maintenance_cursor():
    """An autocommit cursor on the server's maintenance database (CREATE and DROP DATABASE
    cannot run in a transaction)."""
    with closing(sql_db.db_connect('postgres').cursor()) as cr:
        cr._cnx.autocommit = True  # as Odoo's own service.db does
        yield cr


def template_database():
    """The template the test scripts built, or None when there is none to clone."""
    name = os.environ.get(TEMPLATE_ENV)
    with _maintenance_cursor() as cr:
        if name:
            cr.execute('SELECT datname FROM pg_database WHERE datname = %s', [name])
        else:
            cr.execute(r"SELECT datname FROM pg_database WHERE datname LIKE 'xero\_tmpl\_%%'"
                       r" AND datname NOT LIKE '%%\_wip'")
        names = [row[0] for row in cr.fetchall()]
    return names[0] if len(names) == 1 else None


def create_database(name, template):
    """``name``, a copy of ``template`` (its filestore too). PostgreSQL refuses to copy a
    template another session is connected to (a test run starting beside this one cloning it
    at that moment): try again for a little while, as ``scripts/lib.sh`` does."""
    with _maintenance_cursor() as cr:
        for attempt in range(10):
            try:
                cr.execute(SQL('CREATE DATABASE %s TEMPLATE %s', SQL.identifier(name), SQL.identifier(template)),
                           log_exceptions=False)
                break
            except psycopg2.errors.ObjectInUse:
                if attempt == 9:
                    raise
                time.sleep(3)
    source, target = config.filestore(template), config.filestore(name)
    if os.path.isdir(source) and not os.path.exists(target):
        shutil.copytree(source, target)


def drop_database(name):
    """Close the registry and every connection to ``name``, drop it and its filestore."""
    Registry.delete(name)
    sql_db.close_db(name)
    with _maintenance_cursor() as cr:
        cr.execute(SQL('DROP DATABASE IF EXISTS %s WITH (FORCE)', SQL.identifier(name)))
    shutil.rmtree(config.filestore(name), ignore_errors=True)


def open_registry(name):
    """A registry on ``name`` with the addon installed, outside test mode.

    Installing runs with ``test_enable`` off: Odoo would otherwise run the addon's tests (this
    one among them) again, inside the install."""
    with patch.dict(config._runtime_options, {'test_enable': False}):  # no public setter
        registry = Registry.new(name)
        with registry.cursor() as cr:
            cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [MODULE])
            installed = (cr.fetchone() or [None])[0] == 'installed'
        if not installed:
            registry = Registry.new(name, install_modules=[MODULE])
    return registry


class OwnDatabaseMixin:
    """One database per test class, created in ``setUpClass`` and dropped after its last test.

    ``own_registry`` is the registry of that database; ``own_env()`` a superuser environment
    on a new cursor of it, committed when the ``with`` block ends without an error.
    """

    own_registry = None
    own_db = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        template = template_database()
        if not template:
            raise SkipTest(f'no template database to clone: set {TEMPLATE_ENV} (scripts/test.sh does)')
        # The registry lock: the cron runner's and the workers' environments need it, and the
        # test runner holds it.
        cls.startClassPatcher(patch.object(Registry, '_lock', DummyRLock()))
        cls.own_db = f'{cls.env.cr.dbname}_{uuid.uuid4().hex[:8]}'
        started = time.monotonic()
        cls.addClassCleanup(drop_database, cls.own_db)  # even when the set-up fails half-way
        create_database(cls.own_db, template)
        cls.own_registry = open_registry(cls.own_db)
        _logger.info('%s: database %s ready in %.1fs', cls.__name__, cls.own_db, time.monotonic() - started)

    @classmethod
    @contextmanager
    def own_env(cls, context=None):
        with cls.own_registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, context or {})

    # --- Odoo's cron runner ---------------------------------------------------------------------

    @classmethod
    def keep_only_xero_crons(cls):
        """The other addons' crons are switched off, and the addon's wait for a trigger (or for
        ``make_due``): a run of the cron runner runs what the test woke, nothing else."""
        with cls.own_env() as env:
            ids = [env.ref(f'{MODULE}.{xmlid}').id for xmlid in XERO_CRONS]
            env.cr.execute("UPDATE ir_cron SET active = false WHERE id NOT IN %s", [tuple(ids)])
            env.cr.execute("UPDATE ir_cron SET nextcall = now() at time zone 'UTC' + interval '1 day'"
                           " WHERE id IN %s", [tuple(ids)])
            env.cr.execute("DELETE FROM ir_cron_trigger")

    @classmethod
    def make_due(cls, xmlid):
        """The cron's regular time has come."""
        with cls.own_env() as env:
            cron = env.ref(f'{MODULE}.{xmlid}')
            env.cr.execute("UPDATE ir_cron SET nextcall = now() at time zone 'UTC' - interval '1 minute'"
                           " WHERE id = %s", [cron.id])

    @classmethod
    def ready_crons(cls):
        """The xmlids of the addon's crons the cron runner would take now."""
        with cls.own_env() as env:
            ready = {job['id'] for job in IrCron._get_all_ready_jobs(env.cr)}
            return {xmlid for xmlid in XERO_CRONS if env.ref(f'{MODULE}.{xmlid}').id in ready}

    @classmethod
    def run_cron_worker(cls):
        """One pass of Odoo's cron runner over the database, as a cron thread makes it: every
        ready job, each in its own transactions, committed. Returns the xmlids it found ready."""
        ready = cls.ready_crons()
        thread = threading.current_thread()
        dbname = thread.__dict__.get('dbname')
        try:
            IrCron._process_jobs(cls.own_db)
        finally:
            # The runner forgets the thread's database when it ends: this thread is the test's.
            if dbname is not None:
                thread.dbname = dbname
        return ready
