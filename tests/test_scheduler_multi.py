"""Two service instances on one database: shared work, no duplicates, lifecycle changes seen by both."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from app import create_app
from services import notify, schedule_state
from services.scheduler.runtime import bucket_of, own_bucket
from services.schemas import ScheduleConfig, ScheduleCreate
from tests.conftest import make_settings, reset_database
from tests.helpers import delay_workflow, executions, holds_for, make_schedule, make_workflow, wait_for
from tests.sim import PRINCIPAL, T0, Sim


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
    by_owner = sum(r["instance_id"] == owner[bucket_of(r["scheduled_for"]) % 2] for r in rows)
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


_GHOST = ("INSERT INTO scheduler_instances (instance_id, hostname, pid, role, epoch, expires_at)"
          " VALUES ('a-ghost', 'gone', 1, 'all', nextval('scheduler_lease_epoch_seq'), now() + interval '1 hour')")


@contextlib.asynccontextmanager
async def ghost_heartbeats(dal) -> AsyncIterator[None]:
    """Keeps the ghost's heartbeat fresh: an instance in the ring that claims nothing (stuck, or just killed)."""
    async def beat() -> None:
        while True:
            await dal.execute("UPDATE scheduler_instances SET heartbeat_at = now() WHERE instance_id = 'a-ghost'")
            await asyncio.sleep(0.1)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_slots_of_a_silent_instance_are_taken_one_bucket_later(database_url, headers) -> None:
    """A ghost instance in the ring (heartbeating, claiming nothing) holds half the wake-up slots. The live instance
    wakes only on its own buckets, so the fires due in the ghost's are claimed one bucket (10 ms) later: none is
    lost, none waits for the sweep, none becomes a catch-up. Each such claim announces the schedule's next instant
    to its slot's owner, so a live owner would take it back from its next fire on."""
    handed_back: list[datetime] = []
    listener = await asyncpg.connect(database_url)

    def on_change(_conn, _pid, _channel, payload: str) -> None:
        if payload.startswith("slot "):
            handed_back.append(datetime.fromtimestamp(float(payload.split()[1]), UTC))

    # No periodic reconcile within the test: it claims whatever is due whenever it runs.
    async with instances(database_url, n=1, LEASE_SECONDS="5", HEARTBEAT_SECONDS="0.5",
                         RECONCILE_SECONDS="60") as [(a, chime)]:
        await listener.add_listener(notify.CHANGES, on_change)
        await chime.dal.execute(_GHOST)
        async with ghost_heartbeats(chime.dal):
            await wait_for(lambda: _ring_is(chime, ("a-ghost", "inst-0")), timeout=10)
            assert chime.runtime.lease.slot == (1, 2)  # 'a-ghost' sorts first: the even buckets are its
            # No sweep either: it claims everything due whenever it runs, and on a loaded machine its 0.5 s period
            # drifts in step with the whole seconds for a few of them, taking the ghost's fires 1-7 ms late, before
            # our next bucket (harmless, but not what this test measures).
            await _stop_sweep(chime)
            wf = await make_workflow(a, headers)
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
            # Whole seconds are even buckets (the ghost's); start + 10 ms is odd (ours).
            ids = [(await make_schedule(a, headers, wf, {
                "schedule_type": "interval", "interval_seconds": 1,
                "start_at": (start + timedelta(milliseconds=10 * i)).isoformat()}))["schedule_id"] for i in range(2)]
            assert all(b % 2 == 1 for b in chime.runtime.wakeups), chime.runtime.wakeups
            last = start + timedelta(seconds=3)

            async def through_last() -> list:
                rows = await chime.dal.fetch("SELECT schedule_id, scheduled_for, fired_at, trigger"
                                             " FROM workflow_executions WHERE scheduled_for <= $1", last)
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
    await listener.close()
    # The ghost-slot schedule's next instants, announced at each of its claims; never our own slot's.
    assert {start + timedelta(seconds=k) for k in (1, 2, 3)} <= set(handed_back), handed_back
    assert all(t.microsecond == 0 for t in handed_back), handed_back


