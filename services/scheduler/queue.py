"""Queued work (buffered fires, due retries): any worker takes it, exactly one runs each (every instance)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.dal import AsyncDAL
from services.execution_state import take_queued
from services.firing import dispatch_from_row
from services.runner import ExecutionRunner
from services.scheduler.duty import DatabaseHealth, Duty
from services.scheduler.lease import Lease, LeaseLost

BATCH = 50


class QueueTaker(Duty):
    name = "queue"

    def __init__(self, dal: AsyncDAL, runner: ExecutionRunner, lease: Lease, health: DatabaseHealth,
                 clock: Callable[[], datetime], interval: float = 1.0) -> None:
        super().__init__(interval, health)
        self.dal = dal
        self.runner = runner
        self.lease = lease
        self.clock = clock

    async def run_once(self) -> bool:
        while self.runner.accepting:
            owner = self.lease.owner
            if owner is None:
                return False
            try:
                async with self.dal.transaction() as conn:
                    await self.lease.check(conn)
                    rows = await take_queued(conn, owner, self.clock(), BATCH)
            except LeaseLost:
                return True
            for row in rows:
                self.runner.submit(dispatch_from_row(row))
            if len(rows) < BATCH:
                return True
        return False


class CancelWatch(Duty):
    """Reads `cancel_requested` for this process's runs, so a NOTIFY lost in a reconnect delays a cancel only."""

    name = "cancel-watch"

    def __init__(self, runner: ExecutionRunner, health: DatabaseHealth, interval: float = 1.0) -> None:
        super().__init__(interval, health)
        self.runner = runner

    async def run_once(self) -> bool:
        return await self.runner.poll_cancels()
