from datetime import timedelta
from unittest.mock import patch

from odoo import fields

from ..models import xero_sync_engine
from .test_pull import PullCase


class TestDashboard(PullCase):

    def refreshed(self):
        self.env.flush_all()
        self.org.invalidate_recordset()
        return self.org

    def open(self, action):
        """The records an action opens, as the web client would search them."""
        return self.env[action['res_model']].search(action['domain'])

    def test_the_xero_app_opens_on_the_kanban_of_organisations(self):
        root = self.env.ref('xero_integration.menu_xero_root')
        dashboard = self.env.ref('xero_integration.xero_dashboard_action')
        self.assertEqual(root.action, dashboard)
        self.assertEqual(dashboard.res_model, 'xero.organisation')
        self.assertEqual(dashboard.view_mode.split(',')[0], 'kanban')
        self.assertEqual(dashboard.view_id, self.env.ref('xero_integration.xero_organisation_view_kanban_dashboard'))
        # The organisations' list is still one menu away.
        self.assertEqual(self.env.ref('xero_integration.menu_xero_organisations').parent_id, root)
        # An organisation opened from a link (an email, a mention) opens in the Xero app, not in Discuss.
        self.assertEqual(self.env['ir.ui.menu']._get_best_backend_root_menu_id_for_model('xero.organisation'),
                         root.id)

    def test_each_count_opens_exactly_the_records_it_counts(self):
        moves = self.make_move() | self.make_move()  # queued: two documents and their contact
        failed = self.link(moves[0])
        failed.write({'sync_state': 'error', 'last_error': 'Refused'})
        Log = self.env['xero.sync.log'].sudo()
        now = fields.Datetime.now()
        today_logs = Log.create([
            {'organisation_id': self.org.id, 'kind': 'invoices', 'direction': 'push', 'start_date': now,
             'sent': 3, 'failed': 1},
            {'organisation_id': self.org.id, 'kind': 'contacts', 'direction': 'pull', 'start_date': now,
             'created': 2, 'updated': 4},
        ])
        Log.create([
            {'organisation_id': self.org.id, 'kind': 'invoices', 'direction': 'push',
             'start_date': now - timedelta(days=2), 'sent': 7},  # not today
            {'organisation_id': self.org.id, 'kind': 'request', 'direction': 'request', 'start_date': now},
        ])
        org = self.refreshed()

        pending = [(model, link.id) for model in xero_sync_engine.LINK_MODELS
                   for link in self.env[model].search([('organisation_id', '=', org.id),
                                                       ('sync_state', '=', 'pending')])]
        self.assertEqual(len(pending), 2, 'the other document and the contact wait')
        to_send = self.open(org.action_view_to_send())
        self.assertEqual(org.queue_pending_count, len(to_send))
        self.assertEqual(sorted((item.link_model, item.link_id) for item in to_send), sorted(pending))

        in_error = self.open(org.action_view_in_error())
        self.assertEqual(org.queue_error_count, 1)
        self.assertEqual([(e.link_model, e.link_id) for e in in_error], [('xero.move.link', failed.id)])

        synced = self.open(org.action_view_synced_today())
        self.assertEqual(synced, today_logs)
        self.assertEqual(org.log_synced_today_count, 3 + 2 + 4)
        self.assertEqual(org.log_synced_today_count,
                         sum(synced.mapped(lambda log: log.sent + log.created + log.updated)))

        self.assertEqual(self.open(org.action_view_sync_log()), Log.search([('organisation_id', '=', org.id)]))
        self.assertIn('Invoices and credit notes', org.last_runs_summary)
        self.assertIn('Contacts', org.last_runs_summary)
        self.assertEqual(org.sync_graph.count('o_xero_bar'), 14, 'one bar a day')

        if 'xero.difference' in self.env:
            Difference = self.env['xero.difference'].sudo()
            kind = Difference._fields['kind'].get_values(self.env)[0]
            Difference.create([{'organisation_id': org.id, 'state': 'open', 'kind': kind},
                               {'organisation_id': org.id, 'state': 'resolved', 'kind': kind}])
            org = self.refreshed()
            differences = self.open(org.action_view_differences())
            self.assertEqual(org.difference_count, 1)
            self.assertEqual(differences.mapped('state'), ['open'])
        else:
            self.assertFalse(self.refreshed().has_differences_model)
            self.assertEqual(org.difference_count, 0)

    def test_calls_left_today_is_read_from_the_governors_row(self):
        self.pull()
        org = self.refreshed()
        self.assertGreater(org.calls_today, 0)
        self.assertEqual(org.calls_left_today, org._runtime()['day_remaining'])

    def record_progress(self):
        """Patch the progress helper to read, after each write, what another user would see."""
        Org = type(self.org)
        seen = []
        original = Org._progress

        def progress(org, *args, **kwargs):
            original(org, *args, **kwargs)
            org.invalidate_recordset(['progress_text', 'progress_label'])
            seen.append(org.progress_text)
        return patch.object(Org, '_progress', autospec=True, side_effect=progress), seen

    def test_a_pull_shows_its_progress_per_batch_and_clears_it_at_the_end(self):
        for n in range(23):
            self.sim_add(Name=f'Progress {n:02d}', EmailAddress=f'progress{n}@example.com')
        total = len(self.sim_contacts())
        patcher, seen = self.record_progress()
        with patcher:
            counts = self.pull(page_size=10)
        self.assertEqual(counts['created'] + counts['matched'] + counts['updated'], total)
        shown = [text for text in seen if text]
        self.assertTrue(shown, 'progress was shown during the run')
        self.assertIn(f'Reading from Xero: {total:,} / {total:,}', shown)
        self.assertEqual(shown[0], 'Reading from Xero: 10 / 20', 'the first batch of the first of two pages')
        self.assertFalse(seen[-1], 'cleared at the end')
        self.assertFalse(self.refreshed().progress_label)
        self.assertFalse(self.org.progress_text)

    def test_a_large_push_shows_its_progress_per_batch_and_clears_it_at_the_end(self):
        moves = self.make_move() | self.make_move() | self.make_move() | self.make_move() | self.make_move()
        patcher, seen = self.record_progress()
        with patcher, patch.object(xero_sync_engine, 'BATCH_SIZE', 2):
            self.push()
        for move in moves:
            self.assertEqual(self.link(move).sync_state, 'synced')
        shown = [text for text in seen if text]
        self.assertEqual(shown, ['Sending to Xero: 2 / 5', 'Sending to Xero: 4 / 5', 'Sending to Xero: 5 / 5'])
        self.assertFalse(seen[-1], 'cleared at the end')
        self.assertFalse(self.refreshed().progress_label)
