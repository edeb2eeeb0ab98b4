"""Workflows run through the service: on schedule, manually, dry, signed, retried across a restart."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from app import create_app
from tests.conftest import make_settings, reset_database
from tests.engine_helpers import HMAC_SECRET, LocalServer, chain, node
from tests.helpers import executions, make_schedule, make_workflow, wait_for


async def _status(client, headers, execution_id: str, status: str) -> dict:
    async def check():
        body = await (await client.get(f"/api/v1/executions/{execution_id}", headers=headers)).get_json()
        return body if body["status"] == status else None

    return await wait_for(check, timeout=15)


async def _execution(client, headers, execution_id: str, done: bool = True) -> dict:
    async def check():
        body = await (await client.get(f"/api/v1/executions/{execution_id}", headers=headers)).get_json()
        return body if not done or body["status"] not in ("pending", "running") else None

    return await wait_for(check, timeout=15)


async def test_scheduled_workflow_posts_to_local_server_on_time(chime, client, auth) -> None:
    headers = auth()
    with LocalServer() as server:
        definition = {
            "nodes": [node("t", "trigger_schedule"),
                      node("hook", "action_webhook", method="POST", url=f"{server.base}/echo",
                           body={"channel": "${context.channel}", "at": "${execution.scheduled_for}"})],
            "connections": [{"from_node_id": "t", "to_node_id": "hook"}],
        }
        wf = await make_workflow(client, headers, definition)
        when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        sched = await make_schedule(client, headers, wf, {"schedule_type": "one_time",
                                                          "scheduled_time": when.isoformat()},
                                    context_data={"channel": "standup"})
        async def delivered() -> list:
            return server.seen("/echo")

        seen = (await wait_for(delivered, timeout=15))[0]
        arrived = datetime.fromtimestamp(seen.received_at, UTC)
        # Not before its time, and within CATCHUP_AFTER_SECONDS (how late, on a quiet machine, is bench/'s job).
        assert when <= arrived < when + timedelta(seconds=5)
        body = seen.json()
        assert body["channel"] == "standup" and datetime.fromisoformat(body["at"]) == when
        rows = await executions(chime.dal, sched["schedule_id"])
        detail = await _execution(client, headers, str(rows[0]["execution_id"]))
        assert detail["status"] == "completed"
        assert [s["node_id"] for s in detail["steps"]] == ["t", "hook"]
        assert detail["steps"][1]["output"]["status"] == 200
        assert len(server.seen("/echo")) == 1


async def test_manual_execute_dry_run_and_hmac(client, auth) -> None:
    headers = auth()
    with LocalServer() as server:
        definition = chain(node("hook", "action_webhook", method="POST", url=f"{server.base}/verify",
                                body={"n": "${context.n}"}, headers={"Authorization": "Bearer topsecret"}))
        wf = await make_workflow(client, headers, definition, hmac_secret=HMAC_SECRET)
        listed = await (await client.get(f"/api/v1/workflows/{wf}", headers=headers)).get_json()
        assert listed["has_hmac_secret"] is True and "hmac_secret" not in listed

        dry = await client.post(f"/api/v1/workflows/{wf}/execute", headers=headers,
                                json={"context_data": {"n": 1}, "dry_run": True})
        assert dry.status_code == 202
        detail = await _execution(client, headers, (await dry.get_json())["execution_id"])
        assert detail["status"] == "completed" and detail["dry_run"] is True and detail["trigger"] == "manual"
        assert server.seen() == []  # a dry run sends nothing

        real = await client.post(f"/api/v1/workflows/{wf}/execute", headers=headers, json={"context_data": {"n": 2}})
        detail = await _execution(client, headers, (await real.get_json())["execution_id"])
        assert detail["status"] == "completed", detail  # /verify answers 401 on a bad signature
        assert server.seen("/verify")[0].json() == {"n": 2}
        assert "topsecret" not in str(detail["steps"])  # secrets never reach step history


async def test_a_response_postgresql_cannot_store_does_not_stall_the_writer(chime, client, auth) -> None:
    """A NUL or a lone surrogate in a response (JSON escapes) is refused by text and jsonb columns. The writer
    batches every run's result: one such value used to fail every later flush, so no run of the process ended."""
    headers = auth()
    with LocalServer() as server:
        wf = await make_workflow(client, headers, chain(node("hook", "action_webhook", method="GET",
                                                             url=f"{server.base}/unstorable")))
        plain = await make_workflow(client, headers, chain(node("hook", "action_webhook", method="GET",
                                                                url=f"{server.base}/status/200")))
        first = await client.post(f"/api/v1/workflows/{wf}/execute", headers=headers, json={})
        detail = await _execution(client, headers, (await first.get_json())["execution_id"])
        assert detail["status"] == "completed", detail
        body = detail["steps"][-1]["output"]["body"]
        assert body == {"text": "a\ufffdb", "lone": "x\ufffdy", "k\ufffd": 1}
        second = await client.post(f"/api/v1/workflows/{plain}/execute", headers=headers, json={})
        assert (await _execution(client, headers, (await second.get_json())["execution_id"]))["status"] == "completed"


