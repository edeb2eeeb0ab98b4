"""Leadership: one instance at a time runs maintenance, chosen by a PostgreSQL advisory lock.

The lock lives on a dedicated session, so it is released when that session ends. `idle_session_timeout` makes
the server end the session of a leader that stopped talking (a partition), so a new leader is chosen within
seconds rather than after TCP timeouts. Maintenance duties are idempotent under concurrency (row locks and
unique keys), so a brief overlap during a handover is harmless; leadership only avoids doing the work N times.
"""

from __future__ import annotations

import logging

import asyncpg

from services.scheduler.duty import DatabaseHealth, Duty

log = logging.getLogger("chime.scheduler")
LEADER_LOCK_KEY = 0x43_68_69_6D_65_4C  # "ChimeL"


class Leadership(Duty):
    name = "leadership"

    def __init__(self, dsn: str, instance_id: str, maintenance: list[Duty], health: DatabaseHealth,
                 interval: float = 2.0) -> None:
        super().__init__(interval, health)
        self.dsn = dsn
        self.instance_id = instance_id
        self.maintenance = maintenance
        self.is_leader = False
        self._conn: asyncpg.Connection | None = None

    async def run_once(self) -> None:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(self.dsn, timeout=5, server_settings={
                    "application_name": "chime-leader",
                    "idle_session_timeout": str(int(self.interval * 5 * 1000))})
            if self.is_leader:
                await self._conn.execute("SELECT 1", timeout=self.interval)
            elif await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK_KEY,
                                           timeout=self.interval):
                self.is_leader = True
                log.info("elected leader; starting maintenance", extra={"event_type": "scheduler", "action": "leader",
                                                                        "result": "elected",
                                                                        "instance_id": self.instance_id})
                for duty in self.maintenance:
                    duty.start()
        except Exception:
            await self._step_down("lost")
            raise

    async def _step_down(self, why: str) -> None:
        if self._conn is not None:
            self._conn.terminate()  # ends the session, which releases the lock
            self._conn = None
        if self.is_leader:
            self.is_leader = False
            log.log(logging.WARNING if why == "lost" else logging.INFO, f"leadership {why}; maintenance stopped",
                    extra={"event_type": "scheduler", "action": "leader", "result": why,
                           "instance_id": self.instance_id})
            for duty in self.maintenance:
                await duty.stop()

    async def stop(self) -> None:
        await super().stop()
        await self._step_down("released")
