"""Failure behaviour with real processes: SIGKILL takeover, SIGTERM drain, database outage."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import reset_database
from tests.helpers import delay_workflow, wait_for
from tests.pgproxy import PgProxy
from tests.service_proc import ServiceProcess


@pytest.fixture
def headers(token) -> dict[str, str]:
    return {"Authorization": f"Bearer {token()}"}


async def _setup(client: httpx.AsyncClient, headers, definition: dict, config: dict,
                 retry: dict | None = None) -> tuple[str, str]:
    wf = (await client.post("/api/v1/workflows", headers=headers, json={
        "name": "w", "definition": definition, "retry_config": retry})).json()
    sched = (await client.post("/api/v1/schedules", headers=headers, json={
        "workflow_id": wf["workflow_id"], "schedule_config": config})).json()
    return wf["workflow_id"], sched["schedule_id"]


async def _fires(conn_dal, sid: str) -> list:
    return await conn_dal.fetch("SELECT * FROM workflow_executions WHERE schedule_id = $1 ORDER BY scheduled_for",
                                uuid.UUID(sid))


@pytest.fixture
async def dal(database_url):
    from services.dal import AsyncDAL

    await reset_database(database_url)
    d = AsyncDAL(database_url, min_size=1, max_size=2)
    await d.connect()
    yield d
    await d.close()


async def test_sigkill_takeover(dal, database_url, headers, tmp_path) -> None:
    env = {"LEASE_SECONDS": "5", "HEARTBEAT_SECONDS": "1", "RECONCILE_SECONDS": "1"}
    a = ServiceProcess(database_url, tmp_path, "victim", **env).start()
    b = ServiceProcess(database_url, tmp_path, "survivor", **env).start()
    try:
        async with httpx.AsyncClient(base_url=a.url) as ca:
            _, ticking = await _setup(ca, headers, {}, {"schedule_type": "cron", "cron_expression": "* * * * * *"})
            _, slow = await _setup(ca, headers, delay_workflow(4), {"schedule_type": "cron",
                                                                    "cron_expression": "0 0 1 1 *"},
                                   retry={"max_retries": 1, "backoff": "fixed", "base_seconds": 1})
            run = (await ca.post(f"/api/v1/schedules/{slow}/run-now", headers=headers)).json()
        await wait_for(lambda: _status(dal, run["execution_id"], "running"), timeout=5)
        await asyncio.sleep(1.5)
        a.proc.send_signal(signal.SIGKILL)
        killed_at = datetime.now(UTC)
        # The victim's run is abandoned once its lease runs out; nothing stays running forever.
        await wait_for(lambda: _status(dal, run["execution_id"], "abandoned"), timeout=15)
        abandoned_after = datetime.now(UTC) - killed_at
        assert abandoned_after < timedelta(seconds=12)  # lease 5 s + reaper tick; a loose bound on a busy machine
        await asyncio.sleep(3)
        end = datetime.now(UTC) - timedelta(seconds=1)
        rows = await _fires(dal, ticking)
        seconds = [r["scheduled_for"] for r in rows if r["scheduled_for"] <= end]
        assert seconds == [seconds[0] + timedelta(seconds=k) for k in range(len(seconds))], "gap or duplicate"
        after_kill = [r for r in rows if r["scheduled_for"] > killed_at + timedelta(seconds=0.5)]
        assert after_kill and {r["instance_id"] for r in after_kill} == {"survivor"}
        live = await dal.fetchval("SELECT count(*) FROM workflow_executions WHERE status = 'running'"
                                  " AND instance_id = 'victim'")
        assert live == 0
        # The abandoned run is retried (its workflow has a retry_config), by the survivor, exactly once.
        retried = await wait_for(lambda: dal.fetch(
            "SELECT * FROM workflow_executions WHERE parent_execution_id = $1 AND status = 'completed'",
            uuid.UUID(run["execution_id"])), timeout=10)
        assert len(retried) == 1 and retried[0]["instance_id"] == "survivor" and retried[0]["attempt"] == 2
    finally:
        a.stop()
        b.stop()


async def test_sigterm_drains_and_exits_zero(dal, database_url, headers, tmp_path) -> None:
    svc = ServiceProcess(database_url, tmp_path, "drainer", SHUTDOWN_GRACE_SECONDS="10").start()
    try:
        async with httpx.AsyncClient(base_url=svc.url) as client:
            _, sid = await _setup(client, headers, delay_workflow(1.5), {"schedule_type": "cron",
                                                                        "cron_expression": "0 0 1 1 *"})
            run = (await client.post(f"/api/v1/schedules/{sid}/run-now", headers=headers)).json()
        await wait_for(lambda: _status(dal, run["execution_id"], "running"), timeout=5)
        svc.proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(svc.proc.wait, 20)
        assert code == 0, svc.log_path.read_text()[-2000:]
        row = await dal.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1",
                                 uuid.UUID(run["execution_id"]))
        assert row["status"] == "completed"  # the running execution was allowed to finish
        assert await dal.fetchval("SELECT count(*) FROM scheduler_instances WHERE instance_id = 'drainer'") == 0
    finally:
        svc.stop()


async def test_database_outage_survival(dal, database_url, headers, tmp_path) -> None:
    proxy = PgProxy(database_url)
    await proxy.start()
    svc = ServiceProcess(proxy.dsn, tmp_path, "survivor", RECONCILE_SECONDS="1")
    await asyncio.to_thread(svc.start)
    try:
        async with httpx.AsyncClient(base_url=svc.url, timeout=5) as client:
            _, sid = await _setup(client, headers, {}, {"schedule_type": "cron", "cron_expression": "* * * * * *"})
            await asyncio.sleep(2)
            await proxy.cut()
            cut_at = datetime.now(UTC)
            for _ in range(8):
                started = time.perf_counter()
                live = await client.get("/healthz")
                assert live.status_code == 200 and time.perf_counter() - started < 0.5
                await asyncio.sleep(0.5)
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["reasons"]
            await proxy.restore()
            restored_at = datetime.now(UTC)
            await wait_for(lambda: _ready(client), timeout=20)
            await asyncio.sleep(2.5)
        assert svc.proc.poll() is None  # stayed up the whole time
        rows = await _fires(dal, sid)
        catchup = [r for r in rows if r["trigger"] == "catchup"]
        assert len(catchup) == 1 and cut_at < catchup[0]["scheduled_for"] <= restored_at + timedelta(seconds=3)
        assert any(r["trigger"] == "schedule" and r["scheduled_for"] > restored_at for r in rows)
        scheduled = [r["scheduled_for"] for r in rows]
        assert len(scheduled) == len(set(scheduled))
        outage_lines = [line for line in svc.log_lines() if "database unreachable" in line]
        assert 1 <= len(outage_lines) <= 3, outage_lines  # one line per outage, not a flood
        assert not [line for line in svc.log_lines() if "Traceback" in line and "unhandled" in line]
    finally:
        svc.stop()
        await proxy.cut()


async def _status(dal, execution_id: str, status: str) -> bool:
    row = await dal.fetchrow("SELECT status FROM workflow_executions WHERE execution_id = $1", uuid.UUID(execution_id))
    return row is not None and row["status"] == status


async def _ready(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def test_hypercorn_workers_fire_each_schedule_once(dal, database_url, headers, tmp_path) -> None:
    svc = ServiceProcess(database_url, tmp_path, "workers", WORKERS="2", CLAIM_BATCH="3", INSTANCE_ID="")
    await asyncio.to_thread(svc.start)
    try:
        async with httpx.AsyncClient(base_url=svc.url) as client:
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
            wf = (await client.post("/api/v1/workflows", headers=headers, json={"name": "w"})).json()
            for _ in range(12):
                resp = await client.post("/api/v1/schedules", headers=headers, json={
                    "workflow_id": wf["workflow_id"], "schedule_config": {
                        "schedule_type": "cron", "cron_expression": "* * * * * *", "start_at": start.isoformat()}})
                assert resp.status_code == 201
        await asyncio.sleep(6)
        end = datetime.now(UTC) - timedelta(seconds=1)
        rows = await dal.fetch("SELECT schedule_id, scheduled_for, instance_id FROM workflow_executions"
                               " WHERE scheduled_for <= $1", end)
    finally:
        svc.stop()
    per_schedule: dict = {}
    for r in rows:
        per_schedule.setdefault(r["schedule_id"], []).append(r["scheduled_for"])
    expected = [start + timedelta(seconds=k) for k in range(int((end - start).total_seconds()) + 1)]
    assert len(per_schedule) == 12 and len(expected) >= 3
    for fires in per_schedule.values():
        assert sorted(fires) == expected  # every second once: no gap, no duplicate
    assert len({r["instance_id"] for r in rows}) == 2  # both hypercorn workers took a share
