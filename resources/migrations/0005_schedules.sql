-- When each entity type syncs (issue 10 "Schedules"): one row per (entity type, mode),
-- every interval_seconds or on a 5-field cron expression in UTC (exactly one of them).
-- Any `tiersync serve` runs the rows that are due: it claims a row by moving next_run_at
-- to the next slot after now in the same transaction that selected it (FOR UPDATE SKIP
-- LOCKED), so two instances never run one slot twice; the sync's advisory lock refuses a
-- second run of the same type. Rows are seeded from the registries at start
-- (INSERT … ON CONFLICT DO NOTHING): an admin's edits are never overwritten.
CREATE TABLE tiersync.schedules (
    name              text        PRIMARY KEY CHECK (name ~ '^[a-z0-9_-]+:(incremental|full)$'),
    entity_type       text        NOT NULL CHECK (entity_type ~ '^[a-z0-9_-]+$'),
    mode              text        NOT NULL CHECK (mode IN ('incremental', 'full')),
    interval_seconds  integer     CHECK (interval_seconds BETWEEN 60 AND 31622400),
    cron              text        CHECK (cron <> ''),
    enabled           boolean     NOT NULL DEFAULT true,
    next_run_at       timestamptz NOT NULL DEFAULT now(),
    last_run_id       bigint,
    last_status       text        CHECK (last_status IN ('running', 'succeeded', 'failed', 'cancelled', 'skipped')),
    last_started_at   timestamptz,
    last_finished_at  timestamptz,
    last_error        text,
    claimed_by        text,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    updated_by        text        NOT NULL DEFAULT 'migration',
    CONSTRAINT schedules_interval_or_cron CHECK ((interval_seconds IS NULL) <> (cron IS NULL)),
    CONSTRAINT schedules_name_is_type_and_mode CHECK (name = entity_type || ':' || mode),
    UNIQUE (entity_type, mode)
);
-- claimDue: the enabled rows in due order.
CREATE INDEX schedules_due ON tiersync.schedules (next_run_at) WHERE enabled;
