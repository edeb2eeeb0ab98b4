-- Scheduler runtime: live processes (heartbeat leases) and what executions need to be run, retried, cancelled.

CREATE TABLE scheduler_instances (
    instance_id   text PRIMARY KEY,
    hostname      text NOT NULL,
    pid           integer NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE workflow_executions
    -- when a pending execution (buffered overlap, retry) may start
    ADD COLUMN run_after timestamptz,
    ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;

ALTER TABLE workflows
    ADD COLUMN retry_config jsonb,
    ADD COLUMN hmac_secret text;

CREATE TABLE execution_steps (
    execution_id  uuid NOT NULL REFERENCES workflow_executions (execution_id) ON DELETE CASCADE,
    sequence      integer NOT NULL,
    node_id       text NOT NULL,
    node_type     text NOT NULL,
    status        text NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    duration_ms   integer,
    input         jsonb,
    output        jsonb,
    error         text,
    PRIMARY KEY (execution_id, sequence)
);

-- pending work nobody owns yet (buffered fires, retries), in start order
CREATE INDEX workflow_executions_queue_idx ON workflow_executions (run_after)
    WHERE status = 'pending' AND instance_id IS NULL;
