"""Hostile input: a 4xx JSON error naming the place, nothing written, never a 500 (issue "Hardening")."""

from __future__ import annotations

import json

import pytest

MAX_DEPTH = 32  # documented bounds (services/json_guard.py, README)
MAX_ARRAY_ITEMS = 10_000
INT4_MAX = 2_147_483_647


def cron(expr: str = "0 9 * * 1-5", **extra) -> dict:
    return {"schedule_type": "cron", "cron_expression": expr, **extra}


def interval(seconds: int = 60, **extra) -> dict:
    return {"schedule_type": "interval", "interval_seconds": seconds, **extra}


async def counts(chime) -> tuple[int, int]:
    return (await chime.dal.fetchval("SELECT count(*) FROM workflows"),
            await chime.dal.fetchval("SELECT count(*) FROM workflow_schedules"))


async def post_raw(client, path: str, raw: str | bytes, headers: dict):
    data = raw.encode() if isinstance(raw, str) else raw
    resp = await client.post(path, data=data, headers={**headers, "Content-Type": "application/json"})
    return resp, await resp.get_json()


def assert_error(resp, body, status: int, code: str, field: str | None = None) -> None:
    assert resp.status_code == status, body
    assert body["code"] == code, body
    assert body["request_id"] == resp.headers["X-Request-ID"]
    if field is not None:
        assert [d["field"] for d in body["details"]] == [field], body
        assert field in body["error"], body


# --- 1. NUL, nesting depth, array size, non-finite numbers, lone surrogates -----------------------------------

WEBHOOK_NODES = [
    {"id": "t", "type": "trigger_manual"},
    {"id": "a", "type": "data_variable_set", "config": {"variables": {"x": 1}}},
    {"id": "w", "type": "action_webhook", "config": {"url": "http://example.test/\u0000hook", "method": "POST"}},
]


async def test_nul_in_a_nested_value_is_400_naming_the_path(chime, client, auth) -> None:
    body = {"name": "n", "definition": {"nodes": WEBHOOK_NODES, "connections": []}}
    resp = await client.post("/api/v1/workflows", json=body, headers=auth())
    assert_error(resp, await resp.get_json(), 400, "nul_character", "definition.nodes[2].config.url")
    assert await counts(chime) == (0, 0)


@pytest.mark.parametrize(("raw", "field"), [
    ('{"name": "a\\u0000b"}', "name"),
    ('{"name": "ok", "definition": {"x\\u0000y": 1}}', "definition.x\\u0000y"),
    ('{"name": "ok", "definition": {"deep": [[{"k": ["\\u0000"]}]]}}', "definition.deep[0][0].k[0]"),
], ids=["top-level", "key", "deep-array"])
async def test_nul_anywhere_in_the_body_is_400(chime, client, auth, raw, field) -> None:
    resp, body = await post_raw(client, "/api/v1/workflows", raw, auth())
    assert_error(resp, body, 400, "nul_character", field)
    assert await counts(chime) == (0, 0)


async def test_nul_in_schedule_context_is_400_and_writes_nothing(chime, client, auth, workflow) -> None:
    before = await counts(chime)
    resp = await client.post("/api/v1/schedules", headers=auth(), json={
        "workflow_id": workflow["workflow_id"], "schedule_config": cron(), "context_data": {"who": ["x", "\u0000"]}})
    assert_error(resp, await resp.get_json(), 400, "nul_character", "context_data.who[1]")
    assert await counts(chime) == before


def nested(depth: int) -> str:
    return '{"name": "n", "definition": ' + '{"a": ' * (depth - 1) + "1" + "}" * (depth - 1) + "}"


async def test_nesting_depth_is_bounded(chime, client, auth) -> None:
    resp, body = await post_raw(client, "/api/v1/workflows", nested(MAX_DEPTH), auth())
    assert resp.status_code != 400 or body["code"] != "nesting_too_deep", body
    resp, body = await post_raw(client, "/api/v1/workflows", nested(MAX_DEPTH + 1), auth())
    assert_error(resp, body, 400, "nesting_too_deep", "definition" + ".a" * (MAX_DEPTH - 1))


