"""Workflows registry CRUD, pagination and the delete guard."""

from __future__ import annotations

import uuid


async def test_workflow_crud(client, auth) -> None:
    headers = auth()
    resp = await client.post("/api/v1/workflows", headers=headers,
                             json={"name": "digest", "description": "daily digest", "definition": {}})
    created = await resp.get_json()
    assert resp.status_code == 201 and created["community_id"] == 1 and created["version"] == 1
    wid = created["workflow_id"]
    got = await (await client.get(f"/api/v1/workflows/{wid}", headers=headers)).get_json()
    assert got == created
    put = await client.put(f"/api/v1/workflows/{wid}", headers={**headers, "If-Match": '"1"'},
                           json={"name": "digest v2", "definition": {}})
    assert put.status_code == 200 and (await put.get_json())["version"] == 2
    stale = await client.put(f"/api/v1/workflows/{wid}", headers={**headers, "If-Match": '"1"'},
                             json={"name": "digest v3"})
    assert stale.status_code == 412
    bad = await client.post("/api/v1/workflows", headers=headers, json={"name": ""})
    assert bad.status_code == 400 and "name" in (await bad.get_json())["error"]
    deleted = await client.delete(f"/api/v1/workflows/{wid}", headers=headers)
    assert deleted.status_code == 200
    assert (await client.get(f"/api/v1/workflows/{wid}", headers=headers)).status_code == 404
    assert (await client.get(f"/api/v1/workflows/{uuid.uuid4()}", headers=headers)).status_code == 404


async def test_workflow_pagination(client, auth) -> None:
    headers = auth()
    ids = [(await (await client.post("/api/v1/workflows", headers=headers, json={"name": f"w{i}"})).get_json())
           ["workflow_id"] for i in range(5)]
    first = await (await client.get("/api/v1/workflows?limit=2", headers=headers)).get_json()
    second = await (await client.get(f"/api/v1/workflows?limit=2&cursor={first['next_cursor']}",
                                      headers=headers)).get_json()
    third = await (await client.get(f"/api/v1/workflows?limit=2&cursor={second['next_cursor']}",
                                    headers=headers)).get_json()
    assert [w["workflow_id"] for w in first["items"] + second["items"] + third["items"]] == ids
    assert third["next_cursor"] is None


async def test_delete_workflow_with_active_schedules_is_409(client, auth, workflow) -> None:
    headers = auth()
    wid = workflow["workflow_id"]
    for expr in ("0 9 * * *", "0 10 * * *"):
        resp = await client.post("/api/v1/schedules", headers=headers, json={
            "workflow_id": wid, "schedule_config": {"schedule_type": "cron", "cron_expression": expr}})
        assert resp.status_code == 201
    resp = await client.delete(f"/api/v1/workflows/{wid}", headers=headers)
    body = await resp.get_json()
    assert resp.status_code == 409 and body["code"] == "workflow_in_use" and "2 active" in body["error"]
    assert (await client.get(f"/api/v1/workflows/{wid}", headers=headers)).status_code == 200
