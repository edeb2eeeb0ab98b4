"""Batched, fenced execution result and step writes: at thousands of runs a second one statement per change
would be the bottleneck. What is durable when: a run's `running` and terminal states and its step records reach
the database within `interval` (50 ms) of happening, one statement per kind per batch, in one transaction; until
then a crash loses them and the reaper ends the run `abandoned` once the lease expires."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from services import metrics
from services.dal import AsyncDAL
from services.engine import StepRecord
from services.execution_state import Result, write_results, write_steps
from services.firing import Owner

log = logging.getLogger("chime.executions")
ERROR_MAX = 4000
# What PostgreSQL refuses in text and jsonb: the NUL character and lone UTF-16 surrogates (a response may carry
# either as a JSON escape). asyncpg reports its own encoding failures as InterfaceError-based DataError.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_REFUSED_VALUE = (asyncpg.exceptions.DataError, asyncpg.exceptions._base.DataError)


def storable(value: Any) -> Any:
    """A copy PostgreSQL can store: NUL and lone surrogates in strings (keys too) become U+FFFD."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def _storable_result(result: Result) -> Result:
    return dataclasses.replace(result, output=storable(result.output), error=storable(result.error))


def _storable_step(step: StepRecord) -> StepRecord:
    return dataclasses.replace(step, input=storable(step.input), output=storable(step.output),
                               error=storable(step.error))


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
            try:
                written, refused = await self._write(steps, by_epoch)
            except _REFUSED_VALUE:
                # A value PostgreSQL cannot store would fail every later flush too (the rows are put back), so
                # the batch is written once more with such characters replaced; checking every value up front
                # would cost every run what a rare response costs.
                log.warning("run output with characters PostgreSQL cannot store; replaced by U+FFFD", extra={
                    "event_type": "execution", "action": "write", "result": "sanitized",
                    "count": len(steps) + len(batch)})
                written, refused = await self._write(
                    [(eid, at, _storable_step(step)) for eid, at, step in steps],
                    {epoch: [_storable_result(r) for r in results] for epoch, results in by_epoch.items()})
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

    async def _write(self, steps: list[tuple[UUID, datetime, StepRecord]],
                     by_epoch: dict[int, list[Result]]) -> tuple[list, list[UUID]]:
        """One transaction: the steps first, so a finished run shows all its steps; then each epoch's results."""
        refused: list[UUID] = []
        written: list = []
        async with self.dal.transaction() as conn:
            await write_steps(conn, steps)
            for epoch, results in by_epoch.items():
                rows, lost = await write_results(conn, results, Owner(self.instance_id, epoch), datetime.now(UTC))
                written += rows
                refused += lost
        return written, refused

    async def drained(self) -> None:
        await self._idle.wait()
