-- Event-triggered schedules: POST /api/v1/events starts one execution per matching schedule of type 'event'.

-- An event schedule names the event type it answers (exact, or a prefix ending in '*') and an optional filter
-- (a condition_if tree over ${event.*}). It has no clock: it is 'active' with no next fire, so the claim
-- (next_due_at <= now) never sees it.
ALTER TABLE workflow_schedules DROP CONSTRAINT workflow_schedules_schedule_type_check;
ALTER TABLE workflow_schedules ADD CONSTRAINT workflow_schedules_schedule_type_check
    CHECK (schedule_type IN ('cron', 'interval', 'one_time', 'rrule', 'event'));
ALTER TABLE workflow_schedules ADD COLUMN event_type text, ADD COLUMN event_filter jsonb;
ALTER TABLE workflow_schedules ADD CONSTRAINT workflow_schedules_event_type
    CHECK ((schedule_type = 'event') = (event_type IS NOT NULL));
ALTER TABLE workflow_schedules DROP CONSTRAINT workflow_schedules_active_due;
ALTER TABLE workflow_schedules ADD CONSTRAINT workflow_schedules_active_due
    CHECK (status <> 'active' OR next_due_at IS NOT NULL OR schedule_type = 'event');
ALTER TABLE workflow_schedules ADD CONSTRAINT workflow_schedules_event_no_clock
    CHECK (schedule_type <> 'event' OR next_due_at IS NULL);
-- The fan-out looks up the event's type and each of its prefixes + '*' in one index probe.
CREATE INDEX workflow_schedules_event_idx ON workflow_schedules (community_id, event_type)
    WHERE schedule_type = 'event';

-- What ${event.*} reads in a run started by an event (type, event_id, occurred_at, payload). Kept on the row,
-- so a queued, approved or retried run sees the same event after the events table has pruned it.
ALTER TABLE workflow_executions ADD COLUMN event jsonb;

-- One row per accepted event. (community_id, event_id) is the delivery key: a second delivery finds the first
-- row and answers its stored result. received_at is distinct per community (a collision is retried with a later
-- microsecond), and it is the scheduled_for of every execution the event starts, so the executions' fire key
-- (schedule_id, scheduled_for) holds one row per (schedule, event) as well.
CREATE TABLE events (
    community_id  bigint NOT NULL,
    event_id      text NOT NULL,
    type          text NOT NULL,
    payload       jsonb NOT NULL,
    occurred_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    seq           bigserial NOT NULL,
    result        jsonb,
    CONSTRAINT events_pkey PRIMARY KEY (community_id, event_id),
    CONSTRAINT events_instant_key UNIQUE (community_id, received_at)
);
CREATE INDEX events_page_idx ON events (community_id, seq);
CREATE INDEX events_received_idx ON events (received_at);
