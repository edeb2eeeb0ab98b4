"""The real services and the real claim against PostgreSQL, driven by a simulated clock.

Nothing here replaces production code: ScheduleService, schedule_state.claim_due, execution_state.take_queued
and write_results run as they do in the service; only *when* is decided by the test (the clock is a value the
test moves). Runs are "executed" by the test calling `finish`, exactly as the runner reports results.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services import execution_state, schedule_state
from services.auth import Principal
from services.dal import AsyncDAL
from services.execution_state import Result
from services.firing import Owner
from services.schedules import ScheduleService

# The simulated clock's start: a Monday in June (no DST change nearby).
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

PRINCIPAL = Principal(user_id="sim", community_id=1, scopes=frozenset(
    {"schedules:read", "schedules:write", "workflows:read", "workflows:write", "executions:read", "executions:write"}))
RETRY = {"max_retries": 2, "backoff": "fixed", "base_seconds": 30.0, "max_seconds": 300.0}
NODES = {"nodes": [{"node_id": "t", "type": "trigger_schedule", "name": "t", "config": {}},
                   {"node_id": "d", "type": "action_delay", "name": "d", "config": {"seconds": 1}}],
         "connections": [{"from_node_id": "t", "to_node_id": "d"}]}


class Sim:
    def __init__(self, dal: AsyncDAL, now: datetime, catchup_after: float = 5.0) -> None:
        self.dal = dal
        self.now = now
        self.catchup_after = catchup_after
        self.schedules = ScheduleService(dal, catchup_after=catchup_after, clock=lambda: self.now)
        self.owner = Owner("sim", 0)
        self.empty_workflow: uuid.UUID | None = None
        self.work_workflow: uuid.UUID | None = None

    async def reset(self) -> None:
        for table in ("execution_steps", "workflow_executions", "workflow_schedules", "workflows",
                      "scheduler_instances", "notification_deliveries", "notification_targets", "event_outbox",
                      "audit_events", "fixit_tasks", "fixits", "approval_tokens", "approval_attempts"):
            await self.dal.execute(f"DELETE FROM {table}")  # cheaper than TRUNCATE for a handful of rows
        epoch = await self.dal.fetchval(
            "INSERT INTO scheduler_instances (instance_id, hostname, pid, epoch, expires_at)"
            " VALUES ('sim', 'sim', 0, nextval('scheduler_lease_epoch_seq'), now() + interval '1 day')"
            " RETURNING epoch")
        self.owner = Owner("sim", epoch)
        self.empty_workflow = await self._workflow("empty", {}, None)
        self.work_workflow = await self._workflow("work", NODES, RETRY)

    async def _workflow(self, name: str, definition: dict, retry: dict | None) -> uuid.UUID:
        wid = uuid.uuid4()
        await self.dal.execute(
            "INSERT INTO workflows (workflow_id, community_id, name, definition, retry_config)"
            " VALUES ($1, 1, $2, $3, $4)", wid, name, definition, retry)
        return wid

    async def claim(self) -> schedule_state.Fired:
        async with self.dal.transaction() as conn:
            return await schedule_state.claim_due(conn, self.now, 500, self.owner, catchup_after=self.catchup_after)

    async def take(self) -> list[Any]:
        async with self.dal.transaction() as conn:
            return await execution_state.take_queued(conn, self.owner, self.now, 100)

    async def finish(self, execution_id: uuid.UUID, status: str) -> None:
        row = await self.dal.fetchrow("SELECT e.scheduled_for, w.retry_config FROM workflow_executions e"
                                      " JOIN workflows w USING (workflow_id) WHERE execution_id = $1", execution_id)
        result = Result(execution_id=execution_id, scheduled_for=row["scheduled_for"], status=status,
                        started_at=self.now, finished_at=self.now, duration_ms=0, retry_config=row["retry_config"])
        async with self.dal.transaction() as conn:
            await execution_state.write_results(conn, [result], self.owner, self.now)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
