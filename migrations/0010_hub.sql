-- The hub (server-rendered dashboard): table-backed sessions, one-time sign-in links, and the indexes its pages
-- read through.

-- A session is found by the SHA-256 of its cookie value: the value itself is never stored, so a read of this
-- table does not hand out sessions. Scopes are those granted at sign-in and never grow.
CREATE TABLE hub_sessions (
    token_hash    bytea PRIMARY KEY,
    community_id  bigint NOT NULL,
    subject       text NOT NULL,
    scopes        text[] NOT NULL,
    csrf_token    text NOT NULL,
    auth_kind     text NOT NULL CHECK (auth_kind IN ('jwt', 'client', 'link')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX hub_sessions_expires_idx ON hub_sessions (expires_at);

-- `python app.py hub-link` writes one; redeeming it sets used_at in the same statement that checks it is unused.
CREATE TABLE hub_links (
    token_hash    bytea PRIMARY KEY,
    community_id  bigint NOT NULL,
    subject       text NOT NULL,
    scopes        text[] NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz
);
CREATE INDEX hub_links_expires_idx ON hub_links (expires_at);

-- Schedules page: newest first and "runs next" order within a community, the created-by filter (and the
-- distinct creators, skipped through this index), and the count by status (index-only).
CREATE INDEX workflow_schedules_community_next_idx ON workflow_schedules (community_id, next_execution_at, seq);
CREATE INDEX workflow_schedules_community_creator_idx ON workflow_schedules (community_id, created_by, seq);
CREATE INDEX workflow_schedules_community_status_idx ON workflow_schedules (community_id, status);
