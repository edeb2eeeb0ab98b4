"""Real-time firing: on time, exactly once, with every policy. Uses 6-field cron and 1-second intervals."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from tests.helpers import delay_workflow, executions, make_schedule, make_workflow, wait_for


async def test_every_second_cron_fires_on_time_once_per_second(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *"})
    await asyncio.sleep(3.5)
    rows = await executions(chime.dal, sched["schedule_id"])
    assert len(rows) >= 3, rows
    instants = [r["scheduled_for"] for r in rows]
    assert all(t.microsecond == 0 for t in instants)
    assert all(b - a == timedelta(seconds=1) for a, b in zip(instants, instants[1:], strict=False)), instants
    for r in rows:
        assert r["status"] == "completed" and r["trigger"] == "schedule"
        assert timedelta(0) <= r["fired_at"] - r["scheduled_for"] < timedelta(seconds=1)
    current = await (await client.get(f"/api/v1/schedules/{sched['schedule_id']}", headers=headers)).get_json()
    assert current["execution_count"] == len(rows) or current["execution_count"] == len(rows) + 1
    assert datetime.fromisoformat(current["next_execution_at"]) > rows[-1]["scheduled_for"]
    assert current["last_status"] == "completed"


async def test_interval_keeps_cadence_without_drift(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers, delay_workflow(0.3))
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "interval", "interval_seconds": 1,
                                                      "start_at": start.isoformat(), "overlap_policy": "allow"})
    await asyncio.sleep(4.2)
    rows = await executions(chime.dal, sched["schedule_id"])
    assert [r["scheduled_for"] for r in rows[:3]] == [start + timedelta(seconds=k) for k in range(3)]
    for r in rows:
        assert r["fired_at"] - r["scheduled_for"] < timedelta(seconds=1)


async def test_created_schedule_due_in_two_seconds_fires_on_time(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    when = datetime.now(UTC) + timedelta(seconds=2)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "one_time", "scheduled_time": when.isoformat()})
    rows = await wait_for(lambda: executions(chime.dal, sched["schedule_id"]), timeout=5)
    assert rows[0]["scheduled_for"] == when and rows[0]["fired_at"] - when < timedelta(seconds=1)
    done = await (await client.get(f"/api/v1/schedules/{sched['schedule_id']}", headers=headers)).get_json()
    assert done["status"] == "completed" and done["next_execution_at"] is None


async def test_max_executions_and_end_at_complete_the_schedule(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    capped = await make_schedule(client, headers, wf, {"schedule_type": "interval", "interval_seconds": 1,
                                                       "max_executions": 3})
    end = datetime.now(UTC) + timedelta(seconds=2.5)
    ending = await make_schedule(client, headers, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *",
                                                       "end_at": end.isoformat()})
    await asyncio.sleep(5)
    assert len(await executions(chime.dal, capped["schedule_id"])) == 3
    ended = await executions(chime.dal, ending["schedule_id"])
    assert 2 <= len(ended) <= 3 and all(r["scheduled_for"] <= end for r in ended)
    for sid in (capped["schedule_id"], ending["schedule_id"]):
        body = await (await client.get(f"/api/v1/schedules/{sid}", headers=headers)).get_json()
        assert body["status"] == "completed" and body["next_execution_at"] is None, body


async def test_nothing_fires_before_start_at(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *",
                                                      "start_at": start.isoformat()})
    await asyncio.sleep(4.5)
    rows = await executions(chime.dal, sched["schedule_id"])
    assert rows and min(r["scheduled_for"] for r in rows) == start


async def test_jitter_is_deterministic_and_bounded(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "interval", "interval_seconds": 2,
                                                      "jitter_seconds": 1})
    rows = await wait_for(lambda: executions(chime.dal, sched["schedule_id"]), timeout=6)
    from services.timing import jitter_offset

    for r in rows:
        offset = jitter_offset(uuid.UUID(sched["schedule_id"]), r["scheduled_for"], 1)
        assert timedelta(0) <= offset <= timedelta(seconds=1)
        assert r["fired_at"] >= r["scheduled_for"] + offset
        assert r["fired_at"] - (r["scheduled_for"] + offset) < timedelta(seconds=1)
