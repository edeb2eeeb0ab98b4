"""Shared helpers for the benchmark scripts: embedded PostgreSQL, service processes, percentiles, tables.

Nothing here imports the service's runtime (app, scheduler): services always run in their own process.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import asyncpg
import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
BENCH_SECRET = "bench-secret-" + "b" * 40


# ---------------------------------------------------------------------------------------------------- numbers


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def pcts(values: Sequence[float], qs: Sequence[float] = (50, 95, 99)) -> dict[str, float]:
    ordered = sorted(values)
    out = {f"p{q:g}": percentile(ordered, q) for q in qs}
    out["max"] = ordered[-1] if ordered else math.nan
    return out


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "+".join("-" * (w + 2) for w in widths)
    out = [line]
    for row in [header, *rows]:
        out.append(" | ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if row is header:
            out.append(line)
    out.append(line)
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------- PostgreSQL


def with_database(dsn: str, name: str) -> str:
    return urlunparse(urlparse(dsn)._replace(path=f"/{name}"))


class PgServer:
    """One embedded PostgreSQL for the whole run; a fresh database per scenario."""

    def __init__(self, data_dir: Path) -> None:
        from services.embedded_pg import start_embedded

        self.dsn, self._handle = start_embedded(data_dir)
        self.created: list[str] = []

    async def create_database(self, prefix: str) -> str:
        name = f"chime_bench_{prefix}_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return with_database(self.dsn, name)

    async def drop_database(self, dsn: str) -> None:
        name = urlparse(dsn).path.lstrip("/")
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        if name in self.created:
            self.created.remove(name)

    async def describe(self) -> dict[str, str]:
        conn = await asyncpg.connect(self.dsn)
        try:
            out = {}
            for setting in ("server_version", "shared_buffers", "fsync", "synchronous_commit", "max_connections"):
                out[setting] = await conn.fetchval(f"SHOW {setting}")
            return out
        finally:
            await conn.close()

    def stop(self) -> None:
        from services.embedded_pg import stop_embedded

        stop_embedded(self._handle)


async def migrate(dsn: str) -> None:
    """Applies the service's migrations (the same code the service runs at start-up)."""
    from services.dal import AsyncDAL
    from services.migrations import apply_migrations

    dal = AsyncDAL(dsn, min_size=1, max_size=1)
    await dal.connect()
    try:
        await apply_migrations(dal)
    finally:
        await dal.close()


# ---------------------------------------------------------------------------------------------------- service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BENCH_SCOPE = "schedules:read schedules:write workflows:read workflows:write executions:read executions:write"


def mint(community: int = 1, scope: str = BENCH_SCOPE) -> str:
    from config import load_settings
    from services.auth import mint_token

    settings = load_settings({"JWT_SECRET": BENCH_SECRET})
    return mint_token(settings, community_id=community, scope=scope, ttl_seconds=3600)


class ServiceProcess:
    """`python app.py serve` as a child process with its own port and log file."""

    def __init__(self, database_url: str, name: str, log_dir: Path, **env: str) -> None:
        self.name = name
        self.port = free_port()
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "DATABASE_URL": database_url, "JWT_SECRET": BENCH_SECRET, "PORT": str(self.port),
            "HOST": "127.0.0.1", "INSTANCE_ID": name, "LOG_LEVEL": "WARNING", "WORKERS": "1",
            # The per-principal rate limit would answer the load generators' single token with 429s.
            "SHUTDOWN_GRACE_SECONDS": "2", "RATE_LIMIT_PER_SECOND": "0", **env,
        }
        self.proc: subprocess.Popen | None = None
        self.popen_at = 0.0
        self.log_offset_at_stop: int | None = None  # errors after SIGTERM are shutdown noise, counted apart

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        log = open(self.log_path, "w")  # noqa: SIM115 -- the child holds it; closed when we drop the handle
        self.popen_at = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve"], env=self.env, cwd=ROOT,
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    async def wait_ready(self, timeout: float = 60.0, interval: float = 0.01) -> float:
        """Seconds from Popen to the first /readyz 200 (polled every `interval`)."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.tail()}")
                try:
                    if (await client.get(f"{self.url}/readyz")).status_code == 200:
                        return time.perf_counter() - self.popen_at
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(interval)
        raise RuntimeError(f"{self.name} not ready within {timeout} s: {self.tail()}")

    def rss_bytes(self) -> int:
        """RSS of the service process plus any children (hypercorn workers)."""
        if self.proc is None or self.proc.poll() is not None:
            return 0
        try:
            proc = psutil.Process(self.proc.pid)
            return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
        except psutil.NoSuchProcess:
            return 0

    def kill(self) -> None:
        """SIGKILL, no goodbye (a crash)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM and a few seconds to shut down, then SIGKILL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.log_offset_at_stop = self.log_path.stat().st_size
        except OSError:
            pass
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(8)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text()[-chars:]
        except OSError:
            return ""

    def error_lines(self, *, during_shutdown: bool = False) -> list[str]:
        """ERROR lines logged while running (or, with during_shutdown, after we sent SIGTERM)."""
        try:
            text = self.log_path.read_bytes()
        except OSError:
            return []
        cut = len(text) if self.log_offset_at_stop is None else self.log_offset_at_stop
        part = text[cut:] if during_shutdown else text[:cut]
        return [ln for ln in part.decode(errors="replace").splitlines() if '"level": "ERROR"' in ln]


def stop_all(services: Sequence[ServiceProcess]) -> None:
    for svc in services:
        try:
            svc.stop()
        except Exception:  # never leave a child behind because another one misbehaved
            svc.kill()


def environment() -> dict[str, Any]:
    return {"python": sys.version.split()[0], "platform": sys.platform, "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)}
