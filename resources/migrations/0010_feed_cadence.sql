-- A feed's cadence follows its notification channel's health (issue 10). While the CRM
-- notification channel of a fed module is healthy, its notifications keep the replica
-- fresh and the module's incremental feed is only a safety net: it runs every
-- safety_net_interval_seconds instead of interval_seconds. A safety-net run that finds
-- changes the notifications never brought marks the channel degraded (degraded_at), and
-- the feed is back on its own interval until the channel proves itself again: clean runs
-- since clean_since for an hour, with notifications delivered in that time.

-- NULL: no safety net, the row always runs at its own cadence. run_requested: an admin
-- asked for a run now (`schedule run`, the console's Run now): the slot runs whatever the
-- cadence; the claim clears it.
ALTER TABLE tiersync.schedules
    ADD COLUMN safety_net_interval_seconds integer
        CHECK (safety_net_interval_seconds BETWEEN 60 AND 31622400),
    ADD COLUMN run_requested boolean NOT NULL DEFAULT false;

-- Written only by the feed runs' self-check (never by ChannelManager's save).
ALTER TABLE tiersync.notification_channels
    ADD COLUMN degraded_at       timestamptz,
    ADD COLUMN degraded_reason   text,
    ADD COLUMN clean_since       timestamptz,
    ADD COLUMN last_check_at     timestamptz,
    ADD COLUMN last_check_missed integer CHECK (last_check_missed >= 0);

-- Rows seeded by an earlier version and never edited by an admin take the new defaults:
-- the feeds (every 5 minutes) get a 2-hour safety net, and the full reconcile of a fed
-- module runs weekly (Sunday 03:00 UTC) instead of nightly.
UPDATE tiersync.schedules SET safety_net_interval_seconds = 7200
 WHERE mode = 'incremental' AND interval_seconds = 300 AND updated_by = 'default';
UPDATE tiersync.schedules SET cron = '0 3 * * 0'
 WHERE mode = 'full' AND cron = '0 3 * * *' AND updated_by = 'default';