@pytest.mark.parametrize("opener", ["[", '{"a":'])
async def test_pathological_nesting_is_400_not_500(chime, client, auth, opener) -> None:
    levels = 150_000  # just under the 1 MiB body limit with the closers
    raw = opener * levels  # unterminated too: depth is refused before the parser recurses
    resp, body = await post_raw(client, "/api/v1/workflows", raw, auth())
    assert resp.status_code == 400 and body["code"] in ("nesting_too_deep", "malformed_json"), body
    closer = {"[": "]", '{"a":': "}"}[opener]
    resp, body = await post_raw(client, "/api/v1/workflows", opener * levels + "1" + closer * levels, auth())
    assert_error(resp, body, 400, "nesting_too_deep")
    assert await counts(chime) == (0, 0)


async def test_array_size_is_bounded(chime, client, auth, workflow) -> None:
    headers = auth()
    base = {"workflow_id": workflow["workflow_id"], "schedule_config": cron()}
    ok = await client.post("/api/v1/schedules", headers=headers,
                           json={**base, "context_data": {"ids": [0] * MAX_ARRAY_ITEMS}})
    assert ok.status_code == 201, await ok.get_json()
    resp = await client.post("/api/v1/schedules", headers=headers,
                             json={**base, "context_data": {"ids": [0] * (MAX_ARRAY_ITEMS + 1)}})
    assert_error(resp, await resp.get_json(), 400, "array_too_long", "context_data.ids")
    top = await client.post("/api/v1/schedules/preview", headers=headers, json=[0] * (MAX_ARRAY_ITEMS + 1))
    assert_error(top, await top.get_json(), 400, "array_too_long", "body")
    assert (await counts(chime))[1] == 1


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
async def test_non_finite_numbers_are_400(chime, client, auth, workflow, number) -> None:
    raw = json.dumps({"workflow_id": workflow["workflow_id"], "schedule_config": cron()})[:-1]
    raw += f', "context_data": {{"n": {number}}}}}'
    resp, body = await post_raw(client, "/api/v1/schedules", raw, auth())
    assert resp.status_code == 400 and body["code"] in ("malformed_json", "invalid_number"), body
    assert (await counts(chime))[1] == 0


@pytest.mark.parametrize("raw", ['{"name": "\\ud800"}', '{"name": "ok", "definition": {"\\udfff": 1}}'])
async def test_lone_surrogates_are_400(chime, client, auth, raw) -> None:
    resp, body = await post_raw(client, "/api/v1/workflows", raw, auth())
    assert_error(resp, body, 400, "invalid_unicode")
    assert await counts(chime) == (0, 0)


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/schedules?cursor=ab%00cd", "query.cursor"),
    ("/api/v1/schedules?li%00mit=3", "query"),
    ("/api/v1/executions?status=%00", "query.status"),
    ("/api/v1/schedules/%00", "path"),
    ("/healthz?x=%00", "query.x"),
])
async def test_nul_in_query_or_path_is_400(client, auth, url, field) -> None:
    resp = await client.get(url, headers=auth())
    assert_error(resp, await resp.get_json(), 400, "nul_character", field)


async def test_well_formed_bodies_still_pass(client, auth, workflow) -> None:
    resp = await client.post("/api/v1/schedules", headers=auth(), json={
        "workflow_id": workflow["workflow_id"], "schedule_config": cron(), "name": "ünïcødé ✓ 😀",
        "context_data": {"nested": [{"a": [1, 2.5, None, True, "x"]}], "big": 10**30}})
    body = await resp.get_json()
    assert resp.status_code == 201, body
    assert body["name"] == "ünïcødé ✓ 😀" and body["context_data"]["big"] == 10**30
    assert "Connection" not in resp.headers  # a body read in full keeps the connection alive


# --- 2. Every integer has the bounds of its column; strings that need it have a max length ---------------------

BOUNDED = [
    (interval(99_999_999_999), "schedule_config.interval_seconds"),
    (interval(INT4_MAX + 1), "schedule_config.interval_seconds"),
    (interval(-5), "schedule_config.interval_seconds"),
    (cron(max_executions=INT4_MAX + 1), "schedule_config.max_executions"),
    (cron(max_executions=-1), "schedule_config.max_executions"),
    (cron(jitter_seconds=7 * 86400 + 1), "schedule_config.jitter_seconds"),
    (cron(jitter_seconds=99_999_999_999), "schedule_config.jitter_seconds"),
    (cron(grace_period_seconds=366 * 86400 + 1), "schedule_config.grace_period_seconds"),
    (cron(grace_period_seconds=99_999_999_999), "schedule_config.grace_period_seconds"),
    (cron("0 9 * * *" + " " * 200), "schedule_config.cron_expression"),
    ({"schedule_type": "rrule", "rrule": "FREQ=DAILY;" + "BYHOUR=9;" * 250}, "schedule_config.rrule"),
    (cron(timezone="Europe/" + "x" * 60), "schedule_config.timezone"),
]