async def test_an_instance_that_stops_renewing_leaves_the_ring_long_before_its_lease_expires(
        database_url, headers) -> None:
    """A SIGKILLed process's lease lasts LEASE_SECONDS, but it drops out of the ring once its heartbeat is 1.5
    heartbeats old (the sweep reads the ring every 0.5 s): from then on its buckets are the survivor's own."""
    async with instances(database_url, n=1, LEASE_SECONDS="30", HEARTBEAT_SECONDS="0.5",
                         RECONCILE_SECONDS="60") as [(a, chime)]:
        await chime.dal.execute(_GHOST)
        async with ghost_heartbeats(chime.dal):
            await wait_for(lambda: _ring_is(chime, ("a-ghost", "inst-0")), timeout=10)
            await asyncio.sleep(1.0)  # the ring holds while the ghost renews (1.5 heartbeats = 0.75 s)
            assert chime.runtime.lease.ring == ("a-ghost", "inst-0")
        # Overdue 0.75 s after its last heartbeat, dropped at the next sweep (0.5 s) or heartbeat; the lease has
        # ~29 s to go, so without the freshness rule this would wait until that expiry.
        await wait_for(lambda: _ring_is(chime, ("inst-0",)), timeout=10)
        assert await chime.dal.fetchval("SELECT expires_at > now() + interval '20 seconds' FROM scheduler_instances"
                                        " WHERE instance_id = 'a-ghost'")
        wf = await make_workflow(a, headers)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
        sid = (await make_schedule(a, headers, wf, {"schedule_type": "interval", "interval_seconds": 1,
                                                     "start_at": start.isoformat()}))["schedule_id"]
        # A whole second is an even bucket, the ghost's slot until now: the wake-up is at the fire's own bucket. It
        # comes from the create's NOTIFY (or the sweep), so it is waited for; `start` leaves 3 s for that.
        await wait_for(lambda: _wakes_at(chime, start), timeout=2.5)
        async def two_fires() -> list:
            rows = await executions(chime.dal, sid)
            return rows if len(rows) >= 2 else []

        rows = await wait_for(two_fires, timeout=10)
    assert [r["scheduled_for"] for r in rows[:2]] == [start, start + timedelta(seconds=1)]
    assert {r["trigger"] for r in rows} == {"schedule"}


async def _wakes_at(chime, when: datetime) -> bool:
    """Whether the runtime holds a wake-up for `when`'s own bucket."""
    return bucket_of(when) in chime.runtime.wakeups


async def _stop_sweep(chime) -> None:
    await next(d for d in chime.runtime.duties if d.name == "sweep").stop()


async def _ring_is(chime, ring: tuple[str, ...]) -> bool:
    return chime.runtime.lease.ring == ring


async def test_a_late_wake_up_claims_only_up_to_its_own_bucket(sim: Sim) -> None:
    """A wake-up that runs late leaves the next bucket's fires (another process's slot) to their owner; a claim
    with no bound (a catch-up, the sweep) takes everything due."""
    ours, theirs = [dict(await sim.schedules.create(PRINCIPAL, ScheduleCreate(
        workflow_id=sim.empty_workflow, schedule_config=ScheduleConfig(
            schedule_type="interval", interval_seconds=60, start_at=T0 + timedelta(milliseconds=ms)))))
        for ms in (10, 20)]
    bucket = T0 + timedelta(milliseconds=10)
    sim.now = T0 + timedelta(milliseconds=27)  # our wake-up at +10 ms ran 17 ms late: both are due
    async with sim.dal.transaction() as conn:
        fired = await schedule_state.claim_due(conn, sim.now, 500, sim.owner, catchup_after=5, due_by=bucket)
    assert fired.claimed == 1
    assert [r["schedule_id"] for r in await sim.dal.fetch("SELECT schedule_id FROM workflow_executions")] == [
        ours["schedule_id"]]
    async with sim.dal.transaction() as conn:
        assert (await schedule_state.claim_due(conn, sim.now, 500, sim.owner, catchup_after=5)).claimed == 1
    assert await sim.dal.fetchval("SELECT count(*) FROM workflow_executions WHERE schedule_id = $1",
                                  theirs["schedule_id"]) == 1


async def test_a_wake_up_that_fires_early_waits_for_its_bucket(database_url, headers) -> None:
    """A timer that fires before its bucket (it happens, by a millisecond or so) still claims the bucket's fires,
    at their time, instead of finding nothing due and leaving them to the sweep."""
    async with instances(database_url, n=1, RECONCILE_SECONDS="60") as [(a, chime)]:
        wf = await make_workflow(a, headers)
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
        sid = (await make_schedule(a, headers, wf, {"schedule_type": "interval", "interval_seconds": 60,
                                                     "start_at": due.isoformat()}))["schedule_id"]
        # This test's wake-up is the only one: the sweep is stopped and the scheduled one removed.
        await _stop_sweep(chime)
        await wait_for(lambda: _wakes_at(chime, due))
        chime.runtime.aps.remove_job(f"wake-{bucket_of(due)}")
        await asyncio.sleep((due - datetime.now(UTC)).total_seconds() - 0.2)
        await chime.runtime._wake(bucket_of(due))  # 0.2 s early
        rows = await executions(chime.dal, sid)
    assert [r["scheduled_for"] for r in rows] == [due]
    assert rows[0]["fired_at"] >= due


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
