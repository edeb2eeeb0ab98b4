-- Executions and their step rows, partitioned by day on scheduled_for (UTC), so retention drops whole partitions
-- instead of deleting rows. Every key contains scheduled_for, as a partitioned table's keys must. Rows outside the
-- daily partitions that exist (far past backfills, far future) land in a default partition. Daily partitions are
-- created ahead of time by the leader's partition duty (services/scheduler/maintenance/partitions.py); this
-- migration creates them for the retention window it finds (at most 60 days back) and a week ahead, and moves
-- every existing row across.

ALTER TABLE workflow_executions RENAME TO workflow_executions_old;
ALTER TABLE execution_steps RENAME TO execution_steps_old;
ALTER SEQUENCE workflow_executions_seq OWNED BY NONE;
ALTER TABLE workflow_executions_old DROP CONSTRAINT workflow_executions_pkey CASCADE;  -- and the steps' FK
ALTER TABLE workflow_executions_old DROP CONSTRAINT workflow_executions_status_check;
ALTER TABLE workflow_executions_old DROP CONSTRAINT workflow_executions_trigger_check;
ALTER TABLE workflow_executions_old DROP CONSTRAINT workflow_executions_owned_epoch;
ALTER TABLE workflow_executions_old DROP CONSTRAINT workflow_executions_schedule_id_fkey;
DROP INDEX workflow_executions_community_page_idx, workflow_executions_created_idx, workflow_executions_fire_key,
    workflow_executions_live_idx, workflow_executions_owner_idx, workflow_executions_queue_idx,
    workflow_executions_retry_key, workflow_executions_schedule_page_idx;

CREATE TABLE workflow_executions (
    execution_id         uuid NOT NULL,
    schedule_id          uuid REFERENCES workflow_schedules (schedule_id) ON DELETE SET NULL,
    workflow_id          uuid NOT NULL,
    community_id         bigint NOT NULL,
    scheduled_for        timestamptz NOT NULL,
    fired_at             timestamptz,
    started_at           timestamptz,
    finished_at          timestamptz,
    duration_ms          integer,
    status               text NOT NULL CONSTRAINT workflow_executions_status_check CHECK (status IN (
                             'pending', 'running', 'completed', 'failed', 'timeout', 'cancelled', 'skipped',
                             'missed', 'abandoned', 'awaiting_approval', 'expired')),
    trigger              text NOT NULL CONSTRAINT workflow_executions_trigger_check CHECK (trigger IN (
                             'schedule', 'catchup', 'manual', 'retry', 'backfill', 'event')),
    attempt              integer NOT NULL DEFAULT 1,
    parent_execution_id  uuid,
    error                text,
    error_code           text,
    error_node_id        text,
    output               jsonb,
    context_data         jsonb,
    instance_id          text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    run_after            timestamptz,
    cancel_requested     boolean NOT NULL DEFAULT false,
    dry_run              boolean NOT NULL DEFAULT false,
    lease_epoch          bigint,
    seq                  bigint NOT NULL DEFAULT nextval('workflow_executions_seq'),
    CONSTRAINT workflow_executions_pkey PRIMARY KEY (execution_id, scheduled_for),
    CONSTRAINT workflow_executions_owned_epoch
        CHECK (status NOT IN ('pending', 'running') OR instance_id IS NULL OR lease_epoch IS NOT NULL)
) PARTITION BY RANGE (scheduled_for);
ALTER SEQUENCE workflow_executions_seq OWNED BY workflow_executions.seq;

-- the database, not any process, guarantees one execution per fire (and one row per retry attempt)
CREATE UNIQUE INDEX workflow_executions_fire_key ON workflow_executions (schedule_id, scheduled_for)
    WHERE trigger <> 'retry';
CREATE UNIQUE INDEX workflow_executions_retry_key ON workflow_executions (parent_execution_id, attempt, scheduled_for)
    WHERE parent_execution_id IS NOT NULL;
CREATE INDEX workflow_executions_community_page_idx ON workflow_executions (community_id, seq);
CREATE INDEX workflow_executions_schedule_page_idx ON workflow_executions (schedule_id, seq);
CREATE INDEX workflow_executions_live_idx ON workflow_executions (schedule_id) WHERE status IN ('pending', 'running');
CREATE INDEX workflow_executions_owner_idx ON workflow_executions (instance_id)
    WHERE status IN ('pending', 'running') AND instance_id IS NOT NULL;
CREATE INDEX workflow_executions_queue_idx ON workflow_executions (run_after)
    WHERE status = 'pending' AND instance_id IS NULL;
CREATE INDEX workflow_executions_created_idx ON workflow_executions (created_at);

CREATE TABLE execution_steps (
    execution_id   uuid NOT NULL,
    scheduled_for  timestamptz NOT NULL,  -- its execution's, so a day's steps go with the day's executions
    sequence       integer NOT NULL,
    node_id        text NOT NULL,
    node_type      text NOT NULL,
    status         text NOT NULL,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    duration_ms    integer,
    input          jsonb,
    output         jsonb,
    error          text,
    PRIMARY KEY (execution_id, sequence, scheduled_for)
) PARTITION BY RANGE (scheduled_for);

CREATE TABLE workflow_executions_default PARTITION OF workflow_executions DEFAULT;
CREATE TABLE execution_steps_default PARTITION OF execution_steps DEFAULT;

DO $$
DECLARE
    first_day date := GREATEST(
        COALESCE((SELECT min(scheduled_for) FROM workflow_executions_old)::date, current_date),
        current_date - 60);
    d date;
BEGIN
    FOR d IN SELECT generate_series(first_day, current_date + 7, interval '1 day')::date LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF workflow_executions FOR VALUES FROM (%L) TO (%L)',
                       'workflow_executions_p' || to_char(d, 'YYYYMMDD'), d::timestamp AT TIME ZONE 'UTC',
                       (d + 1)::timestamp AT TIME ZONE 'UTC');
        EXECUTE format('CREATE TABLE %I PARTITION OF execution_steps FOR VALUES FROM (%L) TO (%L)',
                       'execution_steps_p' || to_char(d, 'YYYYMMDD'), d::timestamp AT TIME ZONE 'UTC',
                       (d + 1)::timestamp AT TIME ZONE 'UTC');
    END LOOP;
END $$;

INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for, fired_at,
    started_at, finished_at, duration_ms, status, trigger, attempt, parent_execution_id, error, error_code,
    error_node_id, output, context_data, instance_id, created_at, run_after, cancel_requested, dry_run, lease_epoch,
    seq)
SELECT execution_id, schedule_id, workflow_id, community_id, scheduled_for, fired_at, started_at, finished_at,
    duration_ms, status, trigger, attempt, parent_execution_id, error, error_code, error_node_id, output,
    context_data, instance_id, created_at, run_after, cancel_requested, dry_run, lease_epoch, seq
FROM workflow_executions_old;

INSERT INTO execution_steps (execution_id, scheduled_for, sequence, node_id, node_type, status, started_at,
    finished_at, duration_ms, input, output, error)
SELECT s.execution_id, e.scheduled_for, s.sequence, s.node_id, s.node_type, s.status, s.started_at, s.finished_at,
    s.duration_ms, s.input, s.output, s.error
FROM execution_steps_old s JOIN workflow_executions_old e USING (execution_id);

DROP TABLE execution_steps_old;
DROP TABLE workflow_executions_old;
