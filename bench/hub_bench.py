"""Hub page times with 10,000 schedules, 1,000,000 executions and 200,000 audit events in one community.

    .venv/bin/python bench/hub_bench.py                       # embedded PostgreSQL under .data/bench-pg
    .venv/bin/python bench/hub_bench.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/hub_bench.py --quick               # 1,000 schedules, 100,000 executions

A fresh database is filled with SQL (10 workflows; schedules of every type, a tenth paused; executions spread
over the schedules, with one "hot" schedule holding a tenth of them; steps for the latest runs; 500 runs awaiting
approval; 200,000 audit events), analysed, and then every hub page is requested through the real app in this
process with a real session. Server time is the app's own `Server-Timing` (request hook to response, templates
included); the target is 200 ms per page. A dry-run fix-it over 7 days is made first, for its plan page.
Nothing fires during the run: every schedule's next fire is weeks away.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import BENCH_SECRET, PgServer, migrate, pcts, render_table, with_database  # noqa: E402

TARGET_MS = 200.0

SEED_SQL = """
INSERT INTO workflows (workflow_id, community_id, name, description, definition, created_by, updated_by)
SELECT gen_random_uuid(), 1, 'workflow ' || w, 'bench workflow',
       '{"nodes": [{"node_id": "t", "type": "trigger_schedule", "name": "t", "config": {}},
                   {"node_id": "d", "type": "action_delay", "name": "wait", "config": {"seconds": 0.01}}],
         "connections": [{"from_node_id": "t", "to_node_id": "d"}]}'::jsonb, 'bench', 'bench'
FROM generate_series(1, 10) w;

INSERT INTO workflow_schedules (schedule_id, workflow_id, community_id, name, schedule_type, cron_expression,
                                interval_seconds, rrule, timezone, anchor_at, status, paused_at, paused_by,
                                next_execution_at, next_due_at, execution_count, created_by, updated_by)
SELECT gen_random_uuid(), (SELECT workflow_id FROM workflows ORDER BY seq OFFSET (i % 10) LIMIT 1), 1,
       'job ' || i,
       (ARRAY['cron', 'interval', 'rrule', 'cron'])[i % 4 + 1],
       CASE WHEN i % 4 IN (0, 3) THEN '0 9 * * 1-5' END,
       CASE WHEN i % 4 = 1 THEN 86400 * 7 END,
       CASE WHEN i % 4 = 2 THEN 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=0;BYSECOND=0' END,
       (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'])[i % 4 + 1],
       now() + interval '30 days',
       CASE WHEN i % 10 = 0 THEN 'paused' ELSE 'active' END,
       CASE WHEN i % 10 = 0 THEN now() END, CASE WHEN i % 10 = 0 THEN 'bench' END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE now() + interval '30 days' + i * interval '1 minute' END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE now() + interval '30 days' + i * interval '1 minute' END,
       0, 'user ' || (i % 7), 'bench'
FROM generate_series(1, $1::int) i;
"""

# Executions: the first tenth belong to the hot schedule (seq 1), the rest are spread over all of them.
EXECUTIONS_SQL = """
INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for, fired_at,
                                 started_at, finished_at, duration_ms, status, trigger, attempt, error, instance_id)
SELECT gen_random_uuid(), s.schedule_id, s.workflow_id, 1,
       date_trunc('second', now()) - g * interval '1 minute',
       date_trunc('second', now()) - g * interval '1 minute' + (g % 40) * interval '1 millisecond',
       date_trunc('second', now()) - g * interval '1 minute' + (g % 40 + 2) * interval '1 millisecond',
       date_trunc('second', now()) - g * interval '1 minute' + (g % 40 + 2 + g % 300) * interval '1 millisecond',
       g % 300 + 2,
       CASE WHEN g % 37 = 0 THEN 'failed' WHEN g % 53 = 0 THEN 'skipped' ELSE 'completed' END,
       'schedule', 1, CASE WHEN g % 37 = 0 THEN 'POST https://router.example/hook: 502' END, 'bench'
FROM generate_series($2::int, $3::int) g
JOIN workflow_schedules s
  ON s.seq = (SELECT min(seq) FROM workflow_schedules)
           + CASE WHEN g <= $1::int / 10 THEN 0 ELSE g % (SELECT count(*) FROM workflow_schedules) END;
