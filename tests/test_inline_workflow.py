"""POST /api/v1/schedules with an inline `workflow`: both rows in one transaction, or neither."""

from __future__ import annotations

from tests.engine_helpers import chain, node
from tests.helpers import make_workflow
from tests.routes import FAR, diff, snapshot

GOOD = chain(node("greet", "data_variable_set", name="greeting", value="hi"))
BAD = {"nodes": [{"node_id": "x", "type": "no_such_type", "name": "x", "config": {}}], "connections": []}


async def test_inline_workflow_creates_both(client, auth, chime) -> None:
    resp = await client.post("/api/v1/schedules", headers=auth(), json={
        "name": "welcome at nine", "schedule_config": FAR,
        "workflow": {"name": "welcome", "description": "greets", "definition": GOOD}})
    body = await resp.get_json()
    assert resp.status_code == 201, body
    wf = await (await client.get(f"/api/v1/workflows/{body['workflow_id']}", headers=auth())).get_json()
    assert wf["name"] == "welcome" and wf["definition"] == GOOD and wf["community_id"] == 1
    actions = [r["action"] for r in await chime.dal.fetch("SELECT action FROM audit_events ORDER BY seq")]
    assert actions == ["workflow.create", "schedule.create"]


async def test_bad_inline_workflow_writes_nothing(client, auth, chime) -> None:
    before = await snapshot(chime.dal)
    resp = await client.post("/api/v1/schedules", headers=auth(), json={
        "schedule_config": FAR, "workflow": {"name": "broken", "definition": BAD}})
    assert resp.status_code == 400, await resp.get_json()
    # A bad schedule with a good workflow writes no workflow either.
    resp = await client.post("/api/v1/schedules", headers=auth(), json={
        "schedule_config": {"schedule_type": "cron", "cron_expression": "61 * * * *"},
        "workflow": {"name": "fine", "definition": GOOD}})
    assert resp.status_code == 400, await resp.get_json()
    resp = await client.post("/api/v1/schedules", headers=auth(), json={
        "schedule_config": FAR, "workflow": {"name": "", "definition": GOOD}})
    assert resp.status_code == 400
    assert diff(before, await snapshot(chime.dal)) == []


async def test_exactly_one_of_workflow_id_and_workflow(client, auth, chime) -> None:
    wid = await make_workflow(client, auth())
    before = await snapshot(chime.dal)
    for extra in ({}, {"workflow_id": wid, "workflow": {"name": "both", "definition": GOOD}}):
        resp = await client.post("/api/v1/schedules", headers=auth(), json={"schedule_config": FAR, **extra})
        body = await resp.get_json()
        assert resp.status_code == 400 and body["code"] == "invalid_workflow_choice", body
    assert diff(before, await snapshot(chime.dal)) == []
    resp = await client.post("/api/v1/schedules", headers=auth(), json={"schedule_config": FAR, "workflow_id": wid})
    assert resp.status_code == 201


async def test_openapi_says_one_of_the_two(client) -> None:
    doc = await (await client.get("/openapi.json")).get_json()
    schema = doc["paths"]["/api/v1/schedules"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    # services/openapi.py keeps a oneOf that narrows the object's own properties inside allOf (typed client)
    [rule] = [p for p in schema.get("allOf", [schema]) if "oneOf" in p]
    assert {tuple(b["required"]) for b in rule["oneOf"]} == {("workflow_id",), ("workflow",)}
