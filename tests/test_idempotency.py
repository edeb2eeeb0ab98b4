"""Idempotency-Key on creating POSTs: replays, reuse with another body, communities, concurrency, expiry."""

from __future__ import annotations

import asyncio
import uuid

from services import idempotency
from services.scheduler.duty import DatabaseHealth
from services.scheduler.maintenance.idempotency_pruner import IdempotencyPruner
from tests.helpers import make_workflow
from tests.routes import FAR

WF = {"name": "greeter", "definition": {}}


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def count(chime, table: str) -> int:
    return await chime.dal.fetchval(f"SELECT count(*) FROM {table}")


async def test_same_key_same_body_replays_the_first_answer(client, auth, chime) -> None:
    headers = keyed(auth(), "create-greeter-1")
    first = await client.post("/api/v1/workflows", json=WF, headers=headers)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    # Key order and whitespace do not change the request's identity.
    second = await client.post("/api/v1/workflows", headers={**headers, "Content-Type": "application/json"},
                               data='{ "definition": {}, "name": "greeter" }')
    assert second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await second.get_json() == await first.get_json()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert await count(chime, "workflows") == 1
    # Without the key the same body creates a second workflow, as before.
    assert (await client.post("/api/v1/workflows", json=WF, headers=auth())).status_code == 201
    assert await count(chime, "workflows") == 2


async def test_same_key_different_body_is_422_and_writes_nothing(client, auth, chime) -> None:
    headers = keyed(auth(), "k-1")
    assert (await client.post("/api/v1/workflows", json=WF, headers=headers)).status_code == 201
    resp = await client.post("/api/v1/workflows", json={**WF, "name": "other"}, headers=headers)
    body = await resp.get_json()
    assert resp.status_code == 422 and body["code"] == "idempotency_key_reused", body
    # Another path with the same key is another request too.
    wid = (await (await client.get("/api/v1/workflows", headers=auth())).get_json())["items"][0]["workflow_id"]
    resp = await client.post(f"/api/v1/workflows/{wid}/execute", json={"dry_run": True}, headers=headers)
    assert resp.status_code == 422
    assert await count(chime, "workflows") == 1
    assert await count(chime, "workflow_executions") == 0


async def test_a_replayed_create_of_a_deleted_object_is_409_not_a_201_naming_it(client, auth, chime) -> None:
    """Seen by the fuzzer: create with a key, delete, the same create again -> a 201 for an object whose GET is
    404. Now the replay re-reads the object and answers 409 `idempotency_key_resource_gone`; nothing is created."""
    admin = auth(scope="admin workflows:read workflows:write schedules:read schedules:write")
    wf = await (await client.post("/api/v1/workflows", json=WF, headers=keyed(admin, "wf"))).get_json()
    schedule = {"workflow_id": wf["workflow_id"], "name": "s",
                "schedule_config": {"schedule_type": "interval", "interval_seconds": 3600}}
    sc = await (await client.post("/api/v1/schedules", json=schedule, headers=keyed(admin, "sc"))).get_json()
    cl = await (await client.post("/api/v1/clients", json={"name": "bot", "scopes": ["schedules:read"]},
                                  headers=keyed(admin, "cl"))).get_json()
    creates = [("/api/v1/workflows", WF, "wf", f"/api/v1/workflows/{wf['workflow_id']}"),
               ("/api/v1/schedules", schedule, "sc", f"/api/v1/schedules/{sc['schedule_id']}"),
               ("/api/v1/clients", {"name": "bot", "scopes": ["schedules:read"]}, "cl",
                f"/api/v1/clients/{cl['client_id']}")]
    for path, body, key, _location in creates:  # still there: an ordinary replay
        again = await client.post(path, json=body, headers=keyed(admin, key))
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true", path
    for path, body, key, location in reversed(creates):
        assert (await client.delete(location, headers=admin)).status_code in (200, 204), location
        again = await client.post(path, json=body, headers=keyed(admin, key))
        payload = await again.get_json()
        assert again.status_code == 409 and payload["code"] == "idempotency_key_resource_gone", (path, payload)
    assert await count(chime, "workflows") == 0 and await count(chime, "workflow_schedules") == 0
    assert await chime.dal.fetchval("SELECT count(*) FROM api_clients WHERE revoked_at IS NULL") == 0


async def test_keys_are_per_community(client, auth, chime) -> None:
    one = await client.post("/api/v1/workflows", json=WF, headers=keyed(auth(1), "shared"))
    two = await client.post("/api/v1/workflows", json=WF, headers=keyed(auth(2), "shared"))
    assert one.status_code == two.status_code == 201 and "Idempotent-Replayed" not in two.headers
    assert (await one.get_json())["workflow_id"] != (await two.get_json())["workflow_id"]
    assert (await two.get_json())["community_id"] == 2


async def test_a_token_without_the_scope_gets_no_replay(client, auth) -> None:
    assert (await client.post("/api/v1/workflows", json=WF, headers=keyed(auth(), "k"))).status_code == 201
    resp = await client.post("/api/v1/workflows", json=WF, headers=keyed(auth(scope="schedules:read"), "k"))
    assert resp.status_code == 403 and "Idempotent-Replayed" not in resp.headers


async def test_bad_keys_are_400(client, auth, chime) -> None:
    for key in ("", "x" * 256, "caf\u00e9", "tab\there"):
        resp = await client.post("/api/v1/workflows", json=WF, headers=keyed(auth(), key))
        body = await resp.get_json()
        assert resp.status_code == 400 and body["code"] == "invalid_idempotency_key", (key, body)
    assert (await client.post("/api/v1/workflows", json=WF, headers=keyed(auth(), "x" * 255))).status_code == 201
    assert await count(chime, "workflows") == 1


