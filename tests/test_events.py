"""Event-triggered schedules: POST /api/v1/events fans out to matching event schedules, exactly once per
(schedule, event), under the same gates as clock fires; events are listed and pruned."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from services.scheduler.duty import DatabaseHealth
from services.scheduler.maintenance.pruner import Pruner
from tests.engine_helpers import chain, node
from tests.helpers import delay_workflow, make_schedule, make_workflow, wait_for

WRITE = ("schedules:read schedules:write events:write executions:read executions:write workflows:read"
         " workflows:write")


@pytest.fixture
def h(auth):
    def make(community: int = 1, scope: str = WRITE) -> dict[str, str]:
        return auth(community, scope)

    return make


def ev_schedule(event_type: str, **extra) -> dict:
    return {"schedule_type": "event", "event_type": event_type, **extra}


async def post_event(client, headers, body: dict, status: int = 202) -> dict:
    resp = await client.post("/api/v1/events", headers=headers, json=body)
    data = await resp.get_json()
    assert resp.status_code == status, data
    return data


async def rows_of(dal, schedule_id: str) -> list:
    return await dal.fetch("SELECT * FROM workflow_executions WHERE schedule_id = $1 ORDER BY scheduled_for",
                           uuid.UUID(schedule_id))


def started(answer: dict) -> set[str]:
    return {e["schedule_id"] for e in answer["executions"]}


def skipped(answer: dict) -> dict[str, str]:
    return {s["schedule_id"]: s["reason"] for s in answer["skipped"]}


async def test_fan_out_exact_prefix_and_filter(client, chime, h) -> None:
    wf = await make_workflow(client, h())
    pro = {"left": "${event.payload.plan}", "operator": "equals", "right": "pro"}
    free = {**pro, "right": "free"}
    s = {name: (await make_schedule(client, h(), wf, cfg))["schedule_id"] for name, cfg in {
        "exact": ev_schedule("member.joined"), "prefix": ev_schedule("member.*"), "all": ev_schedule("*"),
        "pro": ev_schedule("member.joined", event_filter=pro), "free": ev_schedule("member.joined", event_filter=free),
        "missing": ev_schedule("member.joined", event_filter={"left": "${event.payload.nope}", "operator": "equals",
                                                             "right": 1}),
        "other": ev_schedule("member.left"), "longer": ev_schedule("member.joined.twice"),
        "clock": {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"},
    }.items()}
    answer = await post_event(client, h(), {"type": "member.joined", "payload": {"plan": "pro"}})
    assert started(answer) == {s["exact"], s["prefix"], s["all"], s["pro"]}
    assert skipped(answer)[s["free"]] == "event_filter did not match"
    assert "could not be evaluated" in skipped(answer)[s["missing"]]
    assert set(skipped(answer)) == {s["free"], s["missing"]}
    received = datetime.fromisoformat(answer["received_at"])
    for name in ("exact", "prefix", "all", "pro"):
        [row] = await rows_of(chime.dal, s[name])
        assert row["trigger"] == "event" and row["scheduled_for"] == received
        assert row["event"]["payload"] == {"plan": "pro"} and row["event"]["event_id"] == answer["event_id"]
    for name in ("free", "missing", "other", "longer", "clock"):
        assert await rows_of(chime.dal, s[name]) == []
    # Counted like any fire; no next fire ever.
    got = await (await client.get(f"/api/v1/schedules/{s['exact']}", headers=h())).get_json()
    assert got["execution_count"] == 1 and got["next_execution_at"] is None and got["status"] == "active"
    assert got["description"] == "On event member.joined"
    # A type that only the prefix and '*' answer.
    answer = await post_event(client, h(), {"type": "member.left.early"})
    assert started(answer) == {s["prefix"], s["all"]}


async def test_templates_see_the_event(client, chime, h) -> None:
    definition = chain(node("v", "data_variable_set", name="greeting",
                            value="hi ${event.payload.member.name} (${event.type}, ${event.event_id})"))
    wf = await make_workflow(client, h(), definition)
    sid = (await make_schedule(client, h(), wf, ev_schedule("member.joined")))["schedule_id"]
    answer = await post_event(client, h(), {"type": "member.joined", "event_id": "evt-1",
                                            "payload": {"member": {"name": "Ada"}},
                                            "occurred_at": "2030-01-01T09:00:00+01:00"})
    assert answer["occurred_at"].startswith("2030-01-01T08:00:00")
    [run] = answer["executions"]

    async def done():
        row = await chime.dal.fetchrow("SELECT status, output FROM workflow_executions WHERE execution_id = $1",
                                       uuid.UUID(run["execution_id"]))
        return row if row["status"] not in ("pending", "running") else None

    row = await wait_for(done, timeout=15)
    assert row["status"] == "completed" and row["output"]["greeting"] == "hi Ada (member.joined, evt-1)"
    assert run["schedule_id"] == sid


async def test_duplicate_delivery_starts_nothing_twice(client, chime, h) -> None:
    wf = await make_workflow(client, h())
    sid = (await make_schedule(client, h(), wf, ev_schedule("order.*", overlap_policy="allow")))["schedule_id"]
    first = await post_event(client, h(), {"type": "order.paid", "event_id": "o-1", "payload": {"n": 1}})
    again = await post_event(client, h(), {"type": "order.paid", "event_id": "o-1", "payload": {"n": 2}})
    assert first["duplicate"] is False and again["duplicate"] is True
    assert again["executions"] == first["executions"] and again["received_at"] == first["received_at"]
    assert len(await rows_of(chime.dal, sid)) == 1
    # Without an event_id every delivery is a new event (a uuid is generated).
    a = await post_event(client, h(), {"type": "order.paid"})
    b = await post_event(client, h(), {"type": "order.paid"})
    assert a["event_id"] != b["event_id"] and uuid.UUID(a["event_id"])
    assert len(await rows_of(chime.dal, sid)) == 3
    # A batch: new and already-delivered events together; one execution per (schedule, event).
    resp = await client.post("/api/v1/events/batch", headers=h(), json={"events": [
        {"type": "order.paid", "event_id": "o-1"}, {"type": "order.paid", "event_id": "o-2"},
        {"type": "order.shipped", "event_id": "o-3"}]})
    body = await resp.get_json()
    assert resp.status_code == 202, body
    assert [i["duplicate"] for i in body["items"]] == [True, False, False]
    assert len({i["received_at"] for i in body["items"]}) == 3
    rows = await rows_of(chime.dal, sid)
    assert len(rows) == 5 and len({r["scheduled_for"] for r in rows}) == 5
    got = await (await client.get(f"/api/v1/schedules/{sid}", headers=h())).get_json()
    assert got["execution_count"] == 5


async def test_two_processes_receive_the_same_events_at_once(spawn, database_url, token) -> None:
    from tests.conftest import reset_database

    await reset_database(database_url)
    a = await spawn.serve("a", database_url)
    b = await spawn.serve("b", database_url)
    headers = {"Authorization": f"Bearer {token(1, WRITE)}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(a.url + "/api/v1/workflows", headers=headers,
                             json={"name": "wf", "definition": {}}) as resp:
            wf = (await resp.json())["workflow_id"]
        sids = []
        for t in ("ping.*", "ping.x"):
            async with http.post(b.url + "/api/v1/schedules", headers=headers, json={
                    "workflow_id": wf, "schedule_config": ev_schedule(t, overlap_policy="allow")}) as resp:
                assert resp.status == 201, await resp.text()
                sids.append((await resp.json())["schedule_id"])

        async def send(url: str, event_id: str) -> dict:
            async with http.post(url + "/api/v1/events", headers=headers,
                                 json={"type": "ping.x", "event_id": event_id}) as resp:
                assert resp.status == 202, await resp.text()
                return await resp.json()

        ids = [f"dup-{i}" for i in range(25)]
        answers = await asyncio.gather(*(send(url, i) for i in ids for url in (a.url, b.url)))
    for event_id in ids:
        pair = [x for x in answers if x["event_id"] == event_id]
        assert sorted(x["duplicate"] for x in pair) == [False, True], pair
        assert pair[0]["executions"] == pair[1]["executions"] and len(pair[0]["executions"]) == 2
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        per_schedule = await conn.fetch("SELECT schedule_id, count(*) AS n, count(DISTINCT event->>'event_id') AS d"
                                        " FROM workflow_executions GROUP BY schedule_id")
        stored = await conn.fetchval("SELECT count(*) FROM events")
    finally:
        await conn.close()
    assert {str(r["schedule_id"]): (r["n"], r["d"]) for r in per_schedule} == {s: (25, 25) for s in sids}
    assert stored == 25


async def test_gates_paused_snoozed_completed_and_window(client, chime, h) -> None:
    wf = await make_workflow(client, h())
    now = datetime.now(UTC)
    s = {name: (await make_schedule(client, h(), wf, cfg))["schedule_id"] for name, cfg in {
        "paused": ev_schedule("gate.t"), "snoozed": ev_schedule("gate.t"), "once": ev_schedule("gate.t",
                                                                                             max_executions=1),
        "later": ev_schedule("gate.t", start_at=(now + timedelta(days=1)).isoformat()),
        "over": ev_schedule("gate.t", start_at=(now - timedelta(days=2)).isoformat(),
                            end_at=(now - timedelta(days=1)).isoformat()),
        "cancelled": ev_schedule("gate.t"),
    }.items()}
    assert (await client.post(f"/api/v1/schedules/{s['paused']}/pause", headers=h(), json={})).status_code == 200
    resp = await client.post(f"/api/v1/schedules/{s['snoozed']}/snooze", headers=h(), json={"seconds": 3600})
    assert resp.status_code == 200 and (await resp.get_json())["status"] == "active"
    assert (await client.post(f"/api/v1/schedules/{s['cancelled']}/cancel", headers=h())).status_code == 200

    first = await post_event(client, h(), {"type": "gate.t"})
    assert started(first) == {s["once"]}
    why = skipped(first)
    assert why[s["paused"]] == "schedule is paused" and why[s["cancelled"]] == "schedule is cancelled"
    assert why[s["snoozed"]].startswith("schedule is snoozed until")
    assert "start_at" in why[s["later"]] and "end_at" in why[s["over"]]
    once = await (await client.get(f"/api/v1/schedules/{s['once']}", headers=h())).get_json()
    assert once["status"] == "completed" and once["execution_count"] == 1  # max_executions reached

    second = await post_event(client, h(), {"type": "gate.t"})
    assert started(second) == set() and skipped(second)[s["once"]] == "schedule is completed"
    for name in ("paused", "snoozed", "later", "over", "cancelled"):
        assert await rows_of(chime.dal, s[name]) == []
    assert len(await rows_of(chime.dal, s["once"])) == 1
    # Resumed, the paused one fires again; a resumed event schedule stays without a next fire.
    resumed = await (await client.post(f"/api/v1/schedules/{s['paused']}/resume", headers=h())).get_json()
    assert resumed["status"] == "active" and resumed["next_execution_at"] is None
    assert started(await post_event(client, h(), {"type": "gate.t"})) == {s["paused"]}


async def test_overlap_skip_and_inactive_workflow(client, chime, h) -> None:
    slow = await make_workflow(client, h(), delay_workflow(30))
    sid = (await make_schedule(client, h(), slow, ev_schedule("job.run")))["schedule_id"]  # overlap skip
    first = await post_event(client, h(), {"type": "job.run"})
    [run] = first["executions"]

    async def running():
        return await chime.dal.fetchval("SELECT status = 'running' FROM workflow_executions"
                                        " WHERE execution_id = $1", uuid.UUID(run["execution_id"]))

    await wait_for(running, timeout=15)
    second = await post_event(client, h(), {"type": "job.run"})
    [skip] = second["skipped"]
    assert second["executions"] == [] and "overlap_policy skip" in skip["reason"] and skip["execution_id"]
    rows = await rows_of(chime.dal, sid)
    assert [r["status"] for r in rows] == ["running", "skipped"]
    # Cancel is the usual cancel of a run.
    resp = await client.post(f"/api/v1/executions/{run['execution_id']}/cancel", headers=h())
    assert resp.status_code == 202

    idle = await make_workflow(client, h(), status="inactive")
    sid2 = (await make_schedule(client, h(), idle, ev_schedule("job.idle")))["schedule_id"]
    answer = await post_event(client, h(), {"type": "job.idle"})
    assert skipped(answer)[sid2] == "workflow is inactive"


async def test_approval_gated_workflow_waits(client, chime, h) -> None:
    wf = await make_workflow(client, h(), requires_approval=True)
    sid = (await make_schedule(client, h(), wf, ev_schedule("pay.request")))["schedule_id"]
    answer = await post_event(client, h(), {"type": "pay.request", "payload": {"amount": 5}})
    assert [(e["schedule_id"], e["status"]) for e in answer["executions"]] == [(sid, "awaiting_approval")]
    tokens = await chime.dal.fetchval("SELECT count(*) FROM approval_tokens WHERE community_id = 1")
    assert tokens == 1


async def test_tenancy(client, chime, h) -> None:
    wf1 = await make_workflow(client, h(1))
    s1 = (await make_schedule(client, h(1), wf1, ev_schedule("team.*")))["schedule_id"]
    answer = await post_event(client, h(2), {"type": "team.created", "event_id": "shared-id"})
    assert answer["executions"] == [] and answer["skipped"] == []
    assert await rows_of(chime.dal, s1) == []
    # The same event_id in another community is another event.
    mine = await post_event(client, h(1), {"type": "team.created", "event_id": "shared-id"})
    assert mine["duplicate"] is False and started(mine) == {s1}
    listed = await (await client.get("/api/v1/events", headers=h(2))).get_json()
    assert [(e["event_id"], e["community_id"], e["executions"]) for e in listed["items"]] == [("shared-id", 2, [])]
    listed = await (await client.get("/api/v1/events", headers=h(3))).get_json()
    assert listed["items"] == []


async def test_list_filters_and_pages_newest_first(client, h) -> None:
    for i in range(5):
        await post_event(client, h(), {"type": "a.b" if i % 2 else "a.c", "event_id": f"e{i}", "payload": {"i": i}})
    got = await (await client.get("/api/v1/events?limit=2", headers=h())).get_json()
    assert [e["event_id"] for e in got["items"]] == ["e4", "e3"] and got["next_cursor"]
    more = await (await client.get(f"/api/v1/events?limit=2&cursor={got['next_cursor']}", headers=h())).get_json()
    assert [e["event_id"] for e in more["items"]] == ["e2", "e1"]
    typed = await (await client.get("/api/v1/events?type=a.b", headers=h())).get_json()
    assert [e["event_id"] for e in typed["items"]] == ["e3", "e1"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert (await (await client.get(f"/api/v1/events?since={future}", headers=h())).get_json())["items"] == []
    assert len((await (await client.get(f"/api/v1/events?until={future}", headers=h())).get_json())["items"]) == 5
    resp = await client.get("/api/v1/events", headers=h(scope="events:write"))
    assert resp.status_code == 403 and "executions:read" in (await resp.get_json())["error"]


async def test_retention_prunes_old_events(client, chime, h) -> None:
    await post_event(client, h(), {"type": "old.one", "event_id": "old"})
    await post_event(client, h(), {"type": "new.one", "event_id": "new"})
    await chime.dal.execute("UPDATE events SET received_at = received_at - interval '8 days' WHERE event_id = 'old'")
    pruner = Pruner(chime.dal, 30, DatabaseHealth(), lambda: datetime.now(UTC), event_retention_days=7)
    await pruner.run_once()
    assert [r["event_id"] for r in await chime.dal.fetch("SELECT event_id FROM events")] == ["new"]


@pytest.mark.parametrize("config, field, code", [
    ({"schedule_type": "event"}, "schedule_config.event_type", "missing_field"),
    (ev_schedule("a.b", cron_expression="* * * * *"), "schedule_config.cron_expression", "field_not_allowed"),
    (ev_schedule("a.b", jitter_seconds=5), "schedule_config.jitter_seconds", "field_not_allowed"),
    (ev_schedule("a.b", event_filter={"operator": "bogus", "left": 1, "right": 2}), "schedule_config.event_filter",
     "invalid_event_filter"),
    ({"schedule_type": "cron", "cron_expression": "* * * * *", "event_filter": {"operator": "is_empty", "left": 1}},
     "schedule_config.event_filter", "field_not_allowed"),
    ({"schedule_type": "cron", "cron_expression": "* * * * *", "event_type": "a.b"}, "schedule_config.event_type",
     "field_not_allowed"),
])
async def test_event_schedule_validation(client, chime, h, config, field, code) -> None:
    wf = await make_workflow(client, h())
    resp = await client.post("/api/v1/schedules", headers=h(), json={"workflow_id": wf, "schedule_config": config})
    body = await resp.get_json()
    assert resp.status_code == 400 and body["code"] == code and body["details"][0]["field"] == field, body
    assert await chime.dal.fetchval("SELECT count(*) FROM workflow_schedules") == 0


@pytest.mark.parametrize("event_type", ["member joined", "member..joined", ".a", "a.", "a*", "x" * 129, ""])
async def test_bad_event_types_are_refused(client, h, event_type) -> None:
    resp = await client.post("/api/v1/events", headers=h(), json={"type": event_type})
    assert resp.status_code == 400


async def test_previews_and_next_runs_are_empty(client, h) -> None:
    wf = await make_workflow(client, h())
    sid = (await make_schedule(client, h(), wf, ev_schedule("member.*")))["schedule_id"]
    got = await (await client.get(f"/api/v1/schedules/{sid}/next-runs", headers=h())).get_json()
    assert got == {"next_runs": [], "description": "On event member.*"}
    resp = await client.post("/api/v1/schedules/preview", headers=h(), json={"schedule_config": ev_schedule("x")})
    assert (await resp.get_json()) == {"next_runs": [], "description": "On event x"}
    # Switching a clock schedule to events (and back) by PATCH.
    cron = (await make_schedule(client, h(), wf, {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"}))
    resp = await client.patch(f"/api/v1/schedules/{cron['schedule_id']}", headers=h(),
                              json={"schedule_config": {"schedule_type": "event", "event_type": "p.q"}})
    body = await resp.get_json()
    assert resp.status_code == 200 and body["status"] == "active" and body["next_execution_at"] is None, body
    assert body["cron_expression"] is None and body["event_type"] == "p.q"
    resp = await client.patch(f"/api/v1/schedules/{cron['schedule_id']}", headers=h(),
                              json={"schedule_config": {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"}})
    body = await resp.get_json()
    assert resp.status_code == 200 and body["event_type"] is None and body["next_execution_at"] is not None


HOSTILE = [
    {"type": "a.b", "event_id": "has space"},
    {"type": "a.b", "event_id": "naïve"},
    {"type": "a.b", "event_id": "x" * 201},
    {"type": "a.b", "event_id": ""},
    {"type": "a.b", "payload": []},
    {"type": "a.b", "payload": {"k": "v" * (64 * 1024)}},
    {"type": "a.b", "occurred_at": "2030-01-01T09:00:00"},
    {"type": "a.b", "occurred_at": 1700000000},
    {"type": "a.b", "extra": 1},
    {"payload": {}},
    {"type": 5},
]


@pytest.mark.parametrize("body", HOSTILE)
async def test_hostile_events_are_refused_and_write_nothing(client, chime, h, body) -> None:
    wf = await make_workflow(client, h())
    await make_schedule(client, h(), wf, ev_schedule("*"))
    resp = await client.post("/api/v1/events", headers=h(), json=body)
    data = await resp.get_json()
    assert resp.status_code == 400 and data["code"] and data["request_id"], data
    assert await chime.dal.fetchval("SELECT count(*) FROM events") == 0
    assert await chime.dal.fetchval("SELECT count(*) FROM workflow_executions") == 0


async def test_deep_payload_and_batch_bounds(client, chime, h) -> None:
    deep: dict = {}
    cur = deep
    for _ in range(16):
        cur["k"] = {}
        cur = cur["k"]
    resp = await client.post("/api/v1/events", headers=h(), json={"type": "a.b", "payload": deep})
    body = await resp.get_json()
    assert resp.status_code == 400 and body["code"] == "nesting_too_deep", body
    resp = await client.post("/api/v1/events/batch", headers=h(), json={"events": [{"type": "a.b"}] * 101})
    assert resp.status_code == 400
    resp = await client.post("/api/v1/events/batch", headers=h(), json={"events": [
        {"type": "a.b", "event_id": "same"}, {"type": "a.c", "event_id": "same"}]})
    body = await resp.get_json()
    assert resp.status_code == 400 and body["code"] == "duplicate_event_id", body
    assert body["details"][0]["field"] == "events[1].event_id"
    resp = await client.post("/api/v1/events", headers=h(scope="schedules:write"), json={"type": "a.b"})
    assert resp.status_code == 403 and "events:write" in (await resp.get_json())["error"]
    assert await chime.dal.fetchval("SELECT count(*) FROM events") == 0


async def test_batch_counts_each_event_in_order(client, chime, h) -> None:
    """A batch hitting one schedule several times sees the counters each event left: max_executions 2 of 3."""
    wf = await make_workflow(client, h())
    capped = (await make_schedule(client, h(), wf, ev_schedule("cap.*", max_executions=2,
                                                               overlap_policy="allow")))["schedule_id"]
    other = (await make_schedule(client, h(), wf, ev_schedule("cap.b", overlap_policy="allow")))["schedule_id"]
    resp = await client.post("/api/v1/events/batch", headers=h(), json={"events": [
        {"type": "cap.a"}, {"type": "cap.b"}, {"type": "cap.a"}]})
    body = await resp.get_json()
    assert resp.status_code == 202, body
    first, second, third = body["items"]
    assert started(first) == {capped} and started(second) == {capped, other}
    assert started(third) == set() and skipped(third) == {capped: "schedule is completed"}
    got = await (await client.get(f"/api/v1/schedules/{capped}", headers=h())).get_json()
    assert got["status"] == "completed" and got["execution_count"] == 2
    assert len(await rows_of(chime.dal, capped)) == 2 and len(await rows_of(chime.dal, other)) == 1


async def test_concurrent_requests_share_transactions_and_stay_exactly_once(client, chime, h) -> None:
    """Group commit: concurrent requests of one process are coalesced, duplicates of one event_id included (in
    the same transaction or not); each event still starts one run per schedule, and every answer agrees."""
    wf = await make_workflow(client, h())
    sid = (await make_schedule(client, h(), wf, ev_schedule("gc.*", overlap_policy="allow")))["schedule_id"]
    other = (await make_schedule(client, h(2), await make_workflow(client, h(2)),
                                 ev_schedule("gc.*", overlap_policy="allow")))["schedule_id"]
    bodies = [(c, {"type": "gc.x", "event_id": f"gc-{i}"}) for i in range(15) for c in (1, 1, 2)]
    answers = await asyncio.gather(*(post_event(client, h(c), body) for c, body in bodies))
    for i in range(15):
        mine = [a for (c, b), a in zip(bodies, answers, strict=True) if b["event_id"] == f"gc-{i}" and c == 1]
        assert sorted(a["duplicate"] for a in mine) == [False, True]
        assert mine[0]["executions"] == mine[1]["executions"] and started(mine[0]) == {sid}
        assert mine[0]["received_at"] == mine[1]["received_at"]
    assert len(await rows_of(chime.dal, sid)) == 15 and len(await rows_of(chime.dal, other)) == 15
    assert await chime.dal.fetchval("SELECT count(*) FROM events") == 30


async def test_hub_shows_an_event_schedule(client, chime, h) -> None:
    from tests.routes import hub_session_headers

    wf = await make_workflow(client, h())
    sid = (await make_schedule(client, h(), wf, ev_schedule("member.joined")))["schedule_id"]
    await post_event(client, h(), {"type": "member.joined"})
    session = await hub_session_headers(chime, 1, ["schedules:read", "schedules:write"])
    for path in ("/hub/schedules", f"/hub/schedules/{sid}", f"/hub/schedules/{sid}/history"):
        resp = await client.get(path, headers=session)
        assert resp.status_code == 200, path
        assert "On event member.joined" in (await resp.get_data(as_text=True)) or path.endswith("history"), path
