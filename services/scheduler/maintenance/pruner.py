"""Pruner: retention in small batches, so the table never sees one long delete (River's job_cleaner)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from services.dal import AsyncDAL
from services.scheduler.duty import DatabaseHealth, Duty

BATCH = 1000

_PRUNE_SQL = """
DELETE FROM workflow_executions WHERE execution_id IN (
    SELECT execution_id FROM workflow_executions
    WHERE created_at < $1 AND status NOT IN ('pending', 'running')
    ORDER BY created_at LIMIT $2)
"""


class Pruner(Duty):
    name = "pruner"

    def __init__(self, dal: AsyncDAL, retention_days: int, health: DatabaseHealth,
                 clock: Callable[[], datetime], interval: float = 600.0) -> None:
        super().__init__(interval, health)
        self.dal = dal
        self.retention_days = retention_days
        self.clock = clock

    async def run_once(self) -> None:
        cutoff = self.clock() - timedelta(days=self.retention_days)
        while True:
            done = await self.dal.execute(_PRUNE_SQL, cutoff, BATCH)
            if int(done.split()[-1]) < BATCH:
                return
            await asyncio.sleep(0.2)
