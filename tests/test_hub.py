"""The hub without a browser: sign-in and sessions, links, CSRF, headers, forms and their errors, row actions,
page queries, and the pure helpers (time text, graph layout). Real app, real PostgreSQL, real tokens."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta

from services.auth import Principal
from services.hub import queries
from services.hub.graph import layout
from services.hub.timetext import mark_clock_changes, relative
from services.logs import request_id_var
from tests.helpers import make_schedule, make_workflow
from tests.routes import FAR, FAR_TOO

RW = "schedules:read schedules:write workflows:read workflows:write executions:read executions:write"


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field"
    return match.group(1)


async def sign_in(client, token: str, **form) -> object:
    page = await client.get("/hub/sign-in")
    pre = _field(await page.get_data(as_text=True), "csrf_token")
    return await client.post("/hub/sign-in", form={"csrf_token": pre, "token": token, "next": "", **form})


async def csrf_of(client, path: str = "/hub/schedules") -> str:
    resp = await client.get(path)
    assert resp.status_code == 200, resp.status_code
    return _field(await resp.get_data(as_text=True), "csrf_token")


def cookie_header(resp, name: str) -> str:
    return next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith(name + "="))


async def sessions(chime) -> int:
    return await chime.dal.fetchval("SELECT count(*) FROM hub_sessions")


# --- sign-in and sessions --------------------------------------------------------------------------------------
async def test_sign_in_starts_a_strict_httponly_session_that_ends_with_the_token(client, chime, token) -> None:
    resp = await sign_in(client, token(1, RW, ttl_seconds=600))
    assert resp.status_code == 303 and resp.headers["Location"] == "/hub"
    cookie = cookie_header(resp, "chime_hub")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/hub" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    row = await chime.dal.fetchrow("SELECT * FROM hub_sessions")
    assert row["community_id"] == 1 and sorted(row["scopes"]) == sorted(RW.split())
    assert row["expires_at"] - datetime.now(UTC) < timedelta(seconds=601)  # not the 8 h default: the token's exp
    value = cookie.split(";")[0].split("=", 1)[1]
    assert row["token_hash"] != value.encode() and value not in str(dict(row))  # only its hash is stored
    page = await client.get("/hub/schedules")
    assert page.status_code == 200 and "community 1" in await page.get_data(as_text=True)


async def test_session_cookie_is_secure_over_https(client, token) -> None:
    page = await client.get("/hub/sign-in", scheme="https")
    pre = _field(await page.get_data(as_text=True), "csrf_token")
    assert "Secure" in cookie_header(page, "chime_hub_pre")
    resp = await client.post("/hub/sign-in", form={"csrf_token": pre, "token": token(1, RW)}, scheme="https")
    assert resp.status_code == 303 and "Secure" in cookie_header(resp, "chime_hub")


async def test_sign_in_refusals_start_no_session(client, chime, token, settings) -> None:
    from services.auth import mint_token

    # No double-submit token (a cross-site form post): refused before the token is even read.
    resp = await client.post("/hub/sign-in", form={"token": token(1, RW)})
    assert resp.status_code == 403 and "The form expired" in await resp.get_data(as_text=True)
    for bad, status, text in (
        ("not-a-jwt", 401, "token is invalid"),
        (mint_token(settings, community_id=1, scope=RW, ttl_seconds=-60), 401, "expired"),
        (token(1, "schedules:write"), 403, "schedules:read"),
        ("", 401, "paste a token"),
    ):
        resp = await sign_in(client, bad)
        assert resp.status_code == status, (bad, resp.status_code)
        assert text in await resp.get_data(as_text=True)
    assert await sessions(chime) == 0


async def test_expired_or_signed_out_sessions_lead_back_to_sign_in(client, chime, token) -> None:
    await sign_in(client, token(1, RW))
    await chime.dal.execute("UPDATE hub_sessions SET created_at = now() - interval '2 hours',"
                            " expires_at = now() - interval '1 second'")
    resp = await client.get("/hub/schedules?status=active")
    assert resp.status_code == 303 and resp.headers["Location"] == "/hub/sign-in?next=/hub/schedules%3Fstatus%3Dactive"
    htmx = await client.get("/hub/schedules", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/hub/sign-in")

    await sign_in(client, token(1, RW))
    csrf = await csrf_of(client)
    out = await client.post("/hub/sign-out", form={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["Location"] == "/hub/sign-in"
    assert await chime.dal.fetchval("SELECT count(*) FROM hub_sessions WHERE expires_at > now()") == 0
    assert (await client.get("/hub/schedules")).status_code == 303


async def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_the_hub(client, token) -> None:
    for target, expected in (("/hub/workflows", "/hub/workflows"), ("https://evil.example/", "/hub"),
                             ("//evil.example/hub/", "/hub"), ("/api/v1/schedules", "/hub")):
        client.cookie_jar.clear()
        resp = await sign_in(client, token(1, RW), next=target)
        assert resp.headers["Location"] == expected, target


async def test_a_link_signs_in_once(spawn, client, chime, settings, database_url) -> None:
    from tests.conftest import TEST_SECRET

    result = spawn.run_cli("link", ["hub-link", "--community", "7", "--scope", "schedules:read"],
                           env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "JWT_SECRET": TEST_SECRET,
                                "PORT": "9999", "LOG_LEVEL": "WARNING"})
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip().splitlines()[-1]
    assert url.startswith("http://localhost:9999/hub/link/")
    path = url.removeprefix("http://localhost:9999")
    assert await chime.dal.fetchval("SELECT count(*) FROM hub_links WHERE used_at IS NULL") == 1

    page = await client.get(path)  # looking does not use it (link previews, prefetch)
    assert page.status_code == 200
    pre = _field(await page.get_data(as_text=True), "csrf_token")
    used = await client.post(path, form={"csrf_token": pre})
    assert used.status_code == 303
    row = await chime.dal.fetchrow("SELECT community_id, scopes, auth_kind FROM hub_sessions")
    assert row["community_id"] == 7 and row["scopes"] == ["schedules:read"] and row["auth_kind"] == "link"
    assert (await client.get(path)).status_code == 404  # used: the page says so and offers no button
    assert await chime.hub_sessions.redeem_link(path.rsplit("/", 1)[-1]) is None
    assert (await client.get("/hub/link/" + "x" * 43)).status_code == 404
    # Two redeems racing for one link: exactly one session.
    fresh = await chime.hub_sessions.create_link(Principal("x", 7, frozenset({"schedules:read"})), 60)
    both = await asyncio.gather(chime.hub_sessions.redeem_link(fresh), chime.hub_sessions.redeem_link(fresh))
    assert sum(r is not None for r in both) == 1 and await sessions(chime) == 2
    expired = await chime.hub_sessions.create_link(Principal("x", 7, frozenset({"schedules:read"})), 60)
    await chime.dal.execute("UPDATE hub_links SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
    assert await chime.hub_sessions.redeem_link(expired) is None


# --- scopes, CSRF, headers, errors -----------------------------------------------------------------------------
async def test_a_read_only_session_sees_no_buttons_and_is_refused_anyway(client, chime, auth, token) -> None:
    wf = await make_workflow(client, auth())
    sid = (await make_schedule(client, auth(), wf, FAR, name="nightly"))["schedule_id"]
    await sign_in(client, token(1, "schedules:read"))
    html = await (await client.get("/hub/schedules")).get_data(as_text=True)
    assert "nightly" in html
    for hidden in ("Pause", "Run now", "New schedule", "Delete"):
        assert f">{hidden}<" not in html, hidden
    detail = await (await client.get(f"/hub/schedules/{sid}")).get_data(as_text=True)
    assert "/pause" not in detail and "/edit" not in detail
    csrf = await csrf_of(client)
    resp = await client.post(f"/hub/schedules/{sid}/pause", form={"csrf_token": csrf})
    assert resp.status_code == 403 and resp.headers["X-Chime-Error-Code"] == "insufficient_scope"
    assert (await client.get("/hub/schedules/new")).status_code == 403
    row = await chime.dal.fetchrow("SELECT status FROM workflow_schedules WHERE schedule_id = $1", uuid.UUID(sid))
    assert row["status"] == "active"


async def test_csrf_token_is_checked_on_every_change(client, auth, token) -> None:
    wf = await make_workflow(client, auth())
    sid = (await make_schedule(client, auth(), wf, FAR))["schedule_id"]
    await sign_in(client, token(1, RW))
    csrf = await csrf_of(client)
    for sent in ({}, {"csrf_token": "x" * len(csrf)}):
        resp = await client.post(f"/hub/schedules/{sid}/pause", form=sent)
        assert resp.status_code == 403 and resp.headers["X-Chime-Error-Code"] == "csrf_failed"
    ok = await client.post(f"/hub/schedules/{sid}/pause", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 303


async def test_hub_responses_carry_security_headers_and_server_time(client, token) -> None:
    await sign_in(client, token(1, RW))
    resp = await client.get("/hub/schedules")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp and "unsafe" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.headers["Cache-Control"] == "no-store"
    assert re.fullmatch(r"app;dur=\d+\.\d, render;dur=\d+\.\d", resp.headers["Server-Timing"])
    missing = await client.get("/hub/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert missing.headers["X-Chime-Error-Code"] == "not_found" and "Content-Security-Policy" in missing.headers
    api = await client.get("/api/v1/nope")
    assert api.mimetype == "application/json"  # the API keeps JSON errors


async def test_frame_ancestors_follow_the_setting(database_url) -> None:
    from app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(database_url, HUB_FRAME_ANCESTORS="'self' https://hub.example.org"))
    async with app.test_app() as test_app:
        resp = await test_app.test_client().get("/hub/sign-in")
        assert "frame-ancestors 'self' https://hub.example.org" in resp.headers["Content-Security-Policy"]


async def test_nul_in_a_form_is_refused_and_writes_nothing(client, chime, auth, token) -> None:
    wf = await make_workflow(client, auth())
    await sign_in(client, token(1, RW))
    csrf = await csrf_of(client)
    resp = await client.post("/hub/schedules/new", form={
        "csrf_token": csrf, "workflow_id": wf, "name": "a\x00b", "schedule_type": "cron",
        "cron_expression": "0 9 * * *", "timezone": "UTC"})
    assert resp.status_code == 400 and resp.headers["X-Chime-Error-Code"] == "nul_character"
    assert await chime.dal.fetchval("SELECT count(*) FROM workflow_schedules") == 0


# --- forms -----------------------------------------------------------------------------------------------------
async def test_form_errors_are_shown_next_to_their_fields_and_nothing_is_created(client, chime, auth, token) -> None:
    wf = await make_workflow(client, auth())
    await sign_in(client, token(1, RW))
    csrf = await csrf_of(client)
    base = {"csrf_token": csrf, "workflow_id": wf, "schedule_type": "cron", "timezone": "UTC"}
    for changes, field, text in (
        ({"cron_expression": "0 25 * * *"}, "cron_expression", "out of range"),
        ({"cron_expression": "0 9 * * *", "timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"cron_expression": "0 9 * * *", "jitter_seconds": "soon"}, "jitter_seconds", "whole number"),
        ({"cron_expression": "0 9 * * *", "max_executions": "0"}, "max_executions", "greater than or equal"),
        ({"cron_expression": "0 9 * * *", "context_data": "[1]"}, "context_data", "JSON object"),
        ({"schedule_type": "interval", "interval_seconds": ""}, "interval_seconds", "required"),
        ({"cron_expression": "0 9 * * *", "workflow_id": str(uuid.uuid4())}, "workflow_id", "no such workflow"),
    ):
        resp = await client.post("/hub/schedules/new", form={**base, **changes})
        html = await resp.get_data(as_text=True)
        assert resp.status_code == 400, changes
        error = re.search(rf'<small class="field-error" id="{field}-error">([^<]*)</small>', html)
        assert error and text in error.group(1), (changes, error and error.group(1))
        assert f'aria-describedby="{field}-error"' in html or f"{field}-error" in html
    assert await chime.dal.fetchval("SELECT count(*) FROM workflow_schedules") == 0


async def test_wall_times_are_read_in_the_schedules_zone(client, chime, auth, token) -> None:
    wf = await make_workflow(client, auth())
    await sign_in(client, token(1, RW))
    csrf = await csrf_of(client)
    resp = await client.post("/hub/schedules/new", form={
        "csrf_token": csrf, "workflow_id": wf, "name": "once", "schedule_type": "one_time",
        "scheduled_time": "2030-07-01T09:30", "timezone": "Europe/Berlin", "cron_expression": "ignored: not cron"})
    assert resp.status_code == 303, await resp.get_data(as_text=True)
    row = await chime.dal.fetchrow("SELECT * FROM workflow_schedules")
    assert row["scheduled_time"] == datetime(2030, 7, 1, 7, 30, tzinfo=UTC) and row["cron_expression"] is None
    edit = await (await client.get(f"/hub/schedules/{row['schedule_id']}/edit")).get_data(as_text=True)
    assert 'value="2030-07-01T09:30:00"' in edit


async def test_edit_with_a_stale_version_says_so_and_keeps_the_other_change(client, chime, auth, token) -> None:
    wf = await make_workflow(client, auth())
    sid = (await make_schedule(client, auth(), wf, FAR, name="before"))["schedule_id"]
    await sign_in(client, token(1, RW))
    form_html = await (await client.get(f"/hub/schedules/{sid}/edit")).get_data(as_text=True)
    csrf, version = _field(form_html, "csrf_token"), _field(form_html, "version")
    await client.patch(f"/api/v1/schedules/{sid}", json={"name": "someone else"}, headers=auth())
    resp = await client.post(f"/hub/schedules/{sid}/edit", form={
        "csrf_token": csrf, "version": version, "workflow_id": wf, "name": "mine", "schedule_type": "cron",
        "cron_expression": "0 9 * * *", "timezone": "UTC"})
    assert resp.status_code == 400 and "changed this schedule since you opened it" in await resp.get_data(as_text=True)
    assert await chime.dal.fetchval("SELECT name FROM workflow_schedules") == "someone else"


async def test_preview_describes_and_lists_next_runs(client, token) -> None:
    await sign_in(client, token(1, RW))
    csrf = await csrf_of(client)
    resp = await client.post("/hub/preview", form={"schedule_type": "cron", "cron_expression": "*/2 * * * * *",
                                                   "timezone": "UTC"}, headers={"X-CSRF-Token": csrf})
    html = await resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Every 2 seconds" in html and html.count("<li") == 5
    bad = await client.post("/hub/preview", form={"schedule_type": "cron", "cron_expression": "* * *"},
                            headers={"X-CSRF-Token": csrf})
    assert 'id="preview-error"' in await bad.get_data(as_text=True)


# --- row actions -----------------------------------------------------------------------------------------------
async def test_row_actions_redraw_the_row_and_report_conflicts_inline(client, chime, auth, token) -> None:
    wf = await make_workflow(client, auth())
    sid = (await make_schedule(client, auth(), wf, FAR, name="row"))["schedule_id"]
    await sign_in(client, token(1, RW))
    csrf = await csrf_of(client)
    htmx = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    resp = await client.post(f"/hub/schedules/{sid}/pause", form={"view": "row"}, headers=htmx)
    html = await resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.strip().startswith(f'<tr id="row-{sid}">')
    assert "Paused." in html and ">Resume<" in html
    # Cancel needs a confirmation: without it the server asks instead of cancelling.
    ask = await client.post(f"/hub/schedules/{sid}/cancel", headers={"X-CSRF-Token": csrf})
    assert ask.status_code == 200 and "Yes, cancel it" in await ask.get_data(as_text=True)
    assert await chime.dal.fetchval("SELECT status FROM workflow_schedules") == "paused"
    await client.post(f"/hub/schedules/{sid}/cancel", form={"confirm": "yes", "view": "row"}, headers=htmx)
    assert await chime.dal.fetchval("SELECT status FROM workflow_schedules") == "cancelled"
    conflict = await client.post(f"/hub/schedules/{sid}/run-now", form={"view": "row"}, headers=htmx)
    html = await conflict.get_data(as_text=True)
    assert conflict.status_code == 200 and 'class="row-flash error"' in html and "cancelled" in html
    gone = await client.post(f"/hub/schedules/{sid}/delete", form={"confirm": "yes", "view": "row"}, headers=htmx)
    assert "Deleted." in await gone.get_data(as_text=True)
    assert await chime.dal.fetchval("SELECT count(*) FROM workflow_schedules") == 0


async def test_without_htmx_a_row_action_comes_back_to_the_list_with_one_message(client, auth, token) -> None:
    wf = await make_workflow(client, auth())
    sid = (await make_schedule(client, auth(), wf, FAR, name="plain"))["schedule_id"]
    await make_schedule(client, auth(), wf, FAR_TOO, name="other")
    await sign_in(client, token(1, RW))
    csrf = await csrf_of(client)
    resp = await client.post(f"/hub/schedules/{sid}/pause",
                             form={"csrf_token": csrf, "view": "row", "next": "/hub/schedules?status=active"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/hub/schedules?status=active&done=pause"
    html = await (await client.get(resp.headers["Location"])).get_data(as_text=True)
    assert html.count("Paused.") == 1 and "plain" not in html  # filtered to active: the paused one is gone


async def test_snooze_is_bounded(client, auth, token) -> None:
    wf = await make_workflow(client, auth())
    sid = (await make_schedule(client, auth(), wf, FAR))["schedule_id"]
    await sign_in(client, token(1, RW))
    csrf = await csrf_of(client)
    for seconds in ("0", "-5", "99999999999", "1h"):
        resp = await client.post(f"/hub/schedules/{sid}/snooze", form={"csrf_token": csrf, "seconds": seconds})
        assert resp.status_code in (400, 409), seconds
    ok = await client.post(f"/hub/schedules/{sid}/snooze", form={"csrf_token": csrf, "seconds": "3600"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith("done=snooze")


# --- page queries ----------------------------------------------------------------------------------------------
async def test_schedule_page_filters_orders_pages_and_carries_each_rows_last_runs(client, chime, auth) -> None:
    wf = await make_workflow(client, auth())
    other_wf = await make_workflow(client, auth())
    made = [(await make_schedule(client, auth(), wf, {"schedule_type": "interval", "interval_seconds": 3600 * (i + 1)},
                                 name=f"job {i}"))["schedule_id"] for i in range(3)]
    await make_schedule(client, auth(), other_wf, FAR, name="50%_off")
    for _ in range(3):
        await client.post(f"/api/v1/schedules/{made[0]}/run-now", headers=auth(), json={"force": True})
    p = Principal("t", 1, frozenset(RW.split()))
    dal = chime.dal

    rows, cursor = await queries.schedule_page(dal, p, queries.ScheduleFilters(), limit=2, cursor=None)
    assert [r["name"] for r in rows] == ["50%_off", "job 2"] and cursor
    rows, cursor = await queries.schedule_page(dal, p, queries.ScheduleFilters(), limit=2, cursor=cursor)
    assert [r["name"] for r in rows] == ["job 1", "job 0"] and cursor is None
    assert len(rows[1]["run_statuses"]) == 3 and rows[0]["run_statuses"] is None
    assert rows[1]["workflow_name"] == "wf"

    by_next, cursor = await queries.schedule_page(dal, p, queries.ScheduleFilters(order="next"), limit=3, cursor=None)
    assert [r["name"] for r in by_next] == ["job 0", "job 1", "job 2"]
    rest, _ = await queries.schedule_page(dal, p, queries.ScheduleFilters(order="next"), limit=3, cursor=cursor)
    assert [r["name"] for r in rest] == ["50%_off"]

    for filters, names in (
        (queries.ScheduleFilters(search="%"), {"50%_off"}),  # LIKE wildcards are literal
        (queries.ScheduleFilters(search="JOB"), {"job 0", "job 1", "job 2"}),
        (queries.ScheduleFilters(workflow_id=uuid.UUID(other_wf)), {"50%_off"}),
        (queries.ScheduleFilters(schedule_type="cron"), {"50%_off"}),
        (queries.ScheduleFilters(created_by="local-admin"), {"job 0", "job 1", "job 2", "50%_off"}),
        (queries.ScheduleFilters(created_by="someone else"), set()),
    ):
        rows, _ = await queries.schedule_page(dal, p, filters, limit=50, cursor=None)
        assert {r["name"] for r in rows} == names, filters
    assert await queries.creators(dal, p) == ["local-admin"]
    other = Principal("t", 2, frozenset(RW.split()))
    assert (await queries.schedule_page(dal, other, queries.ScheduleFilters(), limit=50, cursor=None))[0] == []


async def test_the_list_page_costs_the_same_queries_for_2_rows_as_for_12(client, chime, auth, token) -> None:
    """Each row's strip of last runs comes with the page (a LATERAL join), never from a query per row."""
    wf = await make_workflow(client, auth())
    await sign_in(client, token(1, RW))
    statements: list[str] = []
    for name in ("fetch", "fetchrow", "fetchval", "execute"):
        real = getattr(chime.dal, name)

        async def counted(query, *args, _real=real, **kw):
            if request_id_var.get() == "page-cost":  # this request's statements, not the scheduler's
                statements.append(query)
            return await _real(query, *args, **kw)

        setattr(chime.dal, name, counted)

    async def page_cost(rows: int) -> int:
        have = await chime.dal.fetchval("SELECT count(*) FROM workflow_schedules")
        for i in range(have, rows):
            sid = (await make_schedule(client, auth(), wf, FAR, name=f"s{i}"))["schedule_id"]
            await client.post(f"/api/v1/schedules/{sid}/run-now", headers=auth())
        statements.clear()
        html = await (await client.get("/hub/schedules", headers={"X-Request-ID": "page-cost"})).get_data(as_text=True)
        assert html.count('class="tick st-') == rows
        return len(statements)

    assert await page_cost(2) == await page_cost(12)


