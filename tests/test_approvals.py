"""Approvals: an approval-gated workflow's runs start only once approved; deny, expiry, single use, tenancy, the
wrong-token limit (shared by every process), and approving twice starting nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from app import create_app
from services.approvals.attempts import MAX_FAILURES
from tests.conftest import make_settings, reset_database
from tests.helpers import holds_for, make_schedule, make_workflow, wait_for
from tests.ops_helpers import OPS_SCOPES, audit_rows, events
from tests.routes import FAR

APPROVE = "/api/v1/scheduler/approve"
GENERATE = "/api/v1/scheduler/approve/token/generate"


@pytest.fixture
def ops(auth) -> dict[str, str]:
    return auth(1, OPS_SCOPES)


async def _status(dal, execution_id: str) -> str:
    return await dal.fetchval("SELECT status FROM workflow_executions WHERE execution_id = $1",
                              uuid.UUID(execution_id))


async def _gated_run(client, ops) -> tuple[str, str]:
    """(schedule_id, execution_id) of a run-now of an approval-gated workflow: it awaits approval."""
    wf = await make_workflow(client, ops, requires_approval=True)
    sid = (await make_schedule(client, ops, wf, FAR))["schedule_id"]
    resp = await client.post(f"/api/v1/schedules/{sid}/run-now", headers=ops)
    body = await resp.get_json()
    assert resp.status_code == 202 and body["status"] == "awaiting_approval", body
    return sid, body["execution_id"]


async def _token(client, ops, *execution_ids: str) -> str:
    resp = await client.post(GENERATE, headers=ops, json={"execution_ids": list(execution_ids)})
    body = await resp.get_json()
    assert resp.status_code == 201, body
    return body["token"]


async def test_a_gated_run_starts_only_after_approval(client, chime, ops) -> None:
    _, eid = await _gated_run(client, ops)

    async def still_waiting() -> bool:
        row = await chime.dal.fetchrow("SELECT status, instance_id, started_at FROM workflow_executions"
                                       " WHERE execution_id = $1", uuid.UUID(eid))
        return row["status"] == "awaiting_approval" and row["instance_id"] is None and row["started_at"] is None

    await holds_for(still_waiting, 2.0)
    # The fire issued a token and asked for a decision through the outbox; the link carries the token.
    requested = [e for e in await events(chime.dal, "approval.requested") if e["payload"]["execution_ids"] == [eid]]
    assert len(requested) == 1 and requested[0]["payload"]["requested_by"] == "scheduler"
    token = parse_qs(urlparse(requested[0]["payload"]["token_link"]).query)["token"][0]
    stored = await chime.dal.fetchval("SELECT count(*) FROM approval_tokens WHERE token_hash = sha256($1::bytea)",
                                      token.encode())
    assert stored == 1 and not await chime.dal.fetchval(  # only the hash: the token is nowhere in the table
        "SELECT count(*) FROM approval_tokens t WHERE t::text LIKE '%' || $1 || '%'", token)
    resp = await client.post(APPROVE, headers=ops, json={"token": token, "action": "approve", "notes": "go"})
    body = await resp.get_json()
    assert resp.status_code == 200 and body["status"] == "approved" and body["approved_tasks"] == [eid], body
    assert body["approved_by"] == "local-admin" and body["task_details"][0]["status"] == "pending"
    await wait_for(lambda: _completed(chime.dal, eid), timeout=15)
    again = await client.post(APPROVE, headers=ops, json={"token": token, "action": "approve"})
    body = await again.get_json()
    assert again.status_code == 409 and body["status"] == "already_used" and body["code"] == "token_already_used"
    assert body["approved_tasks"] == [] and body["request_id"]
    assert [a["action"] for a in await audit_rows(chime.dal, target_id=eid)] == ["execution.approve"]


async def _completed(dal, eid: str) -> bool:
    return await _status(dal, eid) == "completed"


async def test_gated_fires_count_toward_max_executions_and_block_nothing(client, chime, ops) -> None:
    wf = await make_workflow(client, ops, requires_approval=True)
    sched = await make_schedule(client, ops, wf, {"schedule_type": "cron", "cron_expression": "* * * * * *",
                                                  "max_executions": 2})

    async def completed() -> dict | None:
        row = await chime.dal.fetchrow("SELECT status, execution_count FROM workflow_schedules"
                                       " WHERE schedule_id = $1", uuid.UUID(sched["schedule_id"]))
        return dict(row) if row["status"] == "completed" else None

    assert (await wait_for(completed, timeout=15))["execution_count"] == 2
    rows = await chime.dal.fetch("SELECT status FROM workflow_executions WHERE schedule_id = $1",
                                 uuid.UUID(sched["schedule_id"]))
    # two fires in a row, neither skipped by the overlap policy (skip): an awaiting run is not a live run
    assert [r["status"] for r in rows] == ["awaiting_approval"] * 2


async def test_deny_cancels_with_the_note(client, chime, ops) -> None:
    _, eid = await _gated_run(client, ops)
    token = await _token(client, ops, eid)
    resp = await client.post(APPROVE, headers=ops, json={"token": token, "action": "deny", "notes": "not today"})
    body = await resp.get_json()
    assert resp.status_code == 200 and body["status"] == "denied" and body["denied_tasks"] == [eid], body
    row = await chime.dal.fetchrow("SELECT status, error, started_at FROM workflow_executions"
                                   " WHERE execution_id = $1", uuid.UUID(eid))
    assert row["status"] == "cancelled" and "not today" in row["error"] and row["started_at"] is None
    assert (await audit_rows(chime.dal, target_id=eid))[-1]["changes"]["status"] == ["awaiting_approval",
                                                                                     "cancelled"]


async def test_one_token_decides_one_item_when_named_and_is_then_spent(client, chime, ops) -> None:
    _, first = await _gated_run(client, ops)
    _, second = await _gated_run(client, ops)
    token = await _token(client, ops, first, second)
    wrong = await client.post(APPROVE, headers=ops, json={"token": token, "action": "approve",
                                                          "execution_id": str(uuid.uuid4())})
    assert wrong.status_code == 400 and (await wrong.get_json())["code"] == "not_in_token"
    resp = await client.post(APPROVE, headers=ops, json={"token": token, "action": "approve", "execution_id": first})
    assert resp.status_code == 200 and (await resp.get_json())["approved_tasks"] == [first]
    assert await _status(chime.dal, second) == "awaiting_approval"
    resp = await client.post(APPROVE, headers=ops, json={"token": token, "action": "approve",
                                                         "execution_id": second})
    assert resp.status_code == 409
    assert await _status(chime.dal, second) == "awaiting_approval"


async def test_approving_the_same_run_twice_starts_it_once(client, chime, ops) -> None:
    _, eid = await _gated_run(client, ops)
    tokens = [await _token(client, ops, eid) for _ in range(2)]
    answers = await asyncio.gather(*(client.post(APPROVE, headers=ops, json={"token": t, "action": "approve"})
                                     for t in tokens))
    bodies = [await a.get_json() for a in answers]
    assert [a.status_code for a in answers] == [200, 200]
    assert sorted(len(b["approved_tasks"]) for b in bodies) == [0, 1]
    assert any("not awaiting approval" in w for b in bodies for w in b["warnings"])
    await wait_for(lambda: _completed(chime.dal, eid), timeout=15)
    assert await chime.dal.fetchval("SELECT count(*) FROM workflow_executions WHERE execution_id = $1"
                                    " OR parent_execution_id = $1", uuid.UUID(eid)) == 1


async def test_another_communitys_token_is_invalid(client, chime, ops, auth) -> None:
    _, eid = await _gated_run(client, ops)
    token = await _token(client, ops, eid)
    resp = await client.post(APPROVE, headers=auth(2, OPS_SCOPES), json={"token": token, "action": "approve"})
    body = await resp.get_json()
    assert resp.status_code == 404 and body["status"] == "invalid_token" and body["code"] == "token_not_found"
    assert await _status(chime.dal, eid) == "awaiting_approval"
    resp = await client.post(GENERATE, headers=auth(2, OPS_SCOPES), json={"execution_ids": [eid]})
    assert resp.status_code == 404
    # still good for its own community
    assert (await client.post(APPROVE, headers=ops, json={"token": token, "action": "approve"})).status_code == 200


async def test_generate_refuses_what_does_not_await_approval(client, ops, workflow) -> None:
    sid = (await make_schedule(client, ops, workflow["workflow_id"], FAR))["schedule_id"]
    run = await (await client.post(f"/api/v1/schedules/{sid}/run-now", headers=ops)).get_json()
    resp = await client.post(GENERATE, headers=ops, json={"execution_ids": [run["execution_id"]]})
    assert resp.status_code == 409 and (await resp.get_json())["code"] == "not_awaiting_approval"
    for body in ({}, {"execution_ids": []}, {"execution_ids": [run["execution_id"]], "fixit_id": str(uuid.uuid4())}):
        resp = await client.post(GENERATE, headers=ops, json=body)
        assert resp.status_code == 400, body


@contextlib.asynccontextmanager
async def _two_apps(database_url: str, **env: str) -> AsyncIterator[list]:
    await reset_database(database_url)
    async with contextlib.AsyncExitStack() as stack:
        out = []
        for i in range(2):
            application = create_app(make_settings(database_url, INSTANCE_ID=f"appr-{i}", **env))
            started = await stack.enter_async_context(application.test_app())
            out.append((started.test_client(), application.extensions["chime"]))
        yield out


async def test_wrong_tokens_are_limited_per_caller_across_processes(database_url, token) -> None:
    guesser = {"Authorization": f"Bearer {token(1, OPS_SCOPES, subject='guesser')}"}
    honest = {"Authorization": f"Bearer {token(1, OPS_SCOPES)}"}
    async with _two_apps(database_url) as [(a, chime_a), (b, _)]:
        _, eid = await _gated_run(a, honest)
        good = await _token(a, honest, eid)
        for i in range(MAX_FAILURES):  # alternate processes: the count lives in PostgreSQL
            resp = await (a if i % 2 else b).post(APPROVE, headers=guesser, json={"token": f"guess-{i}",
                                                                                   "action": "approve"})
            assert resp.status_code == 404, i
        for client in (a, b):
            resp = await client.post(APPROVE, headers=guesser, json={"token": good, "action": "approve"})
            assert resp.status_code == 429 and (await resp.get_json())["code"] == "too_many_attempts"
            assert 1 <= int(resp.headers["Retry-After"]) <= 15 * 60
        assert await _status(chime_a.dal, eid) == "awaiting_approval"
        # another caller is not affected
        resp = await b.post(APPROVE, headers=honest, json={"token": good, "action": "approve"})
        assert resp.status_code == 200


async def test_undecided_runs_and_tokens_expire(database_url, token) -> None:
    ops = {"Authorization": f"Bearer {token(1, OPS_SCOPES)}"}
    async with _two_apps(database_url, APPROVAL_TTL_SECONDS="1") as [(a, chime_a), _]:
        _, eid = await _gated_run(a, ops)
        _, other = await _gated_run(a, ops)
        issued = await a.post(GENERATE, headers=ops, json={"execution_ids": [other]})
        token_body = await issued.get_json()
        await wait_for(lambda: _expired(chime_a.dal, eid), timeout=20)
        row = await chime_a.dal.fetchrow("SELECT error, finished_at FROM workflow_executions WHERE execution_id = $1",
                                         uuid.UUID(eid))
        assert "not approved within 1 s" in row["error"] and row["finished_at"] is not None
        # The token was issued after `eid` was fired, so its own second may not be over yet on a loaded machine.
        expires = datetime.fromisoformat(token_body["expires_at"])

        async def token_past_its_expiry() -> bool:
            return datetime.now(UTC) > expires

        await wait_for(token_past_its_expiry, timeout=5)
        resp = await a.post(APPROVE, headers=ops, json={"token": token_body["token"], "action": "approve"})
        body = await resp.get_json()
        assert resp.status_code == 410 and body["status"] == "expired" and body["code"] == "token_expired"
        await wait_for(lambda: _expired(chime_a.dal, other), timeout=20)
        # a fire's own token (no expiry of its own) answers expired once its run expired
        requested = [e for e in await events(chime_a.dal, "approval.requested")
                     if e["payload"]["execution_ids"] == [eid]]
        fire_token = parse_qs(urlparse(requested[0]["payload"]["token_link"]).query)["token"][0]
        resp = await a.post(APPROVE, headers=ops, json={"token": fire_token, "action": "approve"})
        assert resp.status_code == 410 and await _status(chime_a.dal, eid) == "expired"


async def _expired(dal, eid: str) -> bool:
    return await _status(dal, eid) == "expired"


async def test_fixit_awaiting_approval_expires(database_url, token) -> None:
    from tests.ops_helpers import insert_run

    ops = {"Authorization": f"Bearer {token(1, OPS_SCOPES)}"}
    async with _two_apps(database_url, APPROVAL_TTL_SECONDS="1") as [(a, chime_a), _]:
        wf = await make_workflow(a, ops)
        sid = (await make_schedule(a, ops, wf, FAR))["schedule_id"]
        await insert_run(chime_a.dal, schedule_id=sid, workflow_id=wf, status="timeout",
                         ended_ago=timedelta(minutes=1))
        body = await (await a.post("/api/v1/scheduler/fix-it", headers=ops, json={"mode": "greedy"})).get_json()
        assert body["status"] == "awaiting_approval"

        async def expired() -> bool:
            got = await (await a.get(f"/api/v1/scheduler/fix-it/{body['execution_id']}", headers=ops)).get_json()
            return got["status"] == "expired"

        await wait_for(expired, timeout=20)
        resp = await a.post(APPROVE, headers=ops, json={"token": body["approval_token"], "action": "approve"})
        assert resp.status_code == 410
        assert not await chime_a.dal.fetchval("SELECT count(*) FROM workflow_executions WHERE trigger = 'retry'")


async def test_workflow_execute_of_a_gated_workflow_awaits_approval(client, chime, ops) -> None:
    wf = await make_workflow(client, ops, requires_approval=True)
    resp = await client.post(f"/api/v1/workflows/{wf}/execute", headers=ops, json={})
    body = await resp.get_json()
    assert resp.status_code == 202 and body["status"] == "awaiting_approval", body
    dry = await (await client.post(f"/api/v1/workflows/{wf}/execute", headers=ops, json={"dry_run": True})).get_json()
    assert dry["status"] == "pending"  # a dry run sends nothing: no approval needed
    token = await _token(client, ops, body["execution_id"])
    assert (await client.post(APPROVE, headers=ops, json={"token": token, "action": "approve"})).status_code == 200
    await wait_for(lambda: _completed(chime.dal, body["execution_id"]), timeout=15)


async def test_pausing_a_schedule_cancels_its_runs_awaiting_approval(client, chime, ops) -> None:
    sid, eid = await _gated_run(client, ops)
    assert (await client.post(f"/api/v1/schedules/{sid}/pause", headers=ops)).status_code == 200
    assert await _status(chime.dal, eid) == "cancelled"
    _, eid = await _gated_run(client, ops)
    assert (await client.post(f"/api/v1/executions/{eid}/cancel", headers=ops)).status_code == 202
    assert await _status(chime.dal, eid) == "cancelled"
