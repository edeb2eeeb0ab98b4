"""The one lifecycle every background duty shares: start, run every `interval` (or when kicked), stop.

A duty's failures are logged and retried at its next tick; a database outage is logged once per outage by the
shared DatabaseHealth, never once per attempt. Modelled on River's BaseStartStop services.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

log = logging.getLogger("chime.scheduler")
# What a database outage looks like from here: logged once, retried by the next tick, never fatal.
DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


class DatabaseHealth:
    """Whether this process last reached the database; logs each change of that, not each failure."""

    def __init__(self) -> None:
        self.ok = True

    def down(self, exc: BaseException) -> None:
        if self.ok:
            log.error("database unreachable; retrying with backoff", extra={
                "event_type": "scheduler", "action": "database", "result": "down", "data": {"error": str(exc)[:200]}})
        self.ok = False

    def up(self) -> None:
        if not self.ok:
            log.warning("database reachable again", extra={"event_type": "scheduler", "action": "database",
                                                           "result": "up"})
        self.ok = True


class Duty:
    """Subclasses implement `run_once`; `interval` seconds pass between the end of one run and the next."""

    name = "duty"

    def __init__(self, interval: float, health: DatabaseHealth) -> None:
        self.interval = interval
        self.health = health
        self._task: asyncio.Task | None = None
        self._kick = asyncio.Event()

    async def run_once(self) -> bool | None:  # pragma: no cover - abstract
        """Returns False when this tick did not reach the database (so it says nothing about its health)."""
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self._loop(), name=f"duty-{self.name}")

    def kick(self) -> None:
        """Run as soon as possible instead of waiting for the next tick."""
        self._kick.set()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def tick(self) -> None:
        """One run with the shared error handling (also what tests call to run a duty now)."""
        try:
            if await self.run_once() is not False:
                self.health.up()
        except DB_ERRORS as exc:
            self.health.down(exc)
        except Exception:
            log.exception(f"{self.name} failed", extra={"event_type": "scheduler", "action": self.name,
                                                        "result": "error"})

    async def _loop(self) -> None:
        while True:
            self._kick.clear()
            await self.tick()
            try:
                await asyncio.wait_for(self._kick.wait(), self.interval)
            except TimeoutError:
                pass
