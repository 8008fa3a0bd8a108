def migrate(cr, version):
    """The stored tabs and buttons that extend the organisation's views (the Bank feed tab among
    them) call organisation methods that moved to models of their own (``xero.bank.feed``):
    validating the organisation's views before those extensions are loaded again would fail.
    They go now; their files make them anew in this same upgrade."""
    if not version:
        return
    cr.execute("""SELECT view.id FROM ir_ui_view view
                    JOIN ir_model_data data ON data.model = 'ir.ui.view' AND data.res_id = view.id
                   WHERE data.module = 'xero_integration' AND view.model = 'xero.organisation'
                     AND view.inherit_id IS NOT NULL""")
    ids = tuple(row[0] for row in cr.fetchall())
    if ids:
        cr.execute("DELETE FROM ir_model_data WHERE model = 'ir.ui.view' AND res_id IN %s", [ids])
        cr.execute('DELETE FROM ir_ui_view WHERE id IN %s', [ids])
