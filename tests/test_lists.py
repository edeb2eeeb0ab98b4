"""List conventions: order=asc|desc with direction-bound cursors, created_by and name-prefix filters, and
execution lists naming their schedule and workflow."""

from __future__ import annotations

from tests.conftest import DEFAULT_SCOPE
from tests.helpers import make_workflow
from tests.routes import FAR


async def walk(client, path: str, headers: dict, **params: str) -> tuple[list[dict], list[str]]:
    """Every item of a list, page by page (limit 2); returns the items and the cursors seen."""
    items, cursors, cursor = [], [], None
    while True:
        query = {"limit": "2", **params, **({"cursor": cursor} if cursor else {})}
        resp = await client.get(path, headers=headers, query_string=query)
        body = await resp.get_json()
        assert resp.status_code == 200, body
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items, cursors
        cursors.append(cursor)


async def test_workflows_and_schedules_newest_first(client, auth) -> None:
    wids = [await make_workflow(client, auth(), name=f"wf-{i}") for i in range(5)]
    asc, _ = await walk(client, "/api/v1/workflows", auth())
    desc, cursors = await walk(client, "/api/v1/workflows", auth(), order="desc")
    assert [w["workflow_id"] for w in asc] == wids
    assert [w["workflow_id"] for w in desc] == wids[::-1]
    # A cursor keeps its direction: continuing it with the other order is refused, not silently restarted.
    resp = await client.get("/api/v1/workflows", headers=auth(), query_string={"cursor": cursors[0]})
    body = await resp.get_json()
    assert resp.status_code == 400 and body["code"] == "invalid_cursor", body
    sids = []
    for i in range(3):
        resp = await client.post("/api/v1/schedules", headers=auth(),
                                 json={"workflow_id": wids[0], "name": f"s{i}", "schedule_config": FAR})
        sids.append((await resp.get_json())["schedule_id"])
    desc, _ = await walk(client, "/api/v1/schedules", auth(), order="desc")
    assert [s["schedule_id"] for s in desc] == sids[::-1]
    resp = await client.get("/api/v1/schedules", headers=auth(), query_string={"order": "sideways"})
    assert resp.status_code == 400


async def test_name_prefix_and_created_by_filters(client, auth, token) -> None:
    alice = {"Authorization": f"Bearer {token(1, DEFAULT_SCOPE, subject='alice')}"}
    bob = {"Authorization": f"Bearer {token(1, DEFAULT_SCOPE, subject='bob')}"}
    names = ["daily_report", "daily-report", "dailyXreport", "100% done", "100 percent", "back\\slash", "other"]
    ids = {}
    for i, name in enumerate(names):
        ids[name] = await make_workflow(client, alice if i % 2 == 0 else bob, name=name)

    async def names_of(path: str, **params: str) -> list[str]:
        resp = await client.get(path, headers=auth(), query_string=params)
        assert resp.status_code == 200, await resp.get_json()
        return [i["name"] for i in (await resp.get_json())["items"]]

    # _ and % are literal characters in the prefix, not LIKE wildcards.
    assert await names_of("/api/v1/workflows", name="daily_") == ["daily_report"]
    assert await names_of("/api/v1/workflows", name="daily") == ["daily_report", "daily-report", "dailyXreport"]
    assert await names_of("/api/v1/workflows", name="100%") == ["100% done"]
    assert await names_of("/api/v1/workflows", name="back\\") == ["back\\slash"]
    assert await names_of("/api/v1/workflows", created_by="bob") == ["daily-report", "100% done", "back\\slash"]
    assert await names_of("/api/v1/workflows", created_by="bob", name="100") == ["100% done"]
    assert await names_of("/api/v1/workflows", created_by="nobody") == []
    for name in ("daily_report", "daily-report", "other"):
        await client.post("/api/v1/schedules", headers=bob if name == "other" else alice,
                          json={"workflow_id": ids[name], "name": f"{name} at nine", "schedule_config": FAR})
    assert await names_of("/api/v1/schedules", name="daily_") == ["daily_report at nine"]
    assert await names_of("/api/v1/schedules", created_by="bob") == ["other at nine"]
    assert await names_of("/api/v1/schedules", created_by="alice", order="desc") == [
        "daily-report at nine", "daily_report at nine"]
    # Another community's names never match.
    resp = await client.get("/api/v1/workflows", headers=auth(2), query_string={"name": "daily"})
    assert (await resp.get_json())["items"] == []


async def test_executions_newest_first_with_names(client, auth) -> None:
    wid = await make_workflow(client, auth(), name="greeter")
    resp = await client.post("/api/v1/schedules", headers=auth(),
                             json={"workflow_id": wid, "name": "welcome", "schedule_config": FAR})
    sid = (await resp.get_json())["schedule_id"]
    started = []
    for _ in range(3):
        resp = await client.post(f"/api/v1/schedules/{sid}/run-now", headers=auth(), json={"force": True})
        assert resp.status_code == 202, await resp.get_json()
        started.append((await resp.get_json())["execution_id"])
    resp = await client.post(f"/api/v1/workflows/{wid}/execute", headers=auth(), json={"dry_run": True})
    manual = (await resp.get_json())["execution_id"]
    desc, _ = await walk(client, "/api/v1/executions", auth(), order="desc")
    assert [e["execution_id"] for e in desc] == [manual, *started[::-1]]
    assert all(e["workflow_name"] == "greeter" for e in desc)
    assert desc[0]["schedule_name"] is None and {e["schedule_name"] for e in desc[1:]} == {"welcome"}
    mine, _ = await walk(client, f"/api/v1/schedules/{sid}/executions", auth(), order="desc")
    assert [e["execution_id"] for e in mine] == started[::-1]
    asc, _ = await walk(client, f"/api/v1/schedules/{sid}/executions", auth())
    assert [e["execution_id"] for e in asc] == started
    one = await (await client.get(f"/api/v1/executions/{started[0]}", headers=auth())).get_json()
    assert one["schedule_name"] == "welcome" and one["workflow_name"] == "greeter"


async def test_audit_and_targets_take_order(client, auth) -> None:
    ops = auth(scope="ops:read ops:write " + DEFAULT_SCOPE)
    for i in range(3):
        await make_workflow(client, ops, name=f"audited-{i}")
    newest, _ = await walk(client, "/api/v1/audit", ops)
    oldest, _ = await walk(client, "/api/v1/audit", ops, order="asc")
    assert len(newest) == 3 and [e["event_id"] for e in newest] == [e["event_id"] for e in oldest][::-1]
    tids = []
    for i in range(3):
        resp = await client.post("/api/v1/notification-targets", headers=ops, json={
            "name": f"t{i}", "kind": "chat", "entity_id": "room", "events": ["execution.failed"]})
        assert resp.status_code == 201, await resp.get_json()
        tids.append((await resp.get_json())["target_id"])
    desc, _ = await walk(client, "/api/v1/notification-targets", ops, order="desc")
    assert [t["target_id"] for t in desc] == tids[::-1]
