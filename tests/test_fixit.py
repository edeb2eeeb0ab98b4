"""Fix-it: each mode's selection on one hand-built history, dry runs, the hourly limit, one at a time, approval,
and retries made exactly once, also with two instances on one database."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from app import create_app
from tests.conftest import make_settings, reset_database
from tests.helpers import make_schedule, make_workflow, wait_for
from tests.ops_helpers import OPS_SCOPES, audit_rows, events, insert_run
from tests.routes import FAR, diff, snapshot

FIXIT = "/api/v1/scheduler/fix-it"
CONNECTION = "POST http://hook.example/x: connection error: ConnectError: [Errno 111] Connection refused"


@pytest.fixture
def ops(auth) -> dict[str, str]:
    return auth(1, OPS_SCOPES)


async def _history(client, chime, ops) -> dict[str, uuid.UUID]:
    """Community 1's last day, one row per case (and what must never be a candidate)."""
    dal = chime.dal
    ok = await make_workflow(client, ops)
    changed = await make_workflow(client, ops)
    inactive = await make_workflow(client, ops, status="inactive")
    s_a = (await make_schedule(client, ops, ok, FAR))["schedule_id"]
    s_b = (await make_schedule(client, ops, ok, FAR))["schedule_id"]
    s_c = (await make_schedule(client, ops, changed, FAR))["schedule_id"]
    s_d = (await make_schedule(client, ops, inactive, FAR))["schedule_id"]
    s_paused = (await make_schedule(client, ops, ok, FAR))["schedule_id"]
    assert (await client.post(f"/api/v1/schedules/{s_paused}/pause", headers=ops)).status_code == 200
    rows = {
        "timeout": await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="timeout",
                                    ended_ago=timedelta(minutes=50)),
        "connection": await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="failed", error=CONNECTION,
                                       ended_ago=timedelta(minutes=49)),
        "http_503": await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="failed",
                                     error="unexpected HTTP status 503 from GET http://hook.example/x",
                                     ended_ago=timedelta(minutes=48)),
        "http_404": await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="failed",
                                     error="unexpected HTTP status 404 from GET http://hook.example/x",
                                     ended_ago=timedelta(minutes=47)),
        # s_b's last three finished runs all failed: likely permanent (two of them before the window)
        "abandoned": await insert_run(dal, schedule_id=s_b, workflow_id=ok, status="abandoned",
                                      error_code="lease_lost", ended_ago=timedelta(minutes=46)),
        "changed": await insert_run(dal, schedule_id=s_c, workflow_id=changed, status="failed",
                                    error="template error in node 'n': 'x' not found", ended_ago=timedelta(minutes=45)),
        "missed": await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="missed",
                                   ended_ago=timedelta(minutes=44)),
        "paused": await insert_run(dal, schedule_id=s_paused, workflow_id=ok, status="timeout",
                                   ended_ago=timedelta(minutes=43)),
        "inactive": await insert_run(dal, schedule_id=s_d, workflow_id=inactive, status="timeout",
                                     ended_ago=timedelta(minutes=42)),
        "maxed": await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="timeout", attempt=4,
                                  ended_ago=timedelta(minutes=41)),
    }
    for days in (2, 3):
        await insert_run(dal, schedule_id=s_b, workflow_id=ok, status="failed", error="boom",
                         ended_ago=timedelta(days=days))
    # never candidates: retried already, outside the window, a dry run, another community's
    retried = await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="timeout", ended_ago=timedelta(minutes=40))
    await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="completed", parent=retried, attempt=2,
                     ended_ago=timedelta(minutes=39), scheduled_for=(await dal.fetchval(
                         "SELECT scheduled_for FROM workflow_executions WHERE execution_id = $1", retried)))
    await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="failed", error=CONNECTION,
                     ended_ago=timedelta(hours=30))
    await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="timeout", dry_run=True)
    await insert_run(dal, schedule_id=None, workflow_id=ok, status="timeout", community_id=2)
    # s_a ran fine since: not likely permanent
    await insert_run(dal, schedule_id=s_a, workflow_id=ok, status="completed", ended_ago=timedelta(minutes=1))
    # the workflows are older than this history; the one of "changed" was edited after that failure
    await dal.execute("UPDATE workflows SET updated_at = now() - interval '4 days'")
    resp = await client.put(f"/api/v1/workflows/{changed}", headers=ops, json={"name": "fixed", "definition": {}})
    assert resp.status_code == 200
    return {**rows, "retried": retried}


EXPECTED = {
    "greedy": {"timeout", "connection", "http_503", "http_404", "abandoned", "changed", "missed"},
    "conservative": {"timeout", "connection", "http_503"},
    "balanced": {"timeout", "connection", "http_503", "abandoned", "changed"},
}
SKIP_REASONS = {"paused": "schedule is paused", "inactive": "workflow is inactive", "maxed": "max_retries 3"}


