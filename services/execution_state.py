"""Execution state: the one place that changes an execution row after services.firing created it.

| from                         | to                                   | by                                   |
|------------------------------|--------------------------------------|--------------------------------------|
| pending, unowned             | pending, owned (instance, epoch)     | `take_queued` (any worker)           |
| pending, owned               | running                              | `write_results` (the owner, fenced)  |
| pending/running, owned       | completed/failed/timeout/cancelled/abandoned | `write_results` (fenced)     |
| pending, unowned             | cancelled                            | `cancel`, `end_queued`               |
| pending/running, owned       | cancel_requested = true              | `cancel`, `request_cancel`           |
| pending/running, owned, lease expired | abandoned (cancelled if cancel was requested) | `reap` (the leader)  |
| awaiting_approval            | pending, unowned, run_after = now    | `approve` (a valid approval token)   |
| awaiting_approval            | cancelled (error: the denial note)   | `deny`; `cancel`; `end_queued`       |
| awaiting_approval, older than APPROVAL_TTL_SECONDS | expired        | `expire_awaiting` (the leader)       |

Fencing: a result is written only by the (instance, epoch) that owns the row, and only while that lease is
unexpired by the database's clock; otherwise the reaper owns the outcome. Either way there is one outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services import jsoncodec, notify, outbox
from services.errors import Conflict, NotFound
from services.firing import Owner, insert, plan_retry

# Terminal write of a run, checked against the owner's lease. Status and owner are compared as expressions so no
# partial index applies and each row is found by its primary key (the other partitions pruned at run time): with
# the owner's partial index usable, a bitmap scan of it visited every version the owner wrote since the last vacuum
# (17,000 entries for 264 live rows after 20 s at 1,000 runs/s), and the write cost more and more until
# autovacuum came by; on a large partition, autovacuum comes rarely.
_RESULTS_SQL = """
UPDATE workflow_executions e SET
    status = v.status,
    started_at = COALESCE(e.started_at, v.started_at),
    finished_at = COALESCE(v.finished_at, e.finished_at),
    duration_ms = COALESCE(v.duration_ms, e.duration_ms),
    output = COALESCE(v.output::jsonb, e.output),
    error = COALESCE(v.error, e.error),
    error_code = COALESCE(v.error_code, e.error_code),
    error_node_id = COALESCE(v.error_node_id, e.error_node_id)
FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[],
            $7::text[], $8::text[], $9::text[], $10::text[])
     AS v(execution_id, scheduled_for, status, started_at, finished_at, duration_ms, output, error, error_code,
          error_node_id)
WHERE e.execution_id = v.execution_id AND e.scheduled_for = v.scheduled_for
  AND e.status || '' IN ('pending', 'running') AND e.instance_id || '' = $11 AND e.lease_epoch + 0 = $12
  AND EXISTS (SELECT 1 FROM scheduler_instances i
              WHERE i.instance_id = $11 AND i.epoch = $12 AND i.expires_at > now())
RETURNING e.execution_id, e.schedule_id, e.workflow_id, e.community_id, e.scheduled_for, e.status, e.trigger,
    e.attempt, e.error, e.error_code, e.duration_ms, e.dry_run, e.cancel_requested,
    CASE WHEN e.status IN ('failed', 'timeout', 'abandoned') THEN e.context_data END AS context_data
"""

_REAP_SQL = """
UPDATE workflow_executions e SET
    status = CASE WHEN e.cancel_requested THEN 'cancelled' ELSE 'abandoned' END,
    finished_at = now(),
    error = CASE WHEN e.cancel_requested THEN 'cancelled by request; its instance stopped before it ended'
                 ELSE 'instance ' || e.instance_id || ' lost its lease before the run finished' END
WHERE e.status IN ('pending', 'running') AND e.instance_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM scheduler_instances i
                  WHERE i.instance_id = e.instance_id AND i.epoch = e.lease_epoch AND i.expires_at > now())
RETURNING e.*
"""

_QUEUED_SQL = """
SELECT execution_id, schedule_id, trigger FROM workflow_executions
WHERE status = 'pending' AND instance_id IS NULL AND run_after <= $1
ORDER BY run_after
LIMIT $2
"""

_TAKE_SQL = """
UPDATE workflow_executions SET instance_id = $2, lease_epoch = $3
WHERE execution_id = ANY($1::uuid[]) AND status = 'pending' AND instance_id IS NULL
RETURNING execution_id
"""

_DISPATCH_ROWS_SQL = """
SELECT e.*, w.definition, w.retry_config, w.hmac_secret, w.status AS workflow_status,
       s.name, s.schedule_type, s.timezone
