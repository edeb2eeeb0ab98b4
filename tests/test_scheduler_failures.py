"""Failure behaviour with real processes: SIGKILL takeover, SIGTERM drain, database outage.

Every process comes from the `spawn` fixture, which kills it (and its hypercorn workers) when the test ends.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import reset_database
from tests.helpers import delay_workflow, holds_for, wait_for
from tests.pgproxy import PgProxy

EVERY_SECOND = {"schedule_type": "cron", "cron_expression": "* * * * * *"}
NEVER_SOON = {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"}


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


async def _fired_through(dal, sid: str, instant: datetime) -> list:
    """The schedule's rows once one is scheduled at or after `instant` (rows up to it are final then), else []."""
    rows = await _fires(dal, sid)
    return rows if rows and rows[-1]["scheduled_for"] >= instant else []


def _assert_each_second_once(instants: list[datetime]) -> None:
    assert instants, "no fires"
    assert instants == [instants[0] + timedelta(seconds=k) for k in range(len(instants))], "gap or duplicate"


@pytest.fixture
async def dal(database_url):
    from services.dal import AsyncDAL

    await reset_database(database_url)
    d = AsyncDAL(database_url, min_size=1, max_size=2)
    await d.connect()
    yield d
    await d.close()


@pytest.mark.timeout(180)
async def test_sigkill_takeover(dal, database_url, headers, spawn) -> None:
    env = {"LEASE_SECONDS": "5", "HEARTBEAT_SECONDS": "1", "RECONCILE_SECONDS": "1"}
    victim = await spawn.serve("victim", database_url, **env)
    await spawn.serve("survivor", database_url, **env)
    async with httpx.AsyncClient(base_url=victim.url) as ca:
        _, ticking = await _setup(ca, headers, {}, EVERY_SECOND)
        await wait_for(lambda: _count_at_least(dal, ticking, 2), timeout=15)  # fires flow before the kill
        _, slow = await _setup(ca, headers, delay_workflow(4), NEVER_SOON,
                               retry={"max_retries": 1, "backoff": "fixed", "base_seconds": 1})
        run = (await ca.post(f"/api/v1/schedules/{slow}/run-now", headers=headers)).json()
    # Killed in the middle of its 4 s run, which the victim owns (run-now runs where it was asked).
    await wait_for(lambda: _status(dal, run["execution_id"], "running"), timeout=10)
    victim.send_signal(signal.SIGKILL)
    killed_at = datetime.now(UTC)
    # The victim's run is abandoned once its lease (5 s) runs out; nothing stays running forever.
    await wait_for(lambda: _status(dal, run["execution_id"], "abandoned"), timeout=30)
    # The survivor takes the per-second schedule over: every second once, across the kill, up to 3 s past it.
    rows = await wait_for(lambda: _fired_through(dal, ticking, killed_at + timedelta(seconds=3)), timeout=20)
    _assert_each_second_once([r["scheduled_for"] for r in rows])
    after_kill = [r for r in rows if r["scheduled_for"] > killed_at + timedelta(seconds=0.5)]
    assert after_kill and {r["instance_id"] for r in after_kill} == {"survivor"}
    live = await dal.fetchval("SELECT count(*) FROM workflow_executions WHERE status = 'running'"
                              " AND instance_id = 'victim'")
    assert live == 0
    # The abandoned run is retried (its workflow has a retry_config), by the survivor, exactly once.
    retried = await wait_for(lambda: dal.fetch(
        "SELECT * FROM workflow_executions WHERE parent_execution_id = $1 AND status = 'completed'",
        uuid.UUID(run["execution_id"])), timeout=20)
    assert len(retried) == 1 and retried[0]["instance_id"] == "survivor" and retried[0]["attempt"] == 2
    retries = await dal.fetch("SELECT * FROM workflow_executions WHERE parent_execution_id = $1",
                              uuid.UUID(run["execution_id"]))
    assert len(retries) == 1


@pytest.mark.timeout(180)
async def test_sigterm_drains_and_exits_zero(dal, database_url, headers, spawn) -> None:
    svc = await spawn.serve("drainer", database_url, SHUTDOWN_GRACE_SECONDS="10")
    async with httpx.AsyncClient(base_url=svc.url) as client:
        _, sid = await _setup(client, headers, delay_workflow(1.5), NEVER_SOON)
        run = (await client.post(f"/api/v1/schedules/{sid}/run-now", headers=headers)).json()
    await wait_for(lambda: _status(dal, run["execution_id"], "running"), timeout=10)
    svc.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(svc.proc.wait, 30)
    assert code == 0, svc.log_tail()
    row = await dal.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1",
                             uuid.UUID(run["execution_id"]))
    assert row["status"] == "completed"  # the running execution was allowed to finish
    assert await dal.fetchval("SELECT count(*) FROM scheduler_instances WHERE instance_id = 'drainer'") == 0


