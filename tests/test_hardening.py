"""One test per defect of the hardening issue (exactly once under edits, leases, queue, run-now, API contract).

Deterministic cases drive the real services with a simulated clock (tests/sim.py); cases about real time,
NOTIFY and processes use the real app.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services import execution_state, firing
from services.dal import AsyncDAL
from services.errors import Conflict
from services.firing import NewExecution, Owner
from services.schemas import ScheduleConfig, ScheduleCreate
from tests.helpers import delay_workflow, executions, holds_for, make_schedule, make_workflow, wait_for
from tests.sim import PRINCIPAL, T0, Sim


async def _create(sim: Sim, work: bool = False, **config) -> dict:
    body = ScheduleCreate(workflow_id=sim.work_workflow if work else sim.empty_workflow,
                          schedule_config=ScheduleConfig(**config))
    return dict(await sim.schedules.create(PRINCIPAL, body))


async def _rows(sim: Sim, sid: uuid.UUID) -> list:
    return await sim.dal.fetch("SELECT * FROM workflow_executions WHERE schedule_id = $1 ORDER BY seq", sid)


async def _queued(sim: Sim, sid: uuid.UUID, trigger: str, run_after: datetime,
                  parent: uuid.UUID | None = None, workflow_id: uuid.UUID | None = None) -> uuid.UUID:
    """A queued (unowned pending) row, as a buffered fire or a waiting retry is stored."""
    ex = NewExecution(schedule_id=sid, workflow_id=workflow_id or sim.work_workflow, community_id=1,
                      scheduled_for=run_after, fired_at=sim.now, status="pending", trigger=trigger, owner=None,
                      context={}, run_after=run_after, parent_execution_id=parent, attempt=2 if parent else 1)
    async with sim.dal.transaction() as conn:
        assert await firing.insert(conn, [ex])
    return ex.execution_id


# --- schedule state ------------------------------------------------------------------------------------------
async def test_rename_of_a_completed_schedule_keeps_it_completed(sim: Sim) -> None:
    sched = await _create(sim, schedule_type="interval", interval_seconds=60, max_executions=1)
    sim.advance(61)
    await sim.claim()
    from services.schemas import SchedulePatch

    assert (await sim.schedules.get_row(PRINCIPAL, sched["schedule_id"]))["status"] == "completed"
    out = await sim.schedules.patch(PRINCIPAL, sched["schedule_id"], SchedulePatch(name="renamed"), None)
    assert out["status"] == "completed" and out["next_execution_at"] is None and out["name"] == "renamed"
    sim.advance(600)
    await sim.claim()
    assert len(await _rows(sim, sched["schedule_id"])) == 1


async def test_rename_of_a_past_one_time_is_accepted(sim: Sim) -> None:
    """Metadata-only changes never re-validate timing."""
    from services.schemas import SchedulePatch

    sched = await _create(sim, schedule_type="one_time", scheduled_time=T0 + timedelta(seconds=30))
    sim.advance(3600)
    await sim.claim()
    out = await sim.schedules.patch(PRINCIPAL, sched["schedule_id"], SchedulePatch(name="later"), None)
    assert out["name"] == "later" and out["status"] == "completed"


async def test_jittered_fire_is_late_only_after_its_own_due_time(sim: Sim) -> None:
    sched = await _create(sim, schedule_type="interval", interval_seconds=5, jitter_seconds=4,
                          grace_period_seconds=1)
    assert sched["next_due_at"] > sched["next_execution_at"]  # this fire has a jitter (deterministic per id)
    for _ in range(5):
        due = (await sim.schedules.get_row(PRINCIPAL, sched["schedule_id"]))["next_due_at"]
        sim.now = due + timedelta(seconds=0.5)  # within grace of the jittered due time
        await sim.claim()
    statuses = [r["status"] for r in await _rows(sim, sched["schedule_id"])]
    assert statuses == ["completed"] * 5


async def test_run_now_completes_at_max_executions_and_refuses_beyond(sim: Sim) -> None:
    sched = await _create(sim, schedule_type="cron", cron_expression="0 0 1 1 *", max_executions=1)
    await sim.schedules.run_now(PRINCIPAL, sched["schedule_id"], False)
    row = await sim.schedules.get_row(PRINCIPAL, sched["schedule_id"])
    assert row["status"] == "completed" and row["execution_count"] == 1 and row["next_execution_at"] is None
    with pytest.raises(Conflict) as refused:
        await sim.schedules.run_now(PRINCIPAL, sched["schedule_id"], True)
    assert refused.value.code == "max_executions_reached"


async def test_run_now_refuses_an_inactive_workflow(sim: Sim) -> None:
    sched = await _create(sim, schedule_type="interval", interval_seconds=60)
    await sim.dal.execute("UPDATE workflows SET status = 'inactive' WHERE workflow_id = $1", sim.empty_workflow)
    with pytest.raises(Conflict) as refused:
        await sim.schedules.run_now(PRINCIPAL, sched["schedule_id"], False)
    assert refused.value.code == "workflow_inactive"
    assert await _rows(sim, sched["schedule_id"]) == []


async def test_run_now_cancel_other_also_cancels_the_buffered_run(sim: Sim) -> None:
    sched = await _create(sim, work=True, schedule_type="interval", interval_seconds=60,
                          overlap_policy="cancel_other")
    sid = sched["schedule_id"]
    sim.advance(60)
    await sim.claim()  # a live (owned) run
    buffered = await _queued(sim, sid, "schedule", sim.now + timedelta(seconds=1))
    await sim.schedules.run_now(PRINCIPAL, sid, False)
    rows = {r["execution_id"]: r for r in await _rows(sim, sid)}
    assert rows[buffered]["status"] == "cancelled"
    first = next(r for r in rows.values() if r["trigger"] == "schedule" and r["execution_id"] != buffered)
    assert first["cancel_requested"] is True


async def test_update_raises_no_412_without_if_match_on_a_cancelled_schedule(sim: Sim) -> None:
    from services.schemas import SchedulePatch

    sched = await _create(sim, schedule_type="interval", interval_seconds=60)
    await sim.schedules.cancel(PRINCIPAL, sched["schedule_id"])
    with pytest.raises(Conflict):
        await sim.schedules.patch(PRINCIPAL, sched["schedule_id"], SchedulePatch(name="x"), None)


async def test_active_schedule_must_be_due_somewhere(sim: Sim) -> None:
    sched = await _create(sim, schedule_type="interval", interval_seconds=60)
    with pytest.raises(asyncpg.CheckViolationError):
        await sim.dal.execute("UPDATE workflow_schedules SET next_due_at = NULL WHERE schedule_id = $1",
                              sched["schedule_id"])
    columns = {r["column_name"] for r in await sim.dal.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'workflow_schedules'")}
    assert "is_active" not in columns  # derived from status in responses


# --- queue pick-up -------------------------------------------------------------------------------------------
async def test_queue_takes_one_row_per_schedule_and_none_while_a_run_is_live(sim: Sim) -> None:
    sched = await _create(sim, work=True, schedule_type="interval", interval_seconds=3600,
                          overlap_policy="buffer_one")
    sid = sched["schedule_id"]
    parent = uuid.uuid4()
    buffered = await _queued(sim, sid, "schedule", sim.now)
    retry = await _queued(sim, sid, "retry", sim.now - timedelta(seconds=1), parent=parent)
    taken = await sim.take()
    assert [r["execution_id"] for r in taken] == [retry]  # the older one; the buffered fire waits for it
    assert await sim.take() == []  # the taken one is live now
    await sim.finish(retry, "completed")
    assert [r["execution_id"] for r in await sim.take()] == [buffered]


async def test_queued_rows_of_a_deleted_workflow_are_cancelled_not_owned_forever(sim: Sim) -> None:
    gone = uuid.uuid4()
    async with sim.dal.transaction() as conn:
        ex = NewExecution(schedule_id=None, workflow_id=gone, community_id=1, scheduled_for=sim.now,
                          fired_at=sim.now, status="pending", trigger="retry", owner=None, context={},
                          run_after=sim.now, attempt=2, parent_execution_id=uuid.uuid4())
        await firing.insert(conn, [ex])
    assert await sim.take() == []
    row = await sim.dal.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1", ex.execution_id)
    assert row["status"] == "cancelled" and "deleted" in row["error"]


@pytest.mark.parametrize("action", ["pause", "cancel", "delete"])
async def test_queued_work_of_a_stopped_schedule_never_runs(sim: Sim, action: str) -> None:
    sched = await _create(sim, work=True, schedule_type="interval", interval_seconds=3600,
                          overlap_policy="buffer_one")
    sid = sched["schedule_id"]
    buffered = await _queued(sim, sid, "schedule", sim.now)
    retry = await _queued(sim, sid, "retry", sim.now - timedelta(seconds=1), parent=uuid.uuid4())
    if action == "pause":
        await sim.schedules.pause(PRINCIPAL, sid, None)
    elif action == "cancel":
        await sim.schedules.cancel(PRINCIPAL, sid)
    else:
        await sim.schedules.delete(PRINCIPAL, sid)
    assert await sim.take() == []
    for eid in (buffered, retry):
        assert await sim.dal.fetchval("SELECT status FROM workflow_executions WHERE execution_id = $1",
                                      eid) == "cancelled"


async def test_queued_retry_written_after_a_pause_is_cancelled_at_pick_up(sim: Sim) -> None:
    sched = await _create(sim, work=True, schedule_type="interval", interval_seconds=3600)
    sid = sched["schedule_id"]
    await sim.schedules.pause(PRINCIPAL, sid, None)
    retry = await _queued(sim, sid, "retry", sim.now, parent=uuid.uuid4())
    assert await sim.take() == []
    assert await sim.dal.fetchval("SELECT status FROM workflow_executions WHERE execution_id = $1",
                                  retry) == "cancelled"


async def test_a_retry_waiting_for_its_backoff_is_not_a_live_run(sim: Sim) -> None:
    sched = await _create(sim, work=True, schedule_type="interval", interval_seconds=60, overlap_policy="skip")
    sid = sched["schedule_id"]
    await _queued(sim, sid, "retry", sim.now + timedelta(hours=1), parent=uuid.uuid4())
    sim.advance(60)
    await sim.claim()
    fired = [r for r in await _rows(sim, sid) if r["trigger"] == "schedule"]
    assert [r["status"] for r in fired] == ["pending"]  # runs, not skipped


# --- retries and leases --------------------------------------------------------------------------------------
async def test_one_retry_per_parent_and_attempt(sim: Sim) -> None:
    sched = await _create(sim, work=True, schedule_type="interval", interval_seconds=60)
    sim.advance(60)
    await sim.claim()
    parent = await sim.dal.fetchrow("UPDATE workflow_executions SET status = 'failed' WHERE schedule_id = $1"
                                    " RETURNING *", sched["schedule_id"])
    async with sim.dal.transaction() as conn:
        first = firing.plan_retry(parent, sim_retry(), sim.now)
        second = firing.plan_retry(parent, sim_retry(), sim.now + timedelta(seconds=5))
        assert len(await firing.insert(conn, [first])) == 1
        assert await firing.insert(conn, [second]) == set()  # the runner and the reaper cannot both add one
    retry = await sim.dal.fetchrow("SELECT * FROM workflow_executions WHERE parent_execution_id = $1",
                                   parent["execution_id"])
    assert retry["scheduled_for"] == parent["scheduled_for"] and retry["run_after"] > sim.now
    indexes = await sim.dal.fetch("SELECT indexdef FROM pg_indexes WHERE tablename = 'workflow_executions'")
    assert any("(parent_execution_id, attempt, scheduled_for)" in r["indexdef"] for r in indexes)


def sim_retry() -> dict:
    return {"max_retries": 2, "backoff": "fixed", "base_seconds": 30.0}


async def _ghost_run(sim: Sim, *, cancel_requested: bool, expired: bool) -> uuid.UUID:
    """A running execution owned by instance 'ghost' whose lease is expired (or not) by the database's clock."""
    epoch = await sim.dal.fetchval(
        "INSERT INTO scheduler_instances (instance_id, hostname, pid, epoch, expires_at) VALUES ('ghost', 'h', 1,"
        " nextval('scheduler_lease_epoch_seq'), now() + $1::interval) RETURNING epoch",
        timedelta(seconds=-5 if expired else 3600))
    ex = NewExecution(schedule_id=None, workflow_id=sim.work_workflow, community_id=1, scheduled_for=sim.now,
                      fired_at=sim.now, status="pending", trigger="manual", owner=Owner("ghost", epoch), context={})
    async with sim.dal.transaction() as conn:
        await firing.insert(conn, [ex])
        await conn.execute("UPDATE workflow_executions SET status = 'running', cancel_requested = $2"
                           " WHERE execution_id = $1", ex.execution_id, cancel_requested)
    return ex.execution_id


