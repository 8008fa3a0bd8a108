"""The signals the sync engines raise and catch, in a module of their own.

Plain Python, no model: the engines, the link models and the push pool import them at module
level, without importing the engine (a link's hook raising ``Stop`` needs no engine import).
"""
import psycopg2.errors

from ..xero_client import XeroError
from ..xero_client.governor import Wait


class Stop(Exception):
    """This organisation's run ends here: nothing more can be sent now."""


class LockLost(Exception):
    """Another worker took the organisation's pull between two batches: it goes on from there."""


# Another worker holds or just changed a row this transaction needs: expected concurrency, settled
# by rolling back and claiming again, never a record's error.
CONCURRENCY_ERRORS = (psycopg2.errors.SerializationFailure, psycopg2.errors.DeadlockDetected,
                      psycopg2.errors.LockNotAvailable)

# What goes up through the engine's savepoints untouched: the engine's stops and Xero's answers
# are settled by the organisation's loop, with what they recorded before leaving kept.
NOT_ODOO_ERRORS = (Stop, Wait, XeroError)