# --- pure helpers ----------------------------------------------------------------------------------------------
def test_relative_times() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert relative(now + timedelta(minutes=3, seconds=20), now) == "in 3 min"
    assert relative(now - timedelta(hours=2, minutes=5), now) == "2 h ago"
    assert relative(now + timedelta(days=9), now) == "in 9 d"
    assert relative(now, now) == "now" and relative(None, now) == ""


def test_clock_changes_are_marked_on_the_run_after_them() -> None:
    runs = [{"utc": datetime(2030, 3, d, 8, tzinfo=UTC)} for d in (29, 30, 31)]  # Berlin: CEST from 31 March
    marked = mark_clock_changes(runs, "Europe/Berlin", datetime(2030, 3, 28, tzinfo=UTC))
    assert [r["change"] for r in marked] == [None, None, "clocks change: UTC+01:00 → UTC+02:00"]
    assert marked[2]["local"].hour == 10


def test_graph_layout_places_nodes_by_depth_and_draws_loops_back() -> None:
    definition = {
        "nodes": [{"node_id": n, "type": t, "name": n, "config": {}} for n, t in (
            ("t", "trigger_schedule"), ("each", "loop_foreach"), ("body", "data_transform"), ("end", "flow_end"))],
        "connections": [{"from_node_id": "t", "to_node_id": "each"},
                        {"from_node_id": "each", "from_port": "body", "to_node_id": "body"},
                        {"from_node_id": "body", "to_node_id": "each"},
                        {"from_node_id": "each", "to_node_id": "end"},
                        {"from_node_id": "ghost", "to_node_id": "end"}],
    }
    graph = layout(definition)
    x = {n.node_id: n.x for n in graph.nodes}
    assert x["t"] < x["each"] < x["body"] and x["each"] < x["end"]
    assert [(e.src, e.dst, e.back) for e in graph.edges] == [
        ("t", "each", False), ("each", "body", False), ("body", "each", True), ("each", "end", False)]
    each = next(n for n in graph.nodes if n.node_id == "each")
    assert {p.name for p in each.outputs} == {"body", "out", "error"}
    trigger = next(n for n in graph.nodes if n.node_id == "t")
    assert trigger.inputs is None
    assert layout({"nodes": "nonsense"}).nodes == [] and layout(None).edges == []


