"""Read models for the hub's pages: community-scoped, paginated, one query per page section.

Only reads live here (the schedules page with its run strips, a schedule's history and chart series, a run's
retry chain, picker options). Every write goes through the services the API uses.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.auth import Principal
from services.dal import AsyncDAL
from services.errors import NotFound, ValidationFailed
from services.pagination import decode_cursor, encode_cursor

STRIP_RUNS = 20
CHART_RUNS = 200
ORDERS = ("newest", "next")

# The page and every row's last STRIP_RUNS runs in one statement: the strip is a LATERAL index scan per row
# (workflow_executions_schedule_page_idx backwards), never a query per row from Python.
_PAGE_SQL = """
WITH page AS (
    SELECT s.*, e.status AS last_status
    FROM workflow_schedules s
    LEFT JOIN workflow_executions e
           ON e.execution_id = s.last_execution_id AND e.scheduled_for = s.last_scheduled_for
    WHERE s.community_id = $1
      AND ($2::text IS NULL OR s.name ILIKE $2 OR s.cron_expression ILIKE $2 OR s.rrule ILIKE $2)
      AND ($3::text IS NULL OR s.status = $3)
      AND ($4::text IS NULL OR s.schedule_type = $4)
      AND ($5::uuid IS NULL OR s.workflow_id = $5)
      AND ($6::text IS NULL OR s.created_by = $6)
      AND ($10::uuid IS NULL OR s.schedule_id = $10)
      AND {keyset}
    ORDER BY {order}
    LIMIT $7
)
SELECT page.*, w.name AS workflow_name, strip.run_statuses, strip.run_times
FROM page
LEFT JOIN workflows w ON w.workflow_id = page.workflow_id
LEFT JOIN LATERAL (
    SELECT array_agg(r.status ORDER BY r.seq) AS run_statuses, array_agg(r.scheduled_for ORDER BY r.seq) AS run_times
    FROM (SELECT status, scheduled_for, seq FROM workflow_executions x
          WHERE x.schedule_id = page.schedule_id ORDER BY x.seq DESC LIMIT {strip}) r
) strip ON true
ORDER BY {order}
"""
_ORDER_SQL = {"newest": "seq DESC", "next": "next_execution_at ASC NULLS LAST, seq ASC"}
# $8/$9: the cursor's (next_execution_at, seq); NULL next means "past every scheduled one".
_KEYSET_SQL = {
    "newest": "($9::bigint IS NULL OR s.seq < $9) AND ($8::timestamptz IS NULL OR true)",
    "next": "($9::bigint IS NULL"
            " OR ($8::timestamptz IS NOT NULL AND (s.next_execution_at > $8"
            "     OR (s.next_execution_at = $8 AND s.seq > $9) OR s.next_execution_at IS NULL))"
            " OR ($8::timestamptz IS NULL AND s.next_execution_at IS NULL AND s.seq > $9))",
}


@asynccontextmanager
async def _reading(dal: AsyncDAL) -> AsyncIterator[asyncpg.Connection]:
    """A read-only transaction planned for the values at hand.

    The page queries have optional filters (`$3 IS NULL OR status = $3`) and skewed data (one schedule may hold a
    tenth of all runs). After five executions PostgreSQL may switch a prepared statement to a generic plan, which
    can neither drop the unused filters nor see that a schedule is large: a 3 ms page read became 400 ms. Custom
    plans cost a fraction of a millisecond to plan."""
    async with dal.connection() as conn, conn.transaction(readonly=True):
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield conn


@dataclass(frozen=True)
class ScheduleFilters:
    search: str | None = None
    status: str | None = None
    schedule_type: str | None = None
    workflow_id: UUID | None = None
    created_by: str | None = None
    order: str = "newest"

    def pattern(self) -> str | None:
        if not self.search:
            return None
        escaped = self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"


def _encode_position(next_at: datetime | None, seq: int) -> str:
    raw = json.dumps({"next": next_at.isoformat() if next_at else None, "seq": seq})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_position(cursor: str | None) -> tuple[datetime | None, int | None]:
    if not cursor:
        return None, None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        seq, nxt = raw["seq"], raw["next"]
        if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq < 2**63:
            return (datetime.fromisoformat(nxt) if nxt is not None else None), seq
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    raise ValidationFailed("cursor", "is not a cursor this page issued", code="invalid_cursor")


async def schedule_page(dal: AsyncDAL, principal: Principal, filters: ScheduleFilters, *, limit: int,
                        cursor: str | None, only: UUID | None = None) -> tuple[list[asyncpg.Record], str | None]:
    """One page of the community's schedules (with `workflow_name`, and `run_statuses`/`run_times` of the last
    runs, oldest first);
    `only` narrows it to one schedule (a row redrawn after an action)."""
    order = filters.order if filters.order in ORDERS else "newest"
    next_at, seq = _decode_position(cursor)
    sql = _PAGE_SQL.format(order=_ORDER_SQL[order], keyset=_KEYSET_SQL[order], strip=STRIP_RUNS)
    async with _reading(dal) as conn:
        rows = await conn.fetch(sql, principal.community_id, filters.pattern(), filters.status,
                                filters.schedule_type, filters.workflow_id, filters.created_by, limit + 1, next_at,
                                seq, only)
    if len(rows) <= limit:
        return list(rows), None
    rows = rows[:limit]
    return list(rows), _encode_position(rows[-1]["next_execution_at"], rows[-1]["seq"])


async def count_schedules(dal: AsyncDAL, principal: Principal) -> dict[str, int]:
    """How many schedules the community has, by status (for the page's summary line)."""
    rows = await dal.fetch("SELECT status, count(*) AS n FROM workflow_schedules WHERE community_id = $1"
                           " GROUP BY status", principal.community_id)
    return {r["status"]: r["n"] for r in rows}


# A schedule's runs are its community's (firing copies the community from the schedule), so the community is
# checked once on the schedule row: a `community_id = $2` filter on the runs would tempt the planner into walking
# the community's index backwards past every newer run of other schedules (400 ms for an old, busy schedule).
_OWN_SCHEDULE = "EXISTS (SELECT 1 FROM workflow_schedules o WHERE o.schedule_id = $1 AND o.community_id = $2)"


async def history_page(dal: AsyncDAL, principal: Principal, schedule_id: UUID, *, limit: int,
                       cursor: str | None) -> tuple[list[asyncpg.Record], str | None]:
    """A schedule's runs, newest first; the cursor points at older runs."""
    before = decode_cursor(cursor)
    async with _reading(dal) as conn:
        rows = await conn.fetch(
            "SELECT * FROM workflow_executions WHERE schedule_id = $1 AND " + _OWN_SCHEDULE +
            " AND ($3::bigint IS NULL OR seq < $3) ORDER BY seq DESC LIMIT $4",
            schedule_id, principal.community_id, before, limit + 1)
    if len(rows) <= limit:
        return list(rows), None
    rows = rows[:limit]
    return list(rows), encode_cursor(rows[-1]["seq"])


async def chart_series(dal: AsyncDAL, principal: Principal, schedule_id: UUID,
                       limit: int = CHART_RUNS) -> dict[str, list[Any]]:
    """Lateness (fired − scheduled) and duration of the last `limit` scheduled fires, oldest first, as uPlot's
    column arrays (x in epoch seconds)."""
    async with _reading(dal) as conn:
        rows = await conn.fetch(
            "SELECT scheduled_for, fired_at, duration_ms FROM workflow_executions"
            " WHERE schedule_id = $1 AND " + _OWN_SCHEDULE + " AND trigger IN ('schedule', 'catchup')"
            " ORDER BY seq DESC LIMIT $3", schedule_id, principal.community_id, limit)
    rows = list(reversed(rows))
    return {
        "x": [r["scheduled_for"].timestamp() for r in rows],
        "lateness_ms": [round((r["fired_at"] - r["scheduled_for"]).total_seconds() * 1000, 1)
                        if r["fired_at"] else None for r in rows],
        "duration_ms": [r["duration_ms"] for r in rows],
    }


_CHAIN_SQL = """
WITH RECURSIVE up AS (
    SELECT execution_id, parent_execution_id, 0 AS depth FROM workflow_executions
    WHERE execution_id = $1 AND community_id = $2
    UNION ALL
    SELECT p.execution_id, p.parent_execution_id, up.depth + 1
    FROM workflow_executions p JOIN up ON p.execution_id = up.parent_execution_id
    WHERE up.depth < 32
), root AS (
    SELECT execution_id FROM up ORDER BY depth DESC LIMIT 1
), down AS (
    SELECT e.execution_id, e.status, e.attempt, e.trigger, e.fired_at, e.started_at, e.finished_at, e.error,
           e.run_after, 0 AS depth
    FROM workflow_executions e WHERE e.execution_id = (SELECT execution_id FROM root) AND e.community_id = $2
    UNION ALL
    SELECT c.execution_id, c.status, c.attempt, c.trigger, c.fired_at, c.started_at, c.finished_at, c.error,
           c.run_after, down.depth + 1
    FROM workflow_executions c JOIN down ON c.parent_execution_id = down.execution_id
    WHERE down.depth < 32
)
SELECT * FROM down ORDER BY depth, attempt
"""


async def retry_chain(dal: AsyncDAL, principal: Principal, execution_id: UUID) -> list[asyncpg.Record]:
    """Every attempt of the fire `execution_id` belongs to (first attempt first); one row when never retried."""
    async with _reading(dal) as conn:
        return list(await conn.fetch(_CHAIN_SQL, execution_id, principal.community_id))


async def workflow_options(dal: AsyncDAL, principal: Principal, limit: int = 500) -> list[asyncpg.Record]:
    return list(await dal.fetch(
        "SELECT workflow_id, name, status FROM workflows WHERE community_id = $1 ORDER BY name, seq LIMIT $2",
        principal.community_id, limit))


# Distinct creators by skipping through the (community_id, created_by, seq) index: one probe per creator rather
# than a read of every schedule.
_CREATORS_SQL = """
WITH RECURSIVE c(created_by) AS (
    (SELECT created_by FROM workflow_schedules WHERE community_id = $1 AND created_by IS NOT NULL
     ORDER BY created_by LIMIT 1)
    UNION ALL
    SELECT (SELECT s.created_by FROM workflow_schedules s WHERE s.community_id = $1 AND s.created_by > c.created_by
            ORDER BY s.created_by LIMIT 1)
    FROM c WHERE c.created_by IS NOT NULL
)
SELECT created_by FROM c WHERE created_by IS NOT NULL LIMIT $2
"""


async def creators(dal: AsyncDAL, principal: Principal, limit: int = 200) -> list[str]:
    return [r["created_by"] for r in await dal.fetch(_CREATORS_SQL, principal.community_id, limit)]


async def workflow_name(dal: AsyncDAL, principal: Principal, workflow_id: UUID) -> str:
    name = await dal.fetchval("SELECT name FROM workflows WHERE workflow_id = $1 AND community_id = $2",
                              workflow_id, principal.community_id)
    if name is None:
        raise NotFound(f"workflow {workflow_id} not found", code="workflow_not_found")
    return name