async def test_reaper_trusts_only_the_database_clock(sim: Sim) -> None:
    live = await _ghost_run(sim, cancel_requested=False, expired=False)
    async with sim.dal.transaction() as conn:
        # The application's clock is a day ahead: the lease is still good by the database's, so nothing is reaped.
        assert await execution_state.reap(conn, datetime.now(UTC) + timedelta(days=1), 60) == []
    assert await sim.dal.fetchval("SELECT status FROM workflow_executions WHERE execution_id = $1", live) == "running"


async def test_a_cancelled_run_that_is_reaped_is_not_retried(sim: Sim) -> None:
    eid = await _ghost_run(sim, cancel_requested=True, expired=True)
    async with sim.dal.transaction() as conn:
        reaped = await execution_state.reap(conn, sim.now, 60)
    assert [r["execution_id"] for r in reaped] == [eid]
    row = await sim.dal.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1", eid)
    assert row["status"] == "cancelled"
    assert await sim.dal.fetchval("SELECT count(*) FROM workflow_executions WHERE parent_execution_id = $1", eid) == 0


async def test_an_abandoned_run_is_retried_once_even_if_reaped_twice(sim: Sim) -> None:
    eid = await _ghost_run(sim, cancel_requested=False, expired=True)
    for _ in range(2):
        async with sim.dal.transaction() as conn:
            await execution_state.reap(conn, sim.now, 60)
    assert await sim.dal.fetchval("SELECT status FROM workflow_executions WHERE execution_id = $1", eid) == "abandoned"
    assert await sim.dal.fetchval("SELECT count(*) FROM workflow_executions WHERE parent_execution_id = $1", eid) == 1


