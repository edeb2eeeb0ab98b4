"""The fire module: the one place that creates execution rows, and the one overlap policy that shapes them.

Every kind of row starts here: scheduled fires (trigger `schedule`/`catchup`, or recorded `missed`/`skipped`),
manual runs of a schedule or a workflow, buffered fires, retries (automatic or a fix-it's), backfill fires and
event fires (trigger `event`, keyed by the event's received_at).
Callers plan rows with the functions below and write them with `insert`, one statement per batch; nothing else
INSERTs into workflow_executions.

Approval gate: a fire of a workflow with `requires_approval` is written `awaiting_approval`, neither dispatched
nor owned and with no overlap action taken; it is not a live run (it blocks nothing). Approving it queues it
(services.execution_state.approve) and the queue starts it when no run of its schedule is live.
Status changes after creation belong to services.execution_state; the schedule's own columns to
services.schedule_state.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services.timing import due_at, next_fire_time, spec_from_row

# After downtime, walk at most this many missed fires to find the latest one; past that, jump to the future.
MAX_CATCHUP_WALK = 10_000
# Statuses a retry may follow.
RETRYABLE = ("failed", "timeout", "abandoned")
# Statuses of rows that never ran and never will: they do not count toward max_executions.
NOT_RUN = ("skipped", "missed")


@dataclass(frozen=True)
class Owner:
    """Who runs what it fires: an instance under a lease epoch. None as an owner means "queued for anyone"."""

    instance_id: str
    epoch: int


@dataclass
class Dispatch:
    """A fire this process must now run."""

    execution_id: UUID
    schedule_id: UUID | None
    workflow_id: UUID
    community_id: int
    scheduled_for: datetime
    fired_at: datetime
    trigger: str
    definition: dict[str, Any]
    context: dict[str, Any]
    attempt: int = 1
    schedule: dict[str, Any] = field(default_factory=dict)
    retry_config: dict[str, Any] | None = None
    hmac_secret: str | None = None
    dry_run: bool = False
    epoch: int = 0  # the lease epoch the row was given to; results are written under it
    mock_outputs: dict[str, Any] | None = None  # a dry run's stand-ins for what sending nodes would get back
    event: dict[str, Any] | None = None  # ${event.*}: the event that started the run (trigger event)


@dataclass
class NewExecution:
    """One row to insert."""

    schedule_id: UUID | None
    workflow_id: UUID
    community_id: int
    scheduled_for: datetime
    fired_at: datetime
    status: str
    trigger: str
    owner: Owner | None
    context: dict[str, Any] | None
    error: str | None = None
    run_after: datetime | None = None
    attempt: int = 1
    parent_execution_id: UUID | None = None
    dry_run: bool = False
    execution_id: UUID = field(default_factory=uuid.uuid4)
    mock_outputs: dict[str, Any] | None = None
    event: dict[str, Any] | None = None

    @property
    def counts(self) -> bool:
        """Whether this row counts toward its schedule's max_executions (a retry repeats a fire, not adds one;
        a backfill fire is history, not the cadence). An awaiting_approval fire counts, like any fire."""
        return self.schedule_id is not None and self.trigger not in ("retry", "backfill") and \
            self.status not in NOT_RUN

    @property
    def done(self) -> bool:
        return self.status not in ("pending", "running")


@dataclass
class Live:
    """A schedule's unfinished executions as the overlap policy sees them.

    `running` are live runs: owned by a process (dispatched or running). `buffered` wait for the live run to
    end. `queued_retries` wait for their backoff and are NOT live: they neither block nor count as overlap.
    `backfill` rows (queued or running) are background history: they neither block nor are cancelled.
    """

    running: list[UUID] = field(default_factory=list)
    buffered: list[UUID] = field(default_factory=list)
    queued_retries: list[UUID] = field(default_factory=list)
    backfill: list[UUID] = field(default_factory=list)


@dataclass
class Plan:
    """What one fire becomes: the row, what to run here, what to cancel."""

    execution: NewExecution
    dispatch: Dispatch | None = None
    cancel_running: list[UUID] = field(default_factory=list)
    cancel_queued: list[UUID] = field(default_factory=list)


_LIVE_SQL = """
SELECT schedule_id, execution_id, trigger, instance_id IS NOT NULL AS owned
FROM workflow_executions
WHERE schedule_id = ANY($1::uuid[]) AND status IN ('pending', 'running')
"""

_INSERT_SQL = """
INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for, fired_at,
    started_at, finished_at, duration_ms, status, trigger, instance_id, lease_epoch, context_data, error, run_after,
    attempt, parent_execution_id, dry_run, mock_outputs, event)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::timestamptz[], $6::timestamptz[],
    $7::timestamptz[], $8::timestamptz[], $9::int[], $10::text[], $11::text[], $12::text[], $13::bigint[],
    $14::jsonb[], $15::text[], $16::timestamptz[], $17::int[], $18::uuid[], $19::bool[], $20::jsonb[], $21::jsonb[])
