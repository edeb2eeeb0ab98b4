"""Backfill: a schedule's past fires in [start, end), each at most once, queued at a bounded rate; existing
fires untouched; dry runs; the 1,000 cap; no effect on the cadence, max_executions or on-time runs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from services.backfill import BackfillService
from services.schemas import ScheduleConfig, ScheduleCreate
from tests.conftest import make_settings, reset_database
from tests.helpers import make_schedule, make_workflow, wait_for
from tests.ops_helpers import insert_run
from tests.sim import PRINCIPAL, Sim

HOURLY = {"schedule_type": "cron", "cron_expression": "0 * * * *"}


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


BASE = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def hours_ago(n: int) -> datetime:
    """Whole hours before the hour the module was loaded in (fixed, so an hour boundary mid-test changes nothing;
    the HOURLY schedules' on-time fires are all after it)."""
    return BASE - timedelta(hours=n)


async def _backfill(client, headers, sid: str, start: datetime, end: datetime, **extra):
    resp = await client.post(f"/api/v1/schedules/{sid}/backfill", headers=headers,
                             json={"start": iso(start), "end": iso(end), **extra})
    return resp.status_code, await resp.get_json()


async def test_runs_each_missing_fire_once_and_leaves_existing_ones_alone(client, chime, auth) -> None:
    wf = await make_workflow(client, auth())
    sched = await make_schedule(client, auth(), wf, {**HOURLY, "max_executions": 100})
    sid = sched["schedule_id"]
    start, end = hours_ago(5), hours_ago(0)
    existing = await insert_run(chime.dal, schedule_id=sid, workflow_id=wf, status="missed",
                                scheduled_for=hours_ago(3), error="missed by 3600 s")
    before = dict(await chime.dal.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1", existing))

    status, dry = await _backfill(client, auth(), sid, start, end, dry_run=True)
    assert status == 200 and dry["planned"] == 4 and dry["existing"] == 1 and dry["created"] == 0, dry
    assert [f["scheduled_for"] for f in dry["fires"]] == [iso(hours_ago(n)) for n in (5, 4, 3, 2, 1)]
    assert await chime.dal.fetchval("SELECT count(*) FROM workflow_executions") == 1  # a dry run writes nothing

    status, body = await _backfill(client, auth(), sid, start, end)
    assert status == 202 and body["created"] == 4 and body["existing"] == 1, body
    by_fire = {f["scheduled_for"]: f for f in body["fires"]}
    assert by_fire[iso(hours_ago(3))] == {"scheduled_for": iso(hours_ago(3)), "execution_id": str(existing),
                                          "status": "exists", "run_after": None}
    assert dict(await chime.dal.fetchrow("SELECT * FROM workflow_executions WHERE execution_id = $1",
                                         existing)) == before
    again = (await _backfill(client, auth(), sid, start, end))[1]
    assert again["created"] == 0 and again["existing"] == 5

    async def all_ran() -> list:
        rows = await chime.dal.fetch("SELECT * FROM workflow_executions WHERE trigger = 'backfill'")
        return rows if len(rows) == 4 and all(r["status"] == "completed" for r in rows) else []

    rows = await wait_for(all_ran, timeout=20)
    assert sorted(r["scheduled_for"] for r in rows) == [hours_ago(n) for n in (5, 4, 2, 1)]
    after = await chime.dal.fetchrow("SELECT * FROM workflow_schedules WHERE schedule_id = $1", uuid.UUID(sid))
    # history, not the cadence: no count toward max_executions, next fire and last_* untouched
    assert after["execution_count"] == 0 and after["last_execution_id"] is None
    assert after["next_execution_at"] == datetime.fromisoformat(sched["next_execution_at"])


async def test_the_thousand_fire_cap_and_the_spaced_start(client, chime, auth) -> None:
    wf = await make_workflow(client, auth())
    sid = (await make_schedule(client, auth(), wf, {"schedule_type": "cron", "cron_expression": "* * * * *"}))[
        "schedule_id"]
    start = hours_ago(40)
    status, body = await _backfill(client, auth(), sid, start, start + timedelta(days=1), dry_run=True)
    assert status == 200 and body["planned"] == 1000 and body["truncated"] is True
    assert body["next_start"] == iso(start + timedelta(minutes=1000))
    status, body = await _backfill(client, auth(), sid, start, start + timedelta(days=1))
    assert status == 202 and body["created"] == 1000 and body["truncated"]
    starts = [datetime.fromisoformat(f["run_after"]) for f in body["fires"]]
    spacing = {round((b - a).total_seconds(), 6) for a, b in zip(starts, starts[1:], strict=False)}
    assert spacing == {0.2}  # BACKFILL_RATE_PER_SECOND=5
    assert await chime.dal.fetchval("SELECT count(*) FROM workflow_executions WHERE trigger = 'backfill'") == 1000
    rest = (await _backfill(client, auth(), sid, datetime.fromisoformat(body["next_start"]),
                            start + timedelta(days=1), dry_run=True))[1]
    assert rest["planned"] == 440 and not rest["truncated"]


async def test_started_at_a_bounded_rate(database_url, token) -> None:
    headers = {"Authorization": f"Bearer {token()}"}
    await reset_database(database_url)
    application = create_app(make_settings(database_url, BACKFILL_RATE_PER_SECOND="2"))
    async with application.test_app() as started:
        client, chime = started.test_client(), application.extensions["chime"]
        wf = await make_workflow(client, headers)
        sid = (await make_schedule(client, headers, wf, {**HOURLY, "overlap_policy": "allow"}))["schedule_id"]
        status, body = await _backfill(client, headers, sid, hours_ago(6), hours_ago(0))
        assert status == 202 and body["created"] == 6

        async def ran() -> list:
            rows = await chime.dal.fetch("SELECT started_at, run_after, status FROM workflow_executions"
                                         " WHERE trigger = 'backfill' ORDER BY run_after")
            return rows if len(rows) == 6 and all(r["status"] == "completed" for r in rows) else []

        rows = await wait_for(ran, timeout=30)
    turns = [(b["run_after"] - a["run_after"]).total_seconds() for a, b in zip(rows, rows[1:], strict=False)]
    assert turns == pytest.approx([0.5] * 5)  # one every 0.5 s
    assert all(r["started_at"] >= r["run_after"] for r in rows)  # none before its turn (overlap allow: at once)
    # so the six took at least their 2.5 s (less the queue taker's one-second tick), not one burst
    assert (rows[-1]["started_at"] - rows[0]["started_at"]).total_seconds() >= 1.5


async def test_concurrent_backfills_create_each_fire_once(database_url, token) -> None:
    headers = {"Authorization": f"Bearer {token()}"}
    await reset_database(database_url)
    apps = [create_app(make_settings(database_url, INSTANCE_ID=f"bf-{i}")) for i in range(2)]
    async with apps[0].test_app() as one, apps[1].test_app() as two:
        a, b = one.test_client(), two.test_client()
        wf = await make_workflow(a, headers)
        sid = (await make_schedule(a, headers, wf, HOURLY))["schedule_id"]
        results = await asyncio.gather(*(_backfill(c, headers, sid, hours_ago(24), hours_ago(0)) for c in (a, b, a)))
        assert sum(body["created"] for _, body in results) == 24
        dal = apps[0].extensions["chime"].dal
        rows = await dal.fetch("SELECT scheduled_for FROM workflow_executions WHERE schedule_id = $1",
                               uuid.UUID(sid))
        assert sorted(r["scheduled_for"] for r in rows) == [hours_ago(n) for n in range(24, 0, -1)]


async def test_refusals(client, auth, workflow) -> None:
    sid = (await make_schedule(client, auth(), workflow["workflow_id"], HOURLY))["schedule_id"]
    future = datetime.now(UTC) + timedelta(hours=2)
    for start, end, code in ((hours_ago(1), hours_ago(2), "invalid_range"),
                             (hours_ago(1), future, "backfill_in_future")):
        status, body = await _backfill(client, auth(), sid, start, end)
        assert status == 400 and body["code"] == code
    assert (await client.post(f"/api/v1/schedules/{sid}/pause", headers=auth())).status_code == 200
    status, body = await _backfill(client, auth(), sid, hours_ago(3), hours_ago(0))
    assert status == 409 and body["code"] == "invalid_state"
    status, body = await _backfill(client, auth(2), sid, hours_ago(3), hours_ago(0))
    assert status == 404
    resp = await client.post(f"/api/v1/schedules/{sid}/backfill", headers=auth(1, "schedules:read"),
                             json={"start": iso(hours_ago(2)), "end": iso(hours_ago(1))})
    assert resp.status_code == 403


async def test_a_running_backfill_fire_neither_blocks_nor_is_cancelled_by_on_time_fires(sim: Sim) -> None:
    for policy in ("skip", "buffer_one", "cancel_other"):
        body = ScheduleCreate(workflow_id=sim.work_workflow, schedule_config=ScheduleConfig(
            schedule_type="interval", interval_seconds=60, overlap_policy=policy))
        sched = await sim.schedules.create(PRINCIPAL, body)
        sid = sched["schedule_id"]
        service = BackfillService(sim.dal, rate_per_second=5, clock=lambda: sim.now)
        out = await service.backfill(PRINCIPAL, sid, sim.now - timedelta(days=1), sim.now, dry_run=False)
        assert out["created"] == 0  # an interval has no fires before its anchor: nothing to backfill
        # a backfill fire of an earlier instant, running, as the queue would start it
        past = sim.now - timedelta(hours=1)
        async with sim.dal.transaction() as conn:
            from services import firing

            row = await conn.fetchrow("SELECT s.*, w.requires_approval FROM workflow_schedules s"
                                      " JOIN workflows w USING (workflow_id) WHERE schedule_id = $1", sid)
            assert await firing.insert(conn, [firing.plan_backfill(row, past, sim.now, sim.now)])
        taken = await sim.take()
        assert [r["trigger"] for r in taken] == ["backfill"]
        sim.advance(61)
        fired = await sim.claim()
        assert fired.counts.get("dispatched") == 1, (policy, fired.counts)  # the on-time fire runs now
        backfill_row = await sim.dal.fetchrow("SELECT status, cancel_requested FROM workflow_executions"
                                              " WHERE schedule_id = $1 AND trigger = 'backfill'", sid)
        assert backfill_row["status"] == "pending" and not backfill_row["cancel_requested"], policy
        await sim.reset()


async def test_backfill_of_a_gated_workflow_awaits_approval_and_keeps_its_spacing(client, chime, auth) -> None:
    from tests.ops_helpers import OPS_SCOPES

    ops = auth(1, OPS_SCOPES)
    wf = await make_workflow(client, ops, requires_approval=True)
    sid = (await make_schedule(client, ops, wf, HOURLY))["schedule_id"]
    status, body = await _backfill(client, ops, sid, hours_ago(3), hours_ago(0))
    assert status == 202 and body["created"] == 3 and body["awaiting_approval"] is True
    assert {f["run_after"] for f in body["fires"]} == {None}
    ids = [f["execution_id"] for f in body["fires"]]
    assert {r["status"] for r in await chime.dal.fetch(
        "SELECT status FROM workflow_executions WHERE execution_id = ANY($1::uuid[])", ids)} == {"awaiting_approval"}
    issued = await (await client.post("/api/v1/scheduler/approve/token/generate", headers=ops,
                                      json={"execution_ids": ids})).get_json()
    resp = await client.post("/api/v1/scheduler/approve", headers=ops, json={"token": issued["token"],
                                                                              "action": "approve"})
    assert resp.status_code == 200 and len((await resp.get_json())["approved_tasks"]) == 3
    rows = await chime.dal.fetch("SELECT run_after FROM workflow_executions WHERE execution_id = ANY($1::uuid[])"
                                 " ORDER BY scheduled_for", ids)
    gaps = [(b["run_after"] - a["run_after"]).total_seconds() for a, b in zip(rows, rows[1:], strict=False)]
    assert gaps == pytest.approx([0.2, 0.2])  # approved together, still started one every 0.2 s
