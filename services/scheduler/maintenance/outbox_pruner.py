"""Outbox pruner: events and finished delivery rows older than OUTBOX_RETENTION_DAYS, in small batches.

An event is kept while any of its deliveries is unfinished, and until it was routed to the targets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from services import outbox
from services.dal import AsyncDAL
from services.notifications import deliveries
from services.scheduler.duty import DatabaseHealth, Duty

BATCH = 1000


class OutboxPruner(Duty):
    name = "outbox-pruner"

    def __init__(self, dal: AsyncDAL, retention_days: int, health: DatabaseHealth,
                 clock: Callable[[], datetime], interval: float = 600.0) -> None:
        super().__init__(interval, health)
        self.dal = dal
        self.retention_days = retention_days
        self.clock = clock

    async def run_once(self) -> None:
        cutoff = self.clock() - timedelta(days=self.retention_days)
        for prune in (deliveries.prune, outbox.prune):
            while True:
                async with self.dal.transaction() as conn:
                    done = await prune(conn, cutoff, BATCH)
                if done < BATCH:
                    break
                await asyncio.sleep(0.2)
