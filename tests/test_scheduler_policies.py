"""Misfire handling, overlap policies and executions API, in real time."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from app import create_app
from tests.conftest import make_settings, reset_database
from tests.helpers import delay_workflow, executions, make_schedule, make_workflow, wait_for


async def test_misfire_catchup_and_missed_after_downtime(database_url, token) -> None:
    """Schedules whose fires passed while no process ran: caught up once within grace, else recorded missed."""
    headers = {"Authorization": f"Bearer {token()}"}
    await reset_database(database_url)
    app = create_app(make_settings(database_url))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        wf = await make_workflow(client, headers)
        soon = await make_schedule(client, headers, wf, {"schedule_type": "interval", "interval_seconds": 600})
        late = await make_schedule(client, headers, wf, {"schedule_type": "interval", "interval_seconds": 3600})
        pending = await make_schedule(client, headers, wf, {"schedule_type": "interval", "interval_seconds": 3600})
    # Downtime: nothing runs while fires pass. Anchors moved back so that, at restart:
    #   soon: fires at -25, -15, -5 min were missed; -5 min is within the 900 s grace -> one catch-up run
    #   late: fires at -150, -90, -30 min were missed; -30 min is beyond grace -> one "missed" row
    now = datetime.now(UTC)
    conn_dal = app.extensions["chime"].dal
    await conn_dal.connect()
    try:
        for sid, anchor in ((soon["schedule_id"], now - timedelta(minutes=25)),
                            (late["schedule_id"], now - timedelta(minutes=150))):
            await conn_dal.execute(
                "UPDATE workflow_schedules SET anchor_at = $2, next_execution_at = $2, next_due_at = $2"
                " WHERE schedule_id = $1", uuid.UUID(sid), anchor)
    finally:
        await conn_dal.close()
    app = create_app(make_settings(database_url))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        dal = app.extensions["chime"].dal
        caught = await wait_for(lambda: executions(dal, soon["schedule_id"]), timeout=8)
        assert len(caught) == 1
        assert caught[0]["trigger"] == "catchup" and caught[0]["status"] == "completed"
        expected = now - timedelta(minutes=5)
        assert abs(caught[0]["scheduled_for"] - expected) < timedelta(seconds=2)
        missed = await wait_for(lambda: executions(dal, late["schedule_id"]), timeout=8)
        assert len(missed) == 1 and missed[0]["status"] == "missed" and "grace" in missed[0]["error"]
        for sid, gap in ((soon["schedule_id"], 5), (late["schedule_id"], 30)):
            body = await (await client.get(f"/api/v1/schedules/{sid}", headers=headers)).get_json()
            nxt = datetime.fromisoformat(body["next_execution_at"])
            assert nxt > datetime.now(UTC), body  # never stuck in the past
            assert abs(nxt - (now + timedelta(minutes=gap))) < timedelta(seconds=2)
        assert await executions(dal, pending["schedule_id"]) == []


async def _policy_run(chime, client, headers, policy: str, seconds: float = 3.5) -> list:
    # Each run takes 4 s and fires come every second, so runs always overlap during the first 3.5 s.
    wf = await make_workflow(client, headers, delay_workflow(4))
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "interval", "interval_seconds": 1,
                                                      "start_at": start.isoformat(), "overlap_policy": policy})
    await asyncio.sleep(seconds)
    return sched, await executions(chime.dal, sched["schedule_id"])


async def test_overlap_skip(chime, client, auth) -> None:
    _, rows = await _policy_run(chime, client, auth(), "skip")
    assert [r["status"] for r in rows[:3]] == ["running", "skipped", "skipped"], [r["status"] for r in rows]
    assert "still running" in rows[1]["error"]


async def test_overlap_allow(chime, client, auth) -> None:
    _, rows = await _policy_run(chime, client, auth(), "allow")
    assert len(rows) >= 3 and all(r["status"] == "running" for r in rows[:3])


async def test_overlap_buffer_one(chime, client, auth) -> None:
    sched, rows = await _policy_run(chime, client, auth(), "buffer_one")
    statuses = [r["status"] for r in rows]
    assert statuses[0] == "running" and statuses[1] == "pending" and rows[1]["instance_id"] is None
    assert set(statuses[2:]) <= {"skipped"} and len(statuses) >= 3, statuses
    buffered = rows[1]["execution_id"]

    async def buffered_started():
        row = await chime.dal.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1", buffered)
        return row if row["status"] == "running" else None

    row = await wait_for(buffered_started, timeout=8)
    first = await chime.dal.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1",
                                     rows[0]["execution_id"])
    assert first["status"] == "completed" and row["started_at"] >= first["finished_at"]


async def test_overlap_cancel_other(chime, client, auth) -> None:
    sched, rows = await _policy_run(chime, client, auth(), "cancel_other", seconds=3.0)
    await asyncio.sleep(0.5)
    rows = await executions(chime.dal, sched["schedule_id"])
    statuses = [r["status"] for r in rows]
    assert statuses[:2] == ["cancelled", "cancelled"] and statuses[-1] == "running", statuses


async def test_executions_api(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *"})
    await wait_for(lambda: _count(chime, sched["schedule_id"], 3), timeout=6)
    sid = sched["schedule_id"]
    listed = await (await client.get(f"/api/v1/schedules/{sid}/executions?limit=2", headers=headers)).get_json()
    assert len(listed["items"]) == 2 and listed["next_cursor"]
    rest = await (await client.get(f"/api/v1/schedules/{sid}/executions?limit=2&cursor={listed['next_cursor']}",
                                   headers=headers)).get_json()
    ids = [e["execution_id"] for e in listed["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) >= 3
    one = await (await client.get(f"/api/v1/executions/{ids[0]}", headers=headers)).get_json()
    assert one["schedule_id"] == sid and one["status"] == "completed" and one["steps"] == []
    assert one["scheduled_for"].endswith("Z") or "+" in one["scheduled_for"]
    filtered = await (await client.get(f"/api/v1/executions?schedule_id={sid}&status=completed&trigger=schedule",
                                       headers=headers)).get_json()
    assert filtered["items"] and all(e["status"] == "completed" for e in filtered["items"])
    none = await (await client.get("/api/v1/executions?status=failed", headers=headers)).get_json()
    assert none["items"] == []
    assert (await client.get(f"/api/v1/executions/{ids[0]}", headers=auth(2))).status_code == 404
    assert (await client.get(f"/api/v1/executions/{uuid.uuid4()}", headers=headers)).status_code == 404
    bad = await client.get("/api/v1/executions?status=exploded", headers=headers)
    assert bad.status_code == 400


async def _count(chime, schedule_id: str, n: int) -> bool:
    return len(await executions(chime.dal, schedule_id)) >= n
