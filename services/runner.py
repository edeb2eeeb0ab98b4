"""ExecutionRunner: runs claimed fires through the WorkflowEngine, bounded, cancellable, never blocking firing."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.dal import AsyncDAL
from services.engine import RunRequest, RunResult, StepRecord, WorkflowEngine
from services.engine.runner import clip_for_record
from services.exec_writer import ExecutionWriter
from services.firing import QUEUE_CHANNEL, Dispatch, is_empty, schedule_vars
from services.retries import schedule_retry

log = logging.getLogger("chime.runner")
OUTPUT_MAX_BYTES = 16 * 1024  # an execution keeps at most this much of its run's output

# Pending rows nobody owns (buffered overlap fires, retries) whose turn has come, skipping any whose
# schedule still has a run going.
_TAKE_QUEUED_SQL = """
UPDATE workflow_executions e SET instance_id = $1
FROM (
    SELECT p.execution_id FROM workflow_executions p
    WHERE p.status = 'pending' AND p.instance_id IS NULL AND p.run_after <= $2
      AND (p.schedule_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM workflow_executions r
            WHERE r.schedule_id = p.schedule_id AND r.execution_id <> p.execution_id
              AND r.status IN ('pending', 'running') AND r.instance_id IS NOT NULL))
    ORDER BY p.run_after
    LIMIT $3
    FOR UPDATE SKIP LOCKED
) q
WHERE e.execution_id = q.execution_id
RETURNING e.execution_id
"""

_DISPATCH_ROWS_SQL = """
SELECT e.*, w.definition, w.retry_config, w.hmac_secret,
       s.name, s.schedule_type, s.timezone