async def test_each_mode_selects_its_candidates_and_a_dry_run_changes_nothing(client, chime, ops) -> None:
    rows = await _history(client, chime, ops)
    names = {v: k for k, v in rows.items()}
    for mode, expected in EXPECTED.items():
        before = await snapshot(chime.dal)
        resp = await client.post(FIXIT, headers=ops, json={"mode": mode, "dry_run": True, "window": "24h"})
        body = await resp.get_json()
        assert resp.status_code == 200 and body["status"] == "dry_run", body
        after = await snapshot(chime.dal)
        changed = [c for c in diff(before, after) if not c.startswith(("audit_events", "fixits", "fixit_tasks"))]
        assert not changed, f"a dry run changed {changed}"
        decided = {names[uuid.UUID(t["execution_id"])]: t for t in body["affected_tasks"]}
        assert set(decided) == set(rows) - {"retried"}, (mode, sorted(decided))
        assert {n for n, t in decided.items() if t["decision"] == "retry"} == expected, mode
        assert body["tasks_retried"] == len(expected) and body["tasks_skipped"] == len(decided) - len(expected)
        for name, words in SKIP_REASONS.items():
            assert decided[name]["decision"] == "skip" and words in decided[name]["reason"], (mode, decided[name])
        if mode == "conservative":
            assert "likely permanent" in decided["abandoned"]["reason"]
            assert "not a transient failure" in decided["http_404"]["reason"]
        assert all(t["retry_execution_id"] is None for t in body["affected_tasks"])
        stored = await (await client.get(f"{FIXIT}/{body['execution_id']}", headers=ops)).get_json()
        assert stored["status"] == "dry_run" and stored["affected_tasks"] == body["affected_tasks"]
    assert not await events(chime.dal, "fixit.completed")  # dry runs complete nothing


async def test_spacing_and_limit(client, chime, ops) -> None:
    await _history(client, chime, ops)
    body = await (await client.post(FIXIT, headers=ops, json={"mode": "conservative", "dry_run": True,
                                                              "limit": 2})).get_json()
    retries = [t for t in body["affected_tasks"] if t["decision"] == "retry"]
    assert len(retries) == 2 and any("over the limit of 2" in t["reason"] for t in body["affected_tasks"])
    real = await client.post(FIXIT, headers=ops, json={"mode": "balanced", "auto_approve": True})
    body = await real.get_json()
    assert real.status_code == 202 and body["status"] == "running", body
    starts = sorted(t["run_after"] for t in body["affected_tasks"] if t["retry_execution_id"])
    rows = await chime.dal.fetch("SELECT run_after FROM workflow_executions WHERE execution_id = ANY($1::uuid[])"
                                 " ORDER BY run_after",
                                 [uuid.UUID(t["retry_execution_id"]) for t in body["affected_tasks"]
                                  if t["retry_execution_id"]])
    gaps = [(b["run_after"] - a["run_after"]).total_seconds() for a, b in zip(rows, rows[1:], strict=False)]
    assert len(starts) == 5 and gaps == pytest.approx([2.0] * 4)  # balanced: one every 2 s


async def test_greedy_retries_are_ordinary_executions_and_the_fixit_completes(client, chime, ops) -> None:
    rows = await _history(client, chime, ops)
    resp = await client.post(FIXIT, headers=ops, json={"mode": "greedy", "auto_approve": True})
    body = await resp.get_json()
    assert resp.status_code == 202 and body["status"] == "running" and body["initiated_by"] == "local-admin"
    fid = body["execution_id"]
    retries = await chime.dal.fetch(
        "SELECT r.*, p.scheduled_for AS parent_for, p.attempt AS parent_attempt FROM workflow_executions r"
        " JOIN workflow_executions p ON p.execution_id = r.parent_execution_id"
        " WHERE r.parent_execution_id = ANY($1::uuid[])", [rows[n] for n in EXPECTED["greedy"]])
    assert len(retries) == len(EXPECTED["greedy"])
    for r in retries:
        assert r["trigger"] == "retry" and r["attempt"] == r["parent_attempt"] + 1
        assert r["scheduled_for"] == r["parent_for"]  # the retry key: same fire instant

    async def done() -> dict | None:
        out = await (await client.get(f"{FIXIT}/{fid}", headers=ops)).get_json()
        return out if out["status"] == "completed" else None

    out = await wait_for(done, timeout=30)
    assert out["tasks_fixed"] == len(EXPECTED["greedy"]) and out["tasks_failed"] == 0  # empty workflows complete
    assert {t["retry_status"] for t in out["affected_tasks"] if t["retry_execution_id"]} == {"completed"}
    completed = await events(chime.dal, "fixit.completed")
    assert [e["payload"]["fixit_id"] for e in completed] == [fid]
    assert completed[0]["payload"]["tasks_fixed"] == len(EXPECTED["greedy"])
    # a second fix-it finds nothing left: each candidate has its retry
    again = await (await client.post(FIXIT, headers=ops, json={"mode": "greedy", "auto_approve": True})).get_json()
    assert again["status"] == "completed" and again["tasks_retried"] == 0
    assert all(t["decision"] == "skip" for t in again["affected_tasks"])
    assert [a["action"] for a in await audit_rows(chime.dal, target_type="fixit")] == ["fixit.create"] * 2


