-- API keys for `tiersync serve` (issue 12): every /api/v1 route and /metrics ask for
-- `Authorization: Bearer <key>`. A key is `tsk_<12 hex>_<43 base64url>`: the first part
-- (prefix) is a public id, so a lookup is one index probe, never a scan; the rest is 256
-- random bits. Only the SHA-256 of the whole key is kept (hex): a fast hash is enough for
-- a key of that entropy (a slow KDF protects guessable passwords; nobody can search 2^256
-- keys, slow hash or not), and it keeps a cache miss cheap. The key itself is shown once.
CREATE TABLE tiersync.api_keys (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix        text        NOT NULL UNIQUE CHECK (prefix ~ '^tsk_[0-9a-f]{12}$'),
    key_sha256    text        NOT NULL CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
    name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- read: /api/v1; metrics: /metrics.
    scopes        text[]      NOT NULL CHECK (cardinality(scopes) >= 1
                                              AND scopes <@ ARRAY['read', 'metrics']::text[]),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text        NOT NULL DEFAULT 'unknown',
    -- Written by the servers at most about once a minute per key, off the request path.
    last_used_at  timestamptz,
    -- Set once; a revoked key is refused by every server within its cache time (30 s).
    revoked_at    timestamptz
);