FROM workflow_executions e
JOIN workflows w ON w.workflow_id = e.workflow_id
LEFT JOIN workflow_schedules s ON s.schedule_id = e.schedule_id
WHERE e.execution_id = ANY($1::uuid[])
"""

_STEP_SQL = """
INSERT INTO execution_steps (execution_id, sequence, node_id, node_type, status, started_at, finished_at,
                             duration_ms, input, output, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (execution_id, sequence) DO NOTHING
"""


def utcnow() -> datetime:
    return datetime.now(UTC)


def dispatch_from_row(row: Any) -> Dispatch:
    return Dispatch(
        execution_id=row["execution_id"], schedule_id=row["schedule_id"], workflow_id=row["workflow_id"],
        community_id=row["community_id"], scheduled_for=row["scheduled_for"], fired_at=row["fired_at"] or utcnow(),
        trigger=row["trigger"], definition=row["definition"], context=row["context_data"] or {},
        attempt=row["attempt"], schedule=schedule_vars(row) if row["schedule_id"] else {},
        retry_config=row["retry_config"], hmac_secret=row["hmac_secret"], dry_run=row["dry_run"],
    )


class ExecutionRunner:
    def __init__(self, dal: AsyncDAL, writer: ExecutionWriter, engine: WorkflowEngine, instance_id: str,
                 max_concurrent: int) -> None:
        self.dal = dal
        self.writer = writer
        self.engine = engine
        self.instance_id = instance_id
        self.slots = asyncio.Semaphore(max_concurrent)
        self.tasks: dict[UUID, asyncio.Task] = {}
        self.cancels: dict[UUID, asyncio.Event] = {}
        self.accepting = True

    @property
    def running(self) -> int:
        return len(self.tasks)

    def submit(self, item: Dispatch) -> None:
        self.cancels[item.execution_id] = asyncio.Event()
        task = asyncio.create_task(self._run(item), name=f"execution-{item.execution_id}")
        self.tasks[item.execution_id] = task
        task.add_done_callback(lambda _t, eid=item.execution_id: self._forget(eid))

    def _forget(self, execution_id: UUID) -> None:
        self.tasks.pop(execution_id, None)
        self.cancels.pop(execution_id, None)

    def cancel(self, execution_id: UUID) -> bool:
        event = self.cancels.get(execution_id)
        if event is None:
            return False
        event.set()
        return True

    async def on_step(self, execution_id: str, step: StepRecord) -> None:
        try:
            await self.dal.execute(_STEP_SQL, UUID(execution_id), step.sequence, step.node_id, step.node_type,
                                   step.status, step.started_at, step.finished_at, step.duration_ms, step.input,
                                   step.output, step.error)
        except Exception:
            log.warning("step not recorded", exc_info=True,
                        extra={"event_type": "execution", "action": "step", "execution_id": execution_id})

    async def _run(self, item: Dispatch) -> None:
        cancel = self.cancels[item.execution_id]
        async with self.slots:
            started = utcnow()
            if cancel.is_set():
                self.writer.finished(item.execution_id, "cancelled", started, error="cancelled before start",
                                     error_code="cancelled")
                return
            self.writer.started(item.execution_id, started)
            t0 = time.perf_counter()
            if is_empty(item.definition):
                result = RunResult(status="completed", output=None, error=None, error_code=None, error_node_id=None,
                                   steps=[])
            else:
                result = await self.engine.execute(self._request(item), cancel_event=cancel)
            duration = int((time.perf_counter() - t0) * 1000)
            self.writer.finished(item.execution_id, result.status, utcnow(), started_at=started, duration_ms=duration,
                                 output=clip_for_record(result.output, OUTPUT_MAX_BYTES), error=result.error,
                                 error_code=result.error_code, error_node_id=result.error_node_id)
        log.info("execution finished", extra={
            "event_type": "execution", "action": "run", "result": result.status,
            "execution_id": str(item.execution_id), "schedule_id": str(item.schedule_id) if item.schedule_id else None,
            "duration_ms": duration, "error_code": result.error_code})
        if result.status in ("failed", "timeout") and item.retry_config and not item.dry_run:
            await self._retry(item, result.status)

    async def _retry(self, item: Dispatch, status: str) -> None:
        row = {"execution_id": item.execution_id, "schedule_id": item.schedule_id, "workflow_id": item.workflow_id,
               "community_id": item.community_id, "attempt": item.attempt, "context_data": item.context,
               "status": status}
        try:
            async with self.dal.transaction() as conn:
                if await schedule_retry(conn, row, item.retry_config, utcnow()):
                    await conn.execute("SELECT pg_notify($1, '')", QUEUE_CHANNEL)
        except Exception:
            log.error("retry not scheduled", exc_info=True,
                      extra={"event_type": "execution", "action": "retry", "execution_id": str(item.execution_id)})

    def _request(self, item: Dispatch) -> RunRequest:
        return RunRequest(
            execution_id=str(item.execution_id), workflow_id=str(item.workflow_id), definition=item.definition,
            context=dict(item.context or {}), schedule=_jsonable(item.schedule),
            execution=_jsonable({"execution_id": item.execution_id, "scheduled_for": item.scheduled_for,
                                 "fired_at": item.fired_at, "trigger": item.trigger, "attempt": item.attempt}),
            hmac_secret=item.hmac_secret, dry_run=item.dry_run,
        )

    async def take_queued(self, limit: int = 50) -> int:
        """Starts buffered fires and due retries; any process may take each, exactly one does."""
        if not self.accepting:
            return 0
        async with self.dal.transaction() as conn:
            ids = [r["execution_id"] for r in await conn.fetch(_TAKE_QUEUED_SQL, self.instance_id, utcnow(), limit)]
            rows = await conn.fetch(_DISPATCH_ROWS_SQL, ids) if ids else []
        for row in rows:
            self.submit(dispatch_from_row(row))
        return len(rows)

    async def drain(self, timeout: float) -> list[UUID]:
        """Waits up to `timeout` for running executions; returns those still unfinished."""
        self.accepting = False
        tasks = list(self.tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        return [eid for eid, t in self.tasks.items() if not t.done()]


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, UUID) else v)
            for k, v in values.items()}
