from odoo import SUPERUSER_ID, api

# The bank feed's columns on xero_organisation (19.0.1.2.0) -> those of xero_bank_feed.
COLUMNS = {
    'bank_feed_active': 'activated',
    'bank_feed_start_date': 'start_date',
    'bank_feed_contact_id': 'contact_id',
    'bank_feed_account_id': 'account_id',
    'bank_feed_tax_rate_id': 'tax_rate_id',
    'xero_period_lock_date': 'period_lock_date',
    'xero_end_of_year_lock_date': 'end_of_year_lock_date',
    'xero_lock_dates_read': 'lock_dates_read',
    'xero_user_role': 'user_role',
}


def migrate(cr, version):
    """The bank feed's configuration moved from the organisation into ``xero.bank.feed``, one per
    organisation: each organisation with anything of a feed (a column set, a currency, a vendor
    rule, a fed journal) gets its feed with those values, its currency and rule rows point at
    it, and the daily cron (``noupdate``, so left alone by the upgrade) runs on the new model.
    The old columns stay in the table, unread."""
    if not version:
        return
    cr.execute("""SELECT column_name FROM information_schema.columns
                   WHERE table_name = 'xero_organisation' AND column_name = ANY(%s)""",
               [list(COLUMNS)])
    present = [row[0] for row in cr.fetchall()]
    if present:
        targets = ', '.join(COLUMNS[name] for name in present)
        sources = ', '.join(f'org.{name}' for name in present)
        configured = ' OR '.join(f'org.{name} IS NOT NULL AND org.{name}::text != %s' % "'false'"
                                 for name in present)
        cr.execute(f"""
            INSERT INTO xero_bank_feed (organisation_id, company_id, {targets},
                                        create_uid, create_date, write_uid, write_date)
            SELECT org.id, org.company_id, {sources},
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM xero_organisation org
             WHERE ({configured}
                    OR EXISTS (SELECT 1 FROM xero_bank_feed_currency c WHERE c.organisation_id = org.id)
                    OR EXISTS (SELECT 1 FROM xero_bank_feed_rule r WHERE r.organisation_id = org.id)
                    OR EXISTS (SELECT 1 FROM account_journal j WHERE j.xero_feed_organisation_id = org.id))
               AND NOT EXISTS (SELECT 1 FROM xero_bank_feed f WHERE f.organisation_id = org.id)
        """, {'uid': SUPERUSER_ID})
    for table in ('xero_bank_feed_currency', 'xero_bank_feed_rule'):
        cr.execute(f"""UPDATE {table} row SET bank_feed_id = feed.id
                         FROM xero_bank_feed feed
                        WHERE feed.organisation_id = row.organisation_id AND row.bank_feed_id IS NULL""")
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref('xero_integration.ir_cron_xero_bank_feed', raise_if_not_found=False)
    if cron:
        cron.write({'model_id': env['ir.model']._get_id('xero.bank.feed')})
