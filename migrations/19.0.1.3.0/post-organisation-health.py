from odoo.tools.sql import column_exists


def migrate(cr, version):
    """Health moved out of ``xero.organisation`` into ``xero.organisation.health``.

    The failure digest and inactivity crons are ``noupdate``: point them at the new model here.
    The last digest and warning dates move to the organisation's health row (Odoo keeps the old
    columns of the organisation table, unused)."""
    if not version:
        return
    cr.execute("""UPDATE ir_act_server action SET model_id = model.id
                    FROM ir_cron cron, ir_model_data data, ir_model model
                   WHERE data.module = 'xero_integration' AND data.model = 'ir.cron'
                     AND data.name IN ('ir_cron_xero_failure_digest', 'ir_cron_xero_inactivity')
                     AND cron.id = data.res_id AND action.id = cron.ir_actions_server_id
                     AND model.model = 'xero.organisation.health'""")
    if column_exists(cr, 'xero_organisation', 'failure_digest_date'):
        cr.execute("""INSERT INTO xero_organisation_health
                             (organisation_id, company_id, failure_digest_date, inactivity_warning_date,
                              create_uid, create_date, write_uid, write_date)
                      SELECT id, company_id, failure_digest_date, inactivity_warning_date,
                             1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
                        FROM xero_organisation
                       WHERE failure_digest_date IS NOT NULL OR inactivity_warning_date IS NOT NULL
                      ON CONFLICT DO NOTHING""")