def test_frame_ancestors_cannot_smuggle_other_directives() -> None:
    import pytest

    from config import ConfigError, load_settings

    base = {"JWT_SECRET": "s" * 40}
    assert load_settings(base).hub_frame_ancestors == "'self'"
    for bad in ("'self'; script-src *", "a,b", "'self'\nx"):
        with pytest.raises(ConfigError, match="HUB_FRAME_ANCESTORS"):
            load_settings({**base, "HUB_FRAME_ANCESTORS": bad})


# --- phase 2: overview, approvals, fix-it, audit ---------------------------------------------------------------
ALL = ("schedules:read schedules:write workflows:read workflows:write executions:read executions:write ops:read"
       " ops:write approvals:write")


async def test_overview_is_the_landing_page_with_the_report_chart_and_suggested_actions(client, chime, auth,
                                                                                         token) -> None:
    from tests.ops_helpers import insert_run

    wf = await make_workflow(client, auth())
    sid = (await make_schedule(client, auth(), wf, FAR, name="night batch"))["schedule_id"]
    stuck = (await make_schedule(client, auth(), wf, FAR_TOO, name="stuck one"))["schedule_id"]
    await chime.dal.execute("UPDATE workflow_schedules SET status = 'paused', paused_by = 'scheduler',"
                            " paused_at = now(), paused_note = 'no next fire' WHERE schedule_id = $1",
                            uuid.UUID(stuck))
    for minutes, late_ms in ((50, 20), (40, 30), (30, 1500)):
        ran = datetime.now(UTC) - timedelta(minutes=minutes)
        await insert_run(chime.dal, schedule_id=sid, workflow_id=wf, status="failed", error="boom",
                         scheduled_for=ran - timedelta(milliseconds=late_ms), ended_ago=timedelta(minutes=minutes))
    resp = await sign_in(client, token(1, ALL))
    home = await client.get(resp.headers["Location"])
    assert home.status_code == 303 and home.headers["Location"] == "/hub/overview"
    page = await client.get("/hub/overview?window=1h")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="badge health-badge st-degraded"' in html
    assert "stuck one" in html and "Resume schedule" in html  # the auto-paused schedule, with its button
    assert "Open fix-it" in html and f"schedule={sid}" in html  # three failures in a row: fix-it for it
    assert "night batch" in html and "boom" in html  # recent runs
    assert 'id="chart-data" data-kind="lateness"' in html and 'hx-trigger="every 5s"' in html
    chart = await queries_ops_series(chime, 3600)
    assert chart["fires"] and sum(chart["fires"]) == 3 and 1500 <= max(chart["max_ms"]) < 1600  # + insert_run's clock

    # The button resumes it (the schedules' own route) and comes back to the overview.
    csrf = _field(html, "csrf_token")
    done = await client.post(f"/hub/schedules/{stuck}/resume",
                             form={"csrf_token": csrf, "next": "/hub/overview?window=1h"})
    assert done.status_code == 303 and done.headers["Location"] == "/hub/overview?window=1h&done=resume"
    after = await (await client.get(done.headers["Location"])).get_data(as_text=True)
    assert "Resumed." in after and "stuck one" not in after.split('id="actions-title"')[1].split("</section>")[0]

    # A window that is not offered is a 400 page, not a report.
    bad = await client.get("/hub/overview?window=99y")
    assert bad.status_code == 400 and bad.headers["X-Chime-Error-Code"] == "invalid_window"


