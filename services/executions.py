"""Execution history queries and cancellation, community-scoped like everything else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg

from services.auth import Principal
from services.dal import AsyncDAL
from services.errors import Conflict, NotFound
from services.firing import Dispatch, request_cancel
from services.pagination import decode_cursor, page

if TYPE_CHECKING:
    from services.runner import ExecutionRunner

_LIST_SQL = """
SELECT * FROM workflow_executions
WHERE community_id = $1
  AND ($2::uuid IS NULL OR schedule_id = $2) AND ($3::uuid IS NULL OR workflow_id = $3)
  AND ($4::text IS NULL OR status = $4) AND ($5::text IS NULL OR trigger = $5)
  AND ($6::timestamptz IS NULL OR created_at >= $6) AND ($7::timestamptz IS NULL OR created_at < $7)
  AND ($8::timestamptz IS NULL OR (created_at, execution_id) > ($8, $9))
ORDER BY created_at, execution_id
LIMIT $10
"""


class ExecutionService:
    def __init__(self, dal: AsyncDAL) -> None:
        self.dal = dal
        self.runner: ExecutionRunner | None = None  # set once the scheduler runs in this process

    async def start_manual(self, principal: Principal, workflow_id: UUID, context: dict[str, Any],
                           dry_run: bool) -> UUID:
        """POST /workflows/{id}/execute: a run outside any schedule, started in this process."""
        if self.runner is None:
            raise Conflict("this process is not running executions yet", code="scheduler_unavailable")
        now = datetime.now(UTC)
        execution_id = uuid.uuid4()
        async with self.dal.transaction() as conn:
            wf = await conn.fetchrow("SELECT * FROM workflows WHERE workflow_id = $1 AND community_id = $2",
                                     workflow_id, principal.community_id)
            if wf is None:
                raise NotFound(f"workflow {workflow_id} not found", code="workflow_not_found")
            if wf["status"] != "active":
                raise Conflict(f"workflow {workflow_id} is {wf['status']}", code="workflow_inactive")
            await conn.execute(
                "INSERT INTO workflow_executions (execution_id, workflow_id, community_id, fired_at, status, trigger,"
                " instance_id, context_data, dry_run) VALUES ($1, $2, $3, $4, 'pending', 'manual', $5, $6, $7)",
                execution_id, workflow_id, principal.community_id, now, self.runner.instance_id, context, dry_run)
        self.runner.submit(Dispatch(
            execution_id=execution_id, schedule_id=None, workflow_id=workflow_id, community_id=principal.community_id,
            scheduled_for=None, fired_at=now, trigger="manual", definition=wf["definition"], context=context,
            retry_config=wf["retry_config"], hmac_secret=wf["hmac_secret"], dry_run=dry_run))
        return execution_id

    async def list(self, principal: Principal, *, schedule_id: UUID | None = None, workflow_id: UUID | None = None,
                   status: str | None = None, trigger: str | None = None, since: datetime | None = None,
                   until: datetime | None = None, limit: int = 50,
                   cursor: str | None = None) -> tuple[list, str | None]:
        after = decode_cursor(cursor)
        rows = await self.dal.fetch(_LIST_SQL, principal.community_id, schedule_id, workflow_id, status, trigger,
                                    since, until, after and after[0], after and after[1], limit + 1)
        return page(list(rows), limit, "execution_id")

    async def get(self, principal: Principal, execution_id: UUID) -> tuple[asyncpg.Record, list[asyncpg.Record]]:
        row = await self.dal.fetchrow(
            "SELECT * FROM workflow_executions WHERE execution_id = $1 AND community_id = $2",
            execution_id, principal.community_id)
        if row is None:
            raise NotFound(f"execution {execution_id} not found", code="execution_not_found")
        steps = await self.dal.fetch("SELECT * FROM execution_steps WHERE execution_id = $1 ORDER BY sequence",
                                     execution_id)
        return row, steps

    async def cancel(self, principal: Principal, execution_id: UUID) -> asyncpg.Record:
        """Pending runs end at once; a running one is stopped by whichever process runs it."""
        async with self.dal.transaction() as conn:
            row = await conn.fetchrow(
                "SELECT * FROM workflow_executions WHERE execution_id = $1 AND community_id = $2 FOR UPDATE",
                execution_id, principal.community_id)
            if row is None:
                raise NotFound(f"execution {execution_id} not found", code="execution_not_found")
            if row["status"] not in ("pending", "running"):
                raise Conflict(f"execution {execution_id} already ended ({row['status']})", code="invalid_state")
            # Retries already queued for this run are cancelled with it.
            await conn.execute(
                "UPDATE workflow_executions SET status = 'cancelled', finished_at = now(),"
                " error = 'cancelled by request' WHERE parent_execution_id = $1 AND status = 'pending'", execution_id)
            if row["status"] == "pending" and row["instance_id"] is None:
                return await conn.fetchrow(
                    "UPDATE workflow_executions SET status = 'cancelled', finished_at = now(),"
                    " error = 'cancelled by request', cancel_requested = true WHERE execution_id = $1 RETURNING *",
                    execution_id)
            await request_cancel(conn, [execution_id])
            return await conn.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1", execution_id)
