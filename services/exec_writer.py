"""Batched, fenced execution result and step writes: at thousands of runs a second one statement per change
would be the bottleneck. What is durable when: a run's `running` and terminal states and its step records reach
the database within `interval` (50 ms) of happening, one statement per kind per batch, in one transaction; until
then a crash loses them and the reaper ends the run `abandoned` once the lease expires."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from uuid import UUID

from services import metrics
from services.dal import AsyncDAL
from services.engine import StepRecord
from services.execution_state import Result, write_results, write_steps
from services.firing import Owner

log = logging.getLogger("chime.executions")
ERROR_MAX = 4000


def _merge(old: Result | None, new: Result) -> Result:
    """Newer values win; fields the newer one leaves empty keep the older ones (e.g. started_at)."""
    if old is None:
        return new
    for name, value in vars(new).items():
        if value is not None:
            setattr(old, name, value)
    return old


class ExecutionWriter:
    # 50 ms: a run that ends within it writes `running` and its end in one row version (one non-HOT update of the
    # execution instead of two), and a flush costs five statements whatever its size.
    def __init__(self, dal: AsyncDAL, instance_id: str, interval: float = 0.05, max_batch: int = 1000) -> None:
        self.dal = dal
        self.instance_id = instance_id
        self.interval = interval
        self.max_batch = max_batch
        self._pending: dict[UUID, tuple[int, Result]] = {}
        self._steps: list[tuple[UUID, datetime, StepRecord]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task | None = None
        self.refused = 0  # results the fence turned away (the reaper decided those runs)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="execution-writer")

    async def stop(self, timeout: float = 5.0) -> None:
        """Flushes what it can within `timeout`; a database that is down does not block shutdown."""
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await asyncio.wait_for(self.flush(), timeout)
        except Exception as exc:
            log.warning("execution results not written at shutdown; the reaper will end those runs", extra={
                "event_type": "execution", "action": "flush", "result": "dropped", "count": len(self._pending),
                "data": {"error": str(exc)[:200]}})

    def step(self, execution_id: UUID, scheduled_for: datetime, step: StepRecord) -> None:
        self._steps.append((execution_id, scheduled_for, step))
        self._idle.clear()
        if len(self._steps) >= self.max_batch:
            self._wake.set()

    def put(self, result: Result, epoch: int) -> None:
        if result.error:
            result.error = result.error[:ERROR_MAX]
        _, old = self._pending.get(result.execution_id, (epoch, None))
        self._pending[result.execution_id] = (epoch, _merge(old, result))
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
        if not self._pending and not self._steps:
            self._idle.set()
            return
        batch, self._pending = self._pending, {}
        steps, self._steps = self._steps, []
        by_epoch: dict[int, list[Result]] = {}
        for epoch, result in batch.values():
            by_epoch.setdefault(epoch, []).append(result)
        try:
            async with self.dal.transaction() as conn:
                await write_steps(conn, steps)  # before the results, so a finished run shows all its steps
                refused: list[UUID] = []
                written: list = []
                for epoch, results in by_epoch.items():
                    rows, lost = await write_results(conn, results, Owner(self.instance_id, epoch),
                                                     datetime.now(UTC))
                    written += rows
                    refused += lost
        except BaseException:
            self._steps[:0] = steps
            for key, value in batch.items():  # put back, newer changes win
                if key in self._pending:
                    self._pending[key] = (value[0], _merge(value[1], self._pending[key][1]))
                else:
                    self._pending[key] = value
            raise
        metrics.runs_written(written)
        if refused:
            self.refused += len(refused)
            log.warning("run results refused: the lease they ran under expired (the reaper ends those runs)",
                        extra={"event_type": "execution", "action": "write", "result": "fenced",
                               "count": len(refused)})
        if not self._pending and not self._steps:
            self._idle.set()

    async def drained(self) -> None:
        await self._idle.wait()
