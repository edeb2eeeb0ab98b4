-- Operations, part A: approvals, fix-its, the audit trail and backfill.

-- A workflow may require each of its runs to be approved before it starts (status awaiting_approval).
ALTER TABLE workflows ADD COLUMN requires_approval boolean NOT NULL DEFAULT false;

-- Runs waiting for a decision, oldest first: the leader expires them after APPROVAL_TTL_SECONDS.
CREATE INDEX workflow_executions_awaiting_idx ON workflow_executions (fired_at) WHERE status = 'awaiting_approval';
-- Fix-it candidates: a community's failed, timed-out, abandoned and missed runs by when they ended.
CREATE INDEX workflow_executions_failures_idx ON workflow_executions (community_id, finished_at)
    WHERE status IN ('failed', 'timeout', 'abandoned', 'missed');

-- The audit trail: one row per API write, inserted in the transaction of the write. Append-only: nothing in
-- the code updates or deletes a row except the leader's pruner (AUDIT_RETENTION_DAYS); UPDATE is refused here.
CREATE SEQUENCE audit_events_seq;
CREATE TABLE audit_events (
    event_id      uuid PRIMARY KEY,
    seq           bigint NOT NULL DEFAULT nextval('audit_events_seq'),
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    community_id  bigint NOT NULL,
    action        text NOT NULL,
    target_type   text NOT NULL,
    target_id     text,
    request_id    text,
    changes       jsonb NOT NULL DEFAULT '{}'::jsonb
);
ALTER SEQUENCE audit_events_seq OWNED BY audit_events.seq;
CREATE INDEX audit_events_community_seq_idx ON audit_events (community_id, seq);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- Fix-its: a stored plan of retries. At most one is live (running or awaiting approval) per community.
CREATE SEQUENCE fixits_seq;
CREATE TABLE fixits (
    fixit_id       uuid PRIMARY KEY,
    seq            bigint NOT NULL DEFAULT nextval('fixits_seq'),
    community_id   bigint NOT NULL,
    mode           text NOT NULL CHECK (mode IN ('greedy', 'conservative', 'balanced')),
    status         text NOT NULL
                       CHECK (status IN ('dry_run', 'awaiting_approval', 'running', 'completed', 'denied', 'expired')),
    params         jsonb NOT NULL,
    initiated_by   text NOT NULL,
    initiated_at   timestamptz NOT NULL,
    approved_by    text,
    started_at     timestamptz,
    completed_at   timestamptz,
    tasks_fixed    integer NOT NULL DEFAULT 0,
    tasks_failed   integer NOT NULL DEFAULT 0,
    message        text NOT NULL DEFAULT '',
    warnings       jsonb NOT NULL DEFAULT '[]'::jsonb
);
ALTER SEQUENCE fixits_seq OWNED BY fixits.seq;
CREATE UNIQUE INDEX fixits_one_live ON fixits (community_id) WHERE status IN ('running', 'awaiting_approval');
CREATE INDEX fixits_community_recent_idx ON fixits (community_id, initiated_at);
CREATE INDEX fixits_running_idx ON fixits (initiated_at) WHERE status IN ('running', 'awaiting_approval');

-- One row per candidate a fix-it looked at: its decision and, once started, the retry it created.
CREATE TABLE fixit_tasks (
    fixit_id            uuid NOT NULL REFERENCES fixits (fixit_id) ON DELETE CASCADE,
    position            integer NOT NULL,
    execution_id        uuid NOT NULL,
    schedule_id         uuid,
    workflow_id         uuid NOT NULL,
    decision            text NOT NULL CHECK (decision IN ('retry', 'skip')),
    reason              text NOT NULL,
    delay_seconds       double precision NOT NULL DEFAULT 0,
    retry_execution_id  uuid,
    run_after           timestamptz,
    PRIMARY KEY (fixit_id, position)
);

-- Approval tokens: only the SHA-256 of the token is stored; single use; bound to a community and its items.
-- expires_at NULL: a token issued with a gated fire, valid while its run awaits approval (the run expires).
CREATE TABLE approval_tokens (
    approval_id    uuid PRIMARY KEY,
    token_hash     bytea NOT NULL UNIQUE,
    community_id   bigint NOT NULL,
    execution_ids  uuid[] NOT NULL DEFAULT '{}',
    fixit_id       uuid,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz,
    used_at        timestamptz,
    used_by        text,
    decision       text CHECK (decision IN ('approve', 'deny')),
    CHECK ((fixit_id IS NULL) <> (cardinality(execution_ids) = 0))
);
CREATE INDEX approval_tokens_created_idx ON approval_tokens (created_at);

-- Wrong approval tokens per caller (sub + community) in a fixed window, shared by every process.
CREATE TABLE approval_attempts (
    community_id  bigint NOT NULL,
    actor         text NOT NULL,
    window_start  timestamptz NOT NULL,
    failures      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (community_id, actor)
);