FROM workflow_executions e
LEFT JOIN workflows w ON w.workflow_id = e.workflow_id
LEFT JOIN workflow_schedules s ON s.schedule_id = e.schedule_id
WHERE e.execution_id = ANY($1::uuid[])
"""

_CANCEL_QUEUED_SQL = """
UPDATE workflow_executions SET status = 'cancelled', finished_at = $2, error = $3
WHERE execution_id = ANY($1::uuid[]) AND status = 'pending' AND instance_id IS NULL
"""


@dataclass
class Result:
    """A run's outcome, as the runner reports it."""

    execution_id: UUID
    scheduled_for: datetime
    status: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: int | None = None
    output: Any = None
    error: str | None = None
    error_code: str | None = None
    error_node_id: str | None = None
    retry_config: dict[str, Any] | None = None


async def write_results(conn: asyncpg.Connection, results: list[Result], owner: Owner,
                        now: datetime) -> tuple[list[asyncpg.Record], list[UUID]]:
    """Writes a batch of run outcomes (call inside a transaction) and schedules the retries they call for.

    Returns (rows written, ids refused by the fence). A refused id belongs to the reaper now. The rows carry what
    the outbox event, the retry and the metrics need (not the output: decoding it per run costs, and nobody reads
    it here); context_data only where a retry may follow.
    """
    cols = ("execution_id", "scheduled_for", "status", "started_at", "finished_at", "duration_ms", "output",
            "error", "error_code", "error_node_id")
    values = [[getattr(r, c) for r in results] for c in cols]
    values[6] = json_texts(values[6])
    rows = await conn.fetch(_RESULTS_SQL, *values, owner.instance_id, owner.epoch)
    written = {r["execution_id"] for r in rows}
    await outbox.emit(conn, [e for e in map(outbox.execution_event, rows) if e is not None])
    configs = {r.execution_id: r.retry_config for r in results}
    retries = [x for x in (plan_retry(r, configs.get(r["execution_id"]), now) for r in rows) if x is not None]
    if await insert(conn, retries):
        await notify.queue_ready(conn)
    return list(rows), [r.execution_id for r in results if r.execution_id not in written]


_STEPS_SQL = """
INSERT INTO execution_steps (execution_id, scheduled_for, sequence, node_id, node_type, status, started_at,
                             finished_at, duration_ms, input, output, error)
SELECT v.execution_id, v.scheduled_for, v.sequence, v.node_id, v.node_type, v.status, v.started_at, v.finished_at,
       v.duration_ms, v.input::jsonb, v.output::jsonb, v.error
FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
            $8::timestamptz[], $9::int[], $10::text[], $11::text[], $12::text[])
     AS v(execution_id, scheduled_for, sequence, node_id, node_type, status, started_at, finished_at, duration_ms,
          input, output, error)
ON CONFLICT DO NOTHING
"""


def json_texts(values: list[Any]) -> list[str | None]:
    """Any JSON values (a run's or a step's output) for a text[] parameter cast to jsonb in SQL. As a jsonb[]
    parameter, asyncpg takes a list value for a nested array: a list output failed the whole batch
    ("non-homogeneous array") or, when every output was a list of one length, became extra rows."""
    return [None if v is None else jsoncodec.dumps(v) for v in values]


async def write_steps(conn: asyncpg.Connection, steps: list[tuple[UUID, datetime, Any]]) -> None:
    """A batch of step records (execution_id, scheduled_for, engine StepRecord) in one statement."""
    if not steps:
        return
    fields = ("sequence", "node_id", "node_type", "status", "started_at", "finished_at", "duration_ms")
    await conn.execute(_STEPS_SQL, [s[0] for s in steps], [s[1] for s in steps],
                       *([getattr(s[2], f) for s in steps] for f in fields),
                       json_texts([s[2].input for s in steps]), json_texts([s[2].output for s in steps]),
                       [s[2].error for s in steps])


async def reap(conn: asyncpg.Connection, now: datetime, forget_after_seconds: float) -> list[asyncpg.Record]:
    """Ends the runs of instances whose lease expired (database clock) and schedules their retries."""
    rows = await conn.fetch(_REAP_SQL)
    await outbox.emit(conn, [e for e in map(outbox.execution_event, rows) if e is not None])
    if rows:
        configs = {r["workflow_id"]: r["retry_config"] for r in await conn.fetch(
            "SELECT workflow_id, retry_config FROM workflows WHERE workflow_id = ANY($1::uuid[])",
            list({r["workflow_id"] for r in rows}))}
        retries = [x for x in (plan_retry(r, configs.get(r["workflow_id"]), now) for r in rows) if x is not None]
        if await insert(conn, retries):
            await notify.queue_ready(conn)
    await conn.execute("DELETE FROM scheduler_instances WHERE expires_at < now() - $1::interval",
                       timedelta(seconds=forget_after_seconds))
    return list(rows)


