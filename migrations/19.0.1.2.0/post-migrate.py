def migrate(cr, version):
    """Events were stored by SQL without their company, which the new multi-company rule reads:
    fill it in. The last webhook event is now read from the events themselves: the system
    parameter each delivery used to write goes.

    The crons need nothing: their data is ``noupdate`` from this version, and Odoo then leaves
    existing records alone whatever flag they were stored with; the old item cron, gone from the
    data, is removed by Odoo itself."""
    if not version:
        return
    cr.execute("""UPDATE xero_webhook_event event SET company_id = org.company_id
                    FROM xero_organisation org
                   WHERE org.id = event.organisation_id AND event.company_id IS NULL""")
    cr.execute("DELETE FROM ir_config_parameter WHERE key = 'xero_integration.webhook_last_event'")