@pytest.mark.parametrize(("config", "field"), BOUNDED, ids=[f"{f.split('.')[-1]}-{i}" for i, (_, f) in
                                                             enumerate(BOUNDED)])
async def test_out_of_range_config_is_400_on_every_write(chime, client, auth, workflow, config, field) -> None:
    headers = auth()
    before = await counts(chime)
    resp = await client.post("/api/v1/schedules", headers=headers,
                             json={"workflow_id": workflow["workflow_id"], "schedule_config": config})
    body = await resp.get_json()
    assert resp.status_code == 400, body
    assert body["details"][0]["field"] == field, body
    preview = await client.post("/api/v1/schedules/preview", headers=headers, json={"schedule_config": config})
    assert preview.status_code == 400, await preview.get_json()
    assert await counts(chime) == before


async def test_patch_and_put_bounds(chime, client, auth, workflow) -> None:
    headers = auth()
    created = await client.post("/api/v1/schedules", headers=headers,
                                json={"workflow_id": workflow["workflow_id"], "schedule_config": interval(60)})
    sid = (await created.get_json())["schedule_id"]
    for bad in ({"interval_seconds": 99_999_999_999}, {"grace_period_seconds": 10**12},
                {"jitter_seconds": 10**12}, {"max_executions": 10**12}):
        resp = await client.patch(f"/api/v1/schedules/{sid}", headers=headers, json={"schedule_config": bad})
        assert resp.status_code == 400, (bad, await resp.get_json())
        resp = await client.put(f"/api/v1/schedules/{sid}", headers=headers,
                                json={"schedule_config": interval(60, **bad) if "interval_seconds" not in bad
                                      else {"schedule_type": "interval", **bad}})
        assert resp.status_code == 400, (bad, await resp.get_json())
    row = await chime.dal.fetchrow("SELECT version, interval_seconds FROM workflow_schedules")
    assert (row["version"], row["interval_seconds"]) == (1, 60)


async def test_column_maxima_are_accepted(client, auth, workflow) -> None:
    resp = await client.post("/api/v1/schedules", headers=auth(), json={
        "workflow_id": workflow["workflow_id"],
        "schedule_config": interval(INT4_MAX, max_executions=INT4_MAX, grace_period_seconds=366 * 86400)})
    body = await resp.get_json()
    assert resp.status_code == 201, body
    assert body["interval_seconds"] == INT4_MAX and body["max_executions"] == INT4_MAX


@pytest.mark.parametrize("value", ['"99999999999"', "99999999999", '"\u00b2"', '"1\u00b2"', '"\u0661"'])
async def test_if_match_out_of_range_is_412_not_500(client, auth, workflow, value) -> None:
    headers = {**auth(), "If-Match": value}
    resp = await client.put(f"/api/v1/workflows/{workflow['workflow_id']}", headers=headers, json={"name": "x"})
    body = await resp.get_json()
    assert resp.status_code == 412, body
    assert body["code"] in ("invalid_if_match", "precondition_failed"), body


async def test_bounds_are_in_the_openapi_document(client) -> None:
    doc = await (await client.get("/openapi.json")).get_json()
    schemas = doc["components"]["schemas"]
    props = schemas["ScheduleConfig"]["properties"]

    def bounds(prop: dict) -> tuple:
        for option in prop.get("anyOf", [prop]):
            if option.get("type") in ("integer", "string"):
                return (option.get("minimum"), option.get("maximum"), option.get("maxLength"))
        raise AssertionError(prop)

    assert bounds(props["interval_seconds"])[:2] == (1, INT4_MAX)
    assert bounds(props["max_executions"])[:2] == (1, INT4_MAX)
    assert bounds(props["jitter_seconds"])[:2] == (0, 7 * 86400)
    assert bounds(props["grace_period_seconds"])[:2] == (0, 366 * 86400)
    assert bounds(props["cron_expression"])[2] == 200
    assert bounds(props["rrule"])[2] == 2000
    assert bounds(props["timezone"])[2] == 64
    patch = schemas["ScheduleConfigPatch"]["properties"]
    assert bounds(patch["interval_seconds"])[:2] == (1, INT4_MAX)


