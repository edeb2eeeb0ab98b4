"""The audit trail: a row for each API write, in the write's own transaction; filters, newest first, cursors;
secrets masked; append-only; pruned by retention only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.scheduler.maintenance.pruner import Pruner
from tests.helpers import make_schedule, make_workflow
from tests.ops_helpers import OPS_SCOPES, audit_rows, insert_run
from tests.routes import FAR

AUDIT = "/api/v1/audit"


@pytest.fixture
def ops(auth) -> dict[str, str]:
    return auth(1, OPS_SCOPES)


async def test_every_write_is_recorded_with_actor_request_id_and_changes(client, chime, ops) -> None:
    def rid(name: str) -> dict[str, str]:
        return {**ops, "X-Request-ID": f"req-{name}"}

    wf = await (await client.post("/api/v1/workflows", headers=rid("wf"), json={
        "name": "hook", "definition": {}, "hmac_secret": "s" * 20})).get_json()
    wid = wf["workflow_id"]
    await client.put(f"/api/v1/workflows/{wid}", headers=rid("wf-put"),
                     json={"name": "hook2", "hmac_secret": "t" * 20})
    sched = await (await client.post("/api/v1/schedules", headers=rid("s"), json={
        "workflow_id": wid, "schedule_config": FAR, "name": "one",
        "context_data": {"channel": "ops", "nested": {"api_token": "u" * 20}}})).get_json()
    sid = sched["schedule_id"]
    calls = [
        ("patch", f"/api/v1/schedules/{sid}", {"name": "two"}),
        ("put", f"/api/v1/schedules/{sid}", {"schedule_config": {**FAR, "cron_expression": "0 0 2 1 *"}}),
        ("post", f"/api/v1/schedules/{sid}/pause", {"note": "n"}),
        ("post", f"/api/v1/schedules/{sid}/resume", None),
        ("post", f"/api/v1/schedules/{sid}/snooze", {"seconds": 60}),
        ("post", f"/api/v1/schedules/{sid}/run-now", None),
        ("post", f"/api/v1/schedules/{sid}/backfill", {"start": "2024-01-01T00:00:00Z",
                                                       "end": "2024-01-03T00:00:00Z"}),
        ("post", f"/api/v1/workflows/{wid}/execute", {"dry_run": True}),
        ("post", "/api/v1/scheduler/fix-it", {"mode": "greedy", "dry_run": True}),
        ("post", f"/api/v1/schedules/{sid}/cancel", None),
        ("delete", f"/api/v1/schedules/{sid}", None),
    ]
    for i, (method, path, body) in enumerate(calls):
        resp = await client.open(path, method=method.upper(), headers=rid(str(i)),
                                 **({"json": body} if body is not None else {}))
        assert resp.status_code < 300, (path, await resp.get_json())
    wf2 = await make_workflow(client, ops, {"nodes": [
        {"node_id": "t", "type": "trigger_schedule", "name": "t", "config": {}},
        {"node_id": "d", "type": "action_delay", "name": "d", "config": {"seconds": 30}}],
        "connections": [{"from_node_id": "t", "to_node_id": "d"}]})
    run = await (await client.post(f"/api/v1/workflows/{wf2}/execute", headers=ops, json={})).get_json()
    assert (await client.post(f"/api/v1/executions/{run['execution_id']}/cancel", headers=rid("x"))).status_code == 202
    assert (await client.delete(f"/api/v1/workflows/{wid}", headers=rid("wf-del"))).status_code == 200

    rows = await audit_rows(chime.dal)
    actions = [r["action"] for r in rows]
    assert actions == [
        "workflow.create", "workflow.update", "schedule.create", "schedule.update", "schedule.update",
        "schedule.pause", "schedule.resume", "schedule.snooze", "schedule.run_now", "schedule.backfill",
        "workflow.execute", "fixit.create", "schedule.cancel", "schedule.delete", "workflow.create",
        "workflow.execute", "execution.cancel", "workflow.delete"]
    assert {r["actor"] for r in rows} == {"local-admin"} and {r["community_id"] for r in rows} == {1}
    by_action: dict = {}
    for r in rows:
        by_action.setdefault(r["action"], r)  # the first of each
    assert by_action["workflow.create"]["request_id"] == "req-wf"
    assert by_action["schedule.pause"]["request_id"] == "req-2"
    assert (by_action["schedule.update"]["target_id"], by_action["schedule.update"]["target_type"]) == (sid, "schedule")
    # secrets never reach the table, but their change does
    assert by_action["workflow.create"]["changes"]["hmac_secret"] == [None, "***"]
    assert rows[1]["changes"]["hmac_secret"] == ["***", "***"] and rows[1]["changes"]["name"] == ["hook", "hook2"]
    text = str(await chime.dal.fetch("SELECT changes::text FROM audit_events"))
    assert "s" * 20 not in text and "t" * 20 not in text and "u" * 20 not in text
    assert by_action["schedule.create"]["changes"]["context_data"] == [
        None, {"channel": "ops", "nested": {"api_token": "***"}}]
    assert rows[3]["changes"]["name"] == ["one", "two"]
    assert by_action["schedule.pause"]["changes"]["status"] == ["active", "paused"]
    # a running run is stopped by its owner: the cancel itself flags it
    assert by_action["execution.cancel"]["changes"]["cancel_requested"] == [False, True]
    assert by_action["execution.cancel"]["target_id"] == run["execution_id"]
    assert by_action["schedule.delete"]["changes"]["status"][1] is None
    assert "updated_at" not in rows[1]["changes"]


async def test_a_failed_write_leaves_no_event(client, chime, ops, auth) -> None:
    wf = await make_workflow(client, ops)
    sid = (await make_schedule(client, ops, wf, FAR))["schedule_id"]
    baseline = len(await audit_rows(chime.dal))
    refused = [
        await client.put(f"/api/v1/schedules/{sid}", headers={**ops, "If-Match": '"99"'},
                         json={"schedule_config": FAR}),  # 412
        await client.post(f"/api/v1/schedules/{sid}/resume", headers={**ops, "If-Match": '"99"'}),  # 412
        await client.post("/api/v1/schedules", headers=ops, json={
            "workflow_id": wf, "schedule_config": {**FAR, "cron_expression": "0 25 * * *"}}),  # 400
        await client.delete(f"/api/v1/workflows/{wf}", headers=ops),  # 409: in use
        await client.post(f"/api/v1/schedules/{sid}/pause", headers=auth(2, OPS_SCOPES)),  # 404
        await client.post(f"/api/v1/schedules/{sid}/backfill", headers=ops,
                          json={"start": "2099-01-01T00:00:00Z", "end": "2099-01-02T00:00:00Z"}),  # 400
    ]
    assert [r.status_code for r in refused] == [412, 412, 400, 409, 404, 400]
    assert (await client.post(f"/api/v1/schedules/{sid}/cancel", headers=ops)).status_code == 200
    assert (await client.post(f"/api/v1/schedules/{sid}/pause", headers=ops)).status_code == 409
    rows = await audit_rows(chime.dal)
    assert [r["action"] for r in rows[baseline:]] == ["schedule.cancel"]


async def test_the_event_and_the_write_commit_together(client, chime, ops) -> None:
    """If the event cannot be written, the write does not happen either: one transaction."""
    wf = await make_workflow(client, ops)
    sid = (await make_schedule(client, ops, wf, FAR))["schedule_id"]
    await chime.dal.execute("""
        CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit refused by the test'; END $$;
        CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_events
            FOR EACH ROW EXECUTE FUNCTION test_refuse_audit();""")
    try:
        resp = await client.patch(f"/api/v1/schedules/{sid}", headers=ops, json={"name": "renamed"})
        assert resp.status_code == 500
        resp = await client.post(f"/api/v1/schedules/{sid}/pause", headers=ops)
        assert resp.status_code == 500
    finally:
        await chime.dal.execute("DROP TRIGGER test_refuse_audit ON audit_events; DROP FUNCTION test_refuse_audit()")
    row = await chime.dal.fetchrow("SELECT name, status, version FROM workflow_schedules WHERE schedule_id = $1",
                                   uuid.UUID(sid))
    assert row["name"] is None and row["status"] == "active" and row["version"] == 1


async def test_filters_newest_first_and_cursor_pages(client, chime, ops, auth) -> None:
    wf = await make_workflow(client, ops)
    sids = [(await make_schedule(client, ops, wf, FAR))["schedule_id"] for _ in range(5)]
    other = auth(1, OPS_SCOPES.replace("ops:read", ""))  # same community, another scope set: same actor
    await client.post(f"/api/v1/schedules/{sids[0]}/pause", headers=other)
    await make_workflow(client, auth(2, OPS_SCOPES))

    seen, cursor = [], None
    while True:
        url = f"{AUDIT}?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = await (await client.get(url, headers=ops)).get_json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [e["action"] for e in seen] == ["schedule.pause"] + ["schedule.create"] * 5 + ["workflow.create"]
    assert [e["target_id"] for e in seen[1:6]] == sids[::-1]  # newest first
    assert all(e["community_id"] == 1 for e in seen)
    query = await (await client.get(f"{AUDIT}?action=schedule.create&target_id={sids[2]}", headers=ops)).get_json()
    assert [e["target_id"] for e in query["items"]] == [sids[2]]
    assert (await (await client.get(f"{AUDIT}?actor=nobody", headers=ops)).get_json())["items"] == []
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert (await (await client.get(f"{AUDIT}?since={later}", headers=ops)).get_json())["items"] == []
    assert len((await (await client.get(f"{AUDIT}?until={later}", headers=ops)).get_json())["items"]) == 7
    resp = await client.get(AUDIT, headers=auth())
    assert resp.status_code == 403 and "ops:read" in (await resp.get_json())["error"]
    resp = await client.get(f"{AUDIT}?cursor=not-a-cursor", headers=ops)
    assert resp.status_code == 400


async def test_append_only_and_pruned_by_retention(client, chime, ops) -> None:
    await make_workflow(client, ops)
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await chime.dal.execute("UPDATE audit_events SET actor = 'someone else'")
    old = uuid.uuid4()
    await chime.dal.execute("INSERT INTO audit_events (event_id, at, actor, community_id, action, target_type)"
                            " VALUES ($1, now() - interval '400 days', 'x', 1, 'workflow.create', 'workflow')", old)
    pruner = Pruner(chime.dal, 30, chime.runtime.health, lambda: datetime.now(UTC), audit_retention_days=365)
    await pruner.run_once()
    rows = await audit_rows(chime.dal)
    assert old not in {r["event_id"] for r in rows} and [r["action"] for r in rows] == ["workflow.create"]


async def test_fixit_and_approval_writes_are_audited(client, chime, ops) -> None:
    wf = await make_workflow(client, ops, requires_approval=True)
    sid = (await make_schedule(client, ops, wf, FAR))["schedule_id"]
    run = await (await client.post(f"/api/v1/schedules/{sid}/run-now", headers=ops)).get_json()
    issued = await (await client.post("/api/v1/scheduler/approve/token/generate", headers=ops,
                                      json={"execution_ids": [run["execution_id"]]})).get_json()
    await client.post("/api/v1/scheduler/approve", headers=ops, json={"token": issued["token"], "action": "deny"})
    await insert_run(chime.dal, schedule_id=sid, workflow_id=wf, status="timeout")
    await client.post("/api/v1/scheduler/fix-it", headers=ops, json={"mode": "greedy", "auto_approve": True})
    rows = await audit_rows(chime.dal)
    generate = next(r for r in rows if r["action"] == "approval.token_generate")
    assert generate["target_id"] == issued["approval_id"]
    assert generate["changes"]["execution_ids"] == [None, [run["execution_id"]]]
    assert issued["token"] not in str([r["changes"] for r in rows])  # the token itself is never recorded
    assert [r["action"] for r in rows if r["action"].startswith(("execution.", "fixit."))] == [
        "execution.deny", "fixit.create"]