ON CONFLICT DO NOTHING
RETURNING execution_id
"""


async def insert(conn: asyncpg.Connection, rows: list[NewExecution]) -> set[UUID]:
    """Writes the rows in one statement; returns the ids actually inserted.

    A row whose fire key `(schedule_id, scheduled_for)` or retry key `(parent_execution_id, attempt)` exists is
    left out, so callers count what RETURNING gives, never what they asked for.
    """
    if not rows:
        return set()
    cols: list[list[Any]] = [[] for _ in range(21)]
    for r in rows:
        done_at = r.fired_at if r.done else None
        empty_run = r.status == "completed"
        values = (r.execution_id, r.schedule_id, r.workflow_id, r.community_id, r.scheduled_for, r.fired_at,
                  r.fired_at if empty_run else None, done_at, 0 if empty_run else None, r.status, r.trigger,
                  r.owner.instance_id if r.owner else None, r.owner.epoch if r.owner else None, r.context or {},
                  r.error, r.run_after, r.attempt, r.parent_execution_id, r.dry_run, r.mock_outputs, r.event)
        for col, value in zip(cols, values, strict=True):
            col.append(value)
    return {rec["execution_id"] for rec in await conn.fetch(_INSERT_SQL, *cols)}


async def live_runs(conn: asyncpg.Connection, schedule_ids: list[UUID]) -> dict[UUID, Live]:
    out: dict[UUID, Live] = {}
    if not schedule_ids:
        return out
    for r in await conn.fetch(_LIVE_SQL, schedule_ids):
        live = out.setdefault(r["schedule_id"], Live())
        if r["trigger"] == "backfill":
            live.backfill.append(r["execution_id"])
        elif r["owned"]:
            live.running.append(r["execution_id"])
        elif r["trigger"] == "retry":
            live.queued_retries.append(r["execution_id"])
        else:
            live.buffered.append(r["execution_id"])
    return out


def overlap(policy: str, live: Live | None) -> tuple[str, str | None]:
    """run | skip | buffer | cancel_other (then run), with the reason for a skip."""
    if live is None or policy == "allow" or not (live.running or live.buffered):
        return "run", None
    if policy == "skip":
        if live.running:
            return "skip", "previous run still running (overlap_policy skip)"
        return "run", None
    if policy == "buffer_one":
        if live.buffered:
            return "skip", "a run is already buffered (overlap_policy buffer_one)"
        return "buffer", None
    return "cancel_other", None


def is_empty(definition: dict[str, Any] | None) -> bool:
    return not definition or not definition.get("nodes")


def gated(row: Any) -> bool:
    """Whether the workflow (or a schedule row joined with it) requires each run to be approved."""
    return bool(row.get("requires_approval"))


def _await_approval(ex: NewExecution) -> Plan:
    ex.status, ex.owner, ex.run_after = "awaiting_approval", None, None
    return Plan(ex)


def schedule_vars(row: Any) -> dict[str, Any]:
    """What `${schedule.*}` templates may read."""
    return {k: row[k] for k in ("schedule_id", "name", "schedule_type", "timezone", "workflow_id", "community_id")}


def dispatch_for(ex: NewExecution, row: Any) -> Dispatch:
    """`row` carries the workflow's definition, retry_config and hmac_secret (and the schedule's columns)."""
    return Dispatch(
        execution_id=ex.execution_id, schedule_id=ex.schedule_id, workflow_id=ex.workflow_id,
        community_id=ex.community_id, scheduled_for=ex.scheduled_for, fired_at=ex.fired_at, trigger=ex.trigger,
        definition=row["definition"], context=ex.context or {}, attempt=ex.attempt,
        schedule=schedule_vars(row) if ex.schedule_id else {}, retry_config=row["retry_config"],
        hmac_secret=row["hmac_secret"], dry_run=ex.dry_run, epoch=ex.owner.epoch if ex.owner else 0,
        mock_outputs=ex.mock_outputs,
        event=ex.event,
    )


def dispatch_from_row(row: Any) -> Dispatch:
    """A stored execution joined with its workflow (and schedule), ready to run."""
    return Dispatch(
        execution_id=row["execution_id"], schedule_id=row["schedule_id"], workflow_id=row["workflow_id"],
        community_id=row["community_id"], scheduled_for=row["scheduled_for"], fired_at=row["fired_at"],
        trigger=row["trigger"], definition=row["definition"], context=row["context_data"] or {},
        attempt=row["attempt"], schedule=schedule_vars(row) if row["schedule_id"] else {},
        retry_config=row["retry_config"], hmac_secret=row["hmac_secret"], dry_run=row["dry_run"],
        epoch=row["lease_epoch"] or 0, mock_outputs=row.get("mock_outputs"),
        event=row.get("event"),
    )


def _run_or_queue(ex: NewExecution, row: Any, action: str, live: Live | None, owner: Owner | None,
                  now: datetime) -> Plan:
    """Applies an overlap action to a planned row (status pending) and says what to run and cancel."""
    if gated(row):
        return _await_approval(ex)  # nothing runs or is cancelled before a decision
    plan = Plan(ex)
    if action == "buffer":
        ex.owner, ex.run_after = None, now  # started by whichever process sees the live run end
        return plan
    if action == "cancel_other" and live is not None:
        plan.cancel_running = list(live.running)
        plan.cancel_queued = live.buffered + live.queued_retries
    if is_empty(row["definition"]):
        ex.status = "completed"
    elif owner is None:
        ex.run_after = now  # no runner here (an API-only process): any worker takes it from the queue
    else:
        plan.dispatch = dispatch_for(ex, row)
    return plan


def latest_due(row: Any, now: datetime) -> tuple[datetime, datetime | None, bool]:
    """(fire to run, the nominal fire after it, whether earlier due fires were coalesced into it).

    A fire is due once its jittered instant has passed; raises TimingError when the timing cannot be evaluated.
    """
    spec = spec_from_row(row)
    sid, jitter = row["schedule_id"], row["jitter_seconds"]
    nominal = row["next_execution_at"]
    after = next_fire_time(spec, nominal)
    latest, coalesced = nominal, False
    for _ in range(MAX_CATCHUP_WALK):
        if after is None or due_at(sid, after, jitter) > now:
            return latest, after, coalesced
        latest, after, coalesced = after, next_fire_time(spec, after), True
    return latest, next_fire_time(spec, now), True


def plan_scheduled(row: Any, live: Live | None, now: datetime, owner: Owner | None, *,
                   catchup_after: float, skip_reason: str | None = None) -> tuple[Plan, datetime | None]:
    """The due fire of a locked schedule row (joined with its workflow) and the nominal fire after it.

    `skip_reason` records the fire as skipped (a pause, snooze or cancel arrived while it was due).
    """
    fire_for, following, coalesced = latest_due(row, now)
    lateness = (now - due_at(row["schedule_id"], fire_for, row["jitter_seconds"])).total_seconds()
    ex = NewExecution(
        schedule_id=row["schedule_id"], workflow_id=row["workflow_id"], community_id=row["community_id"],
        scheduled_for=fire_for, fired_at=now, status="pending", owner=owner, context=row["context_data"],
        trigger="catchup" if coalesced or lateness > catchup_after else "schedule",
    )
    if skip_reason is not None:
        ex.status, ex.error = "skipped", skip_reason
    elif lateness > row["grace_period_seconds"]:
        ex.status = "missed"
        ex.error = f"missed by {lateness:.0f} s (grace period {row['grace_period_seconds']} s)"
    elif row["workflow_status"] != "active":
        ex.status, ex.error = "skipped", f"workflow is {row['workflow_status']}"
    else:
        action, reason = overlap(row["overlap_policy"], live)
        if action == "skip":
            ex.status, ex.error = "skipped", reason
        else:
            return _run_or_queue(ex, row, action, live, owner, now), following
    return Plan(ex), following


def plan_manual(row: Any, live: Live | None, now: datetime, owner: Owner | None, *, force: bool) -> Plan:
    """Run-now: one extra fire keyed by its own instant; `force` runs it whatever the overlap policy says."""
    ex = NewExecution(
        schedule_id=row["schedule_id"], workflow_id=row["workflow_id"], community_id=row["community_id"],
        scheduled_for=now, fired_at=now, status="pending", trigger="manual", owner=owner,
        context=row["context_data"],
    )
    action, reason = ("run", None) if force else overlap(row["overlap_policy"], live)
    if action == "skip":
        ex.status, ex.error = "skipped", reason
        return Plan(ex)
    return _run_or_queue(ex, row, action, live, owner, now)


def plan_event(row: Any, live: Live | None, event: dict[str, Any], fire_at: datetime, now: datetime,
               owner: Owner | None) -> Plan:
    """An event's fire of a locked event schedule row (joined with its workflow), keyed by the event's
    received_at (`fire_at`), so the fire key `(schedule_id, scheduled_for)` holds one row per (schedule, event).

    The schedule's own gates (status, snooze, start/end, max_executions) were checked by its owner
    (services.schedule_state.event_fire); here the same rules as a clock fire: an inactive workflow or the overlap
    policy record the fire `skipped`, an approval-gated workflow waits for a decision, else it runs or queues."""
    ex = NewExecution(
        schedule_id=row["schedule_id"], workflow_id=row["workflow_id"], community_id=row["community_id"],
        scheduled_for=fire_at, fired_at=now, status="pending", trigger="event", owner=owner,
        context=row["context_data"], event=event,
    )
    if row["workflow_status"] != "active":
        ex.status, ex.error = "skipped", f"workflow is {row['workflow_status']}"
        return Plan(ex)
    action, reason = overlap(row["overlap_policy"], live)
    if action == "skip":
        ex.status, ex.error = "skipped", reason
        return Plan(ex)
    return _run_or_queue(ex, row, action, live, owner, now)


def plan_workflow_run(workflow: Any, context: dict[str, Any], now: datetime, owner: Owner | None,
                      dry_run: bool, mock_outputs: dict[str, Any] | None = None) -> Plan:
    """POST /workflows/{id}/execute: a run outside any schedule, started by the process that got the request
    (or queued for any worker when this process runs none). A dry run sends nothing, so it needs no approval."""
    ex = NewExecution(schedule_id=None, workflow_id=workflow["workflow_id"], community_id=workflow["community_id"],
                      scheduled_for=now, fired_at=now, status="pending", trigger="manual", owner=owner,
                      context=context, dry_run=dry_run, run_after=None if owner else now,
                      mock_outputs=mock_outputs if dry_run else None)
    if gated(workflow) and not dry_run:
        return _await_approval(ex)
    return Plan(ex, dispatch=dispatch_for(ex, workflow) if owner else None)


def retry_delay(config: dict[str, Any], attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before retry number `attempt` (1 = first retry)."""
    base = float(config.get("base_seconds", 1.0))
    cap = float(config.get("max_seconds", 300.0))
    if config.get("backoff", "exponential_jitter") == "fixed":
        return min(base, cap)
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    # "Equal jitter": at least half the exponential step, so retries never bunch up at zero.
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def plan_retry(parent: Any, retry_config: dict[str, Any] | None, now: datetime) -> NewExecution | None:
    """The next attempt of a finished execution row, if its workflow allows one and nobody asked to cancel it."""
    if not retry_config or parent["status"] not in RETRYABLE or parent["dry_run"] or parent["cancel_requested"]:
        return None
    attempt = parent["attempt"]
    if attempt > int(retry_config.get("max_retries", 0)):
        return None
    run_after = now + timedelta(seconds=retry_delay(retry_config, attempt))
    # A retry repeats its fire: same instant (so the retry key holds), started at run_after.
    return NewExecution(
        schedule_id=parent["schedule_id"], workflow_id=parent["workflow_id"], community_id=parent["community_id"],
        scheduled_for=parent["scheduled_for"], fired_at=now, status="pending", trigger="retry", owner=None,
        context=parent["context_data"], run_after=run_after, attempt=attempt + 1,
        parent_execution_id=parent["execution_id"], event=parent.get("event"),
    )


