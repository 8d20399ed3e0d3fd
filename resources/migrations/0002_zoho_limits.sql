-- The organisation's Zoho limits (ZOHO-API.md "Limits of an organisation"): what every
-- process's Zoho budget enforces, one row per API family, seeded with Zoho's defaults for
-- a free organisation. Books and Inventory: 100 calls per minute, 1,000 per calendar day,
-- 5 at once. CRM: 100 per minute (the product's own cap; Zoho has none), 5,000 credits per
-- rolling 24 h, 5 at once. `tiersync limits set` and the console's Settings change them;
-- a change NOTIFYs tiersync_settings, 'zoho_limits' in the same transaction.
CREATE TABLE tiersync.zoho_limits (
    family            text        PRIMARY KEY CHECK (family IN ('books', 'inventory', 'crm')),
    plan              text        NOT NULL,
    users             integer     NOT NULL DEFAULT 0 CHECK (users >= 0),
    per_window        integer     NOT NULL CHECK (per_window >= 1),
    window_seconds    integer     NOT NULL DEFAULT 60 CHECK (window_seconds >= 1),
    per_day           bigint      NOT NULL CHECK (per_day >= 0),
    concurrency       integer     NOT NULL CHECK (concurrency >= 1),
    read_reserve_pct  integer     NOT NULL DEFAULT 20 CHECK (read_reserve_pct BETWEEN 0 AND 90),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    updated_by        text        NOT NULL DEFAULT 'migration'
);
INSERT INTO tiersync.zoho_limits (family, plan, users, per_window, per_day, concurrency)
VALUES ('books', 'free', 0, 100, 1000, 5),
       ('inventory', 'free', 0, 100, 1000, 5),
       ('crm', 'free', 0, 100, 5000, 5)
ON CONFLICT (family) DO NOTHING;
