-- Idempotency-Key: one row per (community, key). The row is written (status in_progress) before the request's
-- work starts, in its own transaction; the primary key makes one request the winner, the others wait for its
-- stored response. A row in progress past locked_until was left by a process that died: the next request with
-- the key takes it over. Rows older than 24 h are pruned by the leader (maintenance/idempotency_pruner.py).
CREATE TABLE idempotency_keys (
    community_id      bigint NOT NULL,
    idem_key          text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 255),
    request_hash      bytea NOT NULL,          -- SHA-256 of method, path and the canonical JSON body
    attempt           uuid NOT NULL,           -- the winner's token: only it may complete or release the row
    status            text NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'completed')),
    subject           text,
    response_status   integer,
    response_headers  jsonb,
    response_body     bytea,
    created_at        timestamptz NOT NULL DEFAULT now(),
    locked_until      timestamptz NOT NULL,
    completed_at      timestamptz,
    PRIMARY KEY (community_id, idem_key),
    CHECK (status <> 'completed' OR (response_status IS NOT NULL AND response_body IS NOT NULL))
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Dry runs with mocked responses (POST /workflows/{id}/execute, `mock_outputs`): stored on the run so any
-- worker that takes it from the queue runs it with the same mocks. NULL for every other run.
ALTER TABLE workflow_executions ADD COLUMN mock_outputs jsonb;