async def queries_ops_series(chime, seconds: int) -> dict:
    from services.hub import ops

    since = datetime.now(UTC) - timedelta(seconds=seconds)
    return await ops.lateness_series(chime.dal, Principal("t", 1, frozenset({"ops:read"})), since, seconds)


async def test_overview_shows_only_the_buttons_the_session_may_use(client, chime, auth, token) -> None:
    wf = await make_workflow(client, auth())
    stuck = (await make_schedule(client, auth(), wf, FAR, name="stuck one"))["schedule_id"]
    await chime.dal.execute("UPDATE workflow_schedules SET status = 'paused', paused_by = 'scheduler',"
                            " paused_at = now() WHERE schedule_id = $1", uuid.UUID(stuck))
    await sign_in(client, token(1, "schedules:read ops:read"))
    html = await (await client.get("/hub/overview")).get_data(as_text=True)
    assert "stuck one" in html and "Resume schedule" not in html
    for hidden in (">Fix-it<", ">Approvals<", ">Audit<"):  # ops:read shows these pages, read-only
        assert hidden in html
    # Without ops:read the page is refused and the navigation does not offer it.
    client.cookie_jar.clear()
    await sign_in(client, token(1, RW))
    assert (await client.get("/hub/overview")).status_code == 403
    assert ">Overview<" not in await (await client.get("/hub/schedules")).get_data(as_text=True)


