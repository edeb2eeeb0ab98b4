"""The schedule API contract: validation (400 and nothing written), CRUD, pagination, If-Match."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest


def cron(expr: str = "0 9 * * 1-5", **extra) -> dict:
    return {"schedule_type": "cron", "cron_expression": expr, **extra}


async def create(client, headers, workflow_id, config: dict, **extra):
    body = {"workflow_id": workflow_id, "schedule_config": config, **extra}
    resp = await client.post("/api/v1/schedules", json=body, headers=headers)
    return resp, await resp.get_json()


async def count_schedules(chime) -> int:
    return await chime.dal.fetchval("SELECT count(*) FROM workflow_schedules")


def iso(dt: datetime) -> str:
    return dt.isoformat()


async def test_create_cron_schedule_is_flat_and_described(client, auth, workflow) -> None:
    resp, body = await create(client, auth(), workflow["workflow_id"], cron(timezone="Europe/Berlin"), name="standup",
                              context_data={"channel": "general"})
    assert resp.status_code == 201, body
    assert resp.headers["ETag"] == '"1"'
    assert body["schedule_type"] == "cron" and body["cron_expression"] == "0 9 * * 1-5"
    assert body["status"] == "active" and body["is_active"] is True and body["version"] == 1
    assert body["timezone"] == "Europe/Berlin" and body["context_data"] == {"channel": "general"}
    assert body["grace_period_seconds"] == 900 and body["overlap_policy"] == "skip"
    assert "09:00" in body["description"]
    nxt = datetime.fromisoformat(body["next_execution_at"])
    assert nxt.tzinfo is not None and nxt > datetime.now(UTC)
    local = nxt.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (9, 0) and local.weekday() < 5
    assert body["created_by"] == "local-admin"


@pytest.mark.parametrize(
    "config",
    [
        {"schedule_type": "interval", "interval_seconds": 60},
        {"schedule_type": "one_time", "scheduled_time": iso(datetime.now(UTC) + timedelta(hours=1))},
        {"schedule_type": "rrule", "rrule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", "timezone": "America/New_York"},
        cron("*/5 * * * * *"),
        cron("@daily"),
    ],
    ids=["interval", "one_time", "rrule", "cron-seconds", "macro"],
)
async def test_create_each_type(client, auth, workflow, config) -> None:
    resp, body = await create(client, auth(), workflow["workflow_id"], config)
    assert resp.status_code == 201, body
    assert body["next_execution_at"] is not None and body["description"]


async def test_create_with_last_weekday_of_month(client, auth, workflow) -> None:
    resp, body = await create(client, auth(), workflow["workflow_id"], cron("0 18 * * 5L", timezone="Europe/Berlin"))
    assert resp.status_code == 201, body
    assert body["description"] == "At 18:00 on the last Friday of the month (Europe/Berlin)"
    local = datetime.fromisoformat(body["next_execution_at"]).astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute, local.isoweekday()) == (18, 0, 5)
    assert (local + timedelta(days=7)).month != local.month


async def test_interval_fires_from_anchor(client, auth, workflow) -> None:
    start = (datetime.now(UTC) + timedelta(minutes=5)).replace(microsecond=0)
    resp, body = await create(client, auth(), workflow["workflow_id"],
                              {"schedule_type": "interval", "interval_seconds": 90, "start_at": iso(start)})
    assert resp.status_code == 201
    assert datetime.fromisoformat(body["next_execution_at"]) == start
    resp = await client.get(f"/api/v1/schedules/{body['schedule_id']}/next-runs?count=3", headers=auth())
    runs = (await resp.get_json())["next_runs"]
    assert [datetime.fromisoformat(r["utc"]) for r in runs] == [start + timedelta(seconds=90 * k) for k in range(3)]


PAST = iso(datetime.now(UTC) - timedelta(hours=2))

BAD_CONFIGS = [
    ({"schedule_type": "cron", "cron_expression": "0 9 * * *", "colour": "red"}, "unknown_field",
     "schedule_config.colour"),
    ({"cron_expression": "0 9 * * *"}, "missing_field", "schedule_config.schedule_type"),
    ({"schedule_type": "weekly"}, "unknown_schedule_type", "schedule_config.schedule_type"),
    ({"schedule_type": "cron"}, "missing_field", "schedule_config.cron_expression"),
    (cron(interval_seconds=60), "field_not_allowed", "schedule_config.interval_seconds"),
    ({"schedule_type": "interval", "interval_seconds": 60, "rrule": "FREQ=DAILY"}, "field_not_allowed",
     "schedule_config.rrule"),
    (cron("0 25 * * *"), "invalid_cron", "hour"),
    (cron("61 * * * *"), "invalid_cron", "minute"),
    (cron("0 0 32 * *"), "invalid_cron", "day-of-month"),
    (cron("0 0 * 13 *"), "invalid_cron", "month"),
    (cron("0 0 * * FUNDAY"), "invalid_cron", "day-of-week"),
    (cron("0 0 *"), "invalid_cron", "cron_expression"),
    (cron("0 0 30 2 *"), "cron_never_fires", "cron_expression"),
    (cron("² * * * *"), "invalid_cron", "schedule_config.cron_expression"),  # was a 500: "²".isdigit() is True
    (cron("0 ٣ * * *"), "invalid_cron", "schedule_config.cron_expression"),
    (cron("0 9 * * 1#6"), "invalid_cron", "day-of-week"),
    ({"schedule_type": "interval", "interval_seconds": 0}, "invalid_interval", "interval_seconds"),
    (cron(timezone="Mars/Olympus_Mons"), "unknown_timezone", "timezone"),
    ({"schedule_type": "one_time", "scheduled_time": PAST}, "scheduled_time_in_past", "scheduled_time"),
    ({"schedule_type": "one_time", "scheduled_time": "2030-01-01T09:00:00"}, "invalid_field", "scheduled_time"),
    (cron(start_at="2030-01-02T00:00:00Z", end_at="2030-01-01T00:00:00Z"), "invalid_window", "end_at"),
    (cron(max_executions=0), "invalid_max_executions", "max_executions"),
    ({"schedule_type": "interval", "interval_seconds": 60, "jitter_seconds": 61}, "jitter_too_large",
     "jitter_seconds"),
    (cron("*/5 * * * *", jitter_seconds=400), "jitter_too_large", "jitter_seconds"),
    ({"schedule_type": "rrule", "rrule": "FREQ=SOMETIMES"}, "invalid_rrule", "rrule"),
    ({"schedule_type": "rrule", "rrule": "FREQ=DAILY;COUNT=²"}, "invalid_rrule", "schedule_config.rrule"),
    ({"schedule_type": "rrule", "rrule": "FREQ=SECONDLY;BYHOUR=3"}, "rrule_too_complex", "schedule_config.rrule"),
    ({"schedule_type": "rrule", "rrule": "FREQ=DAILY;BYHOUR=9;COUNT=900000000"}, "rrule_too_complex", "UNTIL"),
    ({"schedule_type": "interval", "interval_seconds": 99_999_999_999}, "invalid_interval",
     "schedule_config.interval_seconds"),
    ({"schedule_type": "interval", "interval_seconds": 60, "grace_period_seconds": 10**15}, "invalid_grace_period",
     "schedule_config.grace_period_seconds"),
    ({"schedule_type": "interval", "interval_seconds": 60, "jitter_seconds": 2**31}, "invalid_jitter",
     "schedule_config.jitter_seconds"),
    ({"schedule_type": "one_time", "scheduled_time": iso(datetime.now(UTC) + timedelta(hours=1)),
      "start_at": iso(datetime.now(UTC) + timedelta(hours=2))}, "never_fires", "schedule_config.scheduled_time"),
    ({"schedule_type": "one_time", "scheduled_time": iso(datetime.now(UTC) + timedelta(hours=3)),
      "end_at": iso(datetime.now(UTC) + timedelta(hours=2))}, "never_fires", "schedule_config.end_at"),
    ({"schedule_type": "one_time", "scheduled_time": "9999-12-31T23:00:00Z", "timezone": "Pacific/Kiritimati"},
     "datetime_out_of_range", "schedule_config.scheduled_time"),
    (cron(overlap_policy="queue_all"), "invalid_field", "overlap_policy"),
]


@pytest.mark.parametrize(("config", "code", "names"), BAD_CONFIGS, ids=[c[1] + f"-{i}" for i, c in
                                                                       enumerate(BAD_CONFIGS)])
async def test_invalid_config_is_400_and_writes_nothing(chime, client, auth, workflow, config, code, names) -> None:
    resp, body = await create(client, auth(), workflow["workflow_id"], config)
    assert resp.status_code == 400, body
    assert body["code"] == code, body
    assert names in body["error"], body
    assert body["request_id"] == resp.headers["X-Request-ID"]
    assert await count_schedules(chime) == 0


@pytest.mark.parametrize(
    ("extra", "code"),
    [({"context_data": [1, 2]}, "invalid_field"), ({"context_data": {"blob": "x" * 70_000}}, "context_too_large"),
     ({"surprise": 1}, "unknown_field")],
)
async def test_invalid_context_or_body(chime, client, auth, workflow, extra, code) -> None:
    resp, body = await create(client, auth(), workflow["workflow_id"], cron(), **extra)
    assert resp.status_code == 400 and body["code"] == code, body
    assert await count_schedules(chime) == 0


async def test_unknown_workflow_is_404(chime, client, auth) -> None:
    resp, body = await create(client, auth(), str(uuid.uuid4()), cron())
    assert resp.status_code == 404 and body["code"] == "workflow_not_found"
    assert await count_schedules(chime) == 0


async def test_create_announces_its_due_instant(chime, client, auth, workflow, settings) -> None:
    """The workflow check, the insert and the NOTIFY other processes wake up by are one statement: the payload
    carries the due instant (so a listener adds a wake-up without a query); a refused create announces nothing."""
    import asyncio

    import asyncpg

    from services import notify

    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(settings.database_url)
    await listener.add_listener(notify.CHANGES, lambda *args: heard.put_nowait(args[3]))
    try:
        resp, body = await create(client, auth(), workflow["workflow_id"], {"schedule_type": "interval",
                                                                            "interval_seconds": 90})
        assert resp.status_code == 201, body
        read = await client.get(f"/api/v1/schedules/{body['schedule_id']}", headers=auth())
        assert await read.get_json() == body  # the create's row is shaped like a read: nothing missing or extra
        payload = await asyncio.wait_for(heard.get(), 5)
        assert payload.split(" ")[0] == body["schedule_id"]
        due = await chime.dal.fetchval("SELECT next_due_at FROM workflow_schedules WHERE schedule_id = $1",
                                       uuid.UUID(body["schedule_id"]))
        assert notify.parse_change(payload) == pytest.approx(due.timestamp(), abs=1e-6)

        event = await create(client, auth(), workflow["workflow_id"], {"schedule_type": "event",
                                                                        "event_type": "member.joined"})
        assert event[0].status_code == 201, event[1]
        payload = await asyncio.wait_for(heard.get(), 5)
        assert payload == event[1]["schedule_id"] and notify.parse_change(payload) is None

        for other in (str(uuid.uuid4()), workflow["workflow_id"]):  # unknown, and another community's
            resp, body = await create(client, auth(community=2), other, cron())
            assert resp.status_code == 404 and body["code"] == "workflow_not_found", body
        await asyncio.sleep(0.2)
        assert heard.empty() and await count_schedules(chime) == 2
    finally:
        await listener.close()


async def test_transport_errors(chime, client, auth) -> None:
    headers = auth()
    resp = await client.post("/api/v1/schedules", data=b'{"workflow_id": ', headers={
        **headers, "Content-Type": "application/json"})
    assert resp.status_code == 400 and (await resp.get_json())["code"] == "malformed_json"
    resp = await client.post("/api/v1/schedules", data=b"workflow_id=1", headers={
        **headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 415 and (await resp.get_json())["code"] == "unsupported_media_type"
    resp = await client.post("/api/v1/schedules", data=b"{" + b" " * (1024 * 1024 + 10) + b"}", headers={
        **headers, "Content-Type": "application/json"})
    assert resp.status_code == 413 and (await resp.get_json())["code"] == "body_too_large"
    resp = await client.post("/api/v1/schedules", json=[1, 2], headers=headers)
    assert resp.status_code == 400
    assert await count_schedules(chime) == 0


async def test_get_list_filters_and_cursor_pagination(client, auth, workflow) -> None:
    headers = auth()
    other_wf = await (await client.post("/api/v1/workflows", json={"name": "other"}, headers=headers)).get_json()
    ids = []
    for i in range(7):
        wf = workflow if i % 2 == 0 else other_wf
        config = cron(f"{i} 9 * * *") if i < 5 else {"schedule_type": "interval", "interval_seconds": 30 + i}
        resp, body = await create(client, headers, wf["workflow_id"], config)
        ids.append(body["schedule_id"])
    seen, cursor = [], None
    while True:
        url = "/api/v1/schedules?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = await (await client.get(url, headers=headers)).get_json()
        assert len(page["items"]) <= 3
        seen += [s["schedule_id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids  # stable creation order, nothing twice, nothing lost
    by_type = await (await client.get("/api/v1/schedules?schedule_type=interval", headers=headers)).get_json()
    assert {s["schedule_id"] for s in by_type["items"]} == set(ids[5:])
    by_wf = await (await client.get(f"/api/v1/schedules?workflow_id={other_wf['workflow_id']}",
                                    headers=headers)).get_json()
    assert {s["schedule_id"] for s in by_wf["items"]} == {ids[1], ids[3], ids[5]}
    legacy = await (await client.get(f"/api/v1/schedules/workflow/{workflow['workflow_id']}",
                                     headers=headers)).get_json()
    assert legacy["workflow_id"] == workflow["workflow_id"] and legacy["count"] == 4
    assert [s["schedule_id"] for s in legacy["schedules"]] == [ids[0], ids[2], ids[4], ids[6]]
    assert (await client.get("/api/v1/schedules?limit=201", headers=headers)).status_code == 400
    bad = await client.get("/api/v1/schedules?cursor=nonsense", headers=headers)
    assert bad.status_code == 400 and (await bad.get_json())["code"] == "invalid_cursor"
    one = await client.get(f"/api/v1/schedules/{ids[0]}", headers=headers)
    assert one.status_code == 200 and one.headers["ETag"] == '"1"'
    assert (await client.get(f"/api/v1/schedules/{uuid.uuid4()}", headers=headers)).status_code == 404


async def test_put_patch_if_match_and_delete(client, auth, workflow) -> None:
    headers = auth()
    _, body = await create(client, headers, workflow["workflow_id"], cron("0 9 * * *"))
    sid = body["schedule_id"]
    put = await client.put(f"/api/v1/schedules/{sid}", headers={**headers, "If-Match": '"1"'},
                           json={"schedule_config": {"schedule_type": "interval", "interval_seconds": 120}})
    updated = await put.get_json()
    assert put.status_code == 200, updated
    assert updated["version"] == 2 and updated["schedule_type"] == "interval" and updated["cron_expression"] is None
    assert datetime.fromisoformat(updated["next_execution_at"]) <= datetime.now(UTC) + timedelta(seconds=121)
    stale = await client.patch(f"/api/v1/schedules/{sid}", headers={**headers, "If-Match": '"1"'},
                               json={"name": "late"})
    assert stale.status_code == 412 and (await stale.get_json())["code"] == "precondition_failed"
    patched = await client.patch(f"/api/v1/schedules/{sid}", headers={**headers, "If-Match": '"2"'},
                                 json={"name": "renamed", "schedule_config": {"interval_seconds": 300}})
    pbody = await patched.get_json()
    assert patched.status_code == 200, pbody
    assert pbody["name"] == "renamed" and pbody["interval_seconds"] == 300 and pbody["version"] == 3
    bad_patch = await client.patch(f"/api/v1/schedules/{sid}", headers=headers,
                                   json={"schedule_config": {"cron_expression": "* * * * *"}})
    assert bad_patch.status_code == 400  # cron_expression does not apply to an interval
    unchanged = await (await client.get(f"/api/v1/schedules/{sid}", headers=headers)).get_json()
    assert unchanged["version"] == 3 and unchanged["interval_seconds"] == 300
    switch = await client.patch(f"/api/v1/schedules/{sid}", headers=headers, json={"schedule_config": {
        "schedule_type": "cron", "cron_expression": "30 7 * * *"}})
    assert switch.status_code == 200 and (await switch.get_json())["interval_seconds"] is None
    deleted = await client.delete(f"/api/v1/schedules/{sid}", headers=headers)
    assert await deleted.get_json() == {"status": "removed", "schedule_id": sid}
    assert (await client.get(f"/api/v1/schedules/{sid}", headers=headers)).status_code == 404
    assert (await client.delete(f"/api/v1/schedules/{sid}", headers=headers)).status_code == 404


async def test_preview_endpoint(client, auth) -> None:
    after = "2026-01-05T00:00:00+00:00"  # a Monday
    resp = await client.post("/api/v1/schedules/preview", headers=auth(), json={
        "schedule_config": cron("0 9 * * 1-5", timezone="Europe/Berlin"), "after": after, "count": 6})
    body = await resp.get_json()
    assert resp.status_code == 200, body
    assert [r["utc"] for r in body["next_runs"]] == [
        "2026-01-05T08:00:00Z", "2026-01-06T08:00:00Z", "2026-01-07T08:00:00Z",
        "2026-01-08T08:00:00Z", "2026-01-09T08:00:00Z", "2026-01-12T08:00:00Z"]
    assert body["next_runs"][0]["local"] == "2026-01-05T09:00:00+01:00"
    assert body["description"]
    too_many = await client.post("/api/v1/schedules/preview", headers=auth(),
                                 json={"schedule_config": cron(), "count": 101})
    assert too_many.status_code == 400
    default = await (await client.post("/api/v1/schedules/preview", headers=auth(),
                                       json={"schedule_config": cron()})).get_json()
    assert len(default["next_runs"]) == 10
    assert all(datetime.fromisoformat(r["utc"]) > datetime.now(UTC) for r in default["next_runs"])


async def test_preview_refuses_a_rule_over_the_step_budget(client, auth) -> None:
    resp = await client.post("/api/v1/schedules/preview", headers=auth(), json={
        "schedule_config": {"schedule_type": "rrule", "rrule": "FREQ=SECONDLY;BYHOUR=3",
                            "start_at": "2026-01-01T00:00:00Z"}, "count": 100})
    body = await resp.get_json()
    assert resp.status_code == 400 and body["code"] == "rrule_too_complex", body
    assert body["details"][0]["field"] == "schedule_config.rrule"


async def test_preview_of_a_long_count_rule_runs_from_the_last_fire(client, auth) -> None:
    start = (datetime.now(UTC) + timedelta(days=400)).replace(microsecond=0)
    config = {"schedule_type": "rrule", "rrule": "FREQ=SECONDLY;COUNT=300000", "start_at": iso(start)}
    last = start + timedelta(seconds=299_999)
    resp = await client.post("/api/v1/schedules/preview", headers=auth(), json={
        "schedule_config": config, "after": iso(last - timedelta(seconds=200_000)), "count": 3})
    body = await resp.get_json()
    assert resp.status_code == 200, body
    assert [datetime.fromisoformat(r["utc"]) for r in body["next_runs"]] == [
        last - timedelta(seconds=s) for s in (199_999, 199_998, 199_997)]
    end = await (await client.post("/api/v1/schedules/preview", headers=auth(), json={
        "schedule_config": config, "after": iso(last - timedelta(seconds=2))})).get_json()
    assert [datetime.fromisoformat(r["utc"]) for r in end["next_runs"]] == [last - timedelta(seconds=1), last]
    assert end["description"] == "Every second, 300000 times"


async def test_a_stored_schedule_that_no_longer_validates_is_reported_not_a_500(chime, client, auth, workflow) -> None:
    # e.g. "0 ٣ * * *" was accepted (as hour 3) before cron became ASCII-only
    headers = auth()
    _, created = await create(client, headers, workflow["workflow_id"], cron("0 3 * * *"))
    sid = created["schedule_id"]
    await chime.dal.execute("UPDATE workflow_schedules SET cron_expression = $2 WHERE schedule_id = $1",
                            uuid.UUID(sid), "0 ٣ * * *")
    one = await client.get(f"/api/v1/schedules/{sid}", headers=headers)
    body = await one.get_json()
    assert one.status_code == 200, body
    assert "cannot be described" in body["description"] and "ASCII" in body["description"]
    listed = await client.get("/api/v1/schedules", headers=headers)
    assert listed.status_code == 200
    runs = await client.get(f"/api/v1/schedules/{sid}/next-runs", headers=headers)
    runs_body = await runs.get_json()
    assert runs.status_code == 400 and runs_body["code"] == "invalid_cron", runs_body
    assert (await client.post(f"/api/v1/schedules/{sid}/pause", headers=headers, json={})).status_code == 200
    resumed = await client.post(f"/api/v1/schedules/{sid}/resume", headers=headers)
    assert resumed.status_code == 400 and (await resumed.get_json())["code"] == "invalid_cron"
