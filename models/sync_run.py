"""What a sync run counts as it goes; the log row is written once at its end (xero.sync.log).

Plain Python: imported by the engine and the links before any model of the log exists.
"""
import threading

# What each kind of link is called in the log, and the organisation's switch for it.
LOG_KINDS = [
    ('contacts', 'Contacts'), ('invoices', 'Invoices and credit notes'), ('payments', 'Payments'),
    ('bank_feed', 'Bank feed'), ('items', 'Items'), ('request', 'Sync asked by a user'),
]
MODEL_KIND = {
    'xero.partner.link': 'contacts', 'xero.move.link': 'invoices', 'xero.payment.link': 'payments',
    'xero.product.link': 'items', 'xero.statement.line.link': 'bank_feed',
    'xero.feed.payment.link': 'bank_feed', 'xero.allocation.link': 'payments',
}
COUNTS = ('sent', 'created', 'updated', 'failed', 'skipped', 'calls')
MAX_ERRORS = 5
DEFAULT_RETENTION_DAYS = 90

# (dbname, thread) -> the run being counted: the engine counts as it goes, the log row is
# written once at the end of the run.
_RUNS = {}


def current_run(env):
    return _RUNS.get((env.cr.dbname, threading.get_ident()))


def count(env, key, n=1, error=None):
    run = current_run(env)
    if run is not None:
        run['counts'][key] += n
        if error and len(run['errors']) < MAX_ERRORS:
            run['errors'].append(error)


