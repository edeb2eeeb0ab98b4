"""ROLE=api and ROLE=worker processes on one database: the API claims nothing, workers serve no API, and every
fire happens exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from tests.conftest import reset_database
from tests.helpers import delay_workflow, wait_for


@pytest.mark.timeout(150)
async def test_api_and_worker_processes_fire_exactly_once(make_database, spawn, token) -> None:
    dsn = await make_database()
    await reset_database(dsn)
    api = await spawn.serve("api", dsn, ROLE="api")
    workers = [await spawn.serve(f"worker-{i}", dsn, ROLE="worker", RECONCILE_SECONDS="1") for i in range(2)]
    headers = {"Authorization": f"Bearer {token()}"}
    async with httpx.AsyncClient(base_url=api.url, headers=headers, timeout=10) as client:
        assert (await client.get("/api/v1/health")).json()["role"] == "api"
        wf = (await client.post("/api/v1/workflows", json={"name": "w", "definition": {}})).json()
        ids = []
        for _ in range(6):
            sched = (await client.post("/api/v1/schedules", json={
                "workflow_id": wf["workflow_id"],
                "schedule_config": {"schedule_type": "cron", "cron_expression": "* * * * * *"}})).json()
            ids.append(uuid.UUID(sched["schedule_id"]))
        started = datetime.now(UTC)
        slow = (await client.post("/api/v1/workflows", json={"name": "slow", "definition": delay_workflow(0.2)})).json()
        yearly = (await client.post("/api/v1/schedules", json={
            "workflow_id": slow["workflow_id"],
            "schedule_config": {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"}})).json()
        manual = (await client.post(f"/api/v1/schedules/{yearly['schedule_id']}/run-now")).json()
        executed = (await client.post(f"/api/v1/workflows/{slow['workflow_id']}/execute", json={})).json()
    for w in workers:
        async with httpx.AsyncClient(base_url=w.url, headers=headers, timeout=5) as client:
            assert (await client.get("/api/v1/schedules")).status_code == 404  # workers serve no API
            assert (await client.get("/readyz")).status_code == 200

    conn = await asyncpg.connect(dsn)
    try:
        async def enough() -> bool:
            return await conn.fetchval("SELECT count(*) FROM workflow_executions WHERE trigger <> 'manual'") >= 6 * 5

        await wait_for(enough, timeout=30)

        async def manual_done() -> bool:
            return await conn.fetchval("SELECT count(*) FROM workflow_executions WHERE trigger = 'manual'"
                                       " AND status = 'completed'") == 2

        await wait_for(manual_done, timeout=15)
        end = datetime.now(UTC) - timedelta(seconds=1)
        rows = await conn.fetch("SELECT * FROM workflow_executions ORDER BY scheduled_for")
        instances = {r["instance_id"] for r in await conn.fetch("SELECT instance_id FROM scheduler_instances")}
    finally:
        await conn.close()
    assert instances == {"worker-0", "worker-1"}  # the API process holds no lease
    for sid in ids:
        seconds = [r["scheduled_for"] for r in rows
                   if r["schedule_id"] == sid and r["trigger"] != "manual" and started < r["scheduled_for"] <= end]
        assert seconds == [seconds[0] + timedelta(seconds=k) for k in range(len(seconds))], "gap or duplicate"
    assert {r["instance_id"] for r in rows if r["trigger"] != "manual"} <= {"worker-0", "worker-1"}
    by_id = {str(r["execution_id"]): r for r in rows}
    for eid in (manual["execution_id"], executed["execution_id"]):  # queued by the API, run by a worker
        assert by_id[eid]["status"] == "completed" and by_id[eid]["instance_id"] in {"worker-0", "worker-1"}
