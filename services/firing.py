"""The claim: turn due schedules into execution rows, exactly once, inside one transaction.

Exactly-once comes from PostgreSQL, not from any process: due rows are locked with FOR UPDATE SKIP LOCKED
(so live processes share the work instead of racing for it), advanced to their next fire in the same
transaction, and each fire's row is keyed by UNIQUE (schedule_id, scheduled_for).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.errors import Conflict
from services.timing import due_at, next_fire_time, spec_from_row

log = logging.getLogger("chime.firing")
CANCEL_CHANNEL = "chime_cancel"
QUEUE_CHANNEL = "chime_queue"
# After downtime, walk at most this many missed fires to find the latest one; past that, jump to the future.
MAX_CATCHUP_WALK = 10_000

_CLAIM_SQL = """
SELECT s.*, w.definition, w.status AS workflow_status, w.retry_config, w.hmac_secret
FROM workflow_schedules s JOIN workflows w ON w.workflow_id = s.workflow_id
WHERE s.status = 'active' AND s.next_due_at <= $1
ORDER BY s.next_due_at
LIMIT $2
FOR UPDATE OF s SKIP LOCKED
"""

_LIVE_SQL = """
SELECT schedule_id,
       count(*) FILTER (WHERE status = 'pending' AND instance_id IS NULL) AS buffered,
       array_agg(execution_id) FILTER (WHERE NOT (status = 'pending' AND instance_id IS NULL)) AS owned,
       array_agg(execution_id) FILTER (WHERE status = 'pending' AND instance_id IS NULL) AS unowned
FROM workflow_executions
WHERE schedule_id = ANY($1::uuid[]) AND status IN ('pending', 'running')
GROUP BY schedule_id
"""

_INSERT_SQL = """
INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for, fired_at,
    started_at, finished_at, duration_ms, status, trigger, instance_id, context_data, error, run_after)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::timestamptz[], $6::timestamptz[],
    $7::timestamptz[], $8::timestamptz[], $9::int[], $10::text[], $11::text[], $12::text[], $13::jsonb[],
    $14::text[], $15::timestamptz[])
ON CONFLICT (schedule_id, scheduled_for) DO NOTHING
RETURNING execution_id
"""

_ADVANCE_SQL = """
UPDATE workflow_schedules s SET
    next_execution_at = v.next_at, next_due_at = v.next_due, status = v.status,
    is_active = (v.status = 'active'), paused_note = COALESCE(v.note, s.paused_note),
    execution_count = s.execution_count + v.inc,
    last_execution_at = COALESCE(v.fired_at, s.last_execution_at),
    last_execution_id = COALESCE(v.execution_id, s.last_execution_id),
    last_status = COALESCE(v.last_status, s.last_status)
FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::int[], $6::timestamptz[],
            $7::uuid[], $8::text[], $9::text[])
     AS v(schedule_id, next_at, next_due, status, inc, fired_at, execution_id, last_status, note)
WHERE s.schedule_id = v.schedule_id
"""


@dataclass
class Dispatch:
    """A fire this process must now run."""

    execution_id: UUID
    schedule_id: UUID | None
    workflow_id: UUID
    community_id: int
    scheduled_for: datetime | None
    fired_at: datetime
    trigger: str
    definition: dict[str, Any]
    context: dict[str, Any]
    attempt: int = 1
    schedule: dict[str, Any] = field(default_factory=dict)
    retry_config: dict[str, Any] | None = None
    hmac_secret: str | None = None
    dry_run: bool = False


@dataclass
class ClaimResult:
    claimed: int = 0
    dispatch: list[Dispatch] = field(default_factory=list)
    cancel: list[UUID] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    next_due: list[datetime] = field(default_factory=list)  # where the claimed schedules fire next


def is_empty(definition: dict[str, Any] | None) -> bool:
    return not definition or not definition.get("nodes")


def schedule_vars(row: Any) -> dict[str, Any]:
    """What `${schedule.*}` templates may read."""
    return {k: row[k] for k in ("schedule_id", "name", "schedule_type", "timezone", "workflow_id", "community_id")}


def overlap_action(policy: str, live: Any) -> tuple[str, str | None]:
    """What a new fire does given the schedule's live runs: run, skip, buffer or cancel_other (then run)."""
    if live is None or policy == "allow":
        return "run", None
    if policy == "skip":
        return "skip", "previous run still running (overlap_policy skip)"
    if policy == "buffer_one":
        if live["buffered"]:
            return "skip", "a run is already buffered (overlap_policy buffer_one)"
        return "buffer", None
    return "cancel_other", None


