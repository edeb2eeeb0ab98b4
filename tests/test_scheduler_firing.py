"""Real-time firing: on time, exactly once, with every policy. Uses 6-field cron and 1-second intervals.

Lateness is bounded here only as far as correctness needs: never before the fire's time, and within
CATCHUP_AFTER_SECONDS (a later claim is recorded as a catch-up). How late fires are on a quiet machine is
measured in bench/, not asserted here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.helpers import delay_workflow, executions, make_schedule, make_workflow, wait_for

IN_TIME = timedelta(seconds=5)  # Settings.catchup_after_seconds: a fire claimed later is recorded as a catch-up


def on_time(fired_at: datetime, due: datetime) -> bool:
    """Not before its time, and claimed before it would count as a catch-up."""
    return timedelta(0) <= fired_at - due < IN_TIME


async def at_least(chime, schedule_id: str, n: int) -> list:
    rows = await executions(chime.dal, schedule_id)
    return rows if len(rows) >= n else []


async def test_every_second_cron_fires_on_time_once_per_second(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *"})
    rows = await wait_for(lambda: at_least(chime, sched["schedule_id"], 3), timeout=15)
    instants = [r["scheduled_for"] for r in rows]
    assert all(t.microsecond == 0 for t in instants)
    assert all(b - a == timedelta(seconds=1) for a, b in zip(instants, instants[1:], strict=False)), instants
    for r in rows:
        assert r["status"] == "completed" and r["trigger"] == "schedule"
        assert on_time(r["fired_at"], r["scheduled_for"]), r
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
    rows = await wait_for(lambda: at_least(chime, sched["schedule_id"], 3), timeout=15)
    assert [r["scheduled_for"] for r in rows[:3]] == [start + timedelta(seconds=k) for k in range(3)]
    for r in rows:
        assert on_time(r["fired_at"], r["scheduled_for"]), r


async def test_created_schedule_due_in_two_seconds_fires_on_time(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    when = datetime.now(UTC) + timedelta(seconds=2)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "one_time", "scheduled_time": when.isoformat()})
    rows = await wait_for(lambda: executions(chime.dal, sched["schedule_id"]), timeout=15)
    assert len(rows) == 1 and rows[0]["scheduled_for"] == when and on_time(rows[0]["fired_at"], when)
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

    async def completed(sid: str) -> dict | None:
        body = await (await client.get(f"/api/v1/schedules/{sid}", headers=headers)).get_json()
        return body if body["status"] == "completed" else None

    for sid in (capped["schedule_id"], ending["schedule_id"]):
        body = await wait_for(lambda sid=sid: completed(sid), timeout=15)
        assert body["next_execution_at"] is None, body
    assert len(await executions(chime.dal, capped["schedule_id"])) == 3
    ended = await executions(chime.dal, ending["schedule_id"])
    assert 2 <= len(ended) <= 3 and all(r["scheduled_for"] <= end for r in ended)


async def test_nothing_fires_before_start_at(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *",
                                                      "start_at": start.isoformat()})
    rows = await wait_for(lambda: executions(chime.dal, sched["schedule_id"]), timeout=15)
    assert min(r["scheduled_for"] for r in rows) == start and rows[0]["fired_at"] >= start


async def test_jitter_is_deterministic_and_bounded(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "interval", "interval_seconds": 2,
                                                      "jitter_seconds": 1})
    rows = await wait_for(lambda: executions(chime.dal, sched["schedule_id"]), timeout=15)
    from services.timing import jitter_offset

    for r in rows:
        offset = jitter_offset(uuid.UUID(sched["schedule_id"]), r["scheduled_for"], 1)
        assert timedelta(0) <= offset <= timedelta(seconds=1)
        assert on_time(r["fired_at"], r["scheduled_for"] + offset), r  # never before its jittered instant
