-- Statuses and triggers the operations and integration work adds, declared once here; and the event outbox.

ALTER TABLE workflow_executions DROP CONSTRAINT workflow_executions_status_check;
ALTER TABLE workflow_executions ADD CONSTRAINT workflow_executions_status_check CHECK (status IN (
    'pending', 'running', 'completed', 'failed', 'timeout', 'cancelled', 'skipped', 'missed', 'abandoned',
    'awaiting_approval', 'expired'));
ALTER TABLE workflow_executions DROP CONSTRAINT workflow_executions_trigger_check;
ALTER TABLE workflow_executions ADD CONSTRAINT workflow_executions_trigger_check CHECK (trigger IN (
    'schedule', 'catchup', 'manual', 'retry', 'backfill', 'event'));

-- Transactional outbox: an event is written in the same transaction as the change it reports, and delivered
-- (at least once, de-duplicated by event_id at the receiver) by whoever takes it; see services/outbox.py.
CREATE TABLE event_outbox (
    event_id      uuid PRIMARY KEY,
    seq           bigserial NOT NULL,
    community_id  bigint NOT NULL,
    kind          text NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_outbox_seq_idx ON event_outbox (seq);