def plan_fixit_retry(parent: Any, now: datetime, run_after: datetime) -> NewExecution:
    """A fix-it's retry of a finished row: like `plan_retry` (same fire instant, attempt + 1, queued), but the
    fix-it decided that it runs and when, so the workflow's retry_config is not consulted."""
    return NewExecution(
        schedule_id=parent["schedule_id"], workflow_id=parent["workflow_id"], community_id=parent["community_id"],
        scheduled_for=parent["scheduled_for"], fired_at=now, status="pending", trigger="retry", owner=None,
        context=parent["context_data"], run_after=run_after, attempt=parent["attempt"] + 1,
        parent_execution_id=parent["execution_id"], event=parent.get("event"),
    )


def plan_backfill(row: Any, fire: datetime, now: datetime, run_after: datetime) -> NewExecution:
    """A past fire of a locked schedule row (joined with its workflow), queued to start at `run_after`.

    Keyed by the fire instant like the claim's rows, so a fire that already has an execution is never run again.
    No overlap action: backfill rows neither block nor cancel on-time runs (see `Live`)."""
    ex = NewExecution(
        schedule_id=row["schedule_id"], workflow_id=row["workflow_id"], community_id=row["community_id"],
        scheduled_for=fire, fired_at=now, status="pending", trigger="backfill", owner=None,
        context=row["context_data"], run_after=run_after,
    )
    if gated(row):
        # run_after - fired_at is kept as its place in the spacing: approved, it starts that long after the decision
        ex.status = "awaiting_approval"
    return ex
