def migrate(cr, version):
    """The stored Bank feed tab of the organisation's form calls organisation methods that moved
    to ``xero.bank.feed``: validating the organisation's form before that tab is loaded again
    would fail. It goes now, and its file makes it anew."""
    if not version:
        return
    cr.execute("""DELETE FROM ir_ui_view WHERE id IN (
                      SELECT res_id FROM ir_model_data
                       WHERE module = 'xero_integration' AND model = 'ir.ui.view'
                         AND name = 'xero_organisation_view_form_bank_feed')""")
    cr.execute("""DELETE FROM ir_model_data
                   WHERE module = 'xero_integration' AND model = 'ir.ui.view'
                     AND name = 'xero_organisation_view_form_bank_feed'""")
