from contextlib import contextmanager
from unittest.mock import patch

from .common import XeroTransactionCase
from .mapping_common import NZ, MappingMixin

# What an import of the chart and taxes (and the suggestions after it) may write.
IMPORTED_MODELS = ('xero.account', 'xero.tax.rate', 'xero.tax.component',
                   'xero.product.category.mapping')


class TestImportWrites(MappingMixin, XeroTransactionCase):
    """A second import of an unchanged chart writes no row: rewritten rows are locked rows, and
    two imports of one organisation would then fail on each other."""

    @contextmanager
    def spy_writes(self):
        """Record every write and create on the imported models: ``[(model, ids, vals)]``."""
        calls = []
        patches = []
        for model in IMPORTED_MODELS:
            cls = type(self.env[model])
            for method in ('write', 'create'):
                original = getattr(cls, method)

                def spy(records, vals, _original=original, _method=method):
                    # Writing no record, or creating none, touches no row.
                    if records if _method == 'write' else vals:
                        calls.append((records._name, _method, records.ids, vals))
                    return _original(records, vals)
                patches.append(patch.object(cls, method, autospec=True, side_effect=spy))
        for p in patches:
            p.start()
        try:
            yield calls
        finally:
            for p in reversed(patches):
                p.stop()

    def test_unchanged_chart_writes_nothing(self):
        # Mapped automatically, by name, to Xero's 'Sales' account.
        self.env['product.category'].create({'name': 'Sales'})
        nz, _au = self.connect()
        self.assertEqual(len(nz.xero_account_ids), 20)
        self.assertTrue(nz.category_mapping_ids.filtered(lambda m: m.source == 'auto'))
        imports = self.sim.counters.count(endpoint='/api.xro/2.0/Accounts')
        with self.spy_writes() as calls:
            nz._import_chart()
        self.assertEqual(calls, [])
        self.assertEqual(self.sim.counters.count(endpoint='/api.xro/2.0/Accounts'), imports + 1,
                         'it did read the chart again')

    def test_a_renamed_account_updates_that_row_only(self):
        nz, _au = self.connect()
        account = self.xero_account(nz, '200')
        self.sim_org(NZ).account_by_code('200')['Name'] = 'Sales of bread'
        rate = self.rate(nz, 'OUTPUT2')
        sim_rate = next(r for r in self.sim_org(NZ).tax_rates.values() if r['TaxType'] == 'OUTPUT2')
        sim_rate['Name'] = 'GST on sales'
        with self.spy_writes() as calls:
            nz._import_chart()
        self.assertEqual(calls, [('xero.account', 'write', account.ids, {'name': 'Sales of bread'}),
                                 ('xero.tax.rate', 'write', rate.ids, {'name': 'GST on sales'})])
        self.assertEqual(account.name, 'Sales of bread')
        self.assertEqual(rate.name, 'GST on sales')
