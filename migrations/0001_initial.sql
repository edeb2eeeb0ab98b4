-- Chime schema v1: workflows registry, schedules, executions. Every time is timestamptz.

CREATE TABLE workflows (
    workflow_id   uuid PRIMARY KEY,
    community_id  bigint NOT NULL,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    definition    jsonb NOT NULL DEFAULT '{}'::jsonb,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'archived')),
    created_by    text,
    updated_by    text,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflows_community_page_idx ON workflows (community_id, created_at, workflow_id);

CREATE TABLE workflow_schedules (
    schedule_id           uuid PRIMARY KEY,
    workflow_id           uuid NOT NULL REFERENCES workflows (workflow_id) ON DELETE CASCADE,
    community_id          bigint NOT NULL,
    name                  text,
    schedule_type         text NOT NULL CHECK (schedule_type IN ('cron', 'interval', 'one_time', 'rrule')),
    cron_expression       text,
    interval_seconds      integer CHECK (interval_seconds >= 1),
    scheduled_time        timestamptz,
    rrule                 text,
    timezone              text NOT NULL DEFAULT 'UTC',
    start_at              timestamptz,
    end_at                timestamptz,
    -- interval fires at anchor_at + k * interval_seconds (start_at, else creation time)
    anchor_at             timestamptz NOT NULL DEFAULT now(),
    is_active             boolean NOT NULL DEFAULT true,
    status                text NOT NULL DEFAULT 'active'
                              CHECK (status IN ('active', 'paused', 'completed', 'cancelled')),
    paused_note           text,
    paused_by             text,
    paused_at             timestamptz,
    snoozed_until         timestamptz,
    -- next nominal fire; next_due_at adds the deterministic jitter and is what the claimer scans
    next_execution_at     timestamptz,
    next_due_at           timestamptz,
    last_execution_at     timestamptz,
    last_execution_id     uuid,
    last_status           text,
    max_executions        integer CHECK (max_executions >= 1),
    execution_count       integer NOT NULL DEFAULT 0,
    jitter_seconds        integer NOT NULL DEFAULT 0 CHECK (jitter_seconds >= 0),
    grace_period_seconds  integer NOT NULL DEFAULT 900 CHECK (grace_period_seconds >= 0),
    overlap_policy        text NOT NULL DEFAULT 'skip'
                              CHECK (overlap_policy IN ('skip', 'allow', 'buffer_one', 'cancel_other')),
    context_data          jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_by            text,
    updated_by            text,
    version               integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (end_at IS NULL OR start_at IS NULL OR end_at > start_at)
);
-- "what is due next": only active schedules are scanned, in due order.
CREATE INDEX workflow_schedules_due_idx ON workflow_schedules (next_due_at) WHERE status = 'active';
CREATE INDEX workflow_schedules_community_page_idx ON workflow_schedules (community_id, created_at, schedule_id);
CREATE INDEX workflow_schedules_workflow_page_idx ON workflow_schedules (workflow_id, created_at, schedule_id);

CREATE TABLE workflow_executions (
    execution_id         uuid PRIMARY KEY,
    schedule_id          uuid REFERENCES workflow_schedules (schedule_id) ON DELETE SET NULL,
    workflow_id          uuid NOT NULL,
    community_id         bigint NOT NULL,
    scheduled_for        timestamptz,
    fired_at             timestamptz,
    started_at           timestamptz,
    finished_at          timestamptz,
    duration_ms          integer,
    status               text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'timeout',
                                                         'cancelled', 'skipped', 'missed', 'abandoned')),
    trigger              text NOT NULL CHECK (trigger IN ('schedule', 'catchup', 'manual', 'retry')),
    attempt              integer NOT NULL DEFAULT 1,
    parent_execution_id  uuid,
    error                text,
    error_code           text,
    error_node_id        text,
    output               jsonb,
    context_data         jsonb,
    instance_id          text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    -- the database, not any process, guarantees one execution per fire
    CONSTRAINT workflow_executions_fire_key UNIQUE (schedule_id, scheduled_for)
);
CREATE INDEX workflow_executions_community_page_idx ON workflow_executions (community_id, created_at, execution_id);
CREATE INDEX workflow_executions_schedule_page_idx ON workflow_executions (schedule_id, created_at, execution_id);
CREATE INDEX workflow_executions_live_idx ON workflow_executions (schedule_id)
    WHERE status IN ('pending', 'running');
CREATE INDEX workflow_executions_created_idx ON workflow_executions (created_at);