async def test_write_to_a_cancelled_schedule_is_409_without_if_match_and_412_with_it(chime, client, auth,
                                                                                     workflow) -> None:
    """Found by the fuzzer: PATCH of a cancelled schedule answered 412 although no If-Match was sent."""
    headers = auth()
    created = await client.post("/api/v1/schedules", headers=headers,
                                json={"workflow_id": workflow["workflow_id"], "schedule_config": interval(60)})
    sid = (await created.get_json())["schedule_id"]
    assert (await client.post(f"/api/v1/schedules/{sid}/cancel", headers=headers)).status_code == 200
    plain = await client.patch(f"/api/v1/schedules/{sid}", headers=headers, json={"name": "x"})
    body = await plain.get_json()
    assert plain.status_code == 409 and body["code"] == "invalid_state", body
    put = await client.put(f"/api/v1/schedules/{sid}", headers=headers, json={"schedule_config": interval(30)})
    assert put.status_code == 409, await put.get_json()
    conditional = await client.patch(f"/api/v1/schedules/{sid}", headers={**headers, "If-Match": '"1"'},
                                     json={"name": "x"})
    assert conditional.status_code == 412, await conditional.get_json()


# --- date-times at the edges of the representable range (found by the fuzzer: asyncpg/timing overflowed -> 500) ---

EDGE_TIMES = [
    ("snooze", {"until": "0001-01-01T09:43:17.7761+22:06"}, "until"),
    ("snooze", {"until": "9999-12-31T23:00:00-05:00"}, "until"),
    ("preview", {"schedule_config": interval(60, start_at="0001-01-01T00:00:00Z")}, "schedule_config.start_at"),
    ("preview", {"schedule_config": {"schedule_type": "rrule", "rrule": "FREQ=DAILY", "timezone": "America/New_York",
                                     "start_at": "0001-01-01T00:00:00.000001Z"}}, "schedule_config.start_at"),
    ("preview", {"schedule_config": {"schedule_type": "rrule", "rrule": "FREQ=DAILY", "timezone": "Pacific/Kiritimati",
                                     "start_at": "9999-12-31T23:59:59Z"}}, "schedule_config.start_at"),
    ("preview", {"schedule_config": interval(60), "after": "0001-01-01T00:00:00+05:00"}, "after"),
    ("create", {"schedule_config": {"schedule_type": "one_time", "scheduled_time": "9999-12-31T23:00:00-05:00"}},
     "schedule_config.scheduled_time"),
]


@pytest.mark.parametrize(("where", "body", "field"), EDGE_TIMES, ids=[f"{w}-{i}" for i, (w, _, _) in
                                                                   enumerate(EDGE_TIMES)])
async def test_date_times_outside_the_safe_range_are_400(chime, client, auth, workflow, where, body, field) -> None:
    headers = auth()
    created = await client.post("/api/v1/schedules", headers=headers,
                                json={"workflow_id": workflow["workflow_id"], "schedule_config": interval(60)})
    sid = (await created.get_json())["schedule_id"]
    url = {"snooze": f"/api/v1/schedules/{sid}/snooze", "preview": "/api/v1/schedules/preview",
           "create": "/api/v1/schedules"}[where]
    if where == "create":
        body = {"workflow_id": workflow["workflow_id"], **body}
    resp = await client.post(url, headers=headers, json=body)
    data = await resp.get_json()
    assert resp.status_code == 400 and data["details"][0]["field"] == field, data
    assert (await counts(chime))[1] == 1
    row = await chime.dal.fetchrow("SELECT version, snoozed_until FROM workflow_schedules")
    assert (row["version"], row["snoozed_until"]) == (1, None)


async def test_edge_times_in_queries_are_400_and_the_far_future_end_is_fine(client, auth, workflow) -> None:
    headers = auth()
    resp = await client.get("/api/v1/executions?since=0001-01-01T00:00:00%2B05:00", headers=headers)
    assert resp.status_code == 400 and (await resp.get_json())["details"][0]["field"] == "since"
    ok = await client.post("/api/v1/schedules", headers=headers, json={
        "workflow_id": workflow["workflow_id"], "schedule_config": interval(60, end_at="9999-12-31T00:00:00Z")})
    assert ok.status_code == 201, await ok.get_json()
