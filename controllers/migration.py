import csv
import io

from odoo import http
from odoo.http import request

COLUMNS = ('model', 'res_id', 'record_name', 'source_type', 'source', 'xero_kind', 'xero_id',
           'state', 'xero_number', 'xero_status', 'message', 'applied')
BATCH = 5000


class XeroMigrationController(http.Controller):

    @http.route('/xero_integration/migration/<int:run_id>/report.csv', type='http', auth='user',
                methods=['GET'])
    def migration_report(self, run_id, state=None):
        """Every candidate of a migration run (or those of one class) as CSV."""
        run = request.env['xero.migration.run'].browse(run_id)
        run.check_access('read')
        run.line_ids.check_access('read')
        domain = [('run_id', '=', run.id)] + ([('state', '=', state)] if state else [])
        headers = [('Content-Type', 'text/csv; charset=utf-8'),
                   ('Content-Disposition', f'attachment; filename="xero-migration-{run.id}.csv"')]
        return request.make_response(csv_report(request.env['xero.migration.line'], domain), headers)


def csv_report(Line, domain):
    """The CSV bytes; lines are read in batches, so that the ORM cache stays small. (The body
    is built before the response leaves: the request's cursor is closed once it has.)"""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    offset = 0
    while True:
        lines = Line.search_fetch(domain, COLUMNS, offset=offset, limit=BATCH, order='id')
        for line in lines:
            writer.writerow([int(line.applied) if name == 'applied' else
                             '' if line[name] is False else line[name] for name in COLUMNS])
        if len(lines) < BATCH:
            return buffer.getvalue().encode()
        offset += BATCH
        Line.invalidate_model()