@pytest.mark.timeout(180)
async def test_database_outage_survival(dal, database_url, headers, spawn) -> None:
    proxy = PgProxy(database_url)
    await proxy.start()
    try:
        svc = await spawn.serve("survivor", proxy.dsn, RECONCILE_SECONDS="1")
        async with httpx.AsyncClient(base_url=svc.url, timeout=5) as client:
            _, sid = await _setup(client, headers, {}, EVERY_SECOND)
            await wait_for(lambda: _fires(dal, sid), timeout=10)  # firing before the outage
            await proxy.cut()
            cut_at = datetime.now(UTC)

            async def live() -> bool:
                started = time.perf_counter()
                resp = await client.get("/healthz")
                # Liveness never waits for the database; 2 s is far above a loopback request, far below a hang.
                return resp.status_code == 200 and time.perf_counter() - started < 2

            # Observation window: a 4 s outage (several fires come due) during which liveness answers every time.
            await holds_for(live, seconds=4, interval=0.5)

            async def unready() -> dict | None:
                resp = await client.get("/readyz")
                return resp.json() if resp.status_code == 503 and resp.json()["reasons"] else None

            await wait_for(unready, timeout=10)
            await proxy.restore()
            restored_at = datetime.now(UTC)
            await wait_for(lambda: _ready(client), timeout=30)
        # Back to normal: a regular fire after the restore.
        rows = await wait_for(lambda: _normal_fire_after(dal, sid, restored_at), timeout=20)
        assert svc.poll() is None  # stayed up the whole time
        scheduled = [r["scheduled_for"] for r in rows]
        assert len(scheduled) == len(set(scheduled))  # never twice
        # Between the last fire before the cut and the first regular one after the restore, the fires that came
        # due during the outage were coalesced into exactly one catch-up run, made once the database was back.
        first_normal = min(r["scheduled_for"] for r in rows if r["trigger"] == "schedule"
                           and r["scheduled_for"] > restored_at)
        gap = [r for r in rows if cut_at < r["scheduled_for"] < first_normal]
        assert [r["trigger"] for r in gap] == ["catchup"], [(r["scheduled_for"], r["trigger"]) for r in gap]
        assert gap[0]["fired_at"] >= gap[0]["scheduled_for"] and gap[0]["fired_at"] > restored_at
        outage_lines = [line for line in svc.log_lines() if "database unreachable" in line]
        assert 1 <= len(outage_lines) <= 3, outage_lines  # one line per outage, not a flood
        assert not [line for line in svc.log_lines() if "Traceback" in line and "unhandled" in line]
    finally:
        await proxy.cut()


async def _status(dal, execution_id: str, status: str) -> bool:
    row = await dal.fetchrow("SELECT status FROM workflow_executions WHERE execution_id = $1", uuid.UUID(execution_id))
    return row is not None and row["status"] == status


async def _count_at_least(dal, sid: str, n: int) -> bool:
    return len(await _fires(dal, sid)) >= n


async def _normal_fire_after(dal, sid: str, instant: datetime) -> list:
    rows = await _fires(dal, sid)
    return rows if any(r["trigger"] == "schedule" and r["scheduled_for"] > instant for r in rows) else []


async def _ready(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.timeout(180)
async def test_hypercorn_workers_fire_each_schedule_once(dal, database_url, headers, spawn) -> None:
    svc = await spawn.serve("workers", database_url, WORKERS="2", CLAIM_BATCH="3", INSTANCE_ID="")
    async with httpx.AsyncClient(base_url=svc.url) as client:
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        wf = (await client.post("/api/v1/workflows", headers=headers, json={"name": "w"})).json()
        for _ in range(12):
            resp = await client.post("/api/v1/schedules", headers=headers, json={
                "workflow_id": wf["workflow_id"], "schedule_config": {**EVERY_SECOND, "start_at": start.isoformat()}})
            assert resp.status_code == 201
    last = start + timedelta(seconds=3)

    async def all_fired_through_last() -> list:
        rows = await dal.fetch("SELECT schedule_id, scheduled_for, instance_id FROM workflow_executions")
        latest: dict = {}
        for r in rows:
            latest[r["schedule_id"]] = max(latest.get(r["schedule_id"], r["scheduled_for"]), r["scheduled_for"])
        return rows if len(latest) == 12 and min(latest.values()) >= last else []

    rows = [r for r in await wait_for(all_fired_through_last, timeout=30) if r["scheduled_for"] <= last]
    per_schedule: dict = {}
    for r in rows:
        per_schedule.setdefault(r["schedule_id"], []).append(r["scheduled_for"])
    expected = [start + timedelta(seconds=k) for k in range(4)]
    assert len(per_schedule) == 12
    for fires in per_schedule.values():
        assert sorted(fires) == expected  # every second once: no gap, no duplicate
    assert len({r["instance_id"] for r in rows}) == 2  # both hypercorn workers took a share


async def test_shutdown_with_the_database_down_still_closes_everything(database_url, headers, caplog) -> None:
    """The writer cannot flush and the lease cannot be released: shutdown still ends, closes the pool, and
    cancelled APScheduler jobs log no tracebacks."""
    import logging

    from app import create_app
    from tests.conftest import make_settings

    await reset_database(database_url)
    proxy = PgProxy(database_url)
    await proxy.start()
    caplog.set_level(logging.INFO)
    application = create_app(make_settings(proxy.dsn, SHUTDOWN_GRACE_SECONDS="1", INSTANCE_ID="closing"))
    chime = application.extensions["chime"]
    test_app = application.test_app()
    await test_app.startup()
    try:
        client = test_app.test_client()
        wf = await (await client.post("/api/v1/workflows", headers=headers, json={
            "name": "slow", "definition": delay_workflow(30)})).get_json()
        sched = await (await client.post("/api/v1/schedules", headers=headers, json={
            "workflow_id": wf["workflow_id"], "schedule_config": {"schedule_type": "cron",
                                                                  "cron_expression": "* * * * * *"}})).get_json()
        await wait_for(lambda: _fires(chime.dal, sched["schedule_id"]), timeout=10)
        await proxy.cut()
    finally:
        started = time.monotonic()
        await test_app.shutdown()
        took = time.monotonic() - started
        await proxy.cut()
    assert chime.dal.pool is None
    assert took < 20, took
    assert not [r for r in caplog.records if r.name.startswith("apscheduler") and r.levelno >= logging.ERROR]
    assert any("lease" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
