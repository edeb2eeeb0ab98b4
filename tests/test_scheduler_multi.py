"""Two service instances on one database: shared work, no duplicates, lifecycle changes seen by both."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from tests.conftest import make_settings, reset_database
from tests.helpers import delay_workflow, executions, make_schedule, make_workflow, wait_for


@contextlib.asynccontextmanager
async def instances(database_url: str, n: int = 2, **env: str) -> AsyncIterator[list]:
    await reset_database(database_url)
    apps = [create_app(make_settings(database_url, INSTANCE_ID=f"inst-{i}", **env)) for i in range(n)]
    ctxs = [a.test_app() for a in apps]
    started = [await c.__aenter__() for c in ctxs]
    try:
        yield [(t.test_client(), a.extensions["chime"]) for t, a in zip(started, apps, strict=True)]
    finally:
        for c in ctxs:
            await c.__aexit__(None, None, None)


@pytest.fixture
def headers(token) -> dict[str, str]:
    return {"Authorization": f"Bearer {token()}"}


async def test_two_instances_never_duplicate_and_share_work(database_url, headers) -> None:
    # Small claim batches, so that both processes get a share of each second's 20 fires.
    async with instances(database_url, CLAIM_BATCH="4") as [(a, chime_a), (b, _)]:
        wf = await make_workflow(a, headers)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        scheds = []
        for i in range(20):
            client = a if i % 2 else b
            scheds.append(await make_schedule(client, headers, wf, {
                "schedule_type": "cron", "cron_expression": "* * * * * *", "start_at": start.isoformat()}))
        await asyncio.sleep(8)
        end = datetime.now(UTC) - timedelta(seconds=1)
        rows = await chime_a.dal.fetch("SELECT schedule_id, scheduled_for, instance_id, fired_at, status"
                                       " FROM workflow_executions")
    fires: dict = {}
    for r in rows:
        fires.setdefault(r["schedule_id"], []).append(r["scheduled_for"])
    expected = [start + timedelta(seconds=k) for k in range(int((end - start).total_seconds()) + 1)]
    assert len(expected) >= 5
    for s in scheds:
        got = sorted(fires.get(uuid.UUID(s["schedule_id"]), []))
        assert len(got) == len(set(got)), "duplicate fire"
        assert got[:len(expected)] == expected, f"missed or extra fires for {s['schedule_id']}"
    assert {r["status"] for r in rows} == {"completed"}
    assert {r["instance_id"] for r in rows} == {"inst-0", "inst-1"}  # both processes did work
    assert max(r["fired_at"] - r["scheduled_for"] for r in rows) < timedelta(seconds=1)


async def test_lifecycle_across_instances(database_url, headers) -> None:
    async with instances(database_url) as [(a, chime_a), (b, _)]:
        wf = await make_workflow(a, headers)
        sched = await make_schedule(a, headers, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *"})
        sid = sched["schedule_id"]
        await wait_for(lambda: executions(chime_a.dal, sid), timeout=4)

        paused = await (await b.post(f"/api/v1/schedules/{sid}/pause", headers=headers,
                                     json={"note": "maintenance"})).get_json()
        assert paused["status"] == "paused" and paused["paused_note"] == "maintenance"
        assert paused["paused_by"] == "local-admin" and paused["is_active"] is False
        await asyncio.sleep(1.2)
        count = len(await executions(chime_a.dal, sid))
        await asyncio.sleep(2)
        assert len(await executions(chime_a.dal, sid)) == count  # neither instance fires a paused schedule

        resumed_at = datetime.now(UTC)
        resumed = await (await a.post(f"/api/v1/schedules/{sid}/resume", headers=headers)).get_json()
        assert resumed["status"] == "active" and datetime.fromisoformat(resumed["next_execution_at"]) > resumed_at
        await asyncio.sleep(2.5)
        after_resume = [r for r in await executions(chime_a.dal, sid) if r["fired_at"] >= resumed_at]
        assert 1 <= len(after_resume) <= 3  # cadence resumes from now, no burst of catch-ups
        assert all(r["trigger"] == "schedule" for r in after_resume)

        until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
        snoozed = await (await b.post(f"/api/v1/schedules/{sid}/snooze", headers=headers,
                                      json={"until": until.isoformat()})).get_json()
        assert datetime.fromisoformat(snoozed["next_execution_at"]) == until
        snooze_started = datetime.now(UTC)
        await asyncio.sleep(3.8)
        rows = [r for r in await executions(chime_a.dal, sid) if r["fired_at"] > snooze_started + timedelta(
            milliseconds=300)]
        assert rows and min(r["scheduled_for"] for r in rows) >= until

        cancelled = await (await a.post(f"/api/v1/schedules/{sid}/cancel", headers=headers)).get_json()
        assert cancelled["status"] == "cancelled" and cancelled["next_execution_at"] is None
        await asyncio.sleep(1.2)
        count = len(await executions(chime_a.dal, sid))
        await asyncio.sleep(1.5)
        assert len(await executions(chime_a.dal, sid)) == count
        again = await b.post(f"/api/v1/schedules/{sid}/resume", headers=headers)
        assert again.status_code == 409 and (await again.get_json())["code"] == "invalid_state"
        run = await a.post(f"/api/v1/schedules/{sid}/run-now", headers=headers)
        assert run.status_code == 409 and (await run.get_json())["code"] == "invalid_state"
        assert len(await executions(chime_a.dal, sid)) == count  # nothing written


async def test_run_now_and_overlap(database_url, headers) -> None:
    async with instances(database_url) as [(a, chime_a), (b, _)]:
        wf = await make_workflow(a, headers, delay_workflow(3))
        far = {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"}
        sched = await make_schedule(a, headers, wf, far)
        sid = sched["schedule_id"]
        first = await b.post(f"/api/v1/schedules/{sid}/run-now", headers=headers)
        body = await first.get_json()
        assert first.status_code == 202 and body["status"] == "pending"
        second = await (await a.post(f"/api/v1/schedules/{sid}/run-now", headers=headers)).get_json()
        assert second["status"] == "skipped"  # overlap_policy skip, the first still runs
        forced = await (await a.post(f"/api/v1/schedules/{sid}/run-now", headers=headers,
                                     json={"force": True})).get_json()
        assert forced["status"] == "pending"
        rows = await executions(chime_a.dal, sid)
        assert [r["trigger"] for r in rows] == ["manual"] * 3
        current = await (await a.get(f"/api/v1/schedules/{sid}", headers=headers)).get_json()
        assert current["next_execution_at"] == sched["next_execution_at"]  # cadence untouched

        # cancel a running execution through the other instance
        running = body["execution_id"]
        await wait_for(lambda: _status_is(chime_a, running, "running"), timeout=3)
        resp = await a.post(f"/api/v1/executions/{running}/cancel", headers=headers)
        assert resp.status_code == 202
        await wait_for(lambda: _status_is(chime_a, running, "cancelled"), timeout=3)
        done = await (await a.post(f"/api/v1/executions/{running}/cancel", headers=headers)).get_json()
        assert done["code"] == "invalid_state"


async def _status_is(chime, execution_id: str, status: str) -> bool:
    row = await chime.dal.fetchrow("SELECT status FROM workflow_executions WHERE execution_id = $1",
                                   uuid.UUID(execution_id))
    return row["status"] == status
