"""Misfire handling, overlap policies and executions API, in real time."""

from __future__ import annotations

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
        caught = await wait_for(lambda: executions(dal, soon["schedule_id"]), timeout=15)
        assert len(caught) == 1
        assert caught[0]["trigger"] == "catchup" and caught[0]["status"] == "completed"
        expected = now - timedelta(minutes=5)
        assert abs(caught[0]["scheduled_for"] - expected) < timedelta(seconds=2)
        missed = await wait_for(lambda: executions(dal, late["schedule_id"]), timeout=15)
        assert len(missed) == 1 and missed[0]["status"] == "missed" and "grace" in missed[0]["error"]
        for sid, gap in ((soon["schedule_id"], 5), (late["schedule_id"], 30)):
            body = await (await client.get(f"/api/v1/schedules/{sid}", headers=headers)).get_json()
            nxt = datetime.fromisoformat(body["next_execution_at"])
            assert nxt > datetime.now(UTC), body  # never stuck in the past
            assert abs(nxt - (now + timedelta(minutes=gap))) < timedelta(seconds=2)
        assert await executions(dal, pending["schedule_id"]) == []


async def _policy_run(chime, client, headers, policy: str) -> tuple[dict, list]:
    """Runs take 4 s and fires come every second, so the first three fires all find the first run still going.

    Returns once three fires are recorded. What the policy decided for each fire is fixed when it fires, so the
    assertions below hold however late this wait returns (a busy machine)."""
    wf = await make_workflow(client, headers, delay_workflow(4))
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "interval", "interval_seconds": 1,
                                                      "start_at": start.isoformat(), "overlap_policy": policy})
    rows = await wait_for(lambda: _at_least(chime, sched["schedule_id"], 3), timeout=15)
    return sched, rows


async def _at_least(chime, schedule_id: str, n: int) -> list:
    rows = await executions(chime.dal, schedule_id)
    return rows if len(rows) >= n else []


async def _row(chime, execution_id) -> dict:
    return await chime.dal.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1", execution_id)


async def test_overlap_skip(chime, client, auth) -> None:
    _, rows = await _policy_run(chime, client, auth(), "skip")
    statuses = [r["status"] for r in rows]
    # The first run (4 s) was going when the next two fired: they were skipped, it was not disturbed.
    assert statuses[0] in ("running", "completed") and statuses[1:3] == ["skipped", "skipped"], statuses
    assert "still running" in rows[1]["error"] and "still running" in rows[2]["error"]
    first = await wait_for(lambda: _ended(chime, rows[0]["execution_id"]), timeout=15)
    assert first["status"] == "completed" and first["finished_at"] > rows[2]["fired_at"]


async def test_overlap_allow(chime, client, auth) -> None:
    _, rows = await _policy_run(chime, client, auth(), "allow")
    # Dispatched, not skipped: `pending` (owned) until the execution writer's next flush marks it running.
    assert all(r["status"] in ("pending", "running", "completed") and r["instance_id"] for r in rows[:3]), \
        [r["status"] for r in rows]
    # Three runs at once: the third started while the first was still going.
    third = await wait_for(lambda: _started(chime, rows[2]["execution_id"]), timeout=15)
    first = await wait_for(lambda: _ended(chime, rows[0]["execution_id"]), timeout=15)
    assert first["status"] == "completed" and third["started_at"] < first["finished_at"]


async def test_overlap_buffer_one(chime, client, auth) -> None:
    _, rows = await _policy_run(chime, client, auth(), "buffer_one")
    statuses = [r["status"] for r in rows]
    # Fire 2 was buffered behind the running first run; fire 3 found one buffered already and was skipped.
    assert statuses[0] in ("running", "completed") and statuses[2] == "skipped", statuses
    assert "already buffered" in rows[2]["error"]
    assert rows[1]["status"] != "pending" or rows[1]["instance_id"] is None  # queued for any worker, not owned
    buffered = await wait_for(lambda: _started(chime, rows[1]["execution_id"]), timeout=15)
    first = await _row(chime, rows[0]["execution_id"])
    assert first["status"] == "completed" and buffered["started_at"] >= first["finished_at"]


async def test_overlap_cancel_other(chime, client, auth) -> None:
    _, rows = await _policy_run(chime, client, auth(), "cancel_other")
    # Each new fire stops the run before it: fires 2 and 3 cancelled runs 1 and 2 (by whoever runs them).
    first = await wait_for(lambda: _ended(chime, rows[0]["execution_id"]), timeout=15)
    second = await wait_for(lambda: _ended(chime, rows[1]["execution_id"]), timeout=15)
    assert (first["status"], second["status"]) == ("cancelled", "cancelled")
    assert first["finished_at"] >= rows[1]["fired_at"] and second["finished_at"] >= rows[2]["fired_at"]
    third = await _row(chime, rows[2]["execution_id"])
    assert third["status"] in ("pending", "running", "cancelled"), third["status"]  # a later fire may cancel it too


async def _started(chime, execution_id) -> dict | None:
    row = await _row(chime, execution_id)
    return row if row["started_at"] is not None and row["status"] != "pending" else None


async def _ended(chime, execution_id) -> dict | None:
    row = await _row(chime, execution_id)
    return row if row["status"] not in ("pending", "running") else None


async def test_executions_api(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *"})
    await wait_for(lambda: _count(chime, sched["schedule_id"], 3), timeout=15)
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
