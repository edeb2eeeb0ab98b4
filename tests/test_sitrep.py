"""The situation report against a hand-built history in PostgreSQL: every number, the actions and watch items,
the health rules, `success_rate` null with no data, and a 503 (not zeros) when the database is cut."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from services.dal import AsyncDAL
from services.errors import ValidationFailed
from services.sitrep import SitrepService, parse_window, rules
from tests.conftest import make_settings, reset_database
from tests.helpers import wait_for
from tests.pgproxy import PgProxy

C = 7  # the community whose history is built here
SITREP = "/api/v1/scheduler/sitrep"


class History:
    """Inserts workflows, schedules and execution rows exactly as described by each test."""

    def __init__(self, dal: AsyncDAL, now: datetime) -> None:
        self.dal = dal
        self.now = now
        self.seq = 0

    async def workflow(self, name: str, community: int = C) -> uuid.UUID:
        wid = uuid.uuid4()
        await self.dal.execute("INSERT INTO workflows (workflow_id, community_id, name) VALUES ($1, $2, $3)",
                               wid, community, name)
        return wid

    async def schedule(self, wid: uuid.UUID, name: str, community: int = C, status: str = "active",
                       paused_by: str | None = None, due_in: timedelta = timedelta(days=300)) -> uuid.UUID:
        sid = uuid.uuid4()
        due = self.now + due_in if status == "active" else None
        await self.dal.execute(
            "INSERT INTO workflow_schedules (schedule_id, workflow_id, community_id, name, schedule_type,"
            " cron_expression, status, paused_by, paused_note, paused_at, next_execution_at, next_due_at)"
            " VALUES ($1, $2, $3, $4, 'cron', '0 0 1 1 *', $5, $6, $7, $8, $9, $9)",
            sid, wid, community, name, status, paused_by,
            "paused by scheduler: rrule too complex" if paused_by else None,
            self.now if status == "paused" else None, due)
        return sid

    async def run(self, wid: uuid.UUID, sid: uuid.UUID | None, *, status: str, trigger: str = "schedule",
                  ago: timedelta, lateness_ms: float = 0.0, community: int = C, error: str | None = None,
                  parent: uuid.UUID | None = None, created_ago: timedelta | None = None) -> uuid.UUID:
        eid = uuid.uuid4()
        scheduled = self.now - ago
        fired = scheduled + timedelta(milliseconds=lateness_ms)
        ended = status not in ("pending", "running", "awaiting_approval")
        await self.dal.execute(
            "INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for,"
            " fired_at, started_at, finished_at, duration_ms, status, trigger, error, parent_execution_id, attempt,"
            " instance_id, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            eid, sid, wid, community, scheduled, fired, fired if status != "pending" else None,
            fired + timedelta(milliseconds=20) if ended else None, 20 if ended else None, status, trigger, error,
            parent, 2 if parent else 1, "gone-instance" if status == "abandoned" else None,
            self.now - created_ago if created_ago else fired)
        return eid


@pytest.fixture
def ops(auth):
    def make(community: int = C) -> dict[str, str]:
        return auth(community, "ops:read")

    return make


async def _history(chime) -> dict:
    """Community 7 over the last hour (see the expected numbers in the test below)."""
    now = await chime.dal.fetchval("SELECT now()")
    h = History(chime.dal, now)
    ok, bad = await h.workflow("wf-ok"), await h.workflow("wf-bad")
    s1, s2 = await h.schedule(ok, "hourly-ok"), await h.schedule(bad, "hourly-bad")
    s3 = await h.schedule(ok, "broken-rrule", status="paused", paused_by="scheduler")
    minute = timedelta(minutes=1)
    for i in range(10):  # on time, 10..100 ms late
        await h.run(ok, s1, status="completed", ago=(50 - i) * minute, lateness_ms=10 * (i + 1))
    for i in range(2):  # caught up 10 s late
        await h.run(ok, s1, status="completed", trigger="catchup", ago=(30 - i) * minute, lateness_ms=10_000)
    await h.run(ok, s1, status="missed", trigger="catchup", ago=28 * minute, lateness_ms=2_000_000)
    await h.run(ok, s1, status="skipped", ago=27 * minute, lateness_ms=5)
    await h.run(bad, s2, status="completed", ago=20 * minute, lateness_ms=30)
    for i in range(4):  # the last four runs of hourly-bad failed
        await h.run(bad, s2, status="failed", ago=(19 - i) * minute, lateness_ms=30, error="x" * 300)
    abandoned = await h.run(ok, s1, status="abandoned", trigger="manual", ago=10 * minute)
    await h.run(ok, s1, status="running", trigger="manual", ago=2 * minute)
    await h.run(bad, s2, status="pending", trigger="manual", ago=1 * minute)
    # Outside the window or the community: never counted.
    await h.run(bad, s2, status="failed", ago=2 * 60 * minute, error="old")
    other = await h.workflow("elsewhere", community=8)
    await h.run(other, None, status="failed", trigger="manual", ago=5 * minute, community=8)
    # An approval waiting 23.5 h of a 24 h TTL (flagged an hour ahead).
    approval = await h.run(ok, s1, status="awaiting_approval", ago=23.5 * 60 * minute,
                           created_ago=23.5 * 60 * minute)
    await chime.dal.execute(
        "INSERT INTO scheduler_instances (instance_id, hostname, pid, heartbeat_at, expires_at)"
        " VALUES ('stale-one', 'h', 1, now() - interval '40 seconds', now() - interval '10 seconds')")
    return {"s1": s1, "s2": s2, "s3": s3, "ok": ok, "bad": bad, "abandoned": abandoned, "approval": approval}


async def test_numbers_actions_and_watch_items_of_a_hand_built_history(client, chime, ops) -> None:
    ids = await _history(chime)
    resp = await client.get(f"{SITREP}?window=1h", headers=ops())
    assert resp.status_code == 200, await resp.get_json()
    body = await resp.get_json()
    assert body["window_seconds"] == 3600
    assert body["task_metrics"] == {
        "total_tasks": 22, "active_tasks": 1, "completed_tasks": 13, "failed_tasks": 5, "pending_tasks": 1,
        "cancelled_tasks": 2, "success_rate": round(13 / 18, 4)}
    assert body["fire_metrics"] == {
        "fires_due": 19, "fires_on_time": 15, "fires_late": 2, "fires_missed": 1, "fires_skipped": 1,
        "fires_overdue": 0, "lateness_ms_p50": 40.0, "lateness_ms_p99": 2_000_000.0}
    assert body["coverage_metrics"] == {"coverage_rate": round(17 / 18, 4), "blocks_covered": 17,
                                        "blocks_total": 18, "critical_gaps": 1}

    actions = {(a["kind"], a.get("schedule_id"), a.get("execution_id")) for a in body["immediate_actions"]}
    assert actions == {
        ("schedule_failing", str(ids["s2"]), None),
        ("schedule_auto_paused", str(ids["s3"]), None),
        ("run_abandoned", str(ids["s1"]), str(ids["abandoned"])),
        ("approval_expiring", str(ids["s1"]), str(ids["approval"])),
    }
    assert all(a["severity"] == "warning" and a["message"] and a["suggested_action"]
               for a in body["immediate_actions"])
    watch = {(w["kind"], w.get("workflow_id")) for w in body["watch_items"]}
    assert watch == {("workflow_failure_rate", str(ids["bad"])), ("instance_stale", None)}
    # Coverage 94% and success 72% are below the degraded thresholds, above the critical ones.
    assert body["health_status"] == "degraded" and body["crisis_mode"] is False

    recent = body["recent_tasks"]
    assert len(recent) == 20
    assert recent[0]["status"] == "awaiting_approval" and recent[0]["task_status"] == "pending"
    by_status = {r["status"]: r for r in recent}
    assert by_status["running"]["task_status"] == "in_progress"
    assert by_status["abandoned"]["task_status"] == "failed"
    assert by_status["pending"]["schedule_name"] == "hourly-bad" and by_status["pending"]["workflow_name"] == "wf-bad"
    assert len(by_status["failed"]["error"]) == 200
    assert all(r["execution_id"] for r in recent) and body["last_update"] is not None
    instances = {i["instance_id"]: i["running"] for i in body["instances"]}
    assert instances["stale-one"] is False and instances[chime.instance_id] is True


async def test_another_community_sees_none_of_it(client, chime, ops) -> None:
    await _history(chime)
    body = await (await client.get(f"{SITREP}?window=1h", headers=ops(9))).get_json()
    assert body["task_metrics"]["total_tasks"] == 0 and body["recent_tasks"] == []
    assert not [a for a in body["immediate_actions"] if a["kind"] != "no_scheduler"]


async def test_no_finished_runs_means_no_rates(client, ops) -> None:
    body = await (await client.get(SITREP, headers=ops(9))).get_json()
    assert body["window_seconds"] == 86400
    assert body["task_metrics"]["success_rate"] is None
    assert body["coverage_metrics"]["coverage_rate"] is None
    assert body["fire_metrics"]["lateness_ms_p50"] is None and body["fire_metrics"]["lateness_ms_p99"] is None
    assert body["health_status"] == "healthy" and body["immediate_actions"] == [] and body["last_update"] is None


async def test_only_running_tasks_is_still_no_success_rate(client, chime, ops) -> None:
    h = History(chime.dal, await chime.dal.fetchval("SELECT now()"))
    wf = await h.workflow("w")
    await h.run(wf, None, status="running", trigger="manual", ago=timedelta(seconds=5))
    body = await (await client.get(SITREP, headers=ops())).get_json()
    assert body["task_metrics"]["active_tasks"] == 1 and body["task_metrics"]["success_rate"] is None


@pytest.mark.parametrize("window", ["0h", "30s", "8d", "24", "h", "1y", "-1h", "1.5h"])
async def test_bad_windows_are_400(client, ops, window) -> None:
    resp = await client.get(f"{SITREP}?window={window}", headers=ops())
    assert resp.status_code == 400, window
    assert (await resp.get_json())["code"] in ("invalid_window", "invalid_field")


def test_window_units() -> None:
    assert [parse_window(w) for w in ("60s", "15m", "24h", "7d")] == [60, 900, 86400, 604800]
    with pytest.raises(ValidationFailed):
        parse_window("604801s")


async def test_needs_ops_read(client, auth) -> None:
    resp = await client.get(SITREP, headers=auth(C, "schedules:read schedules:write ops:write"))
    assert resp.status_code == 403 and "ops:read" in (await resp.get_json())["error"]


# --- without a running scheduler: overdue fires and no live instance are critical ------------------------------

@pytest.fixture
async def bare_dal(database_url):
    await reset_database(database_url)
    dal = AsyncDAL(database_url, min_size=1, max_size=2)
    await dal.connect()
    try:
        yield dal
    finally:
        await dal.close()


async def test_overdue_fires_and_no_scheduler_are_critical(bare_dal, database_url) -> None:
    from services.auth import Principal

    h = History(bare_dal, await bare_dal.fetchval("SELECT now()"))
    wf = await h.workflow("w")
    await h.schedule(wf, "stuck", due_in=-timedelta(minutes=5))
    service = SitrepService(bare_dal, make_settings(database_url))
    report = await service.report(Principal("u", C, frozenset({"ops:read"})), 3600, 20)
    kinds = {a["kind"]: a for a in report["immediate_actions"]}
    assert set(kinds) == {"no_scheduler", "fires_overdue"}
    assert kinds["fires_overdue"]["severity"] == kinds["no_scheduler"]["severity"] == "critical"
    assert report["fire_metrics"]["fires_overdue"] == 1 and report["fire_metrics"]["fires_due"] == 1
    assert report["coverage_metrics"] == {"coverage_rate": 0.0, "blocks_covered": 0, "blocks_total": 1,
                                          "critical_gaps": 1}
    assert report["health_status"] == "critical" and report["crisis_mode"] is True


async def test_approval_ttl_setting_is_honoured_when_present(bare_dal, database_url) -> None:
    from dataclasses import dataclass

    from services.auth import Principal

    @dataclass
    class WithTtl:
        approval_ttl_seconds: int = 600

    h = History(bare_dal, await bare_dal.fetchval("SELECT now()"))
    wf = await h.workflow("w")
    # 9 minutes into a 10-minute TTL: the margin is a quarter of it (150 s), so it is flagged.
    eid = await h.run(wf, None, status="awaiting_approval", trigger="manual", ago=timedelta(minutes=9),
                      created_ago=timedelta(minutes=9))
    await h.run(wf, None, status="awaiting_approval", trigger="manual", ago=timedelta(minutes=5),
                created_ago=timedelta(minutes=5))
    report = await SitrepService(bare_dal, WithTtl()).report(Principal("u", C, frozenset()), 3600, 5)
    flagged = [a["execution_id"] for a in report["immediate_actions"] if a["kind"] == "approval_expiring"]
    assert flagged == [eid]


# --- the health rules on their own numbers -----------------------------------------------------------------------

def _task(completed: int, failed: int) -> dict:
    return {"completed_tasks": completed, "failed_tasks": failed,
            "success_rate": rules.ratio(completed, completed + failed)}


def _coverage(covered: int, total: int) -> dict:
    return {"coverage_rate": rules.ratio(covered, total), "blocks_total": total}


WARN = rules.item("schedule_failing", "warning", "m", "a")
CRIT = rules.item("no_scheduler", "critical", "m", "a")


@pytest.mark.parametrize(("task", "coverage", "actions", "watch", "expected"), [
    (_task(100, 0), _coverage(100, 100), [], [], "healthy"),
    (_task(0, 0), _coverage(0, 0), [], [], "healthy"),
    (_task(100, 0), _coverage(100, 100), [WARN], [], "degraded"),
    (_task(100, 0), _coverage(100, 100), [], [WARN], "degraded"),
    (_task(100, 0), _coverage(100, 100), [CRIT], [], "critical"),
    (_task(100, 0), _coverage(98, 100), [], [], "degraded"),
    (_task(100, 0), _coverage(89, 100), [], [], "critical"),
    (_task(89, 11), _coverage(100, 100), [], [], "degraded"),
    (_task(49, 51), _coverage(100, 100), [], [], "critical"),
    # Below MIN_SAMPLE the rates say nothing yet: 1 failure of 2 runs is not a crisis.
    (_task(1, 1), _coverage(0, 2), [], [], "healthy"),
])
def test_health_rules(task, coverage, actions, watch, expected) -> None:
    verdict = rules.health(task, coverage, actions, watch)
    assert verdict.status == expected
    assert verdict.crisis_mode == (expected == "critical")
    assert bool(verdict.reasons) == (expected != "healthy")


def test_lateness_rising_rule() -> None:
    assert rules.lateness_rising(2500.0, 40.0, 10, 100)["kind"] == "lateness_rising"
    assert rules.lateness_rising(900.0, 40.0, 10, 100) is None  # under a second
    assert rules.lateness_rising(3000.0, 2000.0, 10, 100) is None  # not doubled
    assert rules.lateness_rising(9e6, 1.0, 2, 100) is None  # too few recent fires
    assert rules.lateness_rising(9e6, 1.0, 10, 12) is None  # too few earlier ones
    assert rules.lateness_rising(None, None, 0, 0) is None


async def test_rising_lateness_is_a_watch_item(client, chime, ops) -> None:
    h = History(chime.dal, await chime.dal.fetchval("SELECT now()"))
    wf = await h.workflow("w")
    sid = await h.schedule(wf, "s")
    for i in range(6):  # 4 h window: the recent part is its last hour
        await h.run(wf, sid, status="completed", ago=timedelta(hours=3, minutes=i), lateness_ms=20)
        await h.run(wf, sid, status="completed", ago=timedelta(minutes=10 + i), lateness_ms=3000)
    body = await (await client.get(f"{SITREP}?window=4h", headers=ops())).get_json()
    assert [w["kind"] for w in body["watch_items"]] == ["lateness_rising"]
    assert body["health_status"] == "degraded"


# --- the database is gone: 503 with the reason ---------------------------------------------------------------------

@pytest.mark.timeout(60)
async def test_database_down_is_503_with_the_reason(database_url, token) -> None:
    from app import create_app

    await reset_database(database_url)
    proxy = PgProxy(database_url)
    await proxy.start()
    application = create_app(make_settings(proxy.dsn, INSTANCE_ID="sitrep-503"))
    test_app = application.test_app()
    await test_app.startup()
    headers = {"Authorization": f"Bearer {token(C, 'ops:read')}"}
    try:
        client = test_app.test_client()
        assert (await client.get(SITREP, headers=headers)).status_code == 200
        await proxy.cut()
        resp = await client.get(SITREP, headers=headers)
        body = await resp.get_json()
        assert resp.status_code == 503, body
        assert body["code"] == "database_unavailable" and "database" in body["error"] and body["request_id"]
        assert resp.headers["Retry-After"] == "5"
        assert "task_metrics" not in body
        await proxy.restore()

        async def answers() -> bool:  # the pool reconnects on the next use
            return (await client.get(SITREP, headers=headers)).status_code == 200

        await wait_for(answers, timeout=20)
    finally:
        await proxy.cut()
        await test_app.shutdown()
