"""FixitService and the fix-it state: the one module that changes a `fixits` row.

transition  from               to                                        by
create      -                  dry_run, awaiting_approval, running,      POST /scheduler/fix-it
                               or completed (nothing to retry)
start       awaiting_approval  running, or completed if every retry      `start` (auto_approve, or an approval)
                               exists already
deny        awaiting_approval  denied                                    `deny` (an approval token, action deny)
expire      awaiting_approval  expired (after APPROVAL_TTL_SECONDS)      `expire_awaiting` (the leader)
complete    running            completed, once none of its retries is    `complete_finished` (the leader)
                               pending, running or awaiting approval

Retries are ordinary executions made by services.firing (`plan_fixit_retry`, trigger retry, attempt + 1, same
fire instant) and queued with spaced `run_after`; the retry key makes a second fix-it, the workflow's own
retry_config or the reaper unable to duplicate one. Creation holds a per-community advisory lock, so the hourly
limit and the one-live rule (also a partial unique index) are exact across processes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services import audit, firing, notify, outbox
from services.approvals import tokens
from services.auth import Principal
from services.dal import AsyncDAL
from services.errors import Conflict, NotFound, TooManyRequests
from services.fixit.plan import CANDIDATE_STATUSES, FAILING, HARD_CAP, Task, parse_window, plan

log = logging.getLogger("chime.ops")
FIXITS_PER_HOUR = 10
LIVE = ("running", "awaiting_approval")
UNFINISHED = ("pending", "running", "awaiting_approval")

_CANDIDATES_SQL = f"""
SELECT e.execution_id, e.schedule_id, e.workflow_id, e.status, e.error, e.error_code, e.attempt, e.fired_at,
       e.finished_at, e.cancel_requested, w.status AS workflow_status, w.updated_at AS workflow_updated_at,
       s.status AS schedule_status
FROM workflow_executions e
LEFT JOIN workflows w ON w.workflow_id = e.workflow_id
LEFT JOIN workflow_schedules s ON s.schedule_id = e.schedule_id
WHERE e.community_id = $1 AND e.status IN {CANDIDATE_STATUSES} AND e.finished_at >= $2 AND NOT e.dry_run
  AND ($3::uuid[] IS NULL OR e.schedule_id = ANY($3::uuid[]))
  AND NOT EXISTS (SELECT 1 FROM workflow_executions c WHERE c.parent_execution_id = e.execution_id)