"""

LAST_SQL = """
UPDATE workflow_schedules s SET last_execution_id = e.execution_id, last_scheduled_for = e.scheduled_for,
                                last_execution_at = e.fired_at, execution_count = 100
FROM (SELECT DISTINCT ON (schedule_id) schedule_id, execution_id, scheduled_for, fired_at
      FROM workflow_executions ORDER BY schedule_id, seq DESC) e
WHERE e.schedule_id = s.schedule_id;
"""

STEPS_SQL = """
INSERT INTO execution_steps (execution_id, scheduled_for, sequence, node_id, node_type, status, started_at,
                             finished_at, duration_ms, input, output)
SELECT e.execution_id, e.scheduled_for, k, (ARRAY['t', 'd', 'call'])[k],
       (ARRAY['trigger_schedule', 'action_delay', 'action_webhook'])[k],
       'completed', e.started_at + k * interval '3 millisecond', e.started_at + k * interval '5 millisecond', 2,
       '{"url": "https://router.example/hook", "headers": {"Authorization": "***"}}'::jsonb, '{"status": 200}'::jsonb
FROM (SELECT execution_id, scheduled_for, started_at FROM workflow_executions ORDER BY seq DESC LIMIT 20000) e,
     generate_series(1, 3) k;
"""


# Phase 2 pages: runs awaiting approval (the newest 500 first fires of the hot schedule's workflow), and an audit
# trail of 200,000 events over about two days (a few actors and actions; one rare actor).
OPS_SQL = """
UPDATE workflow_executions SET status = 'awaiting_approval', started_at = NULL, finished_at = NULL, duration_ms = NULL,
                               error = NULL
WHERE execution_id IN (SELECT execution_id FROM workflow_executions ORDER BY seq DESC LIMIT 500 OFFSET 5000);

INSERT INTO audit_events (event_id, at, actor, community_id, action, target_type, target_id, changes)
SELECT gen_random_uuid(), now() - ($1::int - g) * interval '1 second',  -- oldest first, as they are written
       CASE WHEN g % 10000 = 0 THEN 'rare auditor' ELSE 'user ' || (g % 7) END, 1,
       (ARRAY['schedule.update', 'schedule.pause', 'schedule.resume', 'schedule.run_now'])[g % 4 + 1], 'schedule',
       (SELECT schedule_id::text FROM workflow_schedules ORDER BY seq LIMIT 1),
       '{"status": ["active", "paused"], "paused_note": [null, "bench"]}'::jsonb
