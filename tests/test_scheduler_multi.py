"""Two service instances on one database: shared work, no duplicates, lifecycle changes seen by both."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from tests.conftest import make_settings, reset_database
from tests.helpers import delay_workflow, executions, holds_for, make_schedule, make_workflow, wait_for


@contextlib.asynccontextmanager
async def instances(database_url: str, n: int = 2, **env: str) -> AsyncIterator[list]:
    """n in-process instances on one database; each one started is stopped, also when a later one fails to start."""
    await reset_database(database_url)
    async with contextlib.AsyncExitStack() as stack:
        out = []
        for i in range(n):
            application = create_app(make_settings(database_url, INSTANCE_ID=f"inst-{i}", **env))
            started = await stack.enter_async_context(application.test_app())
            out.append((started.test_client(), application.extensions["chime"]))
        yield out


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
        last = start + timedelta(seconds=5)

        async def all_fired_through_last() -> list:
            rows = await chime_a.dal.fetch("SELECT schedule_id, scheduled_for, instance_id, fired_at, status,"
                                           " trigger FROM workflow_executions")
            latest: dict = {}
            for r in rows:
                latest[r["schedule_id"]] = max(latest.get(r["schedule_id"], r["scheduled_for"]), r["scheduled_for"])
            return rows if len(latest) == 20 and min(latest.values()) >= last else []

        # Rows up to `last` are final once every schedule has one at or after it (fires are claimed in order).
        rows = [r for r in await wait_for(all_fired_through_last, timeout=30) if r["scheduled_for"] <= last]
    fires: dict = {}
    for r in rows:
        fires.setdefault(r["schedule_id"], []).append(r["scheduled_for"])
    expected = [start + timedelta(seconds=k) for k in range(6)]
    for s in scheds:
        got = sorted(fires.get(uuid.UUID(s["schedule_id"]), []))
        assert got == expected, f"missed, extra or duplicate fires for {s['schedule_id']}"
    assert {r["status"] for r in rows} == {"completed"}
    assert {r["instance_id"] for r in rows} == {"inst-0", "inst-1"}  # both processes did work
    # Never before its time, and in time: a fire claimed more than CATCHUP_AFTER_SECONDS late says "catchup".
    assert all(r["fired_at"] >= r["scheduled_for"] and r["trigger"] == "schedule" for r in rows)


async def test_a_burst_is_claimed_by_several_loops_exactly_once(database_url, headers) -> None:
    """80 fires due at one instant, 5 per claim batch: full batches start more claim loops in the process, and
    SKIP LOCKED keeps them apart, so each fire is one row."""
    async with instances(database_url, n=1, CLAIM_BATCH="5") as [(a, chime_a)]:
        wf = await make_workflow(a, headers)
        at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        ids = [(await make_schedule(a, headers, wf, {"schedule_type": "one_time", "scheduled_time": at.isoformat()}
                                    ))["schedule_id"] for _ in range(80)]

        async def all_fired() -> list:
            rows = await chime_a.dal.fetch("SELECT schedule_id, scheduled_for, status FROM workflow_executions")
            return rows if len(rows) >= 80 else []

        rows = await wait_for(all_fired, timeout=30)
        assert chime_a.runtime.peak_claim_loops >= 2
    assert sorted(str(r["schedule_id"]) for r in rows) == sorted(ids)  # one row each: none missing, none twice
    assert {(r["scheduled_for"], r["status"]) for r in rows} == {(at, "completed")}


async def test_lifecycle_across_instances(database_url, headers) -> None:
    async with instances(database_url) as [(a, chime_a), (b, _)]:
        wf = await make_workflow(a, headers)
        sched = await make_schedule(a, headers, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *"})
        sid = sched["schedule_id"]
        await wait_for(lambda: executions(chime_a.dal, sid), timeout=10)

        paused = await (await b.post(f"/api/v1/schedules/{sid}/pause", headers=headers,
                                     json={"note": "maintenance"})).get_json()
        assert paused["status"] == "paused" and paused["paused_note"] == "maintenance"
        assert paused["paused_by"] == "local-admin" and paused["is_active"] is False
        # A claim that held the row finished before the pause got its lock, so nothing may be added from here on.
        count = len(await executions(chime_a.dal, sid))
        await holds_for(lambda: _count_is(chime_a, sid, count), seconds=2)  # neither instance fires it

        resumed_at = datetime.now(UTC)
        resumed = await (await a.post(f"/api/v1/schedules/{sid}/resume", headers=headers)).get_json()
        assert resumed["status"] == "active" and datetime.fromisoformat(resumed["next_execution_at"]) > resumed_at
        after_resume = await wait_for(lambda: _rows_fired_after(chime_a, sid, resumed_at), timeout=10)
        # The cadence resumes from now: no burst of catch-ups for the fires that passed while paused.
        assert all(r["trigger"] == "schedule" and r["scheduled_for"] > resumed_at for r in after_resume)

        until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
        snoozed = await (await b.post(f"/api/v1/schedules/{sid}/snooze", headers=headers,
                                      json={"until": until.isoformat()})).get_json()
        assert datetime.fromisoformat(snoozed["next_execution_at"]) == until
        snoozed_at = datetime.fromisoformat(snoozed["updated_at"])  # the snooze transaction's own clock
        # Nothing fires before `until`; the first fire after the snooze is the one at `until`.
        rows = await wait_for(lambda: _rows_fired_after(chime_a, sid, snoozed_at), timeout=15)
        assert min(r["scheduled_for"] for r in rows) >= until

        cancelled = await (await a.post(f"/api/v1/schedules/{sid}/cancel", headers=headers)).get_json()
        assert cancelled["status"] == "cancelled" and cancelled["next_execution_at"] is None
        count = len(await executions(chime_a.dal, sid))
        await holds_for(lambda: _count_is(chime_a, sid, count), seconds=2)
        again = await b.post(f"/api/v1/schedules/{sid}/resume", headers=headers)
        assert again.status_code == 409 and (await again.get_json())["code"] == "invalid_state"
        run = await a.post(f"/api/v1/schedules/{sid}/run-now", headers=headers)
        assert run.status_code == 409 and (await run.get_json())["code"] == "invalid_state"
        assert len(await executions(chime_a.dal, sid)) == count  # nothing written


async def _count_is(chime, sid: str, n: int) -> bool:
    return len(await executions(chime.dal, sid)) == n


async def _rows_fired_after(chime, sid: str, instant: datetime) -> list:
    return [r for r in await executions(chime.dal, sid) if r["fired_at"] > instant]


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


async def test_maintenance_runs_on_one_leader_and_moves_when_it_stops(database_url) -> None:
    """Reaper and pruner run on the instance holding the advisory lock only; another takes over when it goes."""
    await reset_database(database_url)
    apps = [create_app(make_settings(database_url, INSTANCE_ID=f"lead-{i}")) for i in range(2)]
    async with contextlib.AsyncExitStack() as stack:
        started = [await stack.enter_async_context(a.test_app()) for a in apps]
        runtimes = [a.extensions["chime"].runtime for a in apps]

        async def one_leader() -> list:
            leaders = [r for r in runtimes if r.leadership.is_leader]
            return leaders if len(leaders) == 1 else []

        leader = (await wait_for(one_leader, timeout=10))[0]
        follower = next(r for r in runtimes if r is not leader)
        assert all(d.running for d in leader.leadership.maintenance)
        assert not any(d.running for d in follower.leadership.maintenance)
        await started[runtimes.index(leader)].shutdown()  # stops its scheduler, which releases the lock

        async def took_over() -> bool:
            return follower.leadership.is_leader and all(d.running for d in follower.leadership.maintenance)

        await wait_for(took_over, timeout=10)
