-- The full reconcile of a fed module runs monthly (the 1st, 03:00 UTC) instead of weekly
-- (issue 10). It is a safety net behind the feeds' catch-up, CRM's deleted list and the
-- channels' self-check; weekly, it alone cost 51 Zoho calls a day in the dashboard
-- benchmark and took a view past the 0.02-call budget.
--
-- Rows still at a default an earlier version seeded (weekly, or nightly before 0010) and
-- never edited by an admin take the new cadence, and their next run moves to the next
-- 1st at 03:00 UTC, as the scheduler would compute it from the new expression.
UPDATE tiersync.schedules
   SET cron = '0 3 1 * *',
       next_run_at = CASE
           WHEN now() < (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 hours') AT TIME ZONE 'UTC'
               THEN (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 hours') AT TIME ZONE 'UTC'
           ELSE (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month 3 hours') AT TIME ZONE 'UTC'
       END
 WHERE mode = 'full' AND cron IN ('0 3 * * 0', '0 3 * * *') AND updated_by = 'default';