async def test_an_error_answer_releases_the_key(client, auth, chime) -> None:
    headers = keyed(auth(), "sched-1")
    missing = {"workflow_id": str(uuid.uuid4()), "schedule_config": FAR}
    resp = await client.post("/api/v1/schedules", json=missing, headers=headers)
    assert resp.status_code == 404
    assert await count(chime, "idempotency_keys") == 0
    # The corrected request runs with the same key.
    wid = await make_workflow(client, auth())
    resp = await client.post("/api/v1/schedules", json={**missing, "workflow_id": wid}, headers=headers)
    assert resp.status_code == 201 and "Idempotent-Replayed" not in resp.headers


async def test_run_now_and_execute_start_once(client, auth, chime) -> None:
    wid = await make_workflow(client, auth())
    sched = await client.post("/api/v1/schedules", json={"workflow_id": wid, "schedule_config": FAR}, headers=auth())
    sid = (await sched.get_json())["schedule_id"]
    answers = [await client.post(f"/api/v1/schedules/{sid}/run-now", headers=keyed(auth(), "run")) for _ in range(3)]
    assert {a.status_code for a in answers} == {202}
    assert len({(await a.get_json())["execution_id"] for a in answers}) == 1
    answers = [await client.post(f"/api/v1/workflows/{wid}/execute", json={"dry_run": True},
                                 headers=keyed(auth(), "exec")) for _ in range(3)]
    assert len({(await a.get_json())["execution_id"] for a in answers}) == 1
    assert await count(chime, "workflow_executions") == 2


async def test_concurrent_duplicates_wait_for_the_first(client, auth, chime) -> None:
    wid = await make_workflow(client, auth())
    body = {"workflow_id": wid, "name": "nightly", "schedule_config": FAR}
    headers = keyed(auth(), "ten-at-once")
    answers = await asyncio.gather(*(client.post("/api/v1/schedules", json=body, headers=headers)
                                     for _ in range(10)))
    assert {a.status_code for a in answers} == {201}
    bodies = [await a.get_json() for a in answers]
    assert all(b == bodies[0] for b in bodies)
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 9
    assert await count(chime, "workflow_schedules") == 1


async def test_a_waiter_takes_over_a_dead_winners_key(client, auth, chime) -> None:
    # A winner that died leaves its row in progress; once its lock lapses the next request runs.
    digest = idempotency.request_hash("POST", "/api/v1/workflows", WF)
    await chime.dal.execute(
        "INSERT INTO idempotency_keys (community_id, idem_key, request_hash, attempt, locked_until)"
        " VALUES (1, 'orphan', $1, $2, now() - interval '1 second')", digest, uuid.uuid4())
    resp = await client.post("/api/v1/workflows", json=WF, headers=keyed(auth(), "orphan"))
    assert resp.status_code == 201 and "Idempotent-Replayed" not in resp.headers
    assert await count(chime, "workflows") == 1


async def test_keys_expire_after_24_hours(client, auth, chime) -> None:
    headers = keyed(auth(), "daily")
    assert (await client.post("/api/v1/workflows", json=WF, headers=headers)).status_code == 201
    await chime.dal.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
    # An expired key is a new key: the request runs again (another body is fine too).
    resp = await client.post("/api/v1/workflows", json={**WF, "name": "again"}, headers=headers)
    assert resp.status_code == 201 and "Idempotent-Replayed" not in resp.headers
    assert await count(chime, "workflows") == 2
    # The pruner deletes keys past the window and keeps the others.
    await client.post("/api/v1/workflows", json=WF, headers=keyed(auth(), "old"))
    await chime.dal.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
                            " WHERE idem_key = 'old'")
    await IdempotencyPruner(chime.dal, DatabaseHealth()).run_once()
    keys = {r["idem_key"] for r in await chime.dal.fetch("SELECT idem_key FROM idempotency_keys")}
    assert keys == {"daily"}


async def test_openapi_documents_the_header(client) -> None:
    doc = await (await client.get("/openapi.json")).get_json()
    for path in ("/api/v1/workflows", "/api/v1/schedules", "/api/v1/schedules/{schedule_id}/run-now",
                 "/api/v1/workflows/{workflow_id}/execute", "/api/v1/scheduler/fix-it"):
        op = doc["paths"][path]["post"]
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in op["parameters"]), path
        assert "422" in op["responses"], path
    assert not any(p.get("name") == "Idempotency-Key"
                   for p in doc["paths"]["/api/v1/schedules/{schedule_id}/pause"]["post"].get("parameters", []))


async def test_concurrent_duplicates_across_two_live_instances(spawn, make_database, token) -> None:
    """Real processes on one database: 10 identical requests at once, split over both, make one schedule."""
    import httpx

    dsn = await make_database()
    one, two = await spawn.serve("idem-a", dsn), await spawn.serve("idem-b", dsn)
    headers = {"Authorization": f"Bearer {token(1)}"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:
        resp = await client.post(f"{one.url}/api/v1/workflows", json=WF)
        assert resp.status_code == 201, resp.text
        body = {"workflow_id": resp.json()["workflow_id"], "name": "both", "schedule_config": FAR}
        keyed_headers = {"Idempotency-Key": "across-processes"}
        answers = await asyncio.gather(*(
            client.post(f"{(one, two)[i % 2].url}/api/v1/schedules", json=body, headers=keyed_headers)
            for i in range(10)))
        assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
        assert len({a.json()["schedule_id"] for a in answers}) == 1
        assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 9
        listed = (await client.get(f"{two.url}/api/v1/schedules")).json()["items"]
        assert len(listed) == 1