async def _gated_runs(client, auth, n: int, community: int = 1) -> list[str]:
    headers = auth(community, ALL)
    wf = await make_workflow(client, headers, requires_approval=True, name="payroll")
    sid = (await make_schedule(client, headers, wf, FAR, name="monthly payroll"))["schedule_id"]
    out = []
    for _ in range(n):
        run = await (await client.post(f"/api/v1/schedules/{sid}/run-now", headers=headers,
                                       json={"force": True})).get_json()
        assert run["status"] == "awaiting_approval", run
        out.append(run["execution_id"])
    return out


async def _status(chime, eid: str) -> str:
    return await chime.dal.fetchval("SELECT status FROM workflow_executions WHERE execution_id = $1", uuid.UUID(eid))


async def test_approvals_page_approves_and_denies_with_scope_and_csrf(client, chime, auth, token) -> None:
    first, second = await _gated_runs(client, auth, 2)

    # ops:read sees what waits, without buttons; the server refuses the decision anyway.
    await sign_in(client, token(1, "schedules:read ops:read"))
    html = await (await client.get("/hub/approvals")).get_data(as_text=True)
    assert "monthly payroll" in html and first in html and second in html and ">Approve<" not in html
    assert "approvals:write" in html
    csrf = _field(html, "csrf_token")
    refused = await client.post("/hub/approvals/decide",
                                form={"csrf_token": csrf, "execution_id": first, "action": "approve"})
    assert refused.status_code == 403 and refused.headers["X-Chime-Error-Code"] == "insufficient_scope"
    assert await _status(chime, first) == "awaiting_approval"

    client.cookie_jar.clear()
    await sign_in(client, token(1, ALL))
    html = await (await client.get("/hub/approvals")).get_data(as_text=True)
    assert 'aria-label="Approve monthly payroll at' in html
    no_csrf = await client.post("/hub/approvals/decide", form={"execution_id": first, "action": "approve"})
    assert no_csrf.status_code == 403 and no_csrf.headers["X-Chime-Error-Code"] == "csrf_failed"
    assert await _status(chime, first) == "awaiting_approval"

    csrf = _field(html, "csrf_token")
    ok = await client.post("/hub/approvals/decide", form={"csrf_token": csrf, "execution_id": first,
                                                          "action": "approve", "next": "/hub/approvals"})
    assert ok.status_code == 303 and ok.headers["Location"] == "/hub/approvals?done=approved"
    assert await _status(chime, first) != "awaiting_approval"
    denied = await client.post("/hub/approvals/decide", form={"csrf_token": csrf, "execution_id": second,
                                                              "action": "deny"})
    assert denied.headers["Location"] == "/hub/approvals?done=denied"
    assert await _status(chime, second) not in ("awaiting_approval", "pending", "running", "completed")
    page = await (await client.get(ok.headers["Location"])).get_data(as_text=True)
    assert "Approved." in page and first not in page and "No run awaits approval." in page
    actions = await chime.dal.fetch("SELECT action FROM audit_events WHERE target_id = ANY($1::text[]) ORDER BY seq",
                                    [first, second])
    assert [a["action"] for a in actions] == ["execution.approve", "execution.deny"]

    # Deciding again is said on the page (409), not a crash; nonsense is a 400 that writes nothing.
    again = await client.post("/hub/approvals/decide", form={"csrf_token": csrf, "execution_id": first,
                                                             "action": "approve"})
    assert again.status_code == 303 and "error=" in again.headers["Location"]
    for bad in ({"execution_id": first, "action": "maybe"}, {"action": "approve"},
                {"execution_id": "nope", "action": "approve"},
                {"execution_id": first, "fixit_id": first, "action": "approve"}):
        resp = await client.post("/hub/approvals/decide", form={"csrf_token": csrf, **bad})
        assert resp.status_code == 400, bad


