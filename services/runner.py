"""ExecutionRunner: runs dispatched executions through the WorkflowEngine, bounded, cancellable, fenced.

Results go through the ExecutionWriter (batched, fenced by the lease: see services.execution_state). A run
stopped because this process's lease could not be renewed ends `abandoned`, and is retried as its workflow's
retry_config says, by whoever gets to write that outcome (this process or the reaper; the retry key makes it one).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services import metrics
from services.dal import AsyncDAL
from services.engine import CancelSignal, RunRequest, RunResult, StepRecord, WorkflowEngine
from services.engine.runner import clip_for_record
from services.exec_writer import ExecutionWriter
from services.execution_state import Result, cancel_flags
from services.firing import Dispatch, is_empty

log = logging.getLogger("chime.runner")
OUTPUT_MAX_BYTES = 16 * 1024  # an execution keeps at most this much of its run's output
LEASE_LOST = "lease_lost"



def utcnow() -> datetime:
    return datetime.now(UTC)


class ExecutionRunner:
    def __init__(self, dal: AsyncDAL, writer: ExecutionWriter, engine: WorkflowEngine, instance_id: str,
                 max_concurrent: int, may_start: Any = None) -> None:
        self.dal = dal
        self.writer = writer
        self.engine = engine
        self.instance_id = instance_id
        self.slots = asyncio.Semaphore(max_concurrent)
        self.tasks: dict[UUID, asyncio.Task] = {}
        self.cancels: dict[UUID, CancelSignal] = {}
        self.reasons: dict[UUID, str] = {}
        self.items: dict[UUID, Dispatch] = {}
        self.by_key: dict[str, Dispatch] = {}  # by the engine's execution_id (a str): no UUID parse per step
        self.waiting: dict[UUID, float] = {}  # submitted, not yet holding a slot (monotonic submit time)
        self.saturated = False
        self.accepting = True
        self.may_start = may_start or (lambda: True)  # False while the lease is fenced

    @property
    def running(self) -> int:
        return len(self.tasks)

    def submit(self, item: Dispatch) -> None:
        self.cancels[item.execution_id] = CancelSignal()  # the engine stops the run by callback, no watcher task
        self.items[item.execution_id] = item
        self.by_key[str(item.execution_id)] = item
        self.waiting[item.execution_id] = time.monotonic()
        task = asyncio.create_task(self._run(item), name=f"execution-{item.execution_id}")
        self.tasks[item.execution_id] = task
        task.add_done_callback(lambda _t, eid=item.execution_id: self._forget(eid))

    def _forget(self, execution_id: UUID) -> None:
        self.tasks.pop(execution_id, None)
        self.cancels.pop(execution_id, None)
        self.reasons.pop(execution_id, None)
        item = self.items.pop(execution_id, None)
        if item is not None:
            self.by_key.pop(str(execution_id), None)
        self.waiting.pop(execution_id, None)

    def cancel(self, execution_id: UUID, reason: str = "cancelled") -> bool:
        event = self.cancels.get(execution_id)
        if event is None:
            return False
        self.reasons.setdefault(execution_id, reason)
        event.set()
        return True

    def fence(self) -> None:
        """The lease could not be renewed: stop every run now; they end `abandoned`."""
        for eid in list(self.cancels):
            self.cancel(eid, LEASE_LOST)

    async def poll_cancels(self) -> bool:
        """Returns whether it asked the database (nothing to ask when nothing runs)."""
        if not self.cancels:
            return False
        for eid in await cancel_flags(self.dal, list(self.cancels)):
            self.cancel(eid)
        return True

    async def on_step(self, execution_id: str, step: StepRecord) -> None:
        """Steps go out with the writer's next batch (one statement per batch, not one per step)."""
        item = self.by_key.get(execution_id)
        if item is not None:
            self.writer.step(item.execution_id, item.scheduled_for, step)

    def _ended_early(self, item: Dispatch, at: datetime) -> bool:
        """Before starting: a cancel or a fence that arrived while the run waited for a slot."""
        if self.reasons.get(item.execution_id) == LEASE_LOST or not self.may_start():
            self._finish(item, "abandoned", at, error="instance lost its lease before the run started",
                         error_code=LEASE_LOST)
        elif self.cancels[item.execution_id].is_set():
            self._finish(item, "cancelled", at, error="cancelled before start", error_code="cancelled")
        else:
            return False
        return True

    def _finish(self, item: Dispatch, status: str, at: datetime, **fields: Any) -> None:
        self.writer.put(Result(execution_id=item.execution_id, scheduled_for=item.scheduled_for, status=status,
                               finished_at=at, retry_config=None if item.dry_run else item.retry_config, **fields),
                        item.epoch)

    @property
    def queue_depth(self) -> int:
        return len(self.waiting)

    def oldest_wait(self) -> float:
        return time.monotonic() - min(self.waiting.values()) if self.waiting else 0.0

    def check_saturation(self, threshold: float) -> None:
        """Says so once per episode when runs wait for a slot longer than `threshold` seconds."""
        wait = self.oldest_wait()
        if wait > threshold and not self.saturated:
            self.saturated = True
            log.warning("saturated: runs are waiting for a free slot; add workers or raise MAX_CONCURRENT_WORKFLOWS",
                        extra={"event_type": "runner", "action": "saturation", "result": "saturated",
                               "count": self.queue_depth, "data": {"oldest_wait_ms": round(wait * 1000)}})
        elif wait <= threshold / 2 and self.saturated:
            self.saturated = False
            log.info("no longer saturated", extra={"event_type": "runner", "action": "saturation",
                                                   "result": "recovered", "count": self.queue_depth})

    async def _run(self, item: Dispatch) -> None:
        async with self.slots:
            self.waiting.pop(item.execution_id, None)
            started = utcnow()
            if self._ended_early(item, started):
                return
            self.writer.put(Result(execution_id=item.execution_id, scheduled_for=item.scheduled_for,
                                   status="running", started_at=started), item.epoch)
            metrics.queue_wait((started - item.fired_at).total_seconds())
            t0 = time.perf_counter()
            if is_empty(item.definition):
                result = RunResult(status="completed", output=None, error=None, error_code=None, error_node_id=None,
                                   steps=[])
            else:
                result = await self.engine.execute(self._request(item), cancel_event=self.cancels[item.execution_id])
            duration = int((time.perf_counter() - t0) * 1000)
            status, error, code = result.status, result.error, result.error_code
            if status == "cancelled" and self.reasons.get(item.execution_id) == LEASE_LOST:
                status, error, code = "abandoned", "stopped: this instance lost its lease", LEASE_LOST
            self._finish(item, status, utcnow(), started_at=started, duration_ms=duration,
                         output=clip_for_record(result.output, OUTPUT_MAX_BYTES), error=error, error_code=code,
                         error_node_id=result.error_node_id)
        if log.isEnabledFor(logging.INFO):  # the record's fields cost more than the check, per run
            log.info("execution finished", extra={
                "event_type": "execution", "action": "run", "result": status,
                "execution_id": str(item.execution_id),
                "schedule_id": str(item.schedule_id) if item.schedule_id else None,
                "duration_ms": duration, "error_code": code})

    def _request(self, item: Dispatch) -> RunRequest:
        return RunRequest(
            execution_id=str(item.execution_id), workflow_id=str(item.workflow_id), definition=item.definition,
            context=dict(item.context or {}), schedule=_jsonable(item.schedule),
            execution=_jsonable({"execution_id": item.execution_id, "scheduled_for": item.scheduled_for,
                                 "fired_at": item.fired_at, "trigger": item.trigger, "attempt": item.attempt}),
            hmac_secret=item.hmac_secret, dry_run=item.dry_run, mock_outputs=dict(item.mock_outputs or {}),
            event=dict(item.event or {}),
        )

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