async def test_results_under_an_expired_lease_are_refused(sim: Sim) -> None:
    eid = await _ghost_run(sim, cancel_requested=False, expired=True)
    epoch = await sim.dal.fetchval("SELECT lease_epoch FROM workflow_executions WHERE execution_id = $1", eid)
    result = execution_state.Result(execution_id=eid, scheduled_for=sim.now, status="completed",
                                    finished_at=sim.now)
    async with sim.dal.transaction() as conn:
        written, refused = await execution_state.write_results(conn, [result], Owner("ghost", epoch), sim.now)
    assert written == [] and refused == [eid]
    # ...and under a stale epoch of a live lease too.
    await sim.dal.execute("UPDATE scheduler_instances SET expires_at = now() + interval '1 hour',"
                          " epoch = nextval('scheduler_lease_epoch_seq') WHERE instance_id = 'ghost'")
    async with sim.dal.transaction() as conn:
        written, refused = await execution_state.write_results(conn, [result], Owner("ghost", epoch), sim.now)
    assert written == [] and refused == [eid]


async def test_lease_self_fences_after_half_its_length(database_url: str) -> None:
    from services.scheduler.duty import DatabaseHealth
    from services.scheduler.lease import Lease

    dal = AsyncDAL(database_url, min_size=1, max_size=2)
    await dal.connect()
    try:
        fenced: list[int] = []
        lease = Lease(dal, f"fence-{uuid.uuid4().hex[:6]}", 5.0, 1.0, DatabaseHealth())
        lease.on_fenced.append(lambda: fenced.append(1))
        await lease.register()
        assert lease.valid and lease.owner is not None
        lease.renewed -= 2.6  # as if no renewal answered for more than half the lease
        lease.check_fence()
        assert not lease.valid and lease.owner is None and fenced == [1]
        lease.check_fence()
        assert fenced == [1]  # once per episode
        await lease.run_once()  # the lease is still good in the database: renewed, same epoch
        assert lease.valid and fenced == [1]
        await dal.execute("UPDATE scheduler_instances SET expires_at = now() - interval '1 s'"
                          " WHERE instance_id = $1", lease.instance_id)
        old = lease.epoch
        await lease.run_once()  # expired: never revived, a new epoch instead
        assert lease.epoch > old and lease.valid
        await lease.release()
    finally:
        await dal.close()