async def live_runs(conn: asyncpg.Connection, schedule_ids: list[UUID]) -> dict[UUID, Any]:
    return {r["schedule_id"]: r for r in await conn.fetch(_LIVE_SQL, schedule_ids)} if schedule_ids else {}


def latest_due(spec: Any, nominal: datetime, now: datetime) -> tuple[datetime, datetime | None, bool]:
    """(fire to run, the fire after it, whether earlier missed fires were coalesced into it)."""
    after = next_fire_time(spec, nominal)
    if after is None or after > now:
        return nominal, after, False
    latest = nominal
    for _ in range(MAX_CATCHUP_WALK):
        if after is None or after > now:
            return latest, after, True
        latest, after = after, next_fire_time(spec, after)
    return latest, next_fire_time(spec, now), True


class _Batch:
    """Column lists for the two unnest() statements."""

    def __init__(self) -> None:
        self.ex: list[list[Any]] = [[] for _ in range(15)]
        self.adv: list[list[Any]] = [[] for _ in range(9)]

    def execution(self, *values: Any) -> None:
        for col, value in zip(self.ex, values, strict=True):
            col.append(value)

    def advance(self, *values: Any) -> None:
        for col, value in zip(self.adv, values, strict=True):
            col.append(value)


async def claim_due(conn: asyncpg.Connection, *, now: datetime, limit: int, instance_id: str,
                    catchup_after: float) -> ClaimResult:
    """Claims up to `limit` due schedules; call inside a transaction. Returns what to run and to cancel."""
    rows = await conn.fetch(_CLAIM_SQL, now, limit)
    result = ClaimResult(claimed=len(rows))
    if not rows:
        return result
    guarded = [r["schedule_id"] for r in rows if r["overlap_policy"] != "allow"]
    live = await live_runs(conn, guarded)
    batch = _Batch()
    pending: list[Dispatch] = []
    cancel_owned: list[UUID] = []
    cancel_unowned: list[UUID] = []
    counts: dict[str, int] = {}
    for row in rows:
        sid = row["schedule_id"]
        try:
            spec = spec_from_row(row)
            fire_for, following, coalesced = latest_due(spec, row["next_execution_at"], now)
        except Exception as exc:  # a schedule whose timing cannot be evaluated must not block the others
            log.error("schedule timing failed; pausing it", extra={"event_type": "scheduler", "action": "claim",
                                                                   "result": "paused", "schedule_id": str(sid)})
            batch.advance(sid, None, None, "paused", 0, None, None, None, f"paused by scheduler: {exc}"[:500])
            continue
        lateness = (now - fire_for).total_seconds()
        snoozed = row["snoozed_until"] is not None and fire_for < row["snoozed_until"]
        trigger = "catchup" if coalesced or lateness > catchup_after else "schedule"
        info = live.get(sid)
        execution_id = uuid.uuid4()
        status, error, inc, owner, run_after = "pending", None, 1, instance_id, None
        started = finished = duration = None
        dispatch = False
        if snoozed:
            status, error, inc = "skipped", f"snoozed until {row['snoozed_until'].isoformat()}", 0
        elif lateness > row["grace_period_seconds"]:
            status, inc = "missed", 0
            error = f"missed by {lateness:.0f} s (grace period {row['grace_period_seconds']} s)"
        elif row["workflow_status"] != "active":
            status, error, inc = "skipped", f"workflow is {row['workflow_status']}", 0
        else:
            action, error = overlap_action(row["overlap_policy"], info)
            if action == "skip":
                status, inc = "skipped", 0
            elif action == "buffer":
                owner, run_after = None, now  # started by whichever process sees the running one finish
            else:
                if action == "cancel_other":
                    cancel_owned.extend(info["owned"] or [])
                    cancel_unowned.extend(info["unowned"] or [])
                if is_empty(row["definition"]):
                    status, started, finished, duration = "completed", now, now, 0
                else:
                    dispatch = True
        if status in ("skipped", "missed", "completed"):
            finished = finished or now
        counts[status if not dispatch else "dispatched"] = counts.get(status if not dispatch else "dispatched", 0) + 1
        batch.execution(execution_id, sid, row["workflow_id"], row["community_id"], fire_for, now, started, finished,
                        duration, status, trigger, owner if status == "pending" else instance_id,
                        row["context_data"], error, run_after)
        count = row["execution_count"] + inc
        done = following is None or (row["max_executions"] is not None and count >= row["max_executions"])
        next_at = None if done else following
        next_due = due_at(sid, next_at, row["jitter_seconds"])
        if next_due is not None:
            result.next_due.append(next_due)
        batch.advance(sid, next_at, next_due, "completed" if done else "active", inc, now, execution_id, status, None)
        if dispatch:
            pending.append(Dispatch(
                execution_id=execution_id, schedule_id=sid, workflow_id=row["workflow_id"],
                community_id=row["community_id"], scheduled_for=fire_for, fired_at=now, trigger=trigger,
                definition=row["definition"], context=row["context_data"], schedule=schedule_vars(row),
                retry_config=row["retry_config"], hmac_secret=row["hmac_secret"],
            ))
    inserted: set[UUID] = set()
    if batch.ex[0]:
        inserted = {r["execution_id"] for r in await conn.fetch(_INSERT_SQL, *batch.ex)}
    if batch.adv[0]:
        await conn.execute(_ADVANCE_SQL, *batch.adv)
    if cancel_unowned:
        await conn.execute("UPDATE workflow_executions SET status = 'cancelled', finished_at = $2,"
                           " error = 'cancelled by a newer fire (overlap_policy cancel_other)'"
                           " WHERE execution_id = ANY($1::uuid[]) AND status = 'pending'", cancel_unowned, now)
    if cancel_owned:
        await request_cancel(conn, cancel_owned)
    result.dispatch = [d for d in pending if d.execution_id in inserted]
    result.cancel = cancel_owned
    result.counts = counts
    return result


