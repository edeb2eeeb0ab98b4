"""Fenced leases with real processes: one instance loses its database (TCP proxy cut) for longer than its lease
while it runs slow webhooks. The receiver must see each execution's request at most once, and a retried run's
attempts never overlap: the cut-off instance stops its own runs at half the lease, before anyone retries them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import reset_database
from tests.helpers import wait_for
from tests.pgproxy import PgProxy

LEASE = 6


@dataclass
class Attempt:
    execution_id: str
    attempt: str
    started: float
    ended: float | None = None
    how: str = ""


@dataclass
class Receiver:
    """An asyncio HTTP receiver that notes when each request starts and when it ends (answered or dropped)."""

    attempts: list[Attempt] = field(default_factory=list)
    server: asyncio.Server | None = None
    port: int = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                target = urlsplit(lines[0].split(" ")[1])
                headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
                length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
                if length:
                    await reader.readexactly(length)
                q = parse_qs(target.query)
                seen = Attempt(q["id"][0], q["attempt"][0], time.monotonic())
                self.attempts.append(seen)
                try:  # wait out the delay unless the client goes away first
                    gone = await asyncio.wait_for(reader.read(1), float(q["seconds"][0]))
                    seen.ended, seen.how = time.monotonic(), "dropped" if gone == b"" else "odd"
                    return
                except TimeoutError:
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
                    await writer.drain()
                    seen.ended, seen.how = time.monotonic(), "answered"
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


def _webhook(port: int, seconds: int) -> dict:
    url = (f"http://127.0.0.1:{port}/slow?seconds={seconds}&id=${{execution.execution_id}}"
           "&attempt=${execution.attempt}")
    return {"nodes": [{"node_id": "t", "type": "trigger_schedule", "name": "t", "config": {}},
                      {"node_id": "hook", "type": "action_webhook", "name": "hook",
                       "config": {"url": url, "method": "POST", "timeout_seconds": 60}}],
            "connections": [{"from_node_id": "t", "to_node_id": "hook"}]}


@pytest.mark.timeout(180)
async def test_partitioned_instance_stops_its_runs_before_they_are_retried(
        make_database, spawn, token) -> None:
    dsn = await make_database()
    await reset_database(dsn)
    proxy = PgProxy(dsn)
    await proxy.start()
    receiver = Receiver()
    await receiver.start()
    env = {"LEASE_SECONDS": str(LEASE), "HEARTBEAT_SECONDS": "1", "RECONCILE_SECONDS": "1",
           "NODE_TIMEOUT_SECONDS": "60"}
    headers = {"Authorization": f"Bearer {token()}"}
    try:
        cut_off = await spawn.serve("cutoff", proxy.dsn, **env)
        await spawn.serve("steady", dsn, **env)
        runs: dict[str, str] = {}
        async with httpx.AsyncClient(base_url=cut_off.url, headers=headers, timeout=10) as api:
            for name, retry in (("retried", {"max_retries": 1, "backoff": "fixed", "base_seconds": 1}),
                                ("once", None)):
                wf = (await api.post("/api/v1/workflows", json={
                    "name": name, "definition": _webhook(receiver.port, 40), "retry_config": retry})).json()
                sched = (await api.post("/api/v1/schedules", json={
                    "workflow_id": wf["workflow_id"],
                    "schedule_config": {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"}})).json()
                run = (await api.post(f"/api/v1/schedules/{sched['schedule_id']}/run-now")).json()
                runs[name] = run["execution_id"]

        async def both_started() -> bool:
            return {a.execution_id for a in receiver.attempts} >= set(runs.values())

        await wait_for(both_started, timeout=15)
        await proxy.cut()
        cut_at = time.monotonic()

        async def retry_started() -> list[Attempt]:
            return [a for a in receiver.attempts if a.attempt == "2"]

        second = (await wait_for(retry_started, timeout=60))[0]
        await proxy.restore()
        await asyncio.sleep(LEASE)  # the cut-off instance comes back, re-registers, and must not resend anything

        first = [a for a in receiver.attempts if a.execution_id == runs["retried"]]
        assert len(first) == 1 and first[0].how == "dropped", first
        assert first[0].ended is not None and first[0].ended - cut_at < LEASE  # stopped before its lease ran out
        assert first[0].ended < second.started, "two attempts of one run overlapped"
        once = [a for a in receiver.attempts if a.execution_id == runs["once"]]
        assert len(once) == 1, once
        by_execution = {}
        for a in receiver.attempts:
            by_execution.setdefault(a.execution_id, []).append(a)
        assert all(len(v) == 1 for v in by_execution.values()), by_execution  # each execution's request once

        import asyncpg

        conn = await asyncpg.connect(dsn)
        try:
            rows = {str(r["execution_id"]): r for r in await conn.fetch("SELECT * FROM workflow_executions")}
        finally:
            await conn.close()
        assert rows[runs["retried"]]["status"] == "abandoned"
        assert rows[runs["once"]]["status"] == "abandoned"
        retries = [r for r in rows.values() if r["parent_execution_id"] == uuid.UUID(runs["retried"])]
        assert len(retries) == 1 and retries[0]["instance_id"] == "steady"
        assert not [r for r in rows.values() if r["parent_execution_id"] == uuid.UUID(runs["once"])]
        log = "\n".join(cut_off.log_lines())
        assert '"result": "fenced"' in log
    finally:
        await receiver.stop()
        await proxy.cut()
