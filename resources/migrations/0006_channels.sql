-- CRM notification channels (actions/watch) that a `tiersync serve` keeps: one per fed CRM
-- module, its id stable per (OAuth client id, module). ChannelManager writes every field
-- but the notification counters, which the CRM webhook handler moves when a notification
-- names the channel. Times come from the writer's clock; Zoho's own clock decides expiry.
CREATE TABLE tiersync.notification_channels (
    channel_id            text        PRIMARY KEY CHECK (channel_id ~ '^[1-9][0-9]{0,18}$'),
    entity_type           text        NOT NULL,
    module                text        NOT NULL,
    events                text[]      NOT NULL DEFAULT '{}',
    notify_url            text        NOT NULL,
    expires_at            timestamptz,
    enabled_at            timestamptz,
    renewed_at            timestamptz,
    last_notification_at  timestamptz,
    notifications         bigint      NOT NULL DEFAULT 0 CHECK (notifications >= 0),
    status                text        NOT NULL
                                      CHECK (status IN ('active', 'expired', 'dropped', 'failed', 'disabled')),
    last_error            text,
    updated_at            timestamptz NOT NULL DEFAULT now()
);