FROM generate_series(1, $1::int) g;
"""
AUDIT_EVENTS = 200_000


async def seed(dsn: str, schedules: int, executions: int) -> dict[str, float]:
    import asyncpg

    timings = {}
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        await conn.execute("SET synchronous_commit = off")
        await conn.execute(SEED_SQL.replace("$1::int", str(int(schedules))))
        timings["schedules_s"] = time.perf_counter() - started
        started = time.perf_counter()
        chunk = 200_000
        for low in range(1, executions + 1, chunk):
            await conn.execute(EXECUTIONS_SQL, executions, low, min(low + chunk - 1, executions))
        timings["executions_s"] = time.perf_counter() - started
        await conn.execute(LAST_SQL)
        await conn.execute(STEPS_SQL)
        started = time.perf_counter()
        await conn.execute(OPS_SQL.replace("$1::int", str(AUDIT_EVENTS if executions >= 1_000_000 else 20_000)))
        timings["ops_s"] = time.perf_counter() - started
        await conn.execute("VACUUM ANALYZE")
        timings["seed_total_s"] = sum(timings.values())
    finally:
        await conn.close()
    return timings


async def measure(dsn: str, repeat: int, only: list[str] | None = None) -> list[dict[str, Any]]:
    from app import create_app
    from config import load_settings
    from services.auth import Principal
    from services.hub.queries import _encode_position

    settings = load_settings({"DATABASE_URL": dsn, "JWT_SECRET": BENCH_SECRET, "LOG_LEVEL": "WARNING",
                              "DB_POOL_MIN": "2", "DB_POOL_MAX": "5"})
    app = create_app(settings)
    rows = []
    async with app.test_app() as test_app:
        chime = app.extensions["chime"]
        client = test_app.test_client()
        principal = Principal("bench", 1, frozenset(
            {"schedules:read", "schedules:write", "workflows:read", "workflows:write", "executions:read",
             "executions:write", "ops:read", "ops:write", "approvals:write"}))
        cookie, session = await chime.hub_sessions.start(principal, "jwt")
        headers = {"Cookie": f"chime_hub={cookie}", "X-CSRF-Token": session.csrf_token}
        dal = chime.dal
        hot = await dal.fetchrow("SELECT schedule_id, workflow_id FROM workflow_schedules ORDER BY seq LIMIT 1")
        plain = await dal.fetchval("SELECT schedule_id FROM workflow_schedules ORDER BY seq"
                                   " OFFSET (SELECT count(*) / 2 + 1 FROM workflow_schedules) LIMIT 1")
        deep = await dal.fetchrow("SELECT next_execution_at, seq FROM workflow_schedules ORDER BY seq DESC"
                                  " OFFSET (SELECT count(*) * 9 / 10 FROM workflow_schedules) LIMIT 1")
        old_run = await dal.fetchval("SELECT seq FROM workflow_executions WHERE schedule_id = $1 ORDER BY seq"
                                     " OFFSET 100 LIMIT 1", hot["schedule_id"])
        run = await dal.fetchval("SELECT execution_id FROM execution_steps ORDER BY execution_id LIMIT 1")
        from services.pagination import encode_cursor

        sid, deep_cursor = hot["schedule_id"], _encode_position(deep["next_execution_at"], deep["seq"])
        # A dry-run fix-it over the last 7 days: every failed run of the window is a candidate (up to 1,000).
        plan = await chime.fixits.create(principal, mode="greedy", max_retries=3, auto_approve=False, dry_run=True,
                                         window="7d", schedule_ids=None, limit=1000)
        deep_audit = await dal.fetchval("SELECT seq FROM audit_events ORDER BY seq OFFSET 100 LIMIT 1")
        htmx = {"HX-Request": "true"}
        pages = [
            ("schedules, first page", "GET", "/hub/schedules", None),
            ("schedules, runs next first", "GET", "/hub/schedules?order=next", None),
            ("schedules, search", "GET", "/hub/schedules?q=job+77", None),
            ("schedules, paused filter", "GET", "/hub/schedules?status=paused", None),
            ("schedules, creator + type", "GET", "/hub/schedules?created_by=user+3&type=rrule", None),
            ("schedules, 90% deep page", "GET", f"/hub/schedules?cursor={deep_cursor}", None),
            ("schedules, htmx results only", "GET", "/hub/schedules?q=job", {**htmx, "HX-Target": "schedule-results"}),
            ("schedule (hot: 1/10 of all runs)", "GET", f"/hub/schedules/{sid}", None),
            ("schedule (typical)", "GET", f"/hub/schedules/{plain}", None),
            ("schedule history, oldest page", "GET", f"/hub/schedules/{sid}/history?cursor={encode_cursor(old_run)}",
             None),
            ("schedule history poll (htmx)", "GET", f"/hub/schedules/{sid}/history", htmx),
            ("new schedule form", "GET", "/hub/schedules/new", None),
            ("edit schedule form", "GET", f"/hub/schedules/{plain}/edit", None),
            ("preview (cron as you type)", "POST", "/hub/preview", None),
            ("run", "GET", f"/hub/runs/{run}", None),
            ("workflows", "GET", "/hub/workflows", None),
            ("workflow (a tenth of the schedules)", "GET", f"/hub/workflows/{hot['workflow_id']}", None),
            ("overview, 24 h (sitrep + lateness chart)", "GET", "/hub/overview", None),
            ("overview, 7 d", "GET", "/hub/overview?window=7d", None),
            ("overview poll (htmx)", "GET", "/hub/overview", htmx),
            ("approvals (500 waiting)", "GET", "/hub/approvals", None),
            ("fix-it form and recent fix-its", "GET", "/hub/fix-it", None),
            (f"fix-it dry-run plan ({len(plan['affected_tasks'])} candidates)", "GET",
             f"/hub/fix-it/{plan['execution_id']}", None),
            ("audit, first page", "GET", "/hub/audit", None),
            ("audit, action filter", "GET", "/hub/audit?action=schedule.pause", None),
            ("audit, rare actor (1 event in 10,000)", "GET", "/hub/audit?actor=rare+auditor", None),
            ("audit, since + until (an hour)", "GET", "/hub/audit?since=" + quote(
                (datetime.now(UTC) - timedelta(hours=3)).isoformat()) + "&until=" + quote(
                (datetime.now(UTC) - timedelta(hours=2)).isoformat()), None),
            ("audit, an old page (cursor)", "GET", f"/hub/audit?cursor={encode_cursor(deep_audit, 'desc')}", None),
        ]
        form = {"schedule_type": "cron", "cron_expression": "0 9 * * 1-5", "timezone": "Europe/Berlin"}
        if only:
            pages = [p for p in pages if any(word in p[0] for word in only)]
        for name, method, path, extra in pages:
            server, total, render = [], [], []
            for i in range(repeat + 3):
                started = time.perf_counter()
                kwargs = {"headers": {**headers, **(extra or {})}}
                if method == "POST":
                    kwargs["form"] = form
                resp = await client.open(path, method=method, **kwargs)
                await resp.get_data()
                elapsed = (time.perf_counter() - started) * 1000
                if resp.status_code != 200:
                    raise RuntimeError(f"{name}: {path} answered {resp.status_code}")
                if i >= 3:  # warm-up: first template compile, connection pool
                    total.append(elapsed)
                    timing = resp.headers["Server-Timing"]
                    server.append(float(re.search(r"app;dur=([0-9.]+)", timing).group(1)))
                    render.append(float(re.search(r"render;dur=([0-9.]+)", timing).group(1)))
            rows.append({"page": name, "server": pcts(server, (50, 95)), "total": pcts(total, (50, 95)),
                         "render": statistics.median(render),
                         "mean": statistics.fmean(server)})
    return rows


async def main_async(args: argparse.Namespace) -> None:
    pg = None
    if args.database_url:
        import asyncpg

        name = f"chime_hub_bench_{os.getpid()}"
        conn = await asyncpg.connect(args.database_url)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        dsn = with_database(args.database_url, name)
    else:
        pg = PgServer(ROOT / ".data" / "bench-pg")
        dsn = await pg.create_database("hub")
    try:
        await migrate(dsn)
        schedules, executions = (1_000, 100_000) if args.quick else (args.schedules, args.executions)
        print(f"seeding {schedules:,} schedules and {executions:,} executions ...", file=sys.stderr, flush=True)
        timings = await seed(dsn, schedules, executions)
        print(f"seeded in {timings['seed_total_s']:.0f} s; measuring {args.repeat} requests per page ...",
              file=sys.stderr, flush=True)
        rows = await measure(dsn, args.repeat, args.only)
    finally:
        if pg is not None:
            await pg.drop_database(dsn)
            pg.stop()
        elif args.database_url:
            import asyncpg

            conn = await asyncpg.connect(args.database_url)
            await conn.execute(f'DROP DATABASE IF EXISTS "chime_hub_bench_{os.getpid()}" WITH (FORCE)')
            await conn.close()
    table = [(r["page"], f"{r['server']['p50']:.1f}", f"{r['server']['p95']:.1f}", f"{r['server']['max']:.1f}",
              f"{r['render']:.1f}", f"{r['total']['p50']:.1f}", "ok" if r["server"]["p95"] <= TARGET_MS else "OVER")
             for r in rows]
    print(f"{schedules:,} schedules, {executions:,} executions in community 1; {args.repeat} requests per page")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(render_table(("page", "server p50 ms", "server p95 ms", "server max ms", "render p50 ms", "in-process p50 ms",
                        f"p95 <= {TARGET_MS:.0f} ms"), table))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL server where a database may be created (default: embedded)")
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="1,000 schedules and 100,000 executions")
    parser.add_argument("--only", action="append", metavar="WORD",
                        help="measure only the pages whose name contains WORD (repeatable), e.g. --only overview")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