async def request_cancel(conn: asyncpg.Connection, execution_ids: list[UUID]) -> None:
    """Flags the runs and tells every process; the one running each stops it."""
    await conn.execute("UPDATE workflow_executions SET cancel_requested = true WHERE execution_id = ANY($1::uuid[])",
                       execution_ids)
    for eid in execution_ids:
        await conn.execute("SELECT pg_notify($1, $2)", CANCEL_CHANNEL, str(eid))


async def manual_fire(conn: asyncpg.Connection, schedule_id: UUID, community_id: int, *, now: datetime,
                      instance_id: str, force: bool) -> tuple[UUID, str, Dispatch | None, list[UUID]] | None:
    """Run-now: one extra fire (trigger manual) that leaves the cadence alone; call inside a transaction.

    Returns (execution_id, status, what to run, runs to cancel), or None when the schedule is not visible.
    """
    row = await conn.fetchrow(
        "SELECT s.*, w.definition, w.status AS workflow_status, w.retry_config, w.hmac_secret"
        " FROM workflow_schedules s JOIN workflows w ON w.workflow_id = s.workflow_id"
        " WHERE s.schedule_id = $1 AND s.community_id = $2 FOR UPDATE OF s", schedule_id, community_id)
    if row is None:
        return None
    if row["status"] == "cancelled":
        raise Conflict("cannot run a cancelled schedule", code="invalid_state")
    info = None if force else (await live_runs(conn, [schedule_id])).get(schedule_id)
    action, error = overlap_action(row["overlap_policy"], info)
    cancel: list[UUID] = []
    owner: str | None = instance_id
    status = "pending"
    if action == "skip":
        status = "skipped"
    elif action == "buffer":
        owner = None
    elif action == "cancel_other":
        cancel = list(info["owned"] or [])
    empty = action in ("run", "cancel_other") and is_empty(row["definition"])
    if empty:
        status = "completed"
    execution_id = uuid.uuid4()
    done_at = now if status != "pending" else None
    await conn.execute(
        "INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for,"
        " fired_at, started_at, finished_at, duration_ms, status, trigger, instance_id, context_data, error,"
        " run_after) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, 'manual', $10, $11, $12, $13)",
        execution_id, schedule_id, row["workflow_id"], row["community_id"], now, now if empty else None, done_at,
        0 if empty else None, status, owner, row["context_data"], error, now if owner is None else None,
    )
    await conn.execute(
        "UPDATE workflow_schedules SET last_execution_at = $2, last_execution_id = $3, last_status = $4,"
        " execution_count = execution_count + $5 WHERE schedule_id = $1",
        schedule_id, now, execution_id, status, 0 if status == "skipped" else 1,
    )
    if cancel:
        await request_cancel(conn, cancel)
    dispatch = None
    if status == "pending" and owner is not None:
        dispatch = Dispatch(
            execution_id=execution_id, schedule_id=schedule_id, workflow_id=row["workflow_id"],
            community_id=row["community_id"], scheduled_for=now, fired_at=now, trigger="manual",
            definition=row["definition"], context=row["context_data"], schedule=schedule_vars(row),
            retry_config=row["retry_config"], hmac_secret=row["hmac_secret"],
        )
    return execution_id, status, dispatch, cancel
