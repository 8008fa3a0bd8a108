-- A neutralised copy of the database must never use, rotate or revoke the production tokens,
-- and must not sync with the production Xero organisations.
UPDATE xero_token
   SET access_token_enc = NULL, refresh_token_enc = NULL, expires_at = NULL;
UPDATE xero_organisation
   SET state = 'needs_reconnect'
 WHERE state = 'connected';
UPDATE ir_cron
   SET active = FALSE
 WHERE id IN (SELECT res_id FROM ir_model_data WHERE module = 'xero_integration' AND model = 'ir.cron');