# --- real time and real notifications ------------------------------------------------------------------------
async def test_cancel_is_read_from_the_flag_when_notify_is_lost(chime, client, auth) -> None:
    wid = await make_workflow(client, auth(), delay_workflow(30))
    sched = await make_schedule(client, auth(), wid, {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"})
    run = await (await client.post(f"/api/v1/schedules/{sched['schedule_id']}/run-now", headers=auth())).get_json()
    eid = uuid.UUID(run["execution_id"])

    async def status() -> str:
        return await chime.dal.fetchval("SELECT status FROM workflow_executions WHERE execution_id = $1", eid)

    await wait_for(lambda: _is(status, "running"))
    # Set the flag without the NOTIFY (as if the listener were reconnecting when it was sent).
    await chime.dal.execute("UPDATE workflow_executions SET cancel_requested = true WHERE execution_id = $1", eid)
    await wait_for(lambda: _is(status, "cancelled"), timeout=5)


async def _is(fetch, value) -> bool:
    return await fetch() == value


async def test_edit_racing_a_claim_never_rewinds_the_cadence(chime, client, auth, database_url) -> None:
    """A PATCH that waits for a claim's row lock must not restore the fire the claim just advanced past."""
    wid = await make_workflow(client, auth())
    sched = await make_schedule(client, auth(), wid, {"schedule_type": "interval", "interval_seconds": 4})
    sid = uuid.UUID(sched["schedule_id"])
    fire = datetime.fromisoformat(sched["next_execution_at"])
    claimer = await asyncpg.connect(database_url)
    try:
        tx = claimer.transaction()
        await tx.start()
        await claimer.execute("SELECT 1 FROM workflow_schedules WHERE schedule_id = $1 FOR UPDATE", sid)
        patch = asyncio.create_task(client.patch(f"/api/v1/schedules/{sid}", json={"name": "renamed"},
                                                 headers=auth()))
        while datetime.now(UTC) < fire + timedelta(seconds=0.2):
            await asyncio.sleep(0.05)
        # What a claim does for this fire, committed while the PATCH waits.
        eid = uuid.uuid4()
        await claimer.execute(
            "INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for,"
            " fired_at, status, trigger) VALUES ($1, $2, $3, 1, $4, now(), 'completed', 'schedule')",
            eid, sid, uuid.UUID(wid), fire)
        await claimer.execute(
            "UPDATE workflow_schedules SET next_execution_at = $2, next_due_at = $2,"
            " execution_count = execution_count + 1, last_execution_id = $3 WHERE schedule_id = $1",
            sid, fire + timedelta(seconds=4), eid)
        await tx.commit()
        resp = await patch
        assert resp.status_code == 200, await resp.get_json()
    finally:
        await claimer.close()
    body = await resp.get_json()
    assert datetime.fromisoformat(body["next_execution_at"]) == fire + timedelta(seconds=4)
    await wait_for(lambda: _has_rows(chime, sid, 2), timeout=10)
    row = await chime.dal.fetchrow("SELECT * FROM workflow_schedules WHERE schedule_id = $1", sid)
    rows = await executions(chime.dal, str(sid))
    counted = [r for r in rows if r["status"] not in ("skipped", "missed")]
    assert row["execution_count"] == len(counted)
    assert row["last_execution_id"] in {r["execution_id"] for r in rows}
    assert [r["scheduled_for"] for r in rows][:2] == [fire, fire + timedelta(seconds=4)]


async def _has_rows(chime, sid: uuid.UUID, n: int) -> bool:
    return len(await executions(chime.dal, str(sid))) >= n


# --- API contract --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path,method", [("pause", "post"), ("resume", "post"), ("snooze", "post"),
                                         ("run-now", "post"), ("cancel", "post"), ("", "delete")])