async def end_queued(conn: asyncpg.Connection, schedule_ids: list[UUID], now: datetime, reason: str) -> int:
    """Cancels the queued (unowned pending) rows of these schedules: buffered fires, waiting retries, backfill
    fires, and runs still awaiting approval."""
    done = await conn.execute(
        "UPDATE workflow_executions SET status = 'cancelled', finished_at = $2, error = $3"
        " WHERE schedule_id = ANY($1::uuid[])"
        " AND (status = 'pending' AND instance_id IS NULL OR status = 'awaiting_approval')",
        schedule_ids, now, reason)
    return int(done.split()[-1])


async def approve(conn: asyncpg.Connection, community_id: int, execution_ids: list[UUID],
                  now: datetime) -> list[asyncpg.Record]:
    """Approved runs join the queue (unowned pending, due now): whichever worker takes them starts each once.
    Rows no longer awaiting approval are left alone, so approving twice starts nothing twice. A backfill fire
    keeps its place in the backfill's spacing (its planned delay, run_after - fired_at, counts from now)."""
    rows = await conn.fetch(
        "UPDATE workflow_executions SET status = 'pending', instance_id = NULL, lease_epoch = NULL,"
        " run_after = $3::timestamptz + GREATEST(COALESCE(run_after - fired_at, interval '0'), interval '0')"
        " WHERE execution_id = ANY($1::uuid[]) AND community_id = $2 AND status = 'awaiting_approval'"
        " RETURNING *", execution_ids, community_id, now)
    if rows:
        await notify.queue_ready(conn)
    return list(rows)


async def deny(conn: asyncpg.Connection, community_id: int, execution_ids: list[UUID], now: datetime,
               note: str) -> list[asyncpg.Record]:
    """Denied runs end cancelled, with the denial note as their error."""
    return list(await conn.fetch(
        "UPDATE workflow_executions SET status = 'cancelled', finished_at = $3, error = $4"
        " WHERE execution_id = ANY($1::uuid[]) AND community_id = $2 AND status = 'awaiting_approval'"
        " RETURNING *", execution_ids, community_id, now, note))


async def expire_awaiting(conn: asyncpg.Connection, fired_before: datetime, now: datetime, ttl_seconds: float,
                          limit: int = 1000) -> int:
    """Runs that waited for a decision since before `fired_before` end `expired` (the leader's approvals duty)."""
    done = await conn.execute(
        "UPDATE workflow_executions SET status = 'expired', finished_at = $2, error = $3"
        " WHERE execution_id IN (SELECT execution_id FROM workflow_executions"
        " WHERE status = 'awaiting_approval' AND fired_at < $1 ORDER BY fired_at LIMIT $4 FOR UPDATE SKIP LOCKED)",
        fired_before, now, f"not approved within {ttl_seconds:g} s (APPROVAL_TTL_SECONDS)", limit)
    return int(done.split()[-1])


async def cancel_queued(conn: asyncpg.Connection, execution_ids: list[UUID], now: datetime, reason: str) -> None:
    if execution_ids:
        await conn.execute(_CANCEL_QUEUED_SQL, execution_ids, now, reason)


async def request_cancel(conn: asyncpg.Connection, execution_ids: list[UUID]) -> None:
    """Flags the runs and tells every process; the owner stops each (it also polls the flag)."""
    if execution_ids:
        await conn.execute("UPDATE workflow_executions SET cancel_requested = true"
                           " WHERE execution_id = ANY($1::uuid[]) AND status IN ('pending', 'running')",
                           execution_ids)
        await notify.cancel_requested(conn, execution_ids)


async def cancel(conn: asyncpg.Connection, community_id: int, execution_id: UUID, now: datetime) -> asyncpg.Record:
    """A user's cancel: a queued run ends at once, an owned one is stopped by its owner; its retries go too."""
    row = await conn.fetchrow(
        "SELECT * FROM workflow_executions WHERE execution_id = $1 AND community_id = $2 FOR UPDATE",
        execution_id, community_id)
    if row is None:
        raise NotFound(f"execution {execution_id} not found", code="execution_not_found")
    if row["status"] == "awaiting_approval":
        await conn.execute("UPDATE workflow_executions SET status = 'cancelled', finished_at = $2,"
                           " error = 'cancelled by request', cancel_requested = true WHERE execution_id = $1",
                           execution_id, now)
        return await conn.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1", execution_id)
    if row["status"] not in ("pending", "running"):
        raise Conflict(f"execution {execution_id} already ended ({row['status']})", code="invalid_state")
    await conn.execute(
        "UPDATE workflow_executions SET status = 'cancelled', finished_at = $2, error = 'cancelled by request'"
        " WHERE parent_execution_id = $1 AND status = 'pending' AND instance_id IS NULL", execution_id, now)
    if row["instance_id"] is None:
        await cancel_queued(conn, [execution_id], now, "cancelled by request")
        await conn.execute("UPDATE workflow_executions SET cancel_requested = true WHERE execution_id = $1",
                           execution_id)
    else:
        await request_cancel(conn, [execution_id])
    return await conn.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1", execution_id)