ORDER BY e.finished_at, e.seq
LIMIT $4
"""

# Schedules whose last n finished runs all failed.
_LIKELY_PERMANENT_SQL = f"""
SELECT schedule_id FROM (
    SELECT schedule_id, status, row_number() OVER (PARTITION BY schedule_id ORDER BY seq DESC) AS n
    FROM workflow_executions
    WHERE schedule_id = ANY($1::uuid[]) AND status IN ('completed', {", ".join(repr(s) for s in FAILING)})
) recent
WHERE n <= $2
GROUP BY schedule_id
HAVING count(*) = $2 AND bool_and(status <> 'completed')
"""

_INSERT_TASKS_SQL = """
INSERT INTO fixit_tasks (fixit_id, position, execution_id, schedule_id, workflow_id, decision, reason, delay_seconds)
SELECT $1, * FROM unnest($2::int[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::float8[])
"""

_STARTED_TASKS_SQL = """
UPDATE fixit_tasks t SET decision = v.decision, reason = v.reason, retry_execution_id = v.retry, run_after = v.run_after
FROM unnest($2::int[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[])
     AS v(position, decision, reason, retry, run_after)
WHERE t.fixit_id = $1 AND t.position = v.position
"""

_FINISHED_SQL = f"""
SELECT f.* FROM fixits f
WHERE f.status = 'running' AND NOT EXISTS (
    SELECT 1 FROM fixit_tasks t JOIN workflow_executions e ON e.execution_id = t.retry_execution_id
    WHERE t.fixit_id = f.fixit_id AND e.status IN {UNFINISHED})
ORDER BY f.initiated_at
LIMIT $1
FOR UPDATE OF f SKIP LOCKED
"""

_OUTCOMES_SQL = """
SELECT t.fixit_id, count(*) FILTER (WHERE e.status = 'completed') AS fixed,
       count(*) FILTER (WHERE e.status IS DISTINCT FROM 'completed') AS failed
FROM fixit_tasks t LEFT JOIN workflow_executions e ON e.execution_id = t.retry_execution_id
WHERE t.fixit_id = ANY($1::uuid[]) AND t.retry_execution_id IS NOT NULL
GROUP BY t.fixit_id
"""


def utcnow() -> datetime:
    return datetime.now(UTC)


async def lock(conn: asyncpg.Connection, community_id: int, fixit_id: UUID) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM fixits WHERE fixit_id = $1 AND community_id = $2 FOR UPDATE",
                              fixit_id, community_id)
    if row is None:
        raise NotFound(f"fix-it {fixit_id} not found", code="fixit_not_found")
    return row


async def _completed_event(conn: asyncpg.Connection, fixit: asyncpg.Record) -> None:
    counts = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE decision = 'skip') AS skipped,"
        " count(*) FILTER (WHERE retry_execution_id IS NOT NULL) AS retried FROM fixit_tasks WHERE fixit_id = $1",
        fixit["fixit_id"])
    await outbox.emit(conn, [(fixit["community_id"], "fixit.completed", {
        "fixit_id": str(fixit["fixit_id"]), "mode": fixit["mode"], "initiated_by": fixit["initiated_by"],
        "tasks_retried": counts["retried"], "tasks_skipped": counts["skipped"], "tasks_fixed": fixit["tasks_fixed"],
        "tasks_failed": fixit["tasks_failed"], "completed_at": fixit["completed_at"].isoformat()})])


async def start(conn: asyncpg.Connection, fixit: asyncpg.Record, now: datetime, by: str) -> list[asyncpg.Record]:
    """Creates the planned retries (queued, each at now + its delay); returns the fix-it's tasks afterwards.

    A planned retry that exists already (the workflow's retry_config, the reaper or another fix-it made it
    since) is not made again: the retry key refuses it and the task becomes a skip saying so."""
    fid = fixit["fixit_id"]
    planned = await conn.fetch("SELECT * FROM fixit_tasks WHERE fixit_id = $1 AND decision = 'retry'"
                               " ORDER BY position", fid)
    parents = {r["execution_id"]: r for r in await conn.fetch(
        "SELECT * FROM workflow_executions WHERE execution_id = ANY($1::uuid[]) AND community_id = $2",
        [t["execution_id"] for t in planned], fixit["community_id"])}
    retries: dict[int, firing.NewExecution] = {}
    for t in planned:
        parent = parents.get(t["execution_id"])
        if parent is not None:
            retries[t["position"]] = firing.plan_fixit_retry(
                parent, now, now + timedelta(seconds=t["delay_seconds"]))
    inserted = await firing.insert(conn, list(retries.values()))
    cols: list[list[Any]] = [[], [], [], [], []]
    for t in planned:
        ex = retries.get(t["position"])
        if ex is not None and ex.execution_id in inserted:
            values = (t["position"], "retry", t["reason"], ex.execution_id, ex.run_after)
        elif ex is None:
            values = (t["position"], "skip", "the run no longer exists (pruned)", None, None)
        else:
            values = (t["position"], "skip", "already retried (by its workflow's retry_config, the reaper or"
                      " another fix-it)", None, None)
        for col, value in zip(cols, values, strict=True):
            col.append(value)
    if planned:
        await conn.execute(_STARTED_TASKS_SQL, fid, *cols)
    if inserted:
        await notify.queue_ready(conn)
    duplicates = len(retries) - len(inserted)
    warnings = [f"{duplicates} planned retries existed already and were not made again"] if duplicates else []
    if inserted:
        last = max(ex.run_after for ex in retries.values() if ex.execution_id in inserted)
        status, done, message = "running", None, (f"started {len(inserted)} retries; the last starts at"
                                                  f" {last.isoformat()}")
    else:
        status, done, message = "completed", now, "nothing was retried"
    updated = await conn.fetchrow(
        "UPDATE fixits SET status = $2, started_at = $3, completed_at = $4, approved_by = $5, message = $6,"
        " warnings = warnings || $7::jsonb WHERE fixit_id = $1 RETURNING *",
        fid, status, now, done, by, message, warnings)
    if status == "completed":
        await _completed_event(conn, updated)
    return list(await conn.fetch("SELECT * FROM fixit_tasks WHERE fixit_id = $1 ORDER BY position", fid))


async def deny(conn: asyncpg.Connection, fixit: asyncpg.Record, now: datetime, by: str, note: str | None) -> None:
    await conn.execute(
        "UPDATE fixits SET status = 'denied', completed_at = $2, approved_by = $3, message = $4"
        " WHERE fixit_id = $1 AND status = 'awaiting_approval'",
        fixit["fixit_id"], now, by, f"denied by {by}" + (f": {note}" if note else ""))


async def expire_awaiting(conn: asyncpg.Connection, initiated_before: datetime, now: datetime,
                          ttl_seconds: float) -> int:
    done = await conn.execute(
        "UPDATE fixits SET status = 'expired', completed_at = $2, message = $3"
        " WHERE status = 'awaiting_approval' AND initiated_at < $1",
        initiated_before, now, f"not approved within {ttl_seconds:g} s (APPROVAL_TTL_SECONDS)")
    return int(done.split()[-1])


async def complete_finished(conn: asyncpg.Connection, now: datetime, limit: int = 50) -> int:
    """Running fix-its none of whose retries is unfinished become completed, with `fixit.completed` emitted in
    the same transaction (the leader's fix-it duty)."""
    rows = await conn.fetch(_FINISHED_SQL, limit)
    if not rows:
        return 0
    outcomes = {r["fixit_id"]: r for r in await conn.fetch(_OUTCOMES_SQL, [r["fixit_id"] for r in rows])}
    for row in rows:
        out = outcomes.get(row["fixit_id"])
        fixed, failed = (out["fixed"], out["failed"]) if out else (0, 0)
        updated = await conn.fetchrow(
            "UPDATE fixits SET status = 'completed', completed_at = $2, tasks_fixed = $3, tasks_failed = $4,"
            " message = $5 WHERE fixit_id = $1 RETURNING *",
            row["fixit_id"], now, fixed, failed, f"{fixed + failed} retries ended: {fixed} fixed, {failed} failed")
        await _completed_event(conn, updated)
    return len(rows)


def fixit_out(fixit: asyncpg.Record, tasks: list[asyncpg.Record], statuses: dict[UUID, str],
              token: tokens.Issued | None = None) -> dict[str, Any]:
    """The API's view of a fix-it: counts of a running one are read live from its retries."""
    status = fixit["status"]
    retried = [t for t in tasks if t["retry_execution_id"] is not None]
    planned = [t for t in tasks if t["decision"] == "retry"]
    fixed, failed = fixit["tasks_fixed"], fixit["tasks_failed"]
    if status == "running":
        fixed = sum(statuses.get(t["retry_execution_id"]) == "completed" for t in retried)
        failed = sum(statuses.get(t["retry_execution_id"], "gone") not in (*UNFINISHED, "completed") for t in retried)
    if status in ("dry_run", "awaiting_approval"):
        delays = [t["delay_seconds"] for t in planned]
        base = fixit["initiated_at"] if status == "dry_run" else None
        estimate = base + timedelta(seconds=max(delays)) if base is not None and delays else base
        count_retried = len(planned)
    else:
        runs = [t["run_after"] for t in retried if t["run_after"] is not None]
        estimate = fixit["completed_at"] or (max(runs) if runs else None)
        count_retried = len(retried)
    params = fixit["params"]
    return {
        "status": status, "execution_id": fixit["fixit_id"], "mode": fixit["mode"], "tasks_fixed": fixed,
        "tasks_retried": count_retried, "tasks_skipped": sum(t["decision"] == "skip" for t in tasks),
        "tasks_failed": failed,
        "affected_tasks": [{
            "execution_id": t["execution_id"], "schedule_id": t["schedule_id"], "workflow_id": t["workflow_id"],
            "decision": t["decision"], "reason": t["reason"], "retry_execution_id": t["retry_execution_id"],
            "run_after": t["run_after"], "retry_status": statuses.get(t["retry_execution_id"]),
        } for t in tasks],
        "estimated_completion": estimate, "initiated_by": fixit["initiated_by"],
        "initiated_at": fixit["initiated_at"], "completed_at": fixit["completed_at"], "message": fixit["message"],
        "warnings": list(fixit["warnings"]), "approved_by": fixit["approved_by"],
        "max_retries": params["max_retries"], "window": params["window"], "dry_run": params["dry_run"],
        "auto_approve": params["auto_approve"],
        "approval_token": token.token if token else None,
        "approval_expires_at": token.expires_at if token else None,
    }


async def _statuses(conn: asyncpg.Connection | AsyncDAL, tasks: list[asyncpg.Record]) -> dict[UUID, str]:
    ids = [t["retry_execution_id"] for t in tasks if t["retry_execution_id"] is not None]
    if not ids:
        return {}
    rows = await conn.fetch("SELECT execution_id, status FROM workflow_executions WHERE execution_id = ANY($1::uuid[])",
                            ids)
    return {r["execution_id"]: r["status"] for r in rows}


class FixitService:
    def __init__(self, dal: AsyncDAL, *, approval_ttl_seconds: float,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.dal = dal
        self.approval_ttl = timedelta(seconds=approval_ttl_seconds)
        self.clock = clock

    async def get(self, principal: Principal, fixit_id: UUID) -> dict[str, Any]:
        async with self.dal.connection() as conn:
            row = await conn.fetchrow("SELECT * FROM fixits WHERE fixit_id = $1 AND community_id = $2",
                                      fixit_id, principal.community_id)
            if row is None:
                raise NotFound(f"fix-it {fixit_id} not found", code="fixit_not_found")
            tasks = list(await conn.fetch("SELECT * FROM fixit_tasks WHERE fixit_id = $1 ORDER BY position",
                                          fixit_id))
            return fixit_out(row, tasks, await _statuses(conn, tasks))

    async def create(self, principal: Principal, *, mode: str, max_retries: int, auto_approve: bool, dry_run: bool,
                     window: str, schedule_ids: list[UUID] | None, limit: int) -> dict[str, Any]:
        span = parse_window(window)  # validation before any write
        now = self.clock()
        community = principal.community_id
        async with self.dal.transaction() as conn:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('chime.fixit', $1))", community)
            await self._check_rate(conn, community, now)
            if not dry_run:
                live = await conn.fetchval("SELECT fixit_id FROM fixits WHERE community_id = $1"
                                           f" AND status IN {LIVE}", community)
                if live is not None:
                    raise Conflict(f"fix-it {live} is still running or awaiting approval; one at a time",
                                   code="fixit_in_progress")
            if schedule_ids:
                schedule_ids = list(dict.fromkeys(schedule_ids))
                found = {r["schedule_id"] for r in await conn.fetch(
                    "SELECT schedule_id FROM workflow_schedules WHERE schedule_id = ANY($1::uuid[])"
                    " AND community_id = $2", schedule_ids, community)}
                missing = [s for s in schedule_ids if s not in found]
                if missing:
                    raise NotFound(f"schedule {missing[0]} not found", code="schedule_not_found")
            candidates = list(await conn.fetch(_CANDIDATES_SQL, community, now - span, schedule_ids or None,
                                               HARD_CAP + 1))
            warnings = []
            if len(candidates) > HARD_CAP:
                candidates = candidates[:HARD_CAP]
                warnings.append(f"more than {HARD_CAP} candidates in the window; the oldest {HARD_CAP} were"
                                " considered (run again for the rest)")
            permanent: set[UUID] = set()
            if mode == "conservative" and max_retries > 0:
                sids = list({c["schedule_id"] for c in candidates if c["schedule_id"] is not None})
                permanent = {r["schedule_id"] for r in await conn.fetch(_LIKELY_PERMANENT_SQL, sids, max_retries)}
            tasks = plan(mode, candidates, max_retries=max_retries, limit=limit, likely_permanent=permanent)
            retries = sum(t.decision == "retry" for t in tasks)
            if dry_run:
                status = "dry_run"
                message = f"dry run: would retry {retries} of {len(tasks)} candidates; nothing changed"
            elif retries and not auto_approve:
                status, message = "awaiting_approval", f"{retries} retries planned; awaiting approval"
            elif retries:
                status, message = "running", ""
            else:
                status, message = "completed", f"nothing to retry ({len(tasks)} candidates, all skipped)"
            params = {"max_retries": max_retries, "window": window, "limit": limit, "auto_approve": auto_approve,
                      "dry_run": dry_run, "schedule_ids": [str(s) for s in schedule_ids or []]}
            fixit = await self._insert(conn, principal, mode, status, params, now, message, warnings, tasks)
            token = None
            if status == "running":
                await start(conn, fixit, now, principal.user_id)
            elif status == "awaiting_approval":
                token = await tokens.issue(conn, community_id=community, created_by=principal.user_id, now=now,
                                           expires_at=now + self.approval_ttl, fixit_id=fixit["fixit_id"])
            elif status == "completed":
                await _completed_event(conn, fixit)
            fixit = await conn.fetchrow("SELECT * FROM fixits WHERE fixit_id = $1", fixit["fixit_id"])
            rows = list(await conn.fetch("SELECT * FROM fixit_tasks WHERE fixit_id = $1 ORDER BY position",
                                         fixit["fixit_id"]))
            out = fixit_out(fixit, rows, await _statuses(conn, rows), token)
            await audit.record(conn, principal, "fixit.create", "fixit", fixit["fixit_id"], None, {
                "mode": mode, "status": fixit["status"], **params, "tasks_retried": out["tasks_retried"],
                "tasks_skipped": out["tasks_skipped"]}, at=now)
        log.info("fix-it created", extra={"event_type": "ops", "action": f"fixit.{mode}", "result": out["status"],
                                          "community_id": community, "count": out["tasks_retried"]})
        return out

    async def _check_rate(self, conn: asyncpg.Connection, community: int, now: datetime) -> None:
        hour_ago = now - timedelta(hours=1)
        recent = await conn.fetchrow("SELECT count(*) AS n, min(initiated_at) AS oldest FROM fixits"
                                     " WHERE community_id = $1 AND initiated_at > $2", community, hour_ago)
        if recent["n"] >= FIXITS_PER_HOUR:
            again = recent["oldest"] + timedelta(hours=1)
            raise TooManyRequests(f"at most {FIXITS_PER_HOUR} fix-its per hour per community; the next one at"
                                  f" {again.isoformat()}", (again - now).total_seconds(), code="fixit_rate_limited")

    @staticmethod
    async def _insert(conn: asyncpg.Connection, principal: Principal, mode: str, status: str, params: dict,
                      now: datetime, message: str, warnings: list[str], tasks: list[Task]) -> asyncpg.Record:
        fid = uuid4()
        try:
            row = await conn.fetchrow(
                "INSERT INTO fixits (fixit_id, community_id, mode, status, params, initiated_by, initiated_at,"
                " completed_at, message, warnings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
                fid, principal.community_id, mode, status, params, principal.user_id, now,
                now if status in ("completed", "dry_run") else None, message, warnings)
        except asyncpg.UniqueViolationError:  # the one-live index: another process got there first
            raise Conflict("another fix-it is running or awaiting approval; one at a time",
                           code="fixit_in_progress") from None
        if tasks:
            await conn.execute(_INSERT_TASKS_SQL, fid, list(range(len(tasks))), [t.execution_id for t in tasks],
                               [t.schedule_id for t in tasks], [t.workflow_id for t in tasks],
                               [t.decision for t in tasks], [t.reason for t in tasks],
                               [t.delay_seconds for t in tasks])
        return row
