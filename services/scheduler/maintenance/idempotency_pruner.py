"""Idempotency-key pruner: keys older than their 24 h window, in small batches (services/idempotency.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from services import idempotency
from services.dal import AsyncDAL
from services.scheduler.duty import DatabaseHealth, Duty

BATCH = 1000


class IdempotencyPruner(Duty):
    name = "idempotency-pruner"

    def __init__(self, dal: AsyncDAL, health: DatabaseHealth, ttl: timedelta = idempotency.KEY_TTL,
                 interval: float = 600.0) -> None:
        super().__init__(interval, health)
        self.dal = dal
        self.ttl = ttl

    async def run_once(self) -> None:
        # Expiry is by the database's clock (the rows' created_at is now() at insert).
        while await idempotency.prune(self.dal, self.ttl, BATCH) >= BATCH:
            await asyncio.sleep(0.2)
