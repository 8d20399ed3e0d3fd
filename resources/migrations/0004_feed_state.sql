-- The state of each feed (a CRM entity type kept in tiersync.entities by incremental runs,
-- DESIGN.md "Feeds"): where the next incremental run starts and how current the data is.
-- modified_watermark / deleted_watermark: the latest Modified_Time / deleted_time a
-- succeeded run saw (never later than that run's start); the next run asks Zoho for what
-- changed since then, minus an overlap for clock skew. data_as_of: the start of the last
-- succeeded run, i.e. the time the rows are known to be current as of; the read path
-- answers fed endpoints from their snapshots while now - data_as_of is within the feed's
-- max lag. All of them only move forward.
CREATE TABLE tiersync.feed_state (
    entity_type         text        PRIMARY KEY CHECK (entity_type ~ '^[a-z0-9_-]{1,64}$'),
    modified_watermark  timestamptz,
    deleted_watermark   timestamptz,
    last_success_at     timestamptz,
    data_as_of          timestamptz,
    last_full_at        timestamptz,
    last_run_id         bigint,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
