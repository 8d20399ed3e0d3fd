-- Zoho CRM has no per-minute cap (ZOHO-API.md "Limits of an organisation": credits per
-- rolling 24 h and calls at once only). 0002 seeded the product's own cap of 100 calls a
-- minute for CRM, which made a cold feed of the dashboard's modules wait on a limit Zoho
-- does not have (5,000 students: 357 calls, 188 s, nearly all of it waiting). The default
-- becomes 1,000 a minute, above what 5 calls at once can make at Zoho's 0.5–2 s a call, so
-- CRM is paced by its real limits: concurrency and the daily credits. A row an admin has
-- changed (updated_by is not 'migration') keeps its value.
UPDATE tiersync.zoho_limits
   SET per_window = 1000
 WHERE family = 'crm' AND updated_by = 'migration' AND per_window = 100 AND window_seconds = 60;
