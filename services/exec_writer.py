"""Batched execution status writes: at thousands of fires a second, one UPDATE per change would be the bottleneck."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from services.dal import AsyncDAL

log = logging.getLogger("chime.executions")
ERROR_MAX = 4000

_FLUSH_SQL = """
UPDATE workflow_executions e SET
    status = v.status,
    started_at = COALESCE(e.started_at, v.started_at),
    finished_at = COALESCE(v.finished_at, e.finished_at),
    duration_ms = COALESCE(v.duration_ms, e.duration_ms),
    output = COALESCE(v.output, e.output),
    error = COALESCE(v.error, e.error),
    error_code = COALESCE(v.error_code, e.error_code),
    error_node_id = COALESCE(v.error_node_id, e.error_node_id)
FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::jsonb[], $7::text[],
            $8::text[], $9::text[])
     AS v(execution_id, status, started_at, finished_at, duration_ms, output, error, error_code, error_node_id)
WHERE e.execution_id = v.execution_id AND e.status IN ('pending', 'running')
RETURNING e.execution_id, e.schedule_id, e.status
"""

_LAST_STATUS_SQL = """
UPDATE workflow_schedules s SET last_status = v.status
FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS v(schedule_id, execution_id, status)
WHERE s.schedule_id = v.schedule_id AND s.last_execution_id = v.execution_id
"""


class ExecutionWriter:
    def __init__(self, dal: AsyncDAL, interval: float = 0.02, max_batch: int = 1000) -> None:
        self.dal = dal
        self.interval = interval
        self.max_batch = max_batch
        self._pending: dict[UUID, dict[str, Any]] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task | None = None
        self.on_finished: list[Any] = []  # callbacks(schedule_ids) after terminal states are stored

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="execution-writer")

    async def stop(self) -> None:
        await self.flush()
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def started(self, execution_id: UUID, at: datetime) -> None:
        self._put(execution_id, status="running", started_at=at)

    def finished(self, execution_id: UUID, status: str, at: datetime, *, started_at: datetime | None = None,
                 duration_ms: int | None = None, output: Any = None, error: str | None = None,
                 error_code: str | None = None, error_node_id: str | None = None) -> None:
        self._put(execution_id, status=status, finished_at=at, started_at=started_at, duration_ms=duration_ms,
                  output=output, error=error[:ERROR_MAX] if error else None, error_code=error_code,
                  error_node_id=error_node_id)

    def _put(self, execution_id: UUID, **fields: Any) -> None:
        entry = self._pending.setdefault(execution_id, {})
        entry.update({k: v for k, v in fields.items() if v is not None or k not in entry})
        self._idle.clear()
        if len(self._pending) >= self.max_batch:
            self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                # The rows stay queued; the next round retries once the database answers again.
                log.warning("execution status flush failed", exc_info=True,
                            extra={"event_type": "execution", "action": "flush", "result": "retry"})
                await asyncio.sleep(1.0)

    async def flush(self) -> None:
        if not self._pending:
            self._idle.set()
            return
        batch, self._pending = self._pending, {}
        ids = list(batch)
        cols = ("status", "started_at", "finished_at", "duration_ms", "output", "error", "error_code", "error_node_id")
        try:
            rows = await self.dal.fetch(_FLUSH_SQL, ids, *([batch[i].get(c) for i in ids] for c in cols))
        except Exception:
            for key, value in batch.items():  # put back, newer changes win
                self._pending[key] = {**value, **self._pending.get(key, {})}
            raise
        done = [r for r in rows if r["status"] not in ("pending", "running")]
        if done:
            with_schedule = [r for r in done if r["schedule_id"] is not None]
            if with_schedule:
                await self.dal.execute(_LAST_STATUS_SQL, [r["schedule_id"] for r in with_schedule],
                                       [r["execution_id"] for r in with_schedule],
                                       [r["status"] for r in with_schedule])
            for callback in self.on_finished:
                callback(done)
        if not self._pending:
            self._idle.set()

    async def drained(self) -> None:
        await self._idle.wait()