async def test_another_communitys_approval_is_a_404_and_stays_pending(client, chime, auth, token) -> None:
    (theirs,) = await _gated_runs(client, auth, 1, community=1)
    await sign_in(client, token(2, ALL))
    html = await (await client.get("/hub/approvals")).get_data(as_text=True)
    assert theirs not in html and "monthly payroll" not in html
    resp = await client.post("/hub/approvals/decide", form={"csrf_token": _field(html, "csrf_token"),
                                                            "execution_id": theirs, "action": "approve"})
    assert resp.status_code == 404 and resp.headers["X-Chime-Error-Code"].endswith("not_found")
    assert await _status(chime, theirs) == "awaiting_approval"


async def test_fixit_dry_run_shows_the_plan_then_runs_and_counts(client, chime, auth, token) -> None:
    from tests.ops_helpers import insert_run

    wf = await make_workflow(client, auth(), name="router notice")
    sid = (await make_schedule(client, auth(), wf, FAR, name="nightly router"))["schedule_id"]
    timed_out = await insert_run(chime.dal, schedule_id=sid, workflow_id=wf, status="timeout", error="node timed out",
                                 error_code="node_timeout")
    broken = await insert_run(chime.dal, schedule_id=sid, workflow_id=wf, status="failed",
                              error="unexpected HTTP status 404")

    await sign_in(client, token(1, "schedules:read ops:read"))
    html = await (await client.get("/hub/fix-it")).get_data(as_text=True)
    assert ">Dry-run<" not in html and "ops:write" in html
    refused = await client.post("/hub/fix-it", form={"csrf_token": _field(html, "csrf_token"), "mode": "greedy",
                                                     "window": "24h", "dry_run": "yes"})
    assert refused.status_code == 403 and await chime.dal.fetchval("SELECT count(*) FROM fixits") == 0

    client.cookie_jar.clear()
    await sign_in(client, token(1, ALL))
    html = await (await client.get(f"/hub/fix-it?schedule={sid}")).get_data(as_text=True)
    csrf = _field(html, "csrf_token")
    assert f'name="schedule" value="{sid}" checked' in html
    resp = await client.post("/hub/fix-it", form={"csrf_token": csrf, "mode": "conservative", "window": "24h",
                                                  "max_retries": "3", "limit": "100", "schedule": sid,
                                                  "dry_run": "yes"})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/hub/fix-it/")
    plan = await (await client.get(resp.headers["Location"])).get_data(as_text=True)
    assert "Dry run: the plan" in plan and "nightly router" in plan and "router notice" in plan
    rows = re.findall(r'<tr>\s*<th scope="row"><a href="/hub/runs/([0-9a-f-]+)">.*?decision-(\w+)', plan, re.S)
    assert dict(rows) == {str(timed_out): "retry", str(broken): "skip"}, rows
    assert 'id="count-retried">1<' in plan and 'id="count-skipped">1<' in plan
    assert await chime.dal.fetchval("SELECT count(*) FROM workflow_executions") == 2  # a dry run retries nothing

    # Run it, approved at once: the retry exists and the page counts it.
    run = await client.post("/hub/fix-it", form={"csrf_token": csrf, **dict(re.findall(
        r'<input type="hidden" name="(mode|window|max_retries|limit|schedule)" value="([^"]*)">', plan)),
        "auto_approve": "yes", "dry_run": "no"})
    assert run.status_code == 303
    page = await (await client.get(run.headers["Location"])).get_data(as_text=True)
    assert 'id="count-retried">1<' in page and "Dry run" not in page
    retry = await chime.dal.fetchrow("SELECT * FROM workflow_executions WHERE parent_execution_id = $1", timed_out)
    assert retry is not None and str(retry["execution_id"]) in page

    # A second live fix-it is refused on the form (409), not a crash; bad numbers are a 400 form.
    busy = await client.post("/hub/fix-it", form={"csrf_token": csrf, "mode": "greedy", "window": "24h",
                                                  "dry_run": "no"})
    live = await chime.dal.fetchval("SELECT count(*) FROM fixits WHERE status IN ('running', 'awaiting_approval')")
    assert busy.status_code in (303, 409) and live <= 1
    for bad in ({"mode": "reckless"}, {"window": "99y"}, {"max_retries": "11"}, {"limit": "0"}):
        form = {"csrf_token": csrf, "mode": "greedy", "window": "24h", "dry_run": "yes", **bad}
        resp = await client.post("/hub/fix-it", form=form)
        assert resp.status_code == 400 and 'id="fixit-error"' in await resp.get_data(as_text=True), bad


