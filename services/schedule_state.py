"""Schedule state: the one owner of a schedule's status, next fire, counters and last_* columns.

Every change is a transition from the table below, made under the schedule's row lock inside the caller's
transaction, and announced with a NOTIFY when its next due instant may have moved.

transition       from                       to                                      next fire
create           -                          active                                  first fire from now
update metadata  active, paused, completed  unchanged                               unchanged
update timing    active, paused, completed  unchanged; completed -> active if the   from now (paused: none)
                                            new timing fires again within max
pause            active, paused             paused                                  none
resume           paused (active: no-op)     active, or completed if none is left    from max(now, snooze end)
snooze           active, paused             unchanged, or completed                 first at or after `until`
cancel           active, paused, completed  cancelled (terminal)                    none
delete           any                        row removed                             -
fire / advance   active                     active, or completed (none left, or     the one after the claimed
                                            max_executions reached)
manual fire      active, paused, completed  unchanged, or completed (max reached)   unchanged
event fire       active (not snoozed, in    unchanged, or completed (max reached)   none (event schedules
                 start/end)                                                          have no clock)
auto-pause       active                     paused (timing cannot be evaluated)     none

Event schedules (schedule_type 'event') are 'active' with no next fire: the claim never sees them; they fire
only through `event_fire`. Resume, snooze and timing updates keep them without a next fire.

A transition that moves or stops the cadence first settles a fire that is already due: `update timing` runs it
under the old timing; `pause`, `snooze` and `cancel` record it as `skipped`. So no due fire is silently lost.
Counters and last_* follow the execution rows actually inserted (RETURNING), never the rows asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services import execution_state, firing, notify, outbox
from services.approvals import tokens as approval_tokens
from services.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from services.firing import Dispatch, Owner, Plan
from services.timing import TimingError, due_at, first_fire, next_fire_time, spec_from, spec_from_row

# Fields that decide when a schedule fires (a change re-plans the cadence); the rest is metadata or policy.
TIMING_FIELDS = ("schedule_type", "cron_expression", "interval_seconds", "scheduled_time", "rrule", "timezone",
                 "start_at", "end_at", "max_executions", "jitter_seconds", "event_type", "event_filter")
POLICY_FIELDS = ("grace_period_seconds", "overlap_policy")
CONFIG_FIELDS = TIMING_FIELDS + POLICY_FIELDS

ALLOWED = {
    "update": ("active", "paused", "completed"),
    "pause": ("active", "paused"),
    "resume": ("paused", "active"),
    "snooze": ("active", "paused"),
    "cancel": ("active", "paused", "completed"),
    "manual fire": ("active", "paused", "completed"),
    # queued backfill rows of a paused or cancelled schedule would be cancelled by the queue, so refuse up front
    "backfill": ("active", "completed"),
}

_LOCKED_SQL = """
SELECT s.*, w.definition, w.status AS workflow_status, w.retry_config, w.hmac_secret, w.requires_approval
FROM workflow_schedules s JOIN workflows w ON w.workflow_id = s.workflow_id
WHERE s.schedule_id = $1 AND s.community_id = $2
FOR UPDATE OF s
"""

_SELECT_JOINED = """
SELECT s.*, w.definition, w.status AS workflow_status, w.retry_config, w.hmac_secret, w.requires_approval
FROM workflow_schedules s JOIN workflows w ON w.workflow_id = s.workflow_id
"""

# The event schedules of a community answering any of the given patterns (an event's type and its prefixes + '*'),
# locked in one order (schedule_id) so that concurrent events never deadlock on each other's schedules.
_EVENT_LOCK_SQL = _SELECT_JOINED + """
WHERE s.community_id = $1 AND s.schedule_type = 'event' AND s.event_type = ANY($2::text[])
ORDER BY s.schedule_id
FOR UPDATE OF s
"""

_EVENT_REREAD_SQL = _SELECT_JOINED + "WHERE s.schedule_id = ANY($1::uuid[])"

_DUE_SQL = """
SELECT s.*, w.definition, w.status AS workflow_status, w.retry_config, w.hmac_secret, w.requires_approval
FROM workflow_schedules s JOIN workflows w ON w.workflow_id = s.workflow_id
WHERE s.status = 'active' AND s.next_due_at <= $1
ORDER BY s.next_due_at
LIMIT $2
FOR UPDATE OF s SKIP LOCKED
"""

_ADVANCE_SQL = """
UPDATE workflow_schedules s SET
    next_execution_at = v.next_at, next_due_at = v.next_due, status = v.status,
    execution_count = s.execution_count + v.inc,
    last_execution_at = COALESCE(v.fired_at, s.last_execution_at),
    last_execution_id = COALESCE(v.execution_id, s.last_execution_id),
    last_scheduled_for = COALESCE(v.scheduled_for, s.last_scheduled_for)
FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::int[], $6::timestamptz[],
            $7::uuid[], $8::timestamptz[])
     AS v(schedule_id, next_at, next_due, status, inc, fired_at, execution_id, scheduled_for)
WHERE s.schedule_id = v.schedule_id
"""

_AUTO_PAUSE_SQL = """
UPDATE workflow_schedules SET status = 'paused', next_execution_at = NULL, next_due_at = NULL,
    paused_note = v.note, paused_by = 'scheduler', paused_at = $3
FROM unnest($1::uuid[], $2::text[]) AS v(schedule_id, note)
WHERE workflow_schedules.schedule_id = v.schedule_id
"""


@dataclass
class Fired:
    """What firing did: runs for the local runner, runs to stop, where the fired schedules are due next."""

    claimed: int = 0
    dispatch: list[Dispatch] = field(default_factory=list)
    cancel: list[UUID] = field(default_factory=list)
    next_due: list[datetime] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    executions: list[tuple[UUID, str, bool]] = field(default_factory=list)  # (id, status, inserted)
    fires: list[tuple[str, str, float]] = field(default_factory=list)  # inserted: (trigger, status, lateness s)

    def merge(self, other: Fired) -> None:
        self.claimed += other.claimed
        self.dispatch += other.dispatch
        self.cancel += other.cancel
        self.next_due += other.next_due
        self.executions += other.executions
        self.fires += other.fires
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + v


@dataclass
class _Advance:
    row: Any
    plan: Plan
    next_at: datetime | None
    manual: bool = False


def is_due(row: Mapping[str, Any], now: datetime) -> bool:
    return row["status"] == "active" and row["next_due_at"] is not None and row["next_due_at"] <= now


def check_version(row: Mapping[str, Any], if_match: int | None) -> None:
    if if_match is not None and if_match != row["version"]:
        raise PreconditionFailed(f"schedule {row['schedule_id']} is at version {row['version']}, not {if_match}")


def check_allowed(row: Mapping[str, Any], action: str) -> None:
    if row["status"] not in ALLOWED[action]:
        raise Conflict(f"cannot {action} a schedule that is {row['status']}", code="invalid_state")


async def lock(conn: asyncpg.Connection, community_id: int, schedule_id: UUID) -> asyncpg.Record:
    """The schedule row (joined with its workflow), locked until the transaction ends; 404 if not visible."""
    row = await conn.fetchrow(_LOCKED_SQL, schedule_id, community_id)
    if row is None:
        raise NotFound(f"schedule {schedule_id} not found", code="schedule_not_found")
    return row


def next_from(spec: Any, row: Mapping[str, Any], now: datetime) -> datetime | None:
    """The first fire from `now`, honouring a snooze that is still running; a timing that cannot be evaluated
    answers 400 (the API's transitions; the claim auto-pauses instead)."""
    snoozed = row.get("snoozed_until")
    try:
        if snoozed is not None and snoozed > now:
            return next_fire_time(spec, snoozed - timedelta(microseconds=1))
        return first_fire(spec, now)
    except TimingError as exc:
        raise timing_failed(exc) from None


def timing_failed(exc: TimingError) -> ValidationFailed:
    return ValidationFailed(f"schedule_config.{exc.field}", exc.message.removeprefix(f"{exc.field}: "), code=exc.code)


def _may_fire_again(row: Mapping[str, Any], count: int) -> bool:
    return row["max_executions"] is None or count < row["max_executions"]


async def _advance(conn: asyncpg.Connection, items: list[_Advance], inserted: set[UUID]) -> None:
    cols: list[list[Any]] = [[] for _ in range(8)]
    for it in items:
        row, ex = it.row, it.plan.execution
        new = ex.execution_id in inserted
        count = row["execution_count"] + (1 if new and ex.counts else 0)
        next_at = it.next_at
        status = row["status"] if it.manual else "active"
        if not _may_fire_again(row, count) or (not it.manual and next_at is None):
            status, next_at = "completed", None
        elif status != "active":
            next_at = None
        values = (row["schedule_id"], next_at, due_at(row["schedule_id"], next_at, row["jitter_seconds"]), status,
                  count - row["execution_count"], ex.fired_at if new else None, ex.execution_id if new else None,
                  ex.scheduled_for if new else None)
        for col, value in zip(cols, values, strict=True):
            col.append(value)
    if items:
        await conn.execute(_ADVANCE_SQL, *cols)


async def _apply(conn: asyncpg.Connection, items: list[_Advance], now: datetime, result: Fired) -> None:
    """Inserts the planned rows, cancels what they displace and advances their schedules, all in one go."""
    inserted = await firing.insert(conn, [it.plan.execution for it in items])
    await _advance(conn, items, inserted)
    await approval_tokens.issue_for_runs(conn, [it.plan.execution for it in items], inserted, now)
    await outbox.emit(conn, [(ex.community_id, "execution.missed", {
        "execution_id": str(ex.execution_id), "schedule_id": str(ex.schedule_id), "workflow_id": str(ex.workflow_id),
        "status": "missed", "scheduled_for": ex.scheduled_for.isoformat(), "error": ex.error})
        for ex in (it.plan.execution for it in items) if ex.status == "missed" and ex.execution_id in inserted])
    cancel_running = [eid for it in items if it.plan.execution.execution_id in inserted
                      for eid in it.plan.cancel_running]
    cancel_queued = [eid for it in items if it.plan.execution.execution_id in inserted
                     for eid in it.plan.cancel_queued]
    await execution_state.cancel_queued(conn, cancel_queued, now,
                                        "cancelled by a newer fire (overlap_policy cancel_other)")
    await execution_state.request_cancel(conn, cancel_running)
    if any(it.plan.execution.execution_id in inserted and it.plan.execution.status == "pending"
           and it.plan.execution.owner is None for it in items):
        await notify.queue_ready(conn)
    result.cancel += cancel_running
    for it in items:
        ex = it.plan.execution
        new = ex.execution_id in inserted
        result.executions.append((ex.execution_id, ex.status, new))
        if new:
            result.fires.append((ex.trigger, ex.status, (ex.fired_at - ex.scheduled_for).total_seconds()))
        if new and it.plan.dispatch is not None:
            result.dispatch.append(it.plan.dispatch)
        key = "dispatched" if new and it.plan.dispatch is not None else ex.status if new else "duplicate"
        result.counts[key] = result.counts.get(key, 0) + 1
        if not it.manual and it.next_at is not None:
            due = due_at(it.row["schedule_id"], it.next_at, it.row["jitter_seconds"])
            if due is not None:
                result.next_due.append(due)


async def fire_due(conn: asyncpg.Connection, rows: list[Any], now: datetime, owner: Owner | None, *,
                   catchup_after: float, skip_reason: str | None = None) -> Fired:
    """The fire/advance transition for locked, due rows: one execution each, the schedule moved past it.

    A schedule whose timing cannot be evaluated is auto-paused with the reason, never left due.
    """
    result = Fired(claimed=len(rows))
    if not rows:
        return result
    live = await firing.live_runs(conn, [r["schedule_id"] for r in rows if r["overlap_policy"] != "allow"])
    items: list[_Advance] = []
    broken: list[tuple[UUID, str]] = []
    for row in rows:
        try:
            plan, following = firing.plan_scheduled(row, live.get(row["schedule_id"]), now, owner,
                                                    catchup_after=catchup_after, skip_reason=skip_reason)
        except (TimingError, ValueError, OverflowError) as exc:
            broken.append((row["schedule_id"], f"paused by scheduler: {exc}"[:500]))
            continue
        items.append(_Advance(row, plan, following))
    if broken:
        await conn.execute(_AUTO_PAUSE_SQL, [b[0] for b in broken], [b[1] for b in broken], now)
        community = {r["schedule_id"]: r["community_id"] for r in rows}
        await outbox.emit(conn, [(community[sid], "schedule.auto_paused", {"schedule_id": str(sid), "reason": note})
                                 for sid, note in broken])
        result.counts["auto_paused"] = len(broken)
    await _apply(conn, items, now, result)
    return result


async def claim_due(conn: asyncpg.Connection, now: datetime, limit: int, owner: Owner | None, *,
                    catchup_after: float, due_by: datetime | None = None) -> Fired:
    """Locks up to `limit` schedules due by `due_by` (at most `now`; SKIP LOCKED: processes share the work) and
    fires them."""
    rows = await conn.fetch(_DUE_SQL, now if due_by is None else min(due_by, now), limit)
    return await fire_due(conn, rows, now, owner, catchup_after=catchup_after)


async def settle(conn: asyncpg.Connection, row: asyncpg.Record, now: datetime, owner: Owner | None, *,
                 catchup_after: float, skip_reason: str | None) -> tuple[asyncpg.Record, Fired]:
    """Fires (or records as skipped) a due fire of a locked row before a transition moves the cadence."""
    if not is_due(row, now):
        return row, Fired()
    fired = await fire_due(conn, [row], now, owner, catchup_after=catchup_after, skip_reason=skip_reason)
    return await lock(conn, row["community_id"], row["schedule_id"]), fired


async def manual_fire(conn: asyncpg.Connection, row: asyncpg.Record, now: datetime, owner: Owner | None, *,
                      force: bool, catchup_after: float) -> tuple[UUID, str, Fired]:
    """Run-now: an extra fire (trigger manual) that counts toward max_executions and leaves the cadence alone.
    A scheduled fire already due goes first, so it is neither lost nor pushed past max_executions."""
    check_allowed(row, "manual fire")
    row, result = await settle(conn, row, now, owner, catchup_after=catchup_after, skip_reason=None)
    if not _may_fire_again(row, row["execution_count"]):
        raise Conflict(f"schedule {row['schedule_id']} reached max_executions ({row['max_executions']})",
                       code="max_executions_reached")
    if row["workflow_status"] != "active":
        raise Conflict(f"workflow {row['workflow_id']} is {row['workflow_status']}", code="workflow_inactive")
    live = None if force else (await firing.live_runs(conn, [row["schedule_id"]])).get(row["schedule_id"])
    # Keyed by its own instant; one already taken (a fire at that very microsecond) moves it on by one.
    taken = await conn.fetchval("SELECT max(scheduled_for) FROM workflow_executions WHERE schedule_id = $1"
                                " AND scheduled_for >= $2", row["schedule_id"], now)
    at = now if taken is None else max(now, taken + timedelta(microseconds=1))
    plan = firing.plan_manual(row, live, at, owner, force=force)
    await _apply(conn, [_Advance(row, plan, row["next_execution_at"], manual=True)], now, result)
    ex_id, status, _ = result.executions[-1]
    await notify.schedule_changed(conn, row["schedule_id"], None)
    return ex_id, status, result


_CREATE_SQL = f"""
WITH ins AS (
    INSERT INTO workflow_schedules (schedule_id, workflow_id, community_id, name, schedule_type, cron_expression,
        interval_seconds, scheduled_time, rrule, timezone, start_at, end_at, anchor_at, max_executions,
        jitter_seconds, grace_period_seconds, overlap_policy, context_data, next_execution_at, next_due_at,
        created_by, updated_by, created_at, updated_at, event_type, event_filter)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22,
        $22, $23, $24
    WHERE EXISTS (SELECT 1 FROM workflows WHERE workflow_id = $2 AND community_id = $3)
    RETURNING *)
SELECT ins.*, NULL::text AS last_status
FROM ins, LATERAL (SELECT {notify.schedule_changed_sql("$25", "ins")}) AS announced
"""


async def create(conn: asyncpg.Connection, *, schedule_id: UUID, workflow_id: UUID, community_id: int,
                 name: str | None, config: Mapping[str, Any], anchor: datetime, context: dict[str, Any],
                 user_id: str, now: datetime) -> asyncpg.Record | None:
    """Create: active, due at the first fire from now (validation guaranteed there is one). None when the
    community has no such workflow. One round trip: the workflow check, the insert and its NOTIFY; the row comes
    back shaped like a read (`last_status`)."""
    nxt = first_fire(spec_from(config, anchor), now)
    return await conn.fetchrow(
        _CREATE_SQL,
        schedule_id, workflow_id, community_id, name, config["schedule_type"], config["cron_expression"],
        config["interval_seconds"], config["scheduled_time"], config["rrule"], config["timezone"],
        config["start_at"], config["end_at"], anchor, config["max_executions"], config["jitter_seconds"],
        config["grace_period_seconds"], config["overlap_policy"], context, nxt,
        due_at(schedule_id, nxt, config["jitter_seconds"]), user_id, now, config.get("event_type"),
        config.get("event_filter"), notify.CHANGES,
    )


def timing_changed(row: Mapping[str, Any], config: Mapping[str, Any], anchor: datetime) -> bool:
    return anchor != row["anchor_at"] or any(config[f] != row[f] for f in TIMING_FIELDS)


async def update(conn: asyncpg.Connection, row: asyncpg.Record, *, name: str | None, config: Mapping[str, Any],
                 anchor: datetime, context: dict[str, Any], workflow_id: UUID, user_id: str, now: datetime,
                 owner: Owner | None, catchup_after: float) -> tuple[asyncpg.Record, Fired]:
    """Update metadata (cadence and status untouched) or timing (re-planned from now, after settling a due fire).

    `config` is the full, validated schedule_config; the caller decided whether it changed timing.
    """
    check_allowed(row, "update")
    fired = Fired()
    status, next_at = row["status"], row["next_execution_at"]
    if timing_changed(row, config, anchor):
        row, fired = await settle(conn, row, now, owner, catchup_after=catchup_after, skip_reason=None)
        if config["max_executions"] is not None and config["max_executions"] < row["execution_count"]:
            raise Conflict(f"max_executions {config['max_executions']} is below the {row['execution_count']}"
                           " executions this schedule already made", code="max_executions_below_count")
        status = row["status"]
        spec = spec_from(config, anchor)
        candidate = next_from(spec, row, now)
        count_ok = config["max_executions"] is None or row["execution_count"] < config["max_executions"]
        if status == "paused":
            next_at = None
        elif config["schedule_type"] == "event":  # no clock: active while max_executions allows another fire
            status, next_at = ("active" if count_ok else "completed"), None
        elif candidate is not None and count_ok:
            status, next_at = "active", candidate  # a completed schedule given future fires runs again
        else:
            status, next_at = "completed", None
    updated = await conn.fetchrow(
        "UPDATE workflow_schedules SET name = $2, schedule_type = $3, cron_expression = $4, interval_seconds = $5,"
        " scheduled_time = $6, rrule = $7, timezone = $8, start_at = $9, end_at = $10, anchor_at = $11,"
        " max_executions = $12, jitter_seconds = $13, grace_period_seconds = $14, overlap_policy = $15,"
        " context_data = $16, workflow_id = $17, status = $18, next_execution_at = $19, next_due_at = $20,"
        " updated_by = $21, updated_at = $22, event_type = $23, event_filter = $24, version = version + 1"
        " WHERE schedule_id = $1 RETURNING *",
        row["schedule_id"], name, config["schedule_type"], config["cron_expression"], config["interval_seconds"],
        config["scheduled_time"], config["rrule"], config["timezone"], config["start_at"], config["end_at"], anchor,
        config["max_executions"], config["jitter_seconds"], config["grace_period_seconds"],
        config["overlap_policy"], context, workflow_id, status, next_at,
        due_at(row["schedule_id"], next_at, config["jitter_seconds"]), user_id, now, config.get("event_type"),
        config.get("event_filter"),
    )
    await notify.schedule_changed(conn, row["schedule_id"], updated["next_due_at"])
    return updated, fired


async def _set(conn: asyncpg.Connection, row: Mapping[str, Any], user_id: str, now: datetime,
               **values: Any) -> asyncpg.Record:
    names = list(values)
    assignments = ", ".join(f"{n} = ${i + 4}" for i, n in enumerate(names))
    updated = await conn.fetchrow(
        f"UPDATE workflow_schedules SET {assignments}, updated_by = $2, updated_at = $3, version = version + 1"
        " WHERE schedule_id = $1 RETURNING *", row["schedule_id"], user_id, now, *values.values())
    await notify.schedule_changed(conn, row["schedule_id"], updated["next_due_at"])
    return updated


async def pause(conn: asyncpg.Connection, row: asyncpg.Record, *, note: str | None, user_id: str, now: datetime,
                owner: Owner | None, catchup_after: float) -> tuple[asyncpg.Record, Fired]:
    """Pause: no fire while paused; a fire already due is recorded as skipped; queued work is cancelled."""
    check_allowed(row, "pause")
    row, fired = await settle(conn, row, now, owner, catchup_after=catchup_after,
                              skip_reason="schedule was paused before this fire started")
    await execution_state.end_queued(conn, [row["schedule_id"]], now, "schedule was paused")
    if row["status"] == "completed":  # the settled fire was its last
        return row, fired
    updated = await _set(conn, row, user_id, now, status="paused", next_execution_at=None, next_due_at=None,
                         paused_note=note, paused_by=user_id,
                         paused_at=row["paused_at"] if row["status"] == "paused" else now)
    return updated, fired


async def resume(conn: asyncpg.Connection, row: asyncpg.Record, *, user_id: str, now: datetime) -> asyncpg.Record:
    """Resume: the cadence restarts from now (no burst of catch-ups), or after a snooze still running."""
    check_allowed(row, "resume")
    if row["status"] == "active":
        return row
    if row["schedule_type"] == "event":  # no clock: active again unless max_executions is reached
        return await _set(conn, row, user_id, now,
                          status="active" if _may_fire_again(row, row["execution_count"]) else "completed",
                          paused_note=None, paused_by=None, paused_at=None)
    nxt = next_from(spec_from_row(row), row, now)
    if nxt is not None and not _may_fire_again(row, row["execution_count"]):
        nxt = None
    snoozed = row["snoozed_until"] if row["snoozed_until"] is not None and row["snoozed_until"] > now else None
    return await _set(conn, row, user_id, now, status="active" if nxt else "completed", next_execution_at=nxt,
                      next_due_at=due_at(row["schedule_id"], nxt, row["jitter_seconds"]), paused_note=None,
                      paused_by=None, paused_at=None, snoozed_until=snoozed)


async def snooze(conn: asyncpg.Connection, row: asyncpg.Record, *, until: datetime, user_id: str, now: datetime,
                 owner: Owner | None, catchup_after: float) -> tuple[asyncpg.Record, Fired]:
    """Snooze: nothing fires before `until`; then the first fire at or after it (a paused one stays paused)."""
    check_allowed(row, "snooze")
    row, fired = await settle(conn, row, now, owner, catchup_after=catchup_after,
                              skip_reason="schedule was snoozed before this fire started")
    if row["status"] == "completed":
        return row, fired
    if row["status"] == "paused" or row["schedule_type"] == "event":  # events arriving before `until` are skipped
        return await _set(conn, row, user_id, now, snoozed_until=until), fired
    nxt = next_from(spec_from_row(row), {"snoozed_until": max(until, now)}, now - timedelta(microseconds=1))
    return await _set(conn, row, user_id, now, snoozed_until=until, status="active" if nxt else "completed",
                      next_execution_at=nxt, next_due_at=due_at(row["schedule_id"], nxt, row["jitter_seconds"])), fired


async def cancel(conn: asyncpg.Connection, row: asyncpg.Record, *, user_id: str, now: datetime, owner: Owner | None,
                 catchup_after: float) -> tuple[asyncpg.Record, Fired]:
    """Cancel (terminal): no more fires; a fire already due is recorded as skipped; queued work is cancelled.
    Runs already going finish on their own."""
    check_allowed(row, "cancel")
    row, fired = await settle(conn, row, now, owner, catchup_after=catchup_after,
                              skip_reason="schedule was cancelled before this fire started")
    await execution_state.end_queued(conn, [row["schedule_id"]], now, "schedule was cancelled")
    return await _set(conn, row, user_id, now, status="cancelled", next_execution_at=None, next_due_at=None), fired


async def delete(conn: asyncpg.Connection, row: asyncpg.Record, now: datetime) -> None:
    """Delete: queued work is cancelled first (its rows outlive the schedule, with schedule_id set to NULL)."""
    await execution_state.end_queued(conn, [row["schedule_id"]], now, "schedule was deleted")
    await conn.execute("DELETE FROM workflow_schedules WHERE schedule_id = $1", row["schedule_id"])
    await notify.schedule_changed(conn, row["schedule_id"], None)


# --- event fires ----------------------------------------------------------------------------------------------
async def lock_event_schedules(conn: asyncpg.Connection, community_id: int,
                               patterns: list[str]) -> list[asyncpg.Record]:
    """The community's event schedules answering any of `patterns`, joined with their workflows, locked."""
    return list(await conn.fetch(_EVENT_LOCK_SQL, community_id, patterns))


async def reread(conn: asyncpg.Connection, schedule_ids: list[UUID]) -> list[asyncpg.Record]:
    """Rows this transaction already holds locked, read again after a transition changed them."""
    return list(await conn.fetch(_EVENT_REREAD_SQL, schedule_ids)) if schedule_ids else []


def event_gate(row: Mapping[str, Any], fire_at: datetime, now: datetime) -> str | None:
    """Why a locked event schedule does not fire for an event received at `fire_at` (None: it fires).

    The same gates as a clock fire: only an active schedule fires (paused, completed — e.g. max_executions
    reached — and cancelled do not), nothing fires while snoozed, nor outside [start_at, end_at]."""
    if row["status"] != "active":
        return f"schedule is {row['status']}"
    if row["snoozed_until"] is not None and row["snoozed_until"] > now:
        return f"schedule is snoozed until {row['snoozed_until'].isoformat()}"
    if row["start_at"] is not None and fire_at < row["start_at"]:
        return f"event received before the schedule's start_at ({row['start_at'].isoformat()})"
    if row["end_at"] is not None and fire_at > row["end_at"]:
        return f"event received after the schedule's end_at ({row['end_at'].isoformat()})"
    if not _may_fire_again(row, row["execution_count"]):
        return f"max_executions ({row['max_executions']}) reached"
    return None


@dataclass
class EventOutcome:
    """What one matching schedule did with an event: the execution it recorded (if any) and why not a run."""

    schedule_id: UUID
    execution_id: UUID | None
    status: str  # the execution's status, or "not_fired"
    reason: str | None = None


@dataclass
class EventFire:
    """One (locked event schedule row, event) pair to fire: `event` is what ${event.*} reads, `fire_at` the
    event's received_at (the execution's scheduled_for)."""

    row: Any
    event: dict[str, Any]
    fire_at: datetime


async def event_fire(conn: asyncpg.Connection, items: list[EventFire], now: datetime,
                     owner: Owner | None) -> tuple[Fired, list[EventOutcome]]:
    """The event-fire transition for locked event schedule rows whose type and filter match an event.

    Each item that passes its schedule's gates gets one execution (trigger event, scheduled_for = the event's
    received_at) through the fire module, counted toward max_executions like a manual fire; the schedule completes
    when that count reaches max_executions. Items that do not pass record nothing and say why. A schedule appears
    at most once per call (the caller splits a batch so), so every gate and count is computed from its row as
    read under the lock. Outcomes are in the order of `items`; all rows are written with one INSERT and one
    UPDATE."""
    result = Fired()
    outcomes: list[EventOutcome | None] = [None] * len(items)
    firing_items: list[tuple[int, EventFire]] = []
    for i, it in enumerate(items):
        reason = event_gate(it.row, it.fire_at, now)
        if reason is None:
            firing_items.append((i, it))
        else:
            outcomes[i] = EventOutcome(it.row["schedule_id"], None, "not_fired", reason)
    if firing_items:
        live = await firing.live_runs(conn, [it.row["schedule_id"] for _, it in firing_items
                                             if it.row["overlap_policy"] != "allow"])
        advances = [_Advance(it.row, firing.plan_event(it.row, live.get(it.row["schedule_id"]), it.event, it.fire_at,
                                                       now, owner), None, manual=True) for _, it in firing_items]
        await _apply(conn, advances, now, result)
        for (i, _), adv, (ex_id, status, new) in zip(firing_items, advances, result.executions, strict=True):
            ex = adv.plan.execution
            if not new:  # the fire key holds another row at this very instant (a run-now in the same microsecond)
                outcomes[i] = EventOutcome(ex.schedule_id, None, "not_fired",
                                           "another fire of this schedule holds the same instant")
            else:
                outcomes[i] = EventOutcome(ex.schedule_id, ex_id, status, ex.error if status == "skipped" else None)
    return result, [o for o in outcomes if o is not None]
