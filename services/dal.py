"""AsyncDAL: the one place that talks to PostgreSQL, over an asyncpg pool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from services.jsoncodec import codecs


def _init_connection(codec: str) -> Callable[[asyncpg.Connection], Awaitable[None]]:
    encoder, decoder = codecs(codec)

    async def init(conn: asyncpg.Connection) -> None:
        # jsonb in and out as Python objects, so no caller formats JSON by hand.
        await conn.set_type_codec("jsonb", encoder=encoder, decoder=decoder, schema="pg_catalog")
        await conn.set_type_codec("json", encoder=encoder, decoder=decoder, schema="pg_catalog")

    return init


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool release without asyncpg's default reset query (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL): one
    round trip per acquire, i.e. per statement and per transaction, for state this service never leaves on a
    pooled connection (locks are transaction-scoped, settings SET LOCAL, LISTEN has its own connection). asyncpg
    still rolls back a transaction left open before calling this."""


class AsyncDAL:
    """Parameterized SQL only: every helper takes the query and its arguments separately."""

    def __init__(self, dsn: str, *, min_size: int = 2, max_size: int = 10,
                 server_settings: dict[str, str] | None = None, json_codec: str = "json") -> None:
        self.dsn = dsn
        self.json_codec = json_codec
        self.min_size = min_size
        self.max_size = max_size
        self.server_settings = {"application_name": "chime", "timezone": "UTC", **(server_settings or {})}
        self.pool: asyncpg.Pool | None = None

    async def connect(self, timeout: float = 10.0) -> None:
        self.pool = await asyncpg.create_pool(
            self.dsn,
            min_size=self.min_size,
            max_size=self.max_size,
            init=_init_connection(self.json_codec),
            reset=_keep_session,
            timeout=timeout,
            command_timeout=60,
            server_settings=self.server_settings,
        )

    async def close(self) -> None:
        if self.pool is not None:
            pool, self.pool = self.pool, None
            try:
                await pool.close()
            except Exception:  # a dead server must not block shutdown
                pool.terminate()

    def _pool(self) -> asyncpg.Pool:
        if self.pool is None:
            raise RuntimeError("AsyncDAL is not connected")
        return self.pool

    async def fetch(self, query: str, *args: Any, timeout: float | None = None) -> list[asyncpg.Record]:
        return await self._pool().fetch(query, *args, timeout=timeout)

    async def fetchrow(self, query: str, *args: Any, timeout: float | None = None) -> asyncpg.Record | None:
        return await self._pool().fetchrow(query, *args, timeout=timeout)

    async def fetchval(self, query: str, *args: Any, timeout: float | None = None) -> Any:
        return await self._pool().fetchval(query, *args, timeout=timeout)

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        return await self._pool().execute(query, *args, timeout=timeout)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._pool().acquire() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._pool().acquire() as conn:
            yield conn
