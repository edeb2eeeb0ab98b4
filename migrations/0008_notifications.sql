-- Operations part B: failure notifications (targets, deliveries, outbox routing) and the situation report's indexes.

-- Where a community wants its events: a signed webhook or a chat message through the router.
CREATE SEQUENCE notification_targets_seq;
CREATE TABLE notification_targets (
    target_id     uuid PRIMARY KEY,
    seq           bigint NOT NULL DEFAULT nextval('notification_targets_seq'),
    community_id  bigint NOT NULL,
    name          text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('webhook', 'chat')),
    url           text,
    secret        text,            -- HMAC key of a webhook; write-only in the API
    entity_id     text,            -- chat: whom the router sends the message to
    platform      text,
    channel       text,
    events        text[] NOT NULL CHECK (cardinality(events) >= 1),
    enabled       boolean NOT NULL DEFAULT true,
    created_by    text,
    updated_by    text,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'webhook' OR (url IS NOT NULL AND secret IS NOT NULL)),
    CHECK (kind <> 'chat' OR entity_id IS NOT NULL)
);
ALTER SEQUENCE notification_targets_seq OWNED BY notification_targets.seq;
CREATE INDEX notification_targets_community_page_idx ON notification_targets (community_id, seq);

-- One row per (event, target): the unique key makes the fan-out idempotent, the row is the delivery log.
CREATE SEQUENCE notification_deliveries_seq;
CREATE TABLE notification_deliveries (
    delivery_id      uuid PRIMARY KEY,
    seq              bigint NOT NULL DEFAULT nextval('notification_deliveries_seq'),
    event_id         uuid NOT NULL,
    target_id        uuid NOT NULL REFERENCES notification_targets (target_id) ON DELETE CASCADE,
    community_id     bigint NOT NULL,
    event_kind       text NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status      integer,      -- HTTP status of the last attempt (NULL: no answer)
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    CONSTRAINT notification_deliveries_event_target_key UNIQUE (event_id, target_id)
);
ALTER SEQUENCE notification_deliveries_seq OWNED BY notification_deliveries.seq;
-- due work (pending, or sending whose claim lapsed because its process died), in due order
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at)
    WHERE status IN ('pending', 'sending');
CREATE INDEX notification_deliveries_target_page_idx ON notification_deliveries (target_id, seq);
CREATE INDEX notification_deliveries_created_idx ON notification_deliveries (created_at);

-- Outbox events not yet routed to notification targets (NULL), found without a scan; kept until retention.
ALTER TABLE event_outbox ADD COLUMN notified_at timestamptz;
CREATE INDEX event_outbox_unnotified_idx ON event_outbox (seq) WHERE notified_at IS NULL;
CREATE INDEX event_outbox_created_idx ON event_outbox (created_at);

-- Situation report: a community's executions in a time window, read from the index alone where possible.
CREATE INDEX workflow_executions_community_time_idx ON workflow_executions (community_id, scheduled_for)
    INCLUDE (status, trigger, fired_at, workflow_id, schedule_id);
-- failed runs (rare): candidates for "last N runs failed" and "abandoned, not retried" without scanning the window
CREATE INDEX workflow_executions_recent_failures_idx ON workflow_executions (community_id, scheduled_for)
    INCLUDE (schedule_id) WHERE status IN ('failed', 'timeout', 'abandoned');
-- schedules the scheduler paused itself (an immediate action), a handful at most
CREATE INDEX workflow_schedules_auto_paused_idx ON workflow_schedules (community_id)
    WHERE status = 'paused' AND paused_by = 'scheduler';
-- runs waiting for an approval, oldest first (approvals about to expire)
CREATE INDEX workflow_executions_community_awaiting_idx ON workflow_executions (community_id, created_at)
    WHERE status = 'awaiting_approval';
