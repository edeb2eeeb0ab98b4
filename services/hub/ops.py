"""The hub's operations pages' reads that no API operation makes: the overview's lateness series, the runs and
fix-its awaiting approval, recent fix-its and names for a fix-it's plan. Each reads one community's index range
(parameterized; the community is always the principal's), never the whole table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services.auth import Principal
from services.dal import AsyncDAL

CHART_BUCKETS = 48

# First attempts only (as the sitrep's lateness): one row per fire, through workflow_executions_community_time_idx
# (community_id, scheduled_for) INCLUDE (trigger, fired_at, ...), an index-only scan of the window. One median and
# one maximum per bucket; float8 ms, because numeric sorts several times slower.
LATENESS_SERIES_SQL = """
SELECT floor(date_part('epoch', scheduled_for) / $3) * $3 AS bucket,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY lateness_ms) AS p50,
       max(lateness_ms) AS worst,
       count(*) AS n
FROM (SELECT scheduled_for, date_part('epoch', fired_at - scheduled_for) * 1000 AS lateness_ms
      FROM workflow_executions
      WHERE community_id = $1 AND scheduled_for > $2 AND trigger IN ('schedule', 'catchup')
        AND fired_at IS NOT NULL) f
GROUP BY 1
ORDER BY 1
"""

# Runs awaiting approval, oldest first (they expire first), through workflow_executions_community_awaiting_idx.
PENDING_RUNS_SQL = """
SELECT e.execution_id, e.schedule_id, e.workflow_id, e.scheduled_for, e.created_at, e.trigger, e.attempt,
       s.name AS schedule_name, s.timezone, w.name AS workflow_name
FROM workflow_executions e
LEFT JOIN workflow_schedules s ON s.schedule_id = e.schedule_id
LEFT JOIN workflows w ON w.workflow_id = e.workflow_id
WHERE e.community_id = $1 AND e.status = 'awaiting_approval'
ORDER BY e.created_at, e.execution_id
LIMIT $2
"""

PENDING_COUNT_SQL = """
SELECT count(*) FROM workflow_executions WHERE community_id = $1 AND status = 'awaiting_approval'
"""

# At most one fix-it per community is live (fixits_one_live), so this is zero or one row.
AWAITING_FIXITS_SQL = """
SELECT f.fixit_id, f.mode, f.initiated_by, f.initiated_at, f.params, f.message,
       (SELECT count(*) FROM fixit_tasks t WHERE t.fixit_id = f.fixit_id AND t.decision = 'retry') AS retries
FROM fixits f
WHERE f.community_id = $1 AND f.status = 'awaiting_approval'
ORDER BY f.initiated_at
"""

RECENT_FIXITS_SQL = """
SELECT fixit_id, mode, status, initiated_by, initiated_at, completed_at, message, tasks_fixed, tasks_failed, params
FROM fixits
WHERE community_id = $1
ORDER BY initiated_at DESC
LIMIT $2
"""


async def lateness_series(dal: AsyncDAL, principal: Principal, since: datetime, window_seconds: int,
                          buckets: int = CHART_BUCKETS) -> dict[str, list[Any]]:
    """Median and worst lateness per bucket of the window, as uPlot's column arrays (x: bucket start, epoch s)."""
    width = max(60, -(-window_seconds // buckets))  # whole seconds, at least a minute
    rows = await dal.fetch(LATENESS_SERIES_SQL, principal.community_id, since, float(width))
    return {
        "x": [float(r["bucket"]) for r in rows],
        "p50_ms": [round(r["p50"], 1) for r in rows],
        "max_ms": [round(r["worst"], 1) for r in rows],
        "fires": [r["n"] for r in rows],
        "bucket_seconds": width,
        # The x axis spans the whole window even when only part of it had fires.
        "start": since.timestamp(), "end": since.timestamp() + window_seconds,
    }


async def pending_runs(dal: AsyncDAL, principal: Principal, limit: int) -> tuple[list[asyncpg.Record], int]:
    """The oldest `limit` runs awaiting approval, and how many there are in all."""
    async with dal.connection() as conn:
        rows = await conn.fetch(PENDING_RUNS_SQL, principal.community_id, limit)
        total = len(rows) if len(rows) < limit else await conn.fetchval(PENDING_COUNT_SQL, principal.community_id)
    return list(rows), total


async def awaiting_fixits(dal: AsyncDAL, principal: Principal) -> list[asyncpg.Record]:
    return list(await dal.fetch(AWAITING_FIXITS_SQL, principal.community_id))


async def recent_fixits(dal: AsyncDAL, principal: Principal, limit: int = 20) -> list[asyncpg.Record]:
    return list(await dal.fetch(RECENT_FIXITS_SQL, principal.community_id, limit))


async def names(dal: AsyncDAL, principal: Principal, schedule_ids: list[UUID],
                workflow_ids: list[UUID]) -> tuple[dict[UUID, str | None], dict[UUID, str]]:
    """Names of a fix-it plan's schedules and workflows (of the caller's community only)."""
    async with dal.connection() as conn:
        schedules = await conn.fetch("SELECT schedule_id, name FROM workflow_schedules"
                                     " WHERE schedule_id = ANY($1::uuid[]) AND community_id = $2",
                                     list(set(schedule_ids)), principal.community_id)
        workflows = await conn.fetch("SELECT workflow_id, name FROM workflows"
                                     " WHERE workflow_id = ANY($1::uuid[]) AND community_id = $2",
                                     list(set(workflow_ids)), principal.community_id)
    return ({r["schedule_id"]: r["name"] for r in schedules}, {r["workflow_id"]: r["name"] for r in workflows})


async def fixit_params(dal: AsyncDAL, principal: Principal, fixit_id: UUID) -> dict[str, Any]:
    """What a fix-it was asked for (its limit and schedules, which its API view does not repeat)."""
    params = await dal.fetchval("SELECT params FROM fixits WHERE fixit_id = $1 AND community_id = $2",
                                fixit_id, principal.community_id)
    return params or {}


def expires_at(created_at: datetime, ttl_seconds: float) -> datetime:
    return created_at + timedelta(seconds=ttl_seconds)
