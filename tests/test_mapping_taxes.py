from odoo.exceptions import ValidationError
from odoo.tests import Form

from .common import XeroTransactionCase
from .mapping_common import MappingMixin


class TestMappingTaxes(MappingMixin, XeroTransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Taxes that exist before the organisations connect get suggestions at connect time.
        cls.sale15 = cls.make_tax('GST 15% Sales', 15)
        cls.purchase15 = cls.make_tax('GST 15% Purchases', 15, type_tax_use='purchase')
        cls.exempt = cls.make_tax('Exempt income 0%', 0)
        cls.vat21 = cls.make_tax('VAT 21%', 21)
        cls.included = cls.make_tax('GST 15% incl.', 15, price_include_override='tax_included')
        cls.levy_children = cls.make_children(('GST 15% (levy group)', 15, True), ('Levy 2%', 2, False))
        cls.levy_group = cls.make_group('GST + Levy', cls.levy_children)

    def test_suggestions_by_rate_type_and_name(self):
        nz, au = self.connect()
        expected = {
            self.sale15: 'OUTPUT2',
            self.purchase15: 'INPUT2',
            self.exempt: 'EXEMPTOUTPUT',
            self.included: 'OUTPUT2',
            self.levy_group: 'TAX001',
        }
        for tax, tax_type in expected.items():
            mapping = self.mapping_of(nz, tax)
            self.assertEqual(mapping.xero_tax_type, tax_type, tax.name)
            self.assertEqual(mapping.state, 'suggested', tax.name)
        self.assertFalse(self.mapping_of(nz, self.vat21), 'no Xero rate of 21%: nothing to suggest')
        self.assertFalse(self.mapping_of(au, self.sale15), 'the AU organisation has no 15% rate')
        self.assertEqual(self.mapping_of(au, self.exempt).xero_tax_type, 'EXEMPTOUTPUT')
        self.assertFalse(self.mapping_of(nz, self.levy_children), 'children go with their group')

    def test_suggestions_keep_what_a_person_chose(self):
        nz, _au = self.connect()
        mapping = self.mapping_of(nz, self.exempt)
        mapping.xero_tax_rate_id = self.rate(nz, 'ZERORATED')
        self.assertEqual(mapping.state, 'confirmed', 'choosing a rate by hand confirms it')
        self.mapping_of(nz, self.sale15).action_confirm()
        late = self.make_tax('GST 15% late', 15)
        nz.action_suggest_mappings()
        self.assertEqual(self.mapping_of(nz, self.exempt).xero_tax_type, 'ZERORATED')
        self.assertEqual(self.mapping_of(nz, self.sale15).state, 'confirmed')
        self.assertEqual(self.mapping_of(nz, late).xero_tax_type, 'OUTPUT2')
        nz.action_confirm_tax_suggestions()
        self.assertEqual(set(nz.tax_mapping_ids.mapped('state')), {'confirmed'})
        self.assertEqual(nz.suggested_tax_mapping_count, 0)

    def test_single_tax_mismatch_refused(self):
        nz, au = self.connect()
        with self.assertRaises(ValidationError) as caught:
            self.env['xero.tax.mapping'].create({
                'organisation_id': au.id, 'tax_id': self.vat21.id,
                'xero_tax_rate_id': self.rate(au, 'OUTPUT').id})
        self.assertEqual(str(caught.exception),
                         "Odoo tax 'VAT 21%' is 21.0%, but Xero tax rate 'GST on Income' (OUTPUT) is 10.0%.")
        mapping = self.mapping_of(nz, self.sale15)
        with self.assertRaisesRegex(ValidationError, r"'GST 15% Sales' is 15\.0%, but .*'GST \+ Levy on Income' "
                                                     r"\(TAX001\) is 17\.3%"):
            mapping.xero_tax_rate_id = self.rate(nz, 'TAX001')
        with self.assertRaisesRegex(ValidationError, 'belongs to Demo Company \\(AU\\)'):
            mapping.xero_tax_rate_id = self.rate(au, 'EXEMPTOUTPUT')

    def test_group_tax_maps_to_components(self):
        nz, _au = self.connect()
        mapping = self.mapping_of(nz, self.levy_group)
        mapping.action_confirm()
        self.assertEqual(mapping.xero_effective_rate, 17.3)

        # Same total, wrong components.
        wrong = self.make_group('GST 15% + 5%', self.make_children(('GST 15% (b)', 15, True), ('Levy 5%', 5, False)))
        with self.assertRaises(ValidationError) as caught:
            self.env['xero.tax.mapping'].create({'organisation_id': nz.id, 'tax_id': wrong.id,
                                                 'xero_tax_rate_id': self.rate(nz, 'TAX001').id})
        self.assertEqual(str(caught.exception),
                         "Odoo tax 'GST 15% + 5%' is a group of 5.0% + 15.0%, but Xero tax rate "
                         "'GST + Levy on Income' (TAX001) has the components 2.0% + 15.0%.")
        # A group never maps to a single-component rate of the same total.
        with self.assertRaisesRegex(ValidationError, 'is a group of 2.0% \\+ 15.0%, but .* \\(OUTPUT2\\) '
                                                     'has the components 15.0%'):
            mapping.xero_tax_rate_id = self.rate(nz, 'OUTPUT2')

    def test_group_tax_compound_semantics(self):
        nz, _au = self.connect()
        # The levy is compound in Xero; without "affect base", Odoo charges 17% instead of 17.3%.
        flat = self.make_group('GST + Levy (flat)', self.make_children(('GST 15% (flat)', 15, False),
                                                                       ('Levy 2% (flat)', 2, False)))
        with self.assertRaises(ValidationError) as caught:
            self.env['xero.tax.mapping'].create({'organisation_id': nz.id, 'tax_id': flat.id,
                                                 'xero_tax_rate_id': self.rate(nz, 'TAX001').id})
        self.assertIn("Odoo tax 'GST + Levy (flat)' comes to 17.0% in total, but Xero tax rate "
                      "'GST + Levy on Income' (TAX001) is 17.3%", str(caught.exception))
        self.assertFalse(self.mapping_of(nz, flat))

    def test_price_included_tax(self):
        nz, _au = self.connect()
        self.assertTrue(self.included.price_include)
        mapping = self.mapping_of(nz, self.included)
        self.assertTrue(mapping.price_include)
        mapping.action_confirm()
        self.assertEqual(mapping.xero_tax_type, self.mapping_of(nz, self.sale15).xero_tax_type,
                         'included or excluded is chosen per invoice: same Xero tax type')
        included21 = self.make_tax('VAT 21% incl.', 21, price_include_override='tax_included')
        with self.assertRaisesRegex(ValidationError, "'VAT 21% incl.' is 21.0%, but .* is 15.0%"):
            self.env['xero.tax.mapping'].create({'organisation_id': nz.id, 'tax_id': included21.id,
                                                 'xero_tax_rate_id': self.rate(nz, 'OUTPUT2').id})

    def test_fixed_and_unsupported_taxes_refused(self):
        nz, _au = self.connect()
        fixed = self.make_tax('Eco fee', 2, amount_type='fixed')
        self.assertFalse(self.mapping_of(nz, fixed))
        with self.assertRaisesRegex(ValidationError, 'Xero tax rates are plain percentages'):
            self.env['xero.tax.mapping'].create({'organisation_id': nz.id, 'tax_id': fixed.id,
                                                 'xero_tax_rate_id': self.rate(nz, 'NONE').id})
        child = self.levy_children[1]
        with self.assertRaisesRegex(ValidationError, 'neither a sales nor a purchase tax'):
            self.env['xero.tax.mapping'].create({'organisation_id': nz.id, 'tax_id': child.id,
                                                 'xero_tax_rate_id': self.rate(nz, 'OUTPUT2').id})

    def test_default_tax_for_untaxed_lines(self):
        nz, au = self.connect()
        self.assertEqual(nz.xero_default_tax_rate_id.tax_type, 'NONE')
        nz.xero_default_tax_rate_id = self.rate(nz, 'EXEMPTOUTPUT')
        self.assertEqual(nz.xero_default_tax_rate_id.tax_type, 'EXEMPTOUTPUT')
        with self.assertRaises(ValidationError) as caught:
            nz.xero_default_tax_rate_id = self.rate(nz, 'OUTPUT2')
        self.assertIn("Xero tax rate '15% GST on Income' (OUTPUT2) is 15.0%", str(caught.exception))
        with self.assertRaisesRegex(ValidationError, 'belongs to Demo Company \\(AU\\)'):
            nz.xero_default_tax_rate_id = self.rate(au, 'NONE')

    def test_mapping_on_the_tax_form(self):
        nz, au = self.connect()
        with Form(self.vat21) as form:
            self.assertEqual(len(form.xero_tax_mapping_ids), 0)
        # One line per organisation; AU has no 21% rate, and a wrong rate cannot be saved.
        self.sim.seed(self.sim_org(nz.name).tenant_id, tax_rates=[{
            'Name': 'Luxury 21%', 'TaxType': 'TAX009', 'ReportTaxType': 'OUTPUT',
            'TaxComponents': [{'Name': 'Luxury', 'Rate': '21.0000'}]}])
        # Import without suggesting, so the line is added by hand.
        self.env['xero.tax.rate']._import_from_xero(nz)
        with Form(self.vat21) as form:
            with form.xero_tax_mapping_ids.new() as line:
                line.organisation_id = nz
                line.xero_tax_rate_id = self.rate(nz, 'TAX009')
        mapping = self.mapping_of(nz, self.vat21)
        self.assertEqual(mapping.state, 'confirmed')
        form = Form(self.vat21)
        with form.xero_tax_mapping_ids.new() as line:
            line.organisation_id = au
            line.xero_tax_rate_id = self.rate(au, 'OUTPUT')
        with self.assertRaises(ValidationError):
            form.save()

        # Editing a suggestion on the tax form confirms it.
        index = self.exempt.xero_tax_mapping_ids.ids.index(self.mapping_of(nz, self.exempt).id)
        with Form(self.exempt) as form:
            with form.xero_tax_mapping_ids.edit(index) as line:
                self.assertEqual(line.organisation_id, nz)
                self.assertEqual(line.state, 'suggested')
                line.xero_tax_rate_id = self.rate(nz, 'ZERORATED')
        self.assertRecordValues(self.mapping_of(nz, self.exempt), [{'state': 'confirmed'}])
