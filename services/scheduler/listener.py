"""LISTEN on a dedicated connection, reconnecting with backoff; NOTIFY is an accelerator, never the only path."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg

from services.scheduler.duty import DatabaseHealth

Handler = Callable[[str], None]


class Listener:
    def __init__(self, dsn: str, handlers: dict[str, Handler], on_connect: Callable[[], Awaitable[None]],
                 health: DatabaseHealth) -> None:
        self.dsn = dsn
        self.handlers = handlers
        self.on_connect = on_connect  # catches up on whatever changed while nobody listened
        self.health = health
        self._task: asyncio.Task | None = None
        self._conn: asyncpg.Connection | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="scheduler-listen")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._conn is not None:
            self._conn.terminate()
            self._conn = None

    async def _run(self) -> None:
        delay = 0.5
        while True:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(self.dsn, timeout=5)
                self._conn = conn
                conn.add_termination_listener(lambda _c, ev=lost: ev.set())
                for channel, handler in self.handlers.items():
                    await conn.add_listener(channel, lambda _c, _p, _ch, payload, h=handler: h(payload))
                delay = 0.5
                await self.on_connect()
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), 5.0)
                    except TimeoutError:
                        await conn.execute("SELECT 1", timeout=5)  # notice a dead socket promptly
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.health.down(exc)
            finally:
                if self._conn is not None:
                    self._conn.terminate()
                    self._conn = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
