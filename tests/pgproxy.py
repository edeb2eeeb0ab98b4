"""A TCP proxy in front of the test PostgreSQL, so a test can make the database vanish and come back."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qs, urlparse, urlunparse


class PgProxy:
    def __init__(self, target_dsn: str) -> None:
        parts = urlparse(target_dsn)
        query = parse_qs(parts.query)
        self.socket_dir = query.get("host", [None])[0]
        self.target_host = parts.hostname or "127.0.0.1"
        self.target_port = parts.port or 5432
        self.target = parts
        self.server: asyncio.Server | None = None
        self.port = 0
        self.links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    @property
    def dsn(self) -> str:
        user = self.target.username or "postgres"
        password = f":{self.target.password}" if self.target.password else ""
        return urlunparse(("postgresql", f"{user}{password}@127.0.0.1:{self.port}", self.target.path, "", "", ""))

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.socket_dir:
                up_reader, up_writer = await asyncio.open_unix_connection(
                    f"{self.socket_dir}/.s.PGSQL.{self.target_port}")
            else:
                up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.close()
            return
        self.links.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.links.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def cut(self) -> None:
        """The database becomes unreachable: listener closed, every open connection dropped."""
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in list(self.links):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self.links.clear()

    async def restore(self) -> None:
        await self.start()