async def cancel_flags(conn: asyncpg.Connection | Any, execution_ids: list[UUID]) -> list[UUID]:
    """Which of these runs have a cancel request (read by the owner, so a lost NOTIFY delays a cancel only)."""
    rows = await conn.fetch("SELECT execution_id FROM workflow_executions"
                            " WHERE execution_id = ANY($1::uuid[]) AND cancel_requested", execution_ids)
    return [r["execution_id"] for r in rows]


async def take_queued(conn: asyncpg.Connection, owner: Owner, now: datetime, limit: int) -> list[asyncpg.Record]:
    """Takes queued work whose turn has come (call inside a transaction); returns rows ready to dispatch.

    Per schedule the schedule row is locked (SKIP LOCKED: a claim or another taker holds it, try next round), so
    at most one queued row starts per schedule and only when no run of it is live (unless overlap is `allow`).
    A running backfill fire is background history: it holds back other backfill fires, not the cadence's rows.
    Queued rows of paused or cancelled schedules, or of workflows deleted or inactive, are cancelled instead.
    """
    candidates = await conn.fetch(_QUEUED_SQL, now, limit * 4)
    if not candidates:
        return []
    by_schedule: dict[UUID, list[asyncpg.Record]] = {}
    free: list[UUID] = []
    for c in candidates:
        if c["schedule_id"] is None:
            free.append(c["execution_id"])
        else:
            by_schedule.setdefault(c["schedule_id"], []).append(c)
    chosen: list[UUID] = []
    if free:
        chosen += [r["execution_id"] for r in await conn.fetch(
            "SELECT execution_id FROM workflow_executions WHERE execution_id = ANY($1::uuid[])"
            " FOR UPDATE SKIP LOCKED", free)]
    if by_schedule:
        locked = await conn.fetch(
            "SELECT schedule_id, status, overlap_policy FROM workflow_schedules WHERE schedule_id = ANY($1::uuid[])"
            " FOR UPDATE SKIP LOCKED", list(by_schedule))
        # schedule -> whether a live run of it is not a backfill fire
        busy = {r["schedule_id"]: r["cadence"] for r in await conn.fetch(
            "SELECT schedule_id, bool_or(trigger <> 'backfill') AS cadence FROM workflow_executions"
            " WHERE schedule_id = ANY($1::uuid[]) AND status IN ('pending', 'running') AND instance_id IS NOT NULL"
            " GROUP BY schedule_id", [r["schedule_id"] for r in locked])}
        stopped: list[UUID] = []
        for s in locked:
            queued = by_schedule[s["schedule_id"]]
            if s["status"] in ("paused", "cancelled"):
                stopped.append(s["schedule_id"])
            elif s["overlap_policy"] == "allow":
                chosen += [q["execution_id"] for q in queued]
            elif s["schedule_id"] not in busy:
                chosen.append(queued[0]["execution_id"])  # oldest first; the next one waits for this one to end
            elif not busy[s["schedule_id"]]:  # only backfill runs: the cadence's queued rows need not wait
                chosen += [q["execution_id"] for q in queued if q["trigger"] != "backfill"][:1]
        if stopped:
            await end_queued(conn, stopped, now, "schedule is paused or cancelled")
    if not chosen:
        return []
    taken = [r["execution_id"] for r in await conn.fetch(_TAKE_SQL, chosen[:limit], owner.instance_id, owner.epoch)]
    rows = await conn.fetch(_DISPATCH_ROWS_SQL, taken) if taken else []
    gone = [r for r in rows if r["workflow_status"] != "active"]
    for r in gone:
        reason = "workflow was deleted" if r["workflow_status"] is None else f"workflow is {r['workflow_status']}"
        await conn.execute("UPDATE workflow_executions SET status = 'cancelled', finished_at = $2, error = $3"
                           " WHERE execution_id = $1", r["execution_id"], now, reason)
    return [r for r in rows if r["workflow_status"] == "active"]
