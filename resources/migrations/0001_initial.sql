-- TierSync schema, version 1. Applied by Migrator inside one transaction, after it has
-- created schema tiersync and tiersync.schema_migrations. Never edit this file once it
-- has shipped: its checksum is recorded; add 0002_….sql instead.
--
-- Conventions: timestamps are timestamptz; payloads are jsonb; content hashes are the
-- lowercase hex text of a SHA-256 (64 characters), the same string the sync engine
-- keeps in Redis, so no conversion happens between the tiers; Zoho ids are text (they
-- are 18-19 digit strings and must not lose leading digits or be treated as numbers).

-- Tier 2 of the read path: the last response of each dashboard endpoint per student.
CREATE TABLE tiersync.endpoint_snapshots (
    endpoint        text        NOT NULL,
    moodle_user_id  bigint      NOT NULL,
    payload         jsonb       NOT NULL,
    content_hash    text        NOT NULL,
    fetched_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (endpoint, moodle_user_id)
);

-- Synchronised Zoho entities (products, customers, students).
CREATE TABLE tiersync.entities (
    entity_type         text        NOT NULL,
    zoho_id             text        NOT NULL,
    payload             jsonb       NOT NULL,
    content_hash        text        NOT NULL,
    last_modified_time  timestamptz,
    synced_at           timestamptz NOT NULL DEFAULT now(),
    sync_count          integer     NOT NULL DEFAULT 1,
    deleted_at          timestamptz,
    PRIMARY KEY (entity_type, zoho_id)
);
-- No further index: the primary key (entity_type, zoho_id) already serves every query
-- (state lookups by id, listing one type in id order for warming, counting a type),
-- and every extra index on this table is maintained by every upsert (see
-- tests/bench/bench_pg_upsert).

CREATE TABLE tiersync.sync_runs (
    id           bigserial   PRIMARY KEY,
    entity_type  text        NOT NULL,
    mode         text        NOT NULL CHECK (mode IN ('incremental', 'full')),
    trigger      text        NOT NULL,
    status       text        NOT NULL DEFAULT 'running'
                             CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    fetched      bigint      NOT NULL DEFAULT 0,
    synced       bigint      NOT NULL DEFAULT 0,
    skipped      bigint      NOT NULL DEFAULT 0,
    failed       bigint      NOT NULL DEFAULT 0,
    deleted      bigint      NOT NULL DEFAULT 0,
    pages        integer     NOT NULL DEFAULT 0,
    zoho_calls   integer     NOT NULL DEFAULT 0,
    retries      integer     NOT NULL DEFAULT 0,
    duration_ms  bigint,
    error        text
);
CREATE INDEX sync_runs_started_idx ON tiersync.sync_runs (started_at DESC);
CREATE INDEX sync_runs_type_started_idx ON tiersync.sync_runs (entity_type, started_at DESC);

CREATE TABLE tiersync.retry_events (
    id            bigserial   PRIMARY KEY,
    at            timestamptz NOT NULL,
    target        text        NOT NULL,
    attempt       integer     NOT NULL,
    max_attempts  integer     NOT NULL,
    error_class   text        NOT NULL,
    http_status   integer,                      -- NULL: no HTTP response at all
    delay_ms      bigint      NOT NULL DEFAULT 0,
    outcome       text        NOT NULL
);
CREATE INDEX retry_events_at_idx ON tiersync.retry_events (at DESC);

CREATE TABLE tiersync.webhook_events (
    id                bigserial   PRIMARY KEY,
    idempotency_key   text        NOT NULL UNIQUE,
    received_at       timestamptz NOT NULL DEFAULT now(),
    source            text        NOT NULL,
    entity_type       text,
    entity_id         text,
    outcome           text        NOT NULL DEFAULT 'received',
    invalidated_keys  text[]      NOT NULL DEFAULT '{}',
    error             text
);
CREATE INDEX webhook_events_received_idx ON tiersync.webhook_events (received_at DESC);

-- Global switches shared by every instance; a change is announced with
-- NOTIFY tiersync_settings, '<key>'.
CREATE TABLE tiersync.settings (
    key         text        PRIMARY KEY,
    value       text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT 'system'
);
INSERT INTO tiersync.settings (key, value, updated_by)
VALUES ('caching_enabled', 'true', 'migration')
ON CONFLICT (key) DO NOTHING;