async def test_hourly_limit_and_one_at_a_time(client, chime, ops, auth) -> None:
    rows = await _history(client, chime, ops)
    waiting = await client.post(FIXIT, headers=ops, json={"mode": "conservative"})
    body = await waiting.get_json()
    assert waiting.status_code == 202 and body["status"] == "awaiting_approval" and body["approval_token"]
    assert not await chime.dal.fetchval("SELECT count(*) FROM workflow_executions WHERE trigger = 'retry'"
                                        " AND parent_execution_id = $1", rows["timeout"])
    second = await client.post(FIXIT, headers=ops, json={"mode": "greedy", "auto_approve": True})
    assert second.status_code == 409 and (await second.get_json())["code"] == "fixit_in_progress"
    for _ in range(9):  # dry runs are allowed meanwhile, and count toward the hour's ten (with the first)
        assert (await client.post(FIXIT, headers=ops, json={"mode": "greedy", "dry_run": True})).status_code == 200
    limited = await client.post(FIXIT, headers=ops, json={"mode": "greedy", "dry_run": True})
    assert limited.status_code == 429 and (await limited.get_json())["code"] == "fixit_rate_limited"
    assert 3500 <= int(limited.headers["Retry-After"]) <= 3600
    community2 = await client.post(FIXIT, headers=auth(2, OPS_SCOPES), json={"mode": "greedy", "dry_run": True})
    assert community2.status_code == 200  # the limit is per community


async def test_approval_runs_the_plan_once_and_a_retry_made_meanwhile_is_not_duplicated(client, chime, ops) -> None:
    rows = await _history(client, chime, ops)
    body = await (await client.post(FIXIT, headers=ops, json={"mode": "conservative"})).get_json()
    assert body["status"] == "awaiting_approval" and body["tasks_retried"] == 3
    requested = await events(chime.dal, "approval.requested")
    assert requested[-1]["payload"]["fixit_id"] == body["execution_id"]
    assert requested[-1]["payload"]["token_link"].endswith(body["approval_token"])
    # the workflow's own retry_config retried one of them meanwhile
    scheduled_for = await chime.dal.fetchval("SELECT scheduled_for FROM workflow_executions WHERE execution_id = $1",
                                             rows["timeout"])
    schedule_id = await chime.dal.fetchval("SELECT schedule_id FROM workflow_executions WHERE execution_id = $1",
                                           rows["timeout"])
    workflow_id = await chime.dal.fetchval("SELECT workflow_id FROM workflow_executions WHERE execution_id = $1",
                                           rows["timeout"])
    await insert_run(chime.dal, schedule_id=schedule_id, workflow_id=workflow_id, status="completed",
                     parent=rows["timeout"], attempt=2, scheduled_for=scheduled_for)
    approve = {"token": body["approval_token"], "action": "approve"}
    decided = await client.post("/api/v1/scheduler/approve", headers=ops, json=approve)
    result = await decided.get_json()
    assert decided.status_code == 200 and result["status"] == "approved", result
    assert {uuid.UUID(e) for e in result["approved_tasks"]} == {rows["connection"], rows["http_503"]}
    assert any("already retried" in w for w in result["warnings"])
    children = await chime.dal.fetch("SELECT parent_execution_id, count(*) AS n FROM workflow_executions"
                                     " WHERE parent_execution_id = ANY($1::uuid[]) GROUP BY parent_execution_id",
                                     [rows["timeout"], rows["connection"], rows["http_503"]])
    assert {c["parent_execution_id"]: c["n"] for c in children} == {
        rows["timeout"]: 1, rows["connection"]: 1, rows["http_503"]: 1}
    spent = await client.post("/api/v1/scheduler/approve", headers=ops, json=approve)
    assert spent.status_code == 409 and (await spent.get_json())["status"] == "already_used"
    stored = await (await client.get(f"{FIXIT}/{body['execution_id']}", headers=ops)).get_json()
    assert stored["status"] in ("running", "completed") and stored["approved_by"] == "local-admin"
    assert stored["approval_token"] is None  # shown once, never stored


