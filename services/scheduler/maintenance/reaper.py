"""Reaper: ends the runs of instances whose lease expired (by the database's clock) and retries them.

Like River's job_rescuer and Oban's Lifeline. A run whose cancel was requested ends `cancelled` and is never
retried; any other ends `abandoned` and is retried as its workflow's retry_config says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from services.dal import AsyncDAL
from services.execution_state import reap
from services.scheduler.duty import DatabaseHealth, Duty

log = logging.getLogger("chime.scheduler")


class Reaper(Duty):
    name = "reaper"

    def __init__(self, dal: AsyncDAL, lease_seconds: float, interval: float, health: DatabaseHealth,
                 clock: Callable[[], datetime]) -> None:
        super().__init__(interval, health)
        self.dal = dal
        self.lease_seconds = lease_seconds
        self.clock = clock

    async def run_once(self) -> None:
        async with self.dal.transaction() as conn:
            rows = await reap(conn, self.clock(), forget_after_seconds=self.lease_seconds * 4)
        if rows:
            log.warning("ended runs of instances whose lease expired", extra={
                "event_type": "scheduler", "action": "reap", "result": "abandoned", "count": len(rows)})
