"""Payments and allocations are two link models from 19.0.1.3.0: the allocations
(``kind`` 'allocations', a credit note's, and 'credit_allocations', an overpayment's or a
prepayment's) move from ``xero_payment_link`` to ``xero_allocation_link``.

Each row moves whole, under its own id: its Xero id and status, its place in the outbox (state,
Idempotency-Key, the request it went in, whether it may have reached Xero), its error. A request
whose answer was lost is then replayed with the same key, or looked up, exactly as before the
upgrade: the keys are stored on the rows, never derived from the model.

Odoo leaves the columns of fields that left ``xero.payment.link`` (``credit_note_id``,
``credit_link_id``) in place until the end of the upgrade: they are read here, after the new
table is made.
"""
import logging

_logger = logging.getLogger(__name__)

ALLOCATION_KINDS = ('allocations', 'credit_allocations')


def _columns(cr, table):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
               "AND table_name = %s", [table])
    return {row[0] for row in cr.fetchall()}


def move_allocation_links(cr):
    """Move the allocation rows of ``xero_payment_link`` into ``xero_allocation_link``; return
    how many moved."""
    old, new = _columns(cr, 'xero_payment_link'), _columns(cr, 'xero_allocation_link')
    if not old or not new or 'kind' not in old:
        return 0
    columns = ', '.join(f'"{name}"' for name in sorted(old & new))
    cr.execute(f"""INSERT INTO xero_allocation_link ({columns})
                   SELECT {columns} FROM xero_payment_link WHERE kind IN %s ORDER BY id""", [ALLOCATION_KINDS])
    moved = cr.rowcount
    if not moved:
        return 0
    cr.execute("DELETE FROM xero_payment_link WHERE kind IN %s", [ALLOCATION_KINDS])
    # The rows keep their ids: the new table's sequence starts after them.
    cr.execute("""SELECT setval(pg_get_serial_sequence('xero_allocation_link', 'id'),
                                (SELECT MAX(id) FROM xero_allocation_link))""")
    _logger.info('xero_integration: %s allocation links moved to xero_allocation_link', moved)
    return moved


def migrate(cr, version):
    if not version:
        return
    move_allocation_links(cr)