async def test_if_match_is_honoured_by_lifecycle_calls_and_delete(client, auth, workflow, path, method) -> None:
    sched = await make_schedule(client, auth(), workflow["workflow_id"],
                                {"schedule_type": "interval", "interval_seconds": 3600})
    url = f"/api/v1/schedules/{sched['schedule_id']}" + (f"/{path}" if path else "")
    kw = {"json": {"seconds": 60}} if path == "snooze" else {}
    stale = await getattr(client, method)(url, headers={**auth(), "If-Match": '"99"'}, **kw)
    assert stale.status_code == 412, await stale.get_json()
    after = await client.get(f"/api/v1/schedules/{sched['schedule_id']}", headers=auth())
    assert (await after.get_json())["version"] == 1  # nothing changed
    fresh = await getattr(client, method)(url, headers={**auth(), "If-Match": '"1"'}, **kw)
    assert fresh.status_code in (200, 202), await fresh.get_json()


async def test_workflow_delete_honours_if_match(client, auth, workflow) -> None:
    url = f"/api/v1/workflows/{workflow['workflow_id']}"
    assert (await client.delete(url, headers={**auth(), "If-Match": '"7"'})).status_code == 412
    assert (await client.delete(url, headers={**auth(), "If-Match": '"1"'})).status_code == 200