async def test_fixit_awaiting_approval_is_decided_from_its_page(client, chime, auth, token) -> None:
    from tests.ops_helpers import insert_run

    wf = await make_workflow(client, auth())
    sid = (await make_schedule(client, auth(), wf, FAR))["schedule_id"]
    await insert_run(chime.dal, schedule_id=sid, workflow_id=wf, status="timeout", error_code="node_timeout")
    await sign_in(client, token(1, ALL))
    csrf = await csrf_of(client, "/hub/fix-it")
    resp = await client.post("/hub/fix-it", form={"csrf_token": csrf, "mode": "greedy", "window": "24h",
                                                  "dry_run": "no"})
    page = await (await client.get(resp.headers["Location"])).get_data(as_text=True)
    assert "awaiting_approval" in page and "Approve fix-it" in page
    fixit_id = resp.headers["Location"].rsplit("/", 1)[-1]
    assert fixit_id in await (await client.get("/hub/approvals")).get_data(as_text=True)
    ok = await client.post("/hub/approvals/decide", form={"csrf_token": csrf, "fixit_id": fixit_id,
                                                          "action": "approve", "next": resp.headers["Location"]})
    assert ok.status_code == 303 and ok.headers["Location"] == resp.headers["Location"] + "?done=approved"
    status = await chime.dal.fetchval("SELECT status FROM fixits WHERE fixit_id = $1", uuid.UUID(fixit_id))
    assert status in ("running", "completed")
    # Another community's fix-it is a 404 page.
    client.cookie_jar.clear()
    await sign_in(client, token(2, ALL))
    assert (await client.get(resp.headers["Location"])).status_code == 404


