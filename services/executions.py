"""Execution history queries, manual workflow runs and cancellation, community-scoped like everything else.
Writes are recorded in the audit trail in their own transaction (services.audit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg

from services import audit, execution_state, firing, notify
from services.approvals import tokens
from services.auth import Principal
from services.dal import AsyncDAL
from services.engine import dry_run as dry_refs
from services.errors import Conflict, NotFound, ValidationFailed
from services.pagination import Order, by_order, decode_cursor, page
from services.workflows import workflow_not_found

if TYPE_CHECKING:
    from services.scheduler.runtime import SchedulerRuntime

# The schedule's and workflow's names come along (a deleted one's is null); the page is chosen first.
_NAMED = """
SELECT e.*, s.name AS schedule_name, w.name AS workflow_name FROM ({rows}) e
LEFT JOIN workflow_schedules s ON s.schedule_id = e.schedule_id
LEFT JOIN workflows w ON w.workflow_id = e.workflow_id
"""

_LIST_SQL = """
SELECT * FROM workflow_executions
WHERE community_id = $1
  AND ($2::uuid IS NULL OR schedule_id = $2) AND ($3::uuid IS NULL OR workflow_id = $3)
  AND ($4::text IS NULL OR status = $4) AND ($5::text IS NULL OR trigger = $5)
  AND ($6::timestamptz IS NULL OR created_at >= $6) AND ($7::timestamptz IS NULL OR created_at < $7)
  AND {after}
ORDER BY {order_by}
LIMIT $9
"""


_LIST = {order: _NAMED.format(rows=sql) + (" ORDER BY e.seq DESC" if order == "desc" else " ORDER BY e.seq")
         for order, sql in by_order(_LIST_SQL, "seq", "$8").items()}


def _dry_run_warnings(definition: dict[str, Any], mocks: dict[str, Any] | None) -> list[str]:
    """Mocks name sending nodes of this workflow (400 otherwise); the paths no mock answers are the warnings."""
    sending = dry_refs.sending_nodes(definition)
    for node_id in mocks or {}:
        if node_id not in sending:
            raise ValidationFailed(f"mock_outputs.{node_id}", "is not a sending node (action_webhook, action_module,"
                                   " action_chat_message) of this workflow", code="unknown_mock_node")
    return dry_refs.unresolved_references(definition, set(mocks or {}))


def utcnow() -> datetime:
    return datetime.now(UTC)


class ExecutionService:
    def __init__(self, dal: AsyncDAL, clock: Callable[[], datetime] = utcnow) -> None:
        self.dal = dal
        self.clock = clock
        self.scheduler: SchedulerRuntime | None = None  # set once this process runs executions

    async def start_manual(self, principal: Principal, workflow_id: UUID, context: dict[str, Any],
                           dry_run: bool, mock_outputs: dict[str, Any] | None = None) -> tuple[UUID, str, list[str]]:
        """POST /workflows/{id}/execute: a run outside any schedule, started in this process (or awaiting
        approval when the workflow requires it). Returns (execution_id, status, dry-run warnings)."""
        if mock_outputs is not None and not dry_run:
            raise ValidationFailed("mock_outputs", "only a dry run takes mock outputs",
                                   code="mock_outputs_need_dry_run")
        # Without a runner here (ROLE=api, or a fenced lease) the run is queued for any worker.
        owner = self.scheduler.owner() if self.scheduler is not None else None
        async with self.dal.transaction() as conn:
            wf = await conn.fetchrow("SELECT * FROM workflows WHERE workflow_id = $1 AND community_id = $2",
                                     workflow_id, principal.community_id)
            if wf is None:
                raise workflow_not_found(workflow_id)
            if wf["status"] != "active":
                raise Conflict(f"workflow {workflow_id} is {wf['status']}", code="workflow_inactive")
            warnings = _dry_run_warnings(wf["definition"], mock_outputs) if dry_run else []
            now = self.clock()
            plan = firing.plan_workflow_run(wf, context, now, owner, dry_run, mock_outputs)
            ex = plan.execution
            inserted = await firing.insert(conn, [ex])
            await tokens.issue_for_runs(conn, [ex], inserted, now)
            await audit.record(conn, principal, "workflow.execute", "execution", ex.execution_id, None, {
                "workflow_id": workflow_id, "status": ex.status, "dry_run": dry_run}, at=now)
            if ex.status == "pending" and plan.dispatch is None:
                await notify.queue_ready(conn)
        if plan.dispatch is not None and self.scheduler is not None:
            self.scheduler.runner.submit(plan.dispatch)
        return ex.execution_id, ex.status, warnings

    async def list(self, principal: Principal, *, schedule_id: UUID | None = None, workflow_id: UUID | None = None,
                   status: str | None = None, trigger: str | None = None, since: datetime | None = None,
                   until: datetime | None = None, limit: int = 50,
                   cursor: str | None = None, order: Order = "asc") -> tuple[list, str | None]:
        rows = await self.dal.fetch(_LIST[order], principal.community_id,
                                    schedule_id, workflow_id, status, trigger, since, until,
                                    decode_cursor(cursor, order), limit + 1)
        return page(list(rows), limit, order)

    async def get(self, principal: Principal, execution_id: UUID) -> tuple[asyncpg.Record, list[asyncpg.Record]]:
        row = await self.dal.fetchrow(_NAMED.format(
            rows="SELECT * FROM workflow_executions WHERE execution_id = $1 AND community_id = $2"),
            execution_id, principal.community_id)
        if row is None:
            raise NotFound(f"execution {execution_id} not found", code="execution_not_found")
        steps = await self.dal.fetch("SELECT * FROM execution_steps WHERE execution_id = $1 ORDER BY sequence",
                                     execution_id)
        return row, steps

    async def cancel(self, principal: Principal, execution_id: UUID) -> asyncpg.Record:
        """Pending runs end at once; a running one is stopped by whichever process runs it."""
        async with self.dal.transaction() as conn:
            now = self.clock()
            before = await conn.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1"
                                         " AND community_id = $2", execution_id, principal.community_id)
            row = await execution_state.cancel(conn, principal.community_id, execution_id, now)
            await audit.record(conn, principal, "execution.cancel", "execution", execution_id, before, row, at=now)
        if self.scheduler is not None:
            self.scheduler.runner.cancel(execution_id)
        return row
