"""Fix-it duty: a running fix-it whose retries have all ended becomes completed, `fixit.completed` emitted in
that transaction (services.fixit.service.complete_finished). Leader only; rows are picked SKIP LOCKED."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.dal import AsyncDAL
from services.fixit import service as fixits
from services.scheduler.duty import DatabaseHealth, Duty


class FixitCompleter(Duty):
    name = "fixits"

    def __init__(self, dal: AsyncDAL, health: DatabaseHealth, clock: Callable[[], datetime],
                 interval: float = 2.0) -> None:
        super().__init__(interval, health)
        self.dal = dal
        self.clock = clock

    async def run_once(self) -> None:
        while True:
            async with self.dal.transaction() as conn:
                if await fixits.complete_finished(conn, self.clock()) < 50:
                    return