async def test_audit_page_filters_and_pages_by_cursor(client, chime, auth, token, monkeypatch) -> None:
    from controllers.hub import ops

    wf = await make_workflow(client, auth())
    sids = [(await make_schedule(client, auth(), wf, FAR, name=f"s{i}"))["schedule_id"] for i in range(3)]
    await client.post(f"/api/v1/schedules/{sids[0]}/pause", headers=auth(), json={"note": "quiet"})
    other = await make_workflow(client, auth(2))
    await sign_in(client, token(1, "schedules:read ops:read"))

    html = await (await client.get("/hub/audit")).get_data(as_text=True)
    assert html.count("<code>schedule.create</code>") == 3 and "schedule.pause" in html and other[:8] not in html
    paused = await (await client.get("/hub/audit?action=schedule.pause")).get_data(as_text=True)
    assert paused.count("<code>schedule.pause</code>") == 1 and "<code>schedule.create</code>" not in paused
    assert "quiet" in paused  # the change: note None -> quiet
    one = await (await client.get(f"/hub/audit?target_id={sids[1]}")).get_data(as_text=True)
    assert sids[1][:8] in one and sids[2][:8] not in one
    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert "No events match" in await (await client.get(f"/hub/audit?since={future}")).get_data(as_text=True)
    offset = (datetime.now(UTC) - timedelta(hours=1)).astimezone(UTC).isoformat()
    assert "schedule.pause" in await (await client.get("/hub/audit", query_string={"since": offset})).get_data(
        as_text=True)

    monkeypatch.setattr(ops, "AUDIT_PAGE", 2)
    first = await (await client.get("/hub/audit?action=schedule.create")).get_data(as_text=True)
    older = re.search(r'<a href="([^"]+)" rel="next">Older events</a>', first)
    assert older and first.count("<code>schedule.create</code>") == 2 and "action=schedule.create" in older.group(1)
    second = await (await client.get(older.group(1).replace("&amp;", "&"))).get_data(as_text=True)
    assert second.count("<code>schedule.create</code>") == 1 and "Older events" not in second
    assert "Newest events" in second

    for bad in ("since=yesterday", "cursor=garbage", "actor=" + "x" * 201, "action=a%00b"):
        resp = await client.get(f"/hub/audit?{bad}")
        assert resp.status_code == 400, bad


# --- sign-in with an API client's id and secret ------------------------------------------------------------------
async def test_sign_in_with_an_api_client_gets_its_community_and_scopes(client, chime, token, settings) -> None:
    admin = {"Authorization": f"Bearer {token(4, 'admin')}"}
    reader = {"name": "hub bot", "scopes": ["schedules:read", "workflows:read"]}
    made = await (await client.post("/api/v1/clients", headers=admin, json=reader)).get_json()
    blind = await (await client.post("/api/v1/clients", headers=admin,
                                     json={"name": "no reads", "scopes": ["ops:read"]})).get_json()
    page = await client.get("/hub/sign-in")
    html = await page.get_data(as_text=True)
    assert 'name="client_id"' in html and 'name="client_secret"' in html  # the form offers it

    for client_id, secret, status, text in (
        (made["client_id"], "wrong", 401, "wrong client id or secret"),
        ("not-a-client", made["client_secret"], 401, "wrong client id or secret"),
        (blind["client_id"], blind["client_secret"], 403, "schedules:read"),
    ):
        resp = await sign_in(client, "", client_id=client_id, client_secret=secret)
        assert resp.status_code == status and text in await resp.get_data(as_text=True), (client_id, status)
    assert await sessions(chime) == 0

    resp = await sign_in(client, "", client_id=made["client_id"], client_secret=made["client_secret"])
    assert resp.status_code == 303, await resp.get_data(as_text=True)
    row = await chime.dal.fetchrow("SELECT * FROM hub_sessions")
    assert row["auth_kind"] == "client" and row["community_id"] == 4
    assert sorted(row["scopes"]) == ["schedules:read", "workflows:read"]
    assert row["subject"] == f"client:{made['client_id']}"
    # No longer than one of the client's tokens would live.
    assert row["expires_at"] - datetime.now(UTC) <= timedelta(seconds=settings.client_token_ttl_seconds + 1)
    assert (await client.get("/hub/workflows")).status_code == 200
    forbidden = await client.get("/hub/runs/" + str(uuid.uuid4()))  # executions:read is not the client's
    assert forbidden.status_code == 403 and forbidden.headers["X-Chime-Error-Code"] == "insufficient_scope"

    # Revoking the client ends its sessions (within REVOCATION_CACHE_SECONDS).
    assert (await client.delete(f"/api/v1/clients/{made['client_id']}", headers=admin)).status_code == 200
    deadline = asyncio.get_running_loop().time() + settings.revocation_cache_seconds + 1
    while (resp := await client.get("/hub/workflows")).status_code == 200:
        assert asyncio.get_running_loop().time() < deadline, "a revoked client's session still works"
        await asyncio.sleep(0.2)
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/hub/sign-in")
    assert await sessions(chime) == 0
