"""Hand-built execution history for the operations tests (fix-it, approvals, audit, backfill).

Rows are inserted directly: a test states exactly the history it needs (statuses, errors, attempts, when each
ended) instead of producing it through failing runs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import DEFAULT_SCOPE

OPS_SCOPES = DEFAULT_SCOPE + " ops:read ops:write approvals:write"


def now() -> datetime:
    return datetime.now(UTC)


async def insert_run(dal: Any, *, schedule_id: str | uuid.UUID | None, workflow_id: str | uuid.UUID, status: str,
                     ended_ago: timedelta = timedelta(minutes=30), community_id: int = 1, error: str | None = None,
                     error_code: str | None = None, attempt: int = 1, parent: uuid.UUID | None = None,
                     trigger: str | None = None, dry_run: bool = False,
                     scheduled_for: datetime | None = None) -> uuid.UUID:
    """One finished execution row; `scheduled_for` defaults to a unique instant near its end."""
    eid = uuid.uuid4()
    ended = now() - ended_ago
    await dal.execute(
        "INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for,"
        " fired_at, started_at, finished_at, status, trigger, attempt, parent_execution_id, error, error_code,"
        " dry_run) VALUES ($1, $2, $3, $4, $5, $6, $6, $6, $7, $8, $9, $10, $11, $12, $13)",
        eid, uuid.UUID(str(schedule_id)) if schedule_id else None, uuid.UUID(str(workflow_id)), community_id,
        scheduled_for or ended - timedelta(microseconds=uuid.uuid4().int % 1_000_000), ended, status,
        trigger or ("retry" if parent else "schedule"), attempt, parent, error, error_code, dry_run)
    return eid


async def events(dal: Any, kind: str) -> list[dict]:
    return [dict(r) for r in await dal.fetch("SELECT * FROM event_outbox WHERE kind = $1 ORDER BY seq", kind)]


async def audit_rows(dal: Any, **where: Any) -> list[dict]:
    clauses = " AND ".join(f"{k} = ${i + 1}" for i, k in enumerate(where)) or "true"
    return [dict(r) for r in await dal.fetch(f"SELECT * FROM audit_events WHERE {clauses} ORDER BY seq",
                                             *where.values())]