async def test_definition_errors_name_the_node(client, auth) -> None:
    headers = auth()
    bad = {"nodes": [node("t", "trigger_manual"), node("x", "action_teleport")],
           "connections": [{"from_node_id": "t", "to_node_id": "x"}]}
    resp = await client.post("/api/v1/workflows", headers=headers, json={"name": "bad", "definition": bad})
    body = await resp.get_json()
    assert resp.status_code == 400 and "'x'" in body["error"] and body["details"][0]["field"].endswith("x")
    wf = await make_workflow(client, headers, chain(node("d", "action_delay", seconds=0)))
    ok = await client.post(f"/api/v1/workflows/{wf}/validate", headers=headers)
    assert ok.status_code == 200 and (await ok.get_json())["valid"] is True
    dangling = {"nodes": [node("t", "trigger_manual")], "connections": [{"from_node_id": "t", "to_node_id": "nope"}]}
    resp = await client.post(f"/api/v1/workflows/{wf}/validate", headers=headers, json={"definition": dangling})
    assert resp.status_code == 400 and "nope" in (await resp.get_json())["error"]
    stored = await (await client.get(f"/api/v1/workflows/{wf}", headers=headers)).get_json()
    assert stored["version"] == 1  # validate saves nothing


async def test_retries_with_backoff_survive_a_restart(database_url, token) -> None:
    headers = {"Authorization": f"Bearer {token()}"}
    await reset_database(database_url)
    with LocalServer() as server:
        definition = chain(node("hook", "action_webhook", url=f"{server.base}/status/500"))
        retry = {"max_retries": 2, "backoff": "fixed", "base_seconds": 2}
        app = create_app(make_settings(database_url))
        async with app.test_app() as test_app:
            client = test_app.test_client()
            wf = await make_workflow(client, headers, definition, retry_config=retry)
            first = (await (await client.post(f"/api/v1/workflows/{wf}/execute", headers=headers)).get_json())
            failed = await _execution(client, headers, first["execution_id"])
            assert failed["status"] == "failed" and failed["error_node_id"] == "hook"
            dal = app.extensions["chime"].dal
            retry_row = await wait_for(lambda: dal.fetchrow(
                "SELECT * FROM workflow_executions WHERE parent_execution_id = $1",
                uuid.UUID(first["execution_id"])), timeout=10)
            assert retry_row["status"] == "pending" and retry_row["trigger"] == "retry" and retry_row["attempt"] == 2
            assert retry_row["run_after"] - retry_row["fired_at"] >= timedelta(seconds=1.9)
        # The process is gone; the retry lives in PostgreSQL and another process performs it.
        app = create_app(make_settings(database_url, INSTANCE_ID="after-restart"))
        async with app.test_app() as test_app:
            client = test_app.test_client()
            dal = app.extensions["chime"].dal

            async def chain_done():
                rows = await dal.fetch("SELECT * FROM workflow_executions WHERE workflow_id = $1 ORDER BY attempt",
                                       uuid.UUID(wf))
                return rows if len(rows) == 3 and rows[-1]["status"] == "failed" else None

            rows = await wait_for(chain_done, timeout=30)
        assert [r["attempt"] for r in rows] == [1, 2, 3]
        assert [r["trigger"] for r in rows] == ["manual", "retry", "retry"]
        assert rows[1]["instance_id"] == "after-restart"
        assert rows[2]["started_at"] - rows[1]["finished_at"] >= timedelta(seconds=1.9)
        assert len(server.seen("/status/500")) == 3  # no retry of a retry beyond max_retries


async def test_cancel_running_manual_run(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers, chain(node("d", "action_delay", seconds=30)))
    run = await (await client.post(f"/api/v1/workflows/{wf}/execute", headers=headers)).get_json()
    await _status(client, headers, run["execution_id"], "running")
    resp = await client.post(f"/api/v1/executions/{run['execution_id']}/cancel", headers=headers)
    assert resp.status_code == 202
    started = datetime.now(UTC)
    detail = await _execution(client, headers, run["execution_id"])
    # The 30 s delay is interrupted: well under its length (the bound is loose on purpose; it is not a benchmark).
    assert detail["status"] == "cancelled" and datetime.now(UTC) - started < timedelta(seconds=10)


async def test_max_concurrent_workflows_queues_runs(database_url, token) -> None:
    headers = {"Authorization": f"Bearer {token()}"}
    await reset_database(database_url)
    app = create_app(make_settings(database_url, MAX_CONCURRENT_WORKFLOWS="1"))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        wf = await make_workflow(client, headers, chain(node("d", "action_delay", seconds=0.8)))
        ids = [(await (await client.post(f"/api/v1/workflows/{wf}/execute", headers=headers)).get_json())
               ["execution_id"] for _ in range(3)]
        observed: list[list[str]] = []

        dal = app.extensions["chime"].dal

        async def all_done() -> list | None:
            # One statement, so the three statuses are one snapshot (three GETs would straddle a hand-over).
            rows = await dal.fetch("SELECT status FROM workflow_executions WHERE execution_id = ANY($1::uuid[])",
                                   [uuid.UUID(i) for i in ids])
            observed.append([r["status"] for r in rows])
            return rows if all(r["status"] not in ("pending", "running") for r in rows) else None

        await wait_for(all_done, timeout=20, interval=0.05)
        done = [await _execution(client, headers, i) for i in ids]
    # One at a time all along: the others waited (pending), none was dropped.
    assert all(states.count("running") <= 1 for states in observed), observed
    assert any(states.count("pending") >= 1 and "running" in states for states in observed), observed
    assert [d["status"] for d in done] == ["completed"] * 3
    spans = sorted((datetime.fromisoformat(d["started_at"]), datetime.fromisoformat(d["finished_at"])) for d in done)
    assert all(later[0] >= earlier[1] - timedelta(milliseconds=50) for earlier, later in zip(spans, spans[1:],
                                                                                               strict=False))
