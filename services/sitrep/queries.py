"""The situation report's SQL: each query reads one index range of one community, never the whole table.

Windows are on `scheduled_for` through workflow_executions_community_time_idx (community_id, scheduled_for)
INCLUDE (status, trigger, fired_at, workflow_id, schedule_id), so the two window passes are index-only scans;
failures come from the small partial index workflow_executions_recent_failures_idx. All of them run in one read-only,
repeatable-read snapshot, so the numbers agree with each other: the two window passes run at once on two
connections that share it (`pg_export_snapshot`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.sitrep.rules import FAILED, FAILURE_STREAK

_FAILED = ", ".join(f"'{s}'" for s in FAILED)

# One pass over the window: counts per (workflow, status, trigger), from which task and fire counts are summed.
# (GROUP BY is cheaper than a FILTER per task status; the groups are a few hundred rows at most.)
COUNTS_SQL = """
SELECT workflow_id, status, trigger, count(*) AS n
FROM workflow_executions
WHERE community_id = $1 AND scheduled_for > $2
GROUP BY workflow_id, status, trigger
"""

# Lateness of first attempts (trigger schedule or catchup: every fire makes exactly one such row, run or not), in
# float8 ms: EXTRACT returns numeric, which sorts several times slower. One sort serves p50 and p99; the recent
# part's median needs only its own few rows sorted.
LATENESS_SQL = """
SELECT percentile_disc(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY lateness_ms) AS p50_p99,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY lateness_ms) FILTER (WHERE scheduled_for > $3) AS recent_p50,
       count(*) FILTER (WHERE scheduled_for > $3) AS recent_n,
       count(*) AS n
FROM (SELECT scheduled_for, date_part('epoch', fired_at - scheduled_for) * 1000 AS lateness_ms
      FROM workflow_executions
      WHERE community_id = $1 AND scheduled_for > $2 AND trigger IN ('schedule', 'catchup')) f
"""

# Active schedules due a while ago that no claim took: nothing is firing them.
OVERDUE_SQL = """
SELECT count(*) AS overdue, min(next_due_at) AS oldest
FROM workflow_schedules
WHERE status = 'active' AND next_due_at > $2 AND next_due_at < $3 AND community_id = $1
"""

ANY_ACTIVE_SQL = "SELECT EXISTS (SELECT 1 FROM workflow_schedules WHERE community_id = $1 AND status = 'active')"

RECENT_SQL = """
SELECT e.execution_id, e.schedule_id, s.name AS schedule_name, w.name AS workflow_name, e.status, e.trigger,
       e.scheduled_for, e.fired_at, e.started_at, e.finished_at, e.duration_ms, left(e.error, 200) AS error
FROM workflow_executions e
LEFT JOIN workflow_schedules s ON s.schedule_id = e.schedule_id
LEFT JOIN workflows w ON w.workflow_id = e.workflow_id
WHERE e.community_id = $1
ORDER BY e.seq DESC
LIMIT $2
"""

# Schedules with a failure in the window whose last N runs (ended runs; skips and misses are not runs) all failed.
STREAKS_SQL = f"""
SELECT s.schedule_id, s.name, s.workflow_id, x.last_error
FROM (SELECT DISTINCT schedule_id FROM workflow_executions
      WHERE community_id = $1 AND scheduled_for > $2 AND status IN ({_FAILED}) AND schedule_id IS NOT NULL
      LIMIT 500) f
JOIN workflow_schedules s ON s.schedule_id = f.schedule_id
CROSS JOIN LATERAL (
    SELECT count(*) AS runs, count(*) FILTER (WHERE status IN ({_FAILED})) AS failed,
           left((array_agg(error ORDER BY seq DESC))[1], 200) AS last_error
    FROM (SELECT status, seq, error FROM workflow_executions e
          WHERE e.schedule_id = f.schedule_id AND e.status IN ('completed', {_FAILED})
          ORDER BY e.seq DESC LIMIT $3) last_runs) x
WHERE x.runs = $3 AND x.failed = $3
ORDER BY s.name NULLS LAST, s.schedule_id
LIMIT 50
"""

AUTO_PAUSED_SQL = """
SELECT schedule_id, name, paused_note, paused_at FROM workflow_schedules
WHERE community_id = $1 AND status = 'paused' AND paused_by = 'scheduler'
ORDER BY paused_at DESC NULLS LAST
LIMIT 50
"""

# Abandoned runs (their instance died) with no retry row: nobody will run that fire again.
ABANDONED_SQL = """
SELECT e.execution_id, e.schedule_id, e.workflow_id, e.instance_id, e.scheduled_for
FROM workflow_executions e
WHERE e.community_id = $1 AND e.scheduled_for > $2 AND e.status = 'abandoned'
  AND NOT EXISTS (SELECT 1 FROM workflow_executions r WHERE r.parent_execution_id = e.execution_id)
ORDER BY e.scheduled_for DESC
LIMIT 50
"""

APPROVALS_SQL = """
SELECT execution_id, schedule_id, workflow_id, created_at FROM workflow_executions
WHERE community_id = $1 AND status = 'awaiting_approval' AND created_at < $2
ORDER BY created_at
LIMIT 50
"""

INSTANCES_SQL = """
SELECT instance_id, heartbeat_at, expires_at, expires_at > now() AS running
FROM scheduler_instances
ORDER BY instance_id
"""


async def read_lateness(conn: asyncpg.Connection, community_id: int, since: datetime,
                       recent_since: datetime) -> dict[str, Any]:
    return dict(await conn.fetchrow(LATENESS_SQL, community_id, since, recent_since))


async def read_all(conn: asyncpg.Connection, community_id: int, *, since: datetime, recent: int,
                   approvals_before: datetime, overdue_before: datetime) -> dict[str, Any]:
    """Everything the report needs but the lateness, as plain values (call inside the report's transaction)."""
    return {
        "counts": [dict(r) for r in await conn.fetch(COUNTS_SQL, community_id, since)],
        "overdue": dict(await conn.fetchrow(OVERDUE_SQL, community_id, since, overdue_before)),
        "any_active": await conn.fetchval(ANY_ACTIVE_SQL, community_id),
        "recent": [dict(r) for r in await conn.fetch(RECENT_SQL, community_id, recent)],
        "streaks": [dict(r) for r in await conn.fetch(STREAKS_SQL, community_id, since, FAILURE_STREAK)],
        "auto_paused": [dict(r) for r in await conn.fetch(AUTO_PAUSED_SQL, community_id)],
        "abandoned": [dict(r) for r in await conn.fetch(ABANDONED_SQL, community_id, since)],
        "approvals": [dict(r) for r in await conn.fetch(APPROVALS_SQL, community_id, approvals_before)],
        "instances": [dict(r) for r in await conn.fetch(INSTANCES_SQL)],
    }


async def workflow_names(conn: asyncpg.Connection, ids: list[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    rows = await conn.fetch("SELECT workflow_id, name FROM workflows WHERE workflow_id = ANY($1::uuid[])", ids)
    return {r["workflow_id"]: r["name"] for r in rows}
