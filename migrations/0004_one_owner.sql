-- Hardening: invariants in the schema, fenced leases, cursors on a strictly increasing key.

-- An active schedule always knows when it is next due; is_active is derived from status in responses.
UPDATE workflow_schedules SET status = 'completed' WHERE status = 'active' AND next_due_at IS NULL;
ALTER TABLE workflow_schedules DROP COLUMN is_active;
ALTER TABLE workflow_schedules
    ADD CONSTRAINT workflow_schedules_active_due CHECK (status <> 'active' OR next_due_at IS NOT NULL);
-- last_status is read from the last execution (one writer of execution status, not two); its fire instant
-- makes that lookup a key lookup.
ALTER TABLE workflow_schedules DROP COLUMN last_status, ADD COLUMN last_scheduled_for timestamptz;
UPDATE workflow_schedules s SET last_scheduled_for = e.scheduled_for
FROM workflow_executions e WHERE e.execution_id = s.last_execution_id;

-- Leases: every registration gets a new epoch; a run's result is accepted only from the (instance, epoch)
-- that owns it while that lease is unexpired by the database's clock.
CREATE SEQUENCE scheduler_lease_epoch_seq;
ALTER TABLE scheduler_instances
    ADD COLUMN epoch bigint NOT NULL DEFAULT nextval('scheduler_lease_epoch_seq'),
    ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN role text NOT NULL DEFAULT 'all';
ALTER TABLE workflow_executions ADD COLUMN lease_epoch bigint;
UPDATE workflow_executions SET lease_epoch = 0 WHERE instance_id IS NOT NULL AND status IN ('pending', 'running');
ALTER TABLE workflow_executions
    ADD CONSTRAINT workflow_executions_owned_epoch
        CHECK (status NOT IN ('pending', 'running') OR instance_id IS NULL OR lease_epoch IS NOT NULL);
-- the reaper looks up live runs by owner
CREATE INDEX workflow_executions_owner_idx ON workflow_executions (instance_id)
    WHERE status IN ('pending', 'running') AND instance_id IS NOT NULL;

-- Every execution has an instant (manual runs use their start), so the fire key and partitions can rely on it.
UPDATE workflow_executions SET scheduled_for = COALESCE(fired_at, created_at) WHERE scheduled_for IS NULL;
ALTER TABLE workflow_executions ALTER COLUMN scheduled_for SET NOT NULL;

-- Retries: one row per (parent, attempt), found by parent without a scan. A retry keeps the instant of the
-- fire it repeats (its start time is run_after), so the fire key covers first attempts and the retry key the rest;
-- both contain scheduled_for, as keys of a table partitioned on it must.
DELETE FROM workflow_executions r USING workflow_executions o
WHERE r.parent_execution_id IS NOT NULL AND r.parent_execution_id = o.parent_execution_id
  AND r.attempt = o.attempt AND (r.created_at, r.execution_id) > (o.created_at, o.execution_id);
UPDATE workflow_executions r SET scheduled_for = p.scheduled_for
FROM workflow_executions p WHERE r.parent_execution_id = p.execution_id AND r.trigger = 'retry';
ALTER TABLE workflow_executions DROP CONSTRAINT workflow_executions_fire_key;
CREATE UNIQUE INDEX workflow_executions_fire_key ON workflow_executions (schedule_id, scheduled_for)
    WHERE trigger <> 'retry';
CREATE UNIQUE INDEX workflow_executions_retry_key ON workflow_executions (parent_execution_id, attempt, scheduled_for)
    WHERE parent_execution_id IS NOT NULL;

-- Cursors: a sequence number per row instead of created_at (a transaction's start time, not its commit).
CREATE SEQUENCE workflows_seq;
CREATE SEQUENCE workflow_schedules_seq;
CREATE SEQUENCE workflow_executions_seq;
ALTER TABLE workflows ADD COLUMN seq bigint NOT NULL DEFAULT nextval('workflows_seq');
ALTER TABLE workflow_schedules ADD COLUMN seq bigint NOT NULL DEFAULT nextval('workflow_schedules_seq');
ALTER TABLE workflow_executions ADD COLUMN seq bigint NOT NULL DEFAULT nextval('workflow_executions_seq');
ALTER SEQUENCE workflows_seq OWNED BY workflows.seq;
ALTER SEQUENCE workflow_schedules_seq OWNED BY workflow_schedules.seq;
ALTER SEQUENCE workflow_executions_seq OWNED BY workflow_executions.seq;
DROP INDEX workflows_community_page_idx;
DROP INDEX workflow_schedules_community_page_idx;
DROP INDEX workflow_schedules_workflow_page_idx;
DROP INDEX workflow_executions_community_page_idx;
DROP INDEX workflow_executions_schedule_page_idx;
CREATE INDEX workflows_community_page_idx ON workflows (community_id, seq);
CREATE INDEX workflow_schedules_community_page_idx ON workflow_schedules (community_id, seq);
CREATE INDEX workflow_schedules_workflow_page_idx ON workflow_schedules (workflow_id, seq);
CREATE INDEX workflow_executions_community_page_idx ON workflow_executions (community_id, seq);
CREATE INDEX workflow_executions_schedule_page_idx ON workflow_executions (schedule_id, seq);