async def test_denied_fixit_starts_nothing(client, chime, ops) -> None:
    await _history(client, chime, ops)
    body = await (await client.post(FIXIT, headers=ops, json={"mode": "greedy"})).get_json()
    decided = await client.post("/api/v1/scheduler/approve", headers=ops,
                                json={"token": body["approval_token"], "action": "deny", "notes": "not now"})
    result = await decided.get_json()
    assert decided.status_code == 200 and result["status"] == "denied" and len(result["denied_tasks"]) == 7
    stored = await (await client.get(f"{FIXIT}/{body['execution_id']}", headers=ops)).get_json()
    assert stored["status"] == "denied" and "not now" in stored["message"]
    assert not await chime.dal.fetchval("SELECT count(*) FROM workflow_executions WHERE trigger = 'retry'"
                                        " AND status <> 'completed'")
    # no longer live: the next fix-it may run
    assert (await client.post(FIXIT, headers=ops, json={"mode": "greedy"})).status_code == 202


async def test_invalid_requests(client, ops, auth) -> None:
    for body, code in (({"mode": "greedy", "window": "31d"}, "invalid_window"),
                       ({"mode": "greedy", "window": "24 h"}, "invalid_field"),
                       ({"mode": "reckless"}, "invalid_field"),
                       ({"mode": "greedy", "limit": 0}, "invalid_field"),
                       ({"mode": "greedy", "initiated_by": "mallory"}, "unknown_field"),  # from the token only
                       ({"mode": "greedy", "schedule_ids": [str(uuid.uuid4())]}, "schedule_not_found")):
        resp = await client.post(FIXIT, headers=ops, json=body)
        assert resp.status_code in (400, 404) and (await resp.get_json())["code"] == code, body
    resp = await client.post(FIXIT, headers=auth(), json={"mode": "greedy"})
    assert resp.status_code == 403 and "ops:write" in (await resp.get_json())["error"]
    resp = await client.get(f"{FIXIT}/{uuid.uuid4()}", headers=ops)
    assert resp.status_code == 404 and (await resp.get_json())["code"] == "fixit_not_found"


@contextlib.asynccontextmanager
async def _instances(database_url: str) -> AsyncIterator[list]:
    await reset_database(database_url)
    async with contextlib.AsyncExitStack() as stack:
        out = []
        for i in range(2):
            application = create_app(make_settings(database_url, INSTANCE_ID=f"fix-{i}"))
            started = await stack.enter_async_context(application.test_app())
            out.append((started.test_client(), application.extensions["chime"]))
        yield out


async def test_two_instances_retry_each_candidate_exactly_once(database_url, token) -> None:
    ops = {"Authorization": f"Bearer {token(1, OPS_SCOPES)}"}
    async with _instances(database_url) as [(a, chime_a), (b, _chime_b)]:
        schedules = []
        for _ in range(4):
            wf = await make_workflow(a, ops)
            schedules.append(((await make_schedule(a, ops, wf, {**FAR, "overlap_policy": "allow"}))["schedule_id"],
                              wf))
        failed = [await insert_run(chime_a.dal, schedule_id=s, workflow_id=w, status="timeout",
                                   ended_ago=timedelta(minutes=5 + i))
                  for i in range(5) for s, w in schedules]
        first, second = await asyncio.gather(
            a.post(FIXIT, headers=ops, json={"mode": "greedy", "auto_approve": True}),
            b.post(FIXIT, headers=ops, json={"mode": "greedy", "auto_approve": True}))
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [202, 409], statuses
        fid = (await (first if first.status_code == 202 else second).get_json())["execution_id"]

        async def completed() -> bool:
            return await chime_a.dal.fetchval("SELECT status FROM fixits WHERE fixit_id = $1",
                                              uuid.UUID(fid)) == "completed"

        await wait_for(completed, timeout=60)
        retries = await chime_a.dal.fetch("SELECT parent_execution_id, status, instance_id FROM workflow_executions"
                                          " WHERE trigger = 'retry'")
        assert sorted(r["parent_execution_id"] for r in retries) == sorted(failed)  # one each, no more
        assert {r["status"] for r in retries} == {"completed"}
        assert {r["instance_id"] for r in retries} <= {"fix-0", "fix-1"}
        assert len(await events(chime_a.dal, "fixit.completed")) == 1
        again = await (await b.post(FIXIT, headers=ops, json={"mode": "greedy", "auto_approve": True})).get_json()
        assert again["tasks_retried"] == 0