async def test_cancelled_schedule_answers_409_and_concurrent_patches_never_412(client, auth, workflow) -> None:
    sched = await make_schedule(client, auth(), workflow["workflow_id"],
                                {"schedule_type": "interval", "interval_seconds": 3600})
    url = f"/api/v1/schedules/{sched['schedule_id']}"
    answers = await asyncio.gather(*(client.patch(url, json={"name": f"n{i}"}, headers=auth()) for i in range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    assert (await (await client.get(url, headers=auth())).get_json())["version"] == 9
    assert (await client.post(f"{url}/cancel", headers=auth())).status_code == 200
    refused = await client.patch(url, json={"name": "late"}, headers=auth())
    assert refused.status_code == 409 and (await refused.get_json())["code"] == "invalid_state"


async def test_cursor_does_not_skip_a_row_committed_after_the_page(chime, client, auth, workflow) -> None:
    async with chime.dal.transaction() as conn:
        # This transaction starts before the page's rows exist (its created_at would sort before them)...
        await conn.execute("SELECT now()")
        for i in range(4):
            await make_schedule(client, auth(), workflow["workflow_id"], {"schedule_type": "interval",
                                                                          "interval_seconds": 3600}, name=f"s{i}")
        page = await (await client.get("/api/v1/schedules?limit=3", headers=auth())).get_json()
        assert [s["name"] for s in page["items"]] == ["s0", "s1", "s2"] and page["next_cursor"]
        # ...and commits its row after the client holds the cursor.
        await conn.execute(
            "INSERT INTO workflow_schedules (schedule_id, workflow_id, community_id, name, schedule_type,"
            " interval_seconds, next_execution_at, next_due_at) VALUES ($1, $2, 1, 'late', 'interval', 3600,"
            " now() + interval '1 hour', now() + interval '1 hour')", uuid.uuid4(), uuid.UUID(workflow["workflow_id"]))
    nxt = await (await client.get(f"/api/v1/schedules?limit=3&cursor={page['next_cursor']}", headers=auth())).get_json()
    assert [s["name"] for s in nxt["items"]] == ["s3", "late"]


async def test_cursor_with_a_naive_datetime_is_refused(client, auth) -> None:
    naive = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", str(uuid.uuid4())]).encode()).decode()
    resp = await client.get(f"/api/v1/schedules?cursor={naive.rstrip('=')}", headers=auth())
    assert resp.status_code == 400 and (await resp.get_json())["code"] == "invalid_cursor"


async def test_one_time_outside_its_window_is_refused(client, auth, workflow) -> None:
    at = datetime.now(UTC) + timedelta(hours=2)
    for window in ({"end_at": (at - timedelta(hours=1)).isoformat()},
                   {"start_at": (at + timedelta(hours=1)).isoformat()}):
        resp = await client.post("/api/v1/schedules", headers=auth(), json={
            "workflow_id": workflow["workflow_id"],
            "schedule_config": {"schedule_type": "one_time", "scheduled_time": at.isoformat(), **window}})
        assert resp.status_code == 400, await resp.get_json()
        assert (await resp.get_json())["code"] == "never_fires"


async def test_paused_schedule_does_not_fire(chime, client, auth, workflow) -> None:
    sched = await make_schedule(client, auth(), workflow["workflow_id"],
                                {"schedule_type": "cron", "cron_expression": "* * * * * *"})
    await client.post(f"/api/v1/schedules/{sched['schedule_id']}/pause", headers=auth())
    before = len(await executions(chime.dal, sched["schedule_id"]))

    async def unchanged() -> bool:
        return len(await executions(chime.dal, sched["schedule_id"])) == before

    await holds_for(unchanged, 2.0)


# --- outbox --------------------------------------------------------------------------------------------------
async def test_notable_outcomes_are_recorded_in_the_outbox_with_their_change(sim: Sim) -> None:
    sched = await _create(sim, work=True, schedule_type="interval", interval_seconds=60, grace_period_seconds=5)
    sid = sched["schedule_id"]
    sim.advance(60)
    await sim.claim()
    run = (await _rows(sim, sid))[0]
    await sim.finish(run["execution_id"], "failed")
    sim.advance(630)  # the latest due fire (at +660 s) is 30 s old: beyond its 5 s grace period
    await sim.claim()
    events = await sim.dal.fetch("SELECT kind, payload FROM event_outbox ORDER BY seq")
    assert [e["kind"] for e in events] == ["execution.failed", "execution.missed"]
    assert events[0]["payload"]["execution_id"] == str(run["execution_id"])
    assert events[1]["payload"]["schedule_id"] == str(sid)
    # A change that rolls back leaves no event.
    with pytest.raises(RuntimeError):
        async with sim.dal.transaction() as conn:
            from services import outbox

            await outbox.emit(conn, [(1, "execution.failed", {})])
            raise RuntimeError("rolled back")
    assert await sim.dal.fetchval("SELECT count(*) FROM event_outbox") == 2


async def test_a_schedule_auto_paused_by_the_scheduler_is_an_event(sim: Sim) -> None:
    sched = await _create(sim, schedule_type="cron", cron_expression="* * * * *")
    # A stored expression that a newer check refuses (as if saved by an older version).
    await sim.dal.execute("UPDATE workflow_schedules SET cron_expression = '٣ * * * *' WHERE schedule_id = $1",
                          sched["schedule_id"])
    sim.advance(120)
    await sim.claim()
    row = await sim.schedules.get_row(PRINCIPAL, sched["schedule_id"])
    assert row["status"] == "paused" and row["paused_by"] == "scheduler"
    kinds = [r["kind"] for r in await sim.dal.fetch("SELECT kind FROM event_outbox")]
    assert kinds == ["schedule.auto_paused"]
