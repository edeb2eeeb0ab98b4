"""The hub in a real browser (Debian's chromium through Playwright) against a real `python app.py serve` on
PostgreSQL: sign-in, the schedule form with its inline errors, live history, pause/resume/run-now in place,
a run's steps, tenancy and CSRF; then axe-core on every page, in light and dark, with screenshots.
"""

from __future__ import annotations

import socket
import uuid

import pytest

from tests.helpers import holds_for, wait_for
from tests.hub_browser import (
    STEPS_WORKFLOW,
    api,
    axe_violations,
    branching_workflow,
    launch,
    require_browser,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.timeout(240)
READ_WRITE = "schedules:read schedules:write workflows:read workflows:write executions:read executions:write"
EVERYTHING = READ_WRITE + " ops:read ops:write approvals:write"


@pytest.fixture
def browser_ready() -> None:
    require_browser()


async def _count_runs(client, schedule_id: str) -> int:
    resp = await client.get("/api/v1/executions", params={"schedule_id": schedule_id, "limit": 200})
    assert resp.status_code == 200, resp.text
    return len(resp.json()["items"])


async def test_hub_end_to_end(browser_ready, spawn, make_database, token) -> None:
    from playwright.async_api import async_playwright, expect

    svc = await spawn.serve("hub", await make_database())
    base, owner = svc.url, token(1, READ_WRITE)
    async with api(base, owner) as client:
        resp = await client.post("/api/v1/workflows", json={"name": "standup", "definition": STEPS_WORKFLOW})
        assert resp.status_code == 201, resp.text
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                context = await browser.new_context()
                page = await context.new_page()
                page.on("dialog", lambda dialog: dialog.accept())
                # The CSP allows everything the hub itself does, and its scripts raise nothing.
                console: list[str] = []
                page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
                page.on("pageerror", lambda exc: console.append(str(exc)))
                await sign_in(page, base, owner)

                # An invalid cron: the field's error is shown next to it and nothing is created.
                await page.get_by_role("button", name="New schedule").click()
                await page.get_by_label("Name").fill("every two seconds")
                await page.get_by_label("Workflow").select_option(label="standup")
                await page.get_by_label("Cron expression").fill("0 25 * * *")
                await expect(page.locator("#preview-error")).to_contain_text("hour")  # the live preview says so
                await page.get_by_role("button", name="Create schedule").click()
                await expect(page.locator("#cron_expression-error")).to_contain_text("out of range")
                await expect(page.get_by_label("Cron expression")).to_have_attribute("aria-invalid", "true")
                assert (await client.get("/api/v1/schedules")).json()["items"] == []

                # A 6-field cron firing every 2 s: the preview describes it, then it is created.
                await page.get_by_label("Cron expression").fill("*/2 * * * * *")
                await expect(page.locator("#preview")).to_contain_text("Every 2 seconds")
                await page.get_by_role("button", name="Create schedule").click()
                await page.wait_for_url(f"{base}/hub/schedules/*")
                schedule_id = page.url.rsplit("/", 1)[-1]
                uuid.UUID(schedule_id)
                await expect(page.locator("ol.next-runs li")).to_have_count(10)

                # New runs appear in the history without a reload.
                await page.evaluate("() => { window.__sameDocument = true; }")
                history = page.locator("#history tbody tr")
                before = await history.count()

                async def grew() -> bool:
                    return await history.count() > before + 1

                await wait_for(grew, timeout=20)
                assert await page.evaluate("() => window.__sameDocument === true")

                # Pause from the list: the row changes in place, and nothing fires for 5 s.
                await page.goto(f"{base}/hub/schedules")
                await page.evaluate("() => { window.__sameDocument = true; }")
                row = page.locator(f"#row-{schedule_id}")
                await row.get_by_role("button", name="Pause every two seconds").click()
                await expect(row.locator(".badge").first).to_have_text("paused")
                await expect(row.get_by_role("button", name="Resume every two seconds")).to_be_visible()
                await expect(row.locator(".row-flash")).to_have_text("Paused.")
                assert await page.evaluate("() => window.__sameDocument === true")
                paused_at = await _count_runs(client, schedule_id)

                async def still(n=paused_at) -> bool:
                    return await _count_runs(client, schedule_id) == n

                await holds_for(still, 5.0)

                # Run now (while paused, so no scheduled run overlaps it), then open the run and see its steps.
                await row.get_by_role("button", name="Run now every two seconds").click()
                await expect(row.locator(".row-flash")).to_contain_text("Run started")
                assert await page.evaluate("() => window.__sameDocument === true")
                await row.get_by_role("link", name="Open run").click()
                await page.wait_for_url(f"{base}/hub/runs/*")
                await expect(page.locator("#status-title .badge")).to_have_text("completed", timeout=15_000)
                await expect(page.locator("table.steps tbody th")).to_have_count(2, timeout=15_000)
                await expect(page.locator("table.steps")).to_contain_text("wait")
                run_id = page.url.rsplit("/", 1)[-1]
                run = (await client.get(f"/api/v1/executions/{run_id}")).json()
                assert run["trigger"] == "manual" and run["schedule_id"] == schedule_id

                manual_too = await _count_runs(client, schedule_id)

                # Resume: scheduled runs come back.
                await page.goto(f"{base}/hub/schedules")
                await page.evaluate("() => { window.__sameDocument = true; }")
                await row.get_by_role("button", name="Resume every two seconds").click()
                await expect(row.locator(".badge").first).to_have_text("active")

                async def more(n=manual_too) -> bool:
                    return await _count_runs(client, schedule_id) > n

                await wait_for(more, timeout=15)
                assert await page.evaluate("() => window.__sameDocument === true")

                # A state-changing request without the CSRF token is refused and changes nothing.
                refused = await context.request.post(f"{base}/hub/schedules/{schedule_id}/pause",
                                                     form={"view": "row"}, max_redirects=0)
                assert refused.status == 403 and refused.headers["x-chime-error-code"] == "csrf_failed"
                wrong = await context.request.post(f"{base}/hub/schedules/{schedule_id}/pause",
                                                   form={"csrf_token": "forged"}, max_redirects=0)
                assert wrong.status == 403
                assert (await client.get(f"/api/v1/schedules/{schedule_id}")).json()["status"] == "active"

                # Community 2 cannot open community 1's schedule: the 404 page.
                other = await (await browser.new_context()).new_page()
                await sign_in(other, base, token(2, READ_WRITE))
                response = await other.goto(f"{base}/hub/schedules/{schedule_id}")
                assert response.status == 404
                await expect(other.get_by_role("heading", name="Not found")).to_be_visible()
                assert "every two seconds" not in await other.content()
                await expect(other.locator(f"#row-{schedule_id}")).to_have_count(0)

                assert not console, console

                # Sign-out ends the session server-side: the old cookie no longer works.
                await page.goto(f"{base}/hub/schedules")
                await page.get_by_role("button", name="Sign out").click()
                await page.wait_for_url(f"{base}/hub/sign-in")
                again = await page.goto(f"{base}/hub/schedules/{schedule_id}")
                assert again.url.startswith(f"{base}/hub/sign-in")
            finally:
                await browser.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is: connections are refused


async def _world(client) -> dict[str, str]:
    """A few schedules, a run with steps, and a failed run with a retry, for every page to show something."""
    steps = (await client.post("/api/v1/workflows", json={
        "name": "standup", "description": "posts the standup reminder", "definition": STEPS_WORKFLOW})).json()
    branching = (await client.post("/api/v1/workflows", json={
        "name": "router notice", "description": "checks, then calls the router",
        "definition": branching_workflow(f"http://127.0.0.1:{_closed_port()}/hook"),
        "retry_config": {"max_retries": 1, "backoff": "fixed", "base_seconds": 0.2}})).json()
    made = {}
    for name, wf, cfg in (
        ("weekday standup", steps, {"schedule_type": "cron", "cron_expression": "0 9 * * 1-5",
                                    "timezone": "Europe/Berlin"}),
        ("hourly sync", steps, {"schedule_type": "interval", "interval_seconds": 3600}),
        ("router notice", branching, {"schedule_type": "rrule", "rrule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8",
                                      "timezone": "America/New_York"}),
        ("heartbeat", steps, {"schedule_type": "cron", "cron_expression": "* * * * * *", "timezone": "Asia/Tokyo"}),
    ):
        resp = await client.post("/api/v1/schedules", json={"workflow_id": wf["workflow_id"], "name": name,
                                                            "schedule_config": cfg})
        assert resp.status_code == 201, resp.text
        made[name] = resp.json()["schedule_id"]
    await client.post(f"/api/v1/schedules/{made['hourly sync']}/pause", json={"note": "holidays"})
    ok = (await client.post(f"/api/v1/schedules/{made['weekday standup']}/run-now")).json()["execution_id"]
    failed = (await client.post(f"/api/v1/schedules/{made['router notice']}/run-now")).json()["execution_id"]

    async def settled() -> bool:
        a = (await client.get(f"/api/v1/executions/{ok}")).json()
        runs = (await client.get("/api/v1/executions", params={"schedule_id": made["router notice"]})).json()
        return a["status"] == "completed" and len(runs["items"]) == 2 and all(
            r["status"] == "failed" for r in runs["items"])

    await wait_for(settled, timeout=20)

    async def beating() -> bool:  # enough scheduled runs for the chart and the strip
        runs = (await client.get("/api/v1/executions", params={"schedule_id": made["heartbeat"]})).json()
        return len(runs["items"]) >= 6

    await wait_for(beating, timeout=20)
    await client.post(f"/api/v1/schedules/{made['heartbeat']}/pause", json={"note": "enough for the pictures"})
    return {"standup": made["weekday standup"], "router": made["router notice"], "ok_run": ok,
            "failed_run": failed, "workflow": branching["workflow_id"], "heartbeat": made["heartbeat"]}


async def test_hub_operations_end_to_end(browser_ready, spawn, make_database, token) -> None:
    """The overview refreshing in place, approving a pending approval, dry-running a fix-it and reading its plan,
    running it and watching its counts, the audit trail's filters; then the read-only pages without JavaScript."""
    import re

    from playwright.async_api import async_playwright, expect

    svc = await spawn.serve("hub", await make_database())
    base, owner = svc.url, token(1, EVERYTHING)
    async with api(base, owner) as client:
        ops = await _ops_world(client)
        failing = (await client.post("/api/v1/workflows", json={
            "name": "router notice", "definition": branching_workflow(f"http://127.0.0.1:{_closed_port()}/hook")})).json()
        sid = (await client.post("/api/v1/schedules", json={
            "workflow_id": failing["workflow_id"], "name": "router notice",
            "schedule_config": {"schedule_type": "cron", "cron_expression": "0 8 * * 1"}})).json()["schedule_id"]
        failed = (await client.post(f"/api/v1/schedules/{sid}/run-now")).json()["execution_id"]

        async def ended() -> bool:
            return (await client.get(f"/api/v1/executions/{failed}")).json()["status"] == "failed"

        await wait_for(ended, timeout=20)
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                context = await browser.new_context()
                page = await context.new_page()
                console: list[str] = []
                page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
                page.on("pageerror", lambda exc: console.append(str(exc)))
                await sign_in(page, base, owner, landing="/hub/overview")

                # The overview: health, the failed run among the recent runs, and it refreshes without a reload.
                await expect(page.locator(".health-badge")).to_have_text(re.compile("healthy|degraded|critical"))
                await expect(page.locator("table.recent")).to_contain_text("router notice")
                await page.evaluate("() => { window.__sameDocument = true; }")
                computed = page.locator("#health-title + p time").first
                first = await computed.get_attribute("datetime")

                async def refreshed() -> bool:
                    return await computed.get_attribute("datetime") != first

                await wait_for(refreshed, timeout=20)
                assert await page.evaluate("() => window.__sameDocument === true")

                # Approve a pending approval: the row goes, the run goes on to complete.
                await page.get_by_role("link", name="Approvals").click()
                row = page.locator(f"#approval-{ops['waiting']}")
                await expect(row).to_contain_text("monthly payroll")
                await row.get_by_role("button", name=re.compile("^Approve ")).click()
                await page.wait_for_url(f"{base}/hub/approvals?done=approved")
                await expect(page.locator("#flash")).to_contain_text("Approved.")
                await expect(row).to_have_count(0)
                await expect(page.locator(f"#approval-{ops['waiting_too']}")).to_have_count(1)

                async def approved_run_done() -> bool:
                    return (await client.get(f"/api/v1/executions/{ops['waiting']}")).json()["status"] == "completed"

                await wait_for(approved_run_done, timeout=20)

                # Dry-run a fix-it and read its plan: the failed run, to be retried; nothing retried yet.
                await page.get_by_role("link", name="Fix-it").click()
                await page.get_by_label("greedy").check()
                await page.get_by_label("Window").fill("1h")
                await page.get_by_role("button", name="Dry-run").click()
                await page.wait_for_url(f"{base}/hub/fix-it/*")
                await expect(page.get_by_role("heading", level=1)).to_contain_text("Dry run: the plan")
                plan = page.locator("table.plan tbody tr")
                await expect(plan).to_have_count(1)
                await expect(plan.first).to_contain_text("router notice")
                await expect(plan.first.locator(".badge").first).to_have_text("retry")
                await expect(page.locator("#count-retried")).to_have_text("1")
                fixit = (await client.get(f"/api/v1/scheduler/fix-it/{page.url.rsplit('/', 1)[-1]}")).json()
                assert fixit["status"] == "dry_run" and fixit["affected_tasks"][0]["execution_id"] == failed
                assert await _count_runs(client, sid) == 1  # a dry run retries nothing

                # Run it, approved at once, and watch its counts change in place (the retry fails again).
                await page.get_by_label("Approve it now").check()
                await page.get_by_role("button", name="Run the fix-it").click()
                await page.wait_for_url(f"{base}/hub/fix-it/*")
                await page.evaluate("() => { window.__sameDocument = true; }")
                await expect(page.locator("#count-retried")).to_have_text("1")
                await expect(page.locator("#count-failed")).to_have_text("1", timeout=30_000)
                assert await page.evaluate("() => window.__sameDocument === true")

                # The audit trail, filtered by action with the form.
                await page.get_by_role("link", name="Audit").click()
                await page.get_by_label("Action").fill("execution.approve")
                await page.get_by_role("button", name="Filter").click()
                await expect(page.locator("table.audit tbody tr")).to_have_count(1)
                await expect(page.locator("table.audit tbody")).to_contain_text(ops["waiting"][:8])
                assert not console, console

                # JavaScript off: the read-only pages render, and the filters are a plain form.
                plain = await (await browser.new_context(java_script_enabled=False)).new_page()
                await sign_in(plain, base, owner, landing="/hub/overview")
                await expect(plain.locator(".health-badge")).to_be_visible()
                await expect(plain.locator("table.recent")).to_contain_text("router notice")
                await plain.get_by_role("link", name="Approvals").click()
                await expect(plain.locator(f"#approval-{ops['waiting_too']}")).to_contain_text("monthly payroll")
                await plain.get_by_role("link", name="Audit").click()
                await plain.get_by_label("Action").fill("fixit.create")
                await plain.get_by_role("button", name="Filter").click()
                await expect(plain.locator("table.audit tbody tr")).to_have_count(2)
            finally:
                await browser.close()


async def _ops_world(client) -> dict[str, str]:
    """Two runs of an approval-gated workflow waiting for a decision (for the Approvals page)."""
    gated = (await client.post("/api/v1/workflows", json={
        "name": "payroll export", "description": "needs a human", "definition": STEPS_WORKFLOW,
        "requires_approval": True})).json()
    sid = (await client.post("/api/v1/schedules", json={
        "workflow_id": gated["workflow_id"], "name": "monthly payroll",
        "schedule_config": {"schedule_type": "cron", "cron_expression": "0 6 1 * *",
                            "timezone": "Europe/Paris"}})).json()
    waiting = []
    for _ in range(2):
        run = (await client.post(f"/api/v1/schedules/{sid['schedule_id']}/run-now", json={"force": True})).json()
        assert run["status"] == "awaiting_approval", run
        waiting.append(run["execution_id"])
    return {"payroll": sid["schedule_id"], "waiting": waiting[0], "waiting_too": waiting[1]}


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_every_page_is_accessible(browser_ready, spawn, make_database, token, scheme) -> None:
    """axe-core finds no serious or critical violation on any page (each page's screenshot is taken too)."""
    from playwright.async_api import async_playwright

    svc = await spawn.serve("hub", await make_database())
    base, owner = svc.url, token(1, EVERYTHING)
    async with api(base, owner) as client:
        ids = await _world(client)
        ids.update(await _ops_world(client))
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                # bypass_csp: axe is injected as an inline script, which the hub's CSP (rightly) refuses.
                context = await browser.new_context(color_scheme=scheme, bypass_csp=True,
                                                    viewport={"width": 1280, "height": 900})
                page = await context.new_page()
                suffix = "" if scheme == "light" else "-dark"
                found = {}

                async def check(name: str, url: str | None = None, status: int = 200) -> None:
                    if url is not None:
                        response = await page.goto(base + url)
                        assert response.status == status, (url, response.status)
                    await page.wait_for_load_state("networkidle")
                    found[name] = await axe_violations(page)
                    await screenshot(page, name + suffix)

                await check("sign-in", "/hub/sign-in")
                await page.get_by_label("Token (JWT)").fill("not-a-token")
                await page.get_by_role("button", name="Sign in").click()
                await check("sign-in-error")
                await sign_in(page, base, owner, landing="/hub/overview")
                await check("overview")
                assert await page.locator("#chart canvas").count() >= 1  # uPlot drew the lateness chart
                await check("overview-6h", "/hub/overview?window=6h")
                await check("approvals", "/hub/approvals")
                await check("fixit", f"/hub/fix-it?schedule={ids['router']}")
                await page.get_by_label("greedy").check()
                await page.get_by_role("button", name="Dry-run").click()
                await page.wait_for_url(f"{base}/hub/fix-it/*")
                await check("fixit-plan")
                await check("fixit-list", "/hub/fix-it")
                await check("audit", "/hub/audit")
                await check("audit-filtered", "/hub/audit?action=schedule.pause")
                await check("schedules", "/hub/schedules")
                await check("schedule", f"/hub/schedules/{ids['standup']}")
                await check("schedule-failed-runs", f"/hub/schedules/{ids['router']}")
                await check("schedule-chart", f"/hub/schedules/{ids['heartbeat']}")
                assert await page.locator("#chart canvas").count() >= 1  # uPlot drew the chart
                await check("schedule-new", "/hub/schedules/new")
                await page.get_by_label("Workflow").select_option(label="standup")
                await page.get_by_label("Time zone").fill("Europe/Berlin")
                await page.get_by_label("Cron expression").fill("0 9 * * MON-FRI")
                await page.locator("#preview ol.next-runs").wait_for()
                await check("schedule-new-preview")
                await page.get_by_label("Cron expression").fill("61 * * * *")
                await page.get_by_role("button", name="Create schedule").click()
                await check("schedule-form-errors")
                await check("schedule-edit", f"/hub/schedules/{ids['standup']}/edit")
                await check("run", f"/hub/runs/{ids['ok_run']}")
                await check("run-failed", f"/hub/runs/{ids['failed_run']}")
                await check("workflows", "/hub/workflows")
                await check("workflow", f"/hub/workflows/{ids['workflow']}")
                await page.get_by_role("button", name="Validate definition").click()
                await page.locator("#verdict .notice").wait_for()
                await check("workflow-validated")
                await check("not-found", f"/hub/schedules/{uuid.uuid4()}", 404)
                await page.goto(f"{base}/hub/schedules/{ids['standup']}")
                await page.locator("form[action$='/delete'] button").click()
                await check("confirm-delete")
                bad = {name: v for name, v in found.items() if v}
                assert not bad, bad
            finally:
                await browser.close()


async def test_pages_read_and_forms_work_without_javascript(browser_ready, spawn, make_database, token) -> None:
    """JavaScript off: sign-in, the list, a schedule, a run, and a pause through the plain form all work."""
    from playwright.async_api import async_playwright, expect

    svc = await spawn.serve("hub", await make_database())
    base, owner = svc.url, token(1, READ_WRITE)
    async with api(base, owner) as client:
        wf = (await client.post("/api/v1/workflows", json={"name": "standup", "definition": STEPS_WORKFLOW})).json()
        sid = (await client.post("/api/v1/schedules", json={
            "workflow_id": wf["workflow_id"], "name": "plain html",
            "schedule_config": {"schedule_type": "cron", "cron_expression": "0 9 * * 1-5"}})).json()["schedule_id"]
        run_id = (await client.post(f"/api/v1/schedules/{sid}/run-now")).json()["execution_id"]
        async with async_playwright() as pw:
            browser = await launch(pw)
            try:
                page = await (await browser.new_context(java_script_enabled=False)).new_page()
                await sign_in(page, base, owner)
                row = page.locator(f"#row-{sid}")
                await expect(row).to_contain_text("At 09:00, Monday through Friday")
                await row.get_by_role("link", name="plain html").click()
                await expect(page.locator("ol.next-runs li")).to_have_count(10)
                await page.get_by_role("button", name="Pause", exact=True).click()
                await expect(page.locator("#flash")).to_contain_text("Paused.")
                await expect(page.locator("h1 .badge")).to_have_text("paused")
                await page.goto(f"{base}/hub/runs/{run_id}")
                await expect(page.locator("table.steps tbody th").first).to_contain_text("start")
                # Delete without JavaScript asks on a page of its own first.
                await page.goto(f"{base}/hub/schedules/{sid}")
                await page.get_by_role("button", name="Delete").click()
                await expect(page.get_by_role("heading", name="Delete “plain html”?")).to_be_visible()
                assert (await client.get(f"/api/v1/schedules/{sid}")).status_code == 200
                await page.get_by_role("button", name="Yes, delete it").click()
                await page.wait_for_url(f"{base}/hub/schedules")
                assert (await client.get(f"/api/v1/schedules/{sid}")).status_code == 404
            finally:
                await browser.close()
