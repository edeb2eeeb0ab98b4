"""Two service instances on one database: shared work, no duplicates, lifecycle changes seen by both."""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from services.scheduler.runtime import own_bucket
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


async def both_in_ring(*chimes) -> bool:
    """Every instance has seen every other one's lease (its wake-up slots follow the ring)."""
    return all(len(c.runtime.lease.ring) == len(chimes) for c in chimes)


async def test_two_instances_never_duplicate_and_share_work(database_url, headers) -> None:
    # Small claim batches; anchors 10 ms apart, so each second's 20 fires fall into both processes' wake-up slots.
    async with instances(database_url, CLAIM_BATCH="4", LEASE_SECONDS="5",
                         HEARTBEAT_SECONDS="0.5") as [(a, chime_a), (b, chime_b)]:
        await wait_for(lambda: both_in_ring(chime_a, chime_b), timeout=10)
        wf = await make_workflow(a, headers)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        scheds = []
        for i in range(20):
            client = a if i % 2 else b
            scheds.append(await make_schedule(client, headers, wf, {
                "schedule_type": "interval", "interval_seconds": 1,
                "start_at": (start + timedelta(milliseconds=10 * i)).isoformat()}))
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
        slots = {c.runtime.lease.slot for c in (chime_a, chime_b)}
    fires: dict = {}
    for r in rows:
        fires.setdefault(r["schedule_id"], []).append(r["scheduled_for"])
    for i, s in enumerate(scheds):
        expected = [t for k in range(6) if (t := start + timedelta(seconds=k, milliseconds=10 * i)) <= last]
        got = sorted(fires.get(uuid.UUID(s["schedule_id"]), []))
        assert got == expected, f"missed, extra or duplicate fires for {s['schedule_id']}"
    assert {r["status"] for r in rows} == {"completed"}
    assert slots == {(0, 2), (1, 2)}
    # Each 10 ms wake-up bucket is claimed by the instance whose slot it is (inst-0 even, inst-1 odd); the other
    # one's wake-up comes a bucket later and finds it claimed. A late loop may lose one now and then.
    owner = {0: "inst-0", 1: "inst-1"}
    by_owner = sum(r["instance_id"] == owner[math.ceil(r["scheduled_for"].timestamp() * 100) % 2] for r in rows)
    assert by_owner >= 0.8 * len(rows), f"{by_owner} of {len(rows)} fires claimed in their owner's slot"
    # Never before its time, and in time: a fire claimed more than CATCHUP_AFTER_SECONDS late says "catchup".
    assert all(r["fired_at"] >= r["scheduled_for"] and r["trigger"] == "schedule" for r in rows)


def test_wake_up_slots_keep_a_whole_second_period_in_one_slot() -> None:
    for n in (2, 3, 7):
        for index in range(n):
            asked = range(1_000, 1_300)
            mine = [own_bucket(b, index, n) for b in asked]
            assert all(m % 100 % n == index and 0 <= m - b < 2 * n for b, m in zip(asked, mine, strict=True))
            # A bucket of ours stays ours a whole number of seconds later: a period's next fire needs no move.
            assert all(own_bucket(m + 100 * k, index, n) == m + 100 * k for m in mine for k in (1, 60, 3600))
    assert own_bucket(1_234, 0, 1) == 1_234  # one process: every bucket
    assert own_bucket(1_234, 150, 200) == 1_234  # more processes than buckets in a second: no slots


async def test_the_slots_of_a_dead_instance_are_taken_one_bucket_later(database_url, headers) -> None:
    """A ghost lease (a killed process until its lease expires) holds half the wake-up slots. The live instance
    wakes only on its own buckets, so the fires due in the ghost's are claimed one bucket (10 ms) later: none is
    lost, none waits for the sweep, none becomes a catch-up."""
    # No periodic reconcile within the test: it claims whatever is due whenever it runs.
    async with instances(database_url, n=1, LEASE_SECONDS="5", HEARTBEAT_SECONDS="0.5",
                         RECONCILE_SECONDS="60") as [(a, chime)]:
        await chime.dal.execute(
            "INSERT INTO scheduler_instances (instance_id, hostname, pid, role, epoch, expires_at)"
            " VALUES ('a-ghost', 'gone', 1, 'all', nextval('scheduler_lease_epoch_seq'), now() + interval '1 hour')")
        async def ghost_seen() -> bool:
            return chime.runtime.lease.ring == ("a-ghost", "inst-0")

        await wait_for(ghost_seen, timeout=10)
        assert chime.runtime.lease.slot == (1, 2)  # 'a-ghost' sorts first: the even buckets are its
        wf = await make_workflow(a, headers)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        # Whole seconds are even buckets (the ghost's); start + 10 ms is odd (ours).
        ids = [(await make_schedule(a, headers, wf, {
            "schedule_type": "interval", "interval_seconds": 1,
            "start_at": (start + timedelta(milliseconds=10 * i)).isoformat()}))["schedule_id"] for i in range(2)]
        assert all(b % 2 == 1 for b in chime.runtime.wakeups), chime.runtime.wakeups
        last = start + timedelta(seconds=3)

        async def through_last() -> list:
            rows = await chime.dal.fetch("SELECT schedule_id, scheduled_for, fired_at, trigger FROM workflow_executions"
                                         " WHERE scheduled_for <= $1", last)
            return rows if len(rows) == 7 else []

        rows = await wait_for(through_last, timeout=20)
        assert all(b % 2 == 1 for b in chime.runtime.wakeups), chime.runtime.wakeups
    got = sorted((str(r["schedule_id"]), r["scheduled_for"]) for r in rows)
    assert got == sorted([(ids[0], start + timedelta(seconds=k)) for k in range(4)]
                         + [(ids[1], start + timedelta(seconds=k, milliseconds=10)) for k in range(3)])
    assert {r["trigger"] for r in rows} == {"schedule"}
    ghost_bucket = [r["fired_at"] - r["scheduled_for"] for r in rows if r["schedule_id"] == uuid.UUID(ids[0])]
    # claimed at the next bucket at the earliest; within the catch-up threshold
    assert all(timedelta(milliseconds=9) <= late < timedelta(seconds=1) for late in ghost_bucket), ghost_bucket


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
