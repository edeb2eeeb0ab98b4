"""Dry runs that help: mock_outputs for sending nodes, placeholders and warnings for unmocked responses."""

from __future__ import annotations

from tests.engine_helpers import LocalServer, chain, conn, node
from tests.helpers import make_workflow, wait_for


def definition(base: str) -> dict:
    """POST a record, then branch on the answer: the condition and a template read the HTTP step's output."""
    d = chain(node("post", "action_webhook", method="POST", url=f"{base}/echo", body={"name": "x"}),
              node("created", "condition_if", left="${steps.post.output.status}", operator="equals", right=201))
    d["nodes"] += [node("ok", "data_variable_set", name="new_id", value="${steps.post.output.body.id}"),
                   node("no", "data_variable_set", name="new_id", value="none")]
    d["connections"] += [conn("created", "ok", "true"), conn("created", "no", "false")]
    return d


async def finished(client, headers, execution_id: str) -> dict:
    async def check():
        body = await (await client.get(f"/api/v1/executions/{execution_id}", headers=headers)).get_json()
        return body if body["status"] not in ("pending", "running") else None

    return await wait_for(check, timeout=15)


def steps_of(detail: dict) -> dict:
    return {s["node_id"]: s for s in detail["steps"]}


async def test_unmocked_response_renders_placeholders_and_warns(client, auth) -> None:
    with LocalServer() as server:
        wf = await make_workflow(client, auth(), definition(server.base))
        resp = await client.post(f"/api/v1/workflows/{wf}/execute", headers=auth(), json={"dry_run": True})
        body = await resp.get_json()
        assert resp.status_code == 202, body
        assert body["dry_run_warnings"] == ["steps.post.output.status", "steps.post.output.body.id"]
        detail = await finished(client, auth(), body["execution_id"])
        assert detail["status"] == "completed", detail   # was template_error before mocks
        steps = steps_of(detail)
        assert steps["created"]["output"]["result"] is False  # the placeholder is not 201
        assert "<dry-run: steps.post.output.status>" in str(steps["created"]["input"])
        assert steps["ok"]["status"] == "skipped" and steps["no"]["status"] == "completed"
        assert server.seen() == []


async def test_mock_outputs_drive_the_branches(client, auth) -> None:
    with LocalServer() as server:
        wf = await make_workflow(client, auth(), definition(server.base))
        mock = {"post": {"status": 201, "headers": {}, "body": {"id": 7}}}
        resp = await client.post(f"/api/v1/workflows/{wf}/execute", headers=auth(),
                                 json={"dry_run": True, "mock_outputs": mock})
        body = await resp.get_json()
        assert resp.status_code == 202 and body["dry_run_warnings"] == [], body
        detail = await finished(client, auth(), body["execution_id"])
        assert detail["status"] == "completed", detail
        steps = steps_of(detail)
        assert steps["post"]["output"] == mock["post"]
        assert steps["created"]["output"]["result"] is True
        assert steps["ok"]["output"] == {"name": "new_id", "value": 7}
        assert steps["no"]["status"] == "skipped"
        assert server.seen() == []  # still sends nothing


async def test_mock_outputs_errors(client, auth, chime) -> None:
    with LocalServer() as server:
        wf = await make_workflow(client, auth(), definition(server.base))
        cases = [({"mock_outputs": {"post": {}}}, "mock_outputs_need_dry_run"),
                 ({"dry_run": True, "mock_outputs": {"ghost": {}}}, "unknown_mock_node"),
                 ({"dry_run": True, "mock_outputs": {"created": {}}}, "unknown_mock_node")]
        for extra, code in cases:
            resp = await client.post(f"/api/v1/workflows/{wf}/execute", headers=auth(), json=extra)
            body = await resp.get_json()
            assert resp.status_code == 400 and body["code"] == code, (extra, body)
        assert await chime.dal.fetchval("SELECT count(*) FROM workflow_executions") == 0


async def test_a_queued_dry_run_keeps_its_mocks(chime, client, auth) -> None:
    """Stored with the run: a worker that takes it from the queue runs it with the same mocks."""
    with LocalServer() as server:
        wf = await make_workflow(client, auth(), definition(server.base))
        runtime, chime.executions.scheduler = chime.executions.scheduler, None  # as on a ROLE=api process
        try:
            resp = await client.post(f"/api/v1/workflows/{wf}/execute", headers=auth(), json={
                "dry_run": True, "mock_outputs": {"post": {"status": 201, "body": {"id": 9}}}})
        finally:
            chime.executions.scheduler = runtime
        detail = await finished(client, auth(), (await resp.get_json())["execution_id"])
        assert steps_of(detail)["ok"]["output"]["value"] == 9, detail
