"""Situation report benchmark: GET /api/v1/scheduler/sitrep against 10 million stored executions.

    .venv/bin/python bench/sitrep_bench.py [--rows 10000000] [--dsn postgresql://...] [--keep NAME] [--requests 200]

A fresh database (on the server `--dsn` names, else the embedded PostgreSQL in .data/bench-pg) is migrated with
the service's own migrations, then loaded with `INSERT ... SELECT generate_series(...)`: `--rows` executions over
the last 30 days (the default retention), 100 communities, 10 workflows and 1,000 schedules each. Community 1 is
the hot one (a tenth of all rows: 1,000,000, about 33,000 a day); the other 99 share the rest (about 91,000
each). Statuses and triggers have a production-like mix (91 % completed, 4 % failed, 1 % timeout, 1 % abandoned,
1 % skipped, 1 % missed, 1 % cancelled; 85 % schedule, 5 % catchup, 8 % manual, 2 % retry), lateness 0-49 ms
with a slow tail. Secondary indexes are dropped for the load and rebuilt from their own definitions afterwards
(faster than maintaining them row by row), then VACUUM ANALYZE, as autovacuum would leave old rows.

The service runs in its own process (`python app.py serve`) on that database; after 20 warm-up requests,
`--requests` sequential requests (httpx, keep-alive) measure the endpoint end to end: p50 / p99 for the hot
community and a typical one with the default 24 h window, and the hot one with 1 h and 7 d windows.
Target: p99 < 100 ms at 24 h. `--keep NAME` keeps (or reuses) the loaded database under that name.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench._common import (  # noqa: E402
    RESULTS,
    ROOT,
    PgServer,
    ServiceProcess,
    environment,
    migrate,
    mint,
    pcts,
    render_table,
    with_database,
)

COMMUNITIES = 100
WORKFLOWS = 10
SCHEDULES = 1000
DAYS = 30
LOG_DIR = RESULTS / "logs"

# Every row gets a unique instant, newest first: row i is i * (30 days / rows) before now.
LOAD_SQL = f"""
INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for, fired_at,
    started_at, finished_at, duration_ms, status, trigger, error, created_at)
SELECT gen_random_uuid(),
       CASE WHEN g.trig <> 'manual' THEN
           ('00000000-0000-4000-8000-' || lpad(to_hex(g.community * {SCHEDULES} + g.i % {SCHEDULES}), 12, '0'))::uuid
       END,
       ('00000000-0000-4000-9000-' || lpad(to_hex(g.community * {WORKFLOWS} + g.i % {WORKFLOWS}), 12, '0'))::uuid,
       g.community, g.at, g.at + g.late, g.at + g.late, g.at + g.late + interval '20 ms', 20, g.status, g.trig,
       CASE WHEN g.status IN ('failed', 'timeout', 'abandoned') THEN 'node call failed: HTTP 500' END,
       g.at + g.late
FROM (
    SELECT s.i,
           CASE WHEN s.i % 10 = 0 THEN 1 ELSE 2 + s.i % {COMMUNITIES - 1} END AS community,
           $1::timestamptz - s.i * ($2::float8 / $3::bigint) * interval '1 second' AS at,
           CASE WHEN s.i % 997 = 0 THEN interval '8 seconds' ELSE (s.i / 10 % 50) * interval '1 ms' END AS late,
           -- mixes drawn from i / 10, so every community (chosen by i % 10) gets the whole mix
           CASE s.i / 10 % 100 WHEN 1 THEN 'failed' WHEN 2 THEN 'failed' WHEN 3 THEN 'failed' WHEN 4 THEN 'failed'
                          WHEN 5 THEN 'timeout' WHEN 6 THEN 'abandoned' WHEN 7 THEN 'skipped' WHEN 8 THEN 'missed'
                          WHEN 9 THEN 'cancelled' ELSE 'completed' END AS status,
           CASE WHEN s.i / 10 % 97 < 82 THEN 'schedule' WHEN s.i / 10 % 97 < 87 THEN 'catchup'
                WHEN s.i / 10 % 97 < 95 THEN 'manual' ELSE 'retry' END AS trig
    FROM generate_series($4::bigint, $5::bigint) AS s(i)) g
"""


async def load(dsn: str, rows: int) -> dict[str, float]:
    conn = await asyncpg.connect(dsn, command_timeout=None)
    timings: dict[str, float] = {}
    try:
        now = await conn.fetchval("SELECT now()")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        await conn.execute(
            "INSERT INTO workflows (workflow_id, community_id, name)"
            " SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(c * $1 + w), 12, '0'))::uuid, c, 'wf-' || w"
            " FROM generate_series(1, $2) c, generate_series(0, $1 - 1) w", WORKFLOWS, COMMUNITIES)
        await conn.execute(
            "INSERT INTO workflow_schedules (schedule_id, workflow_id, community_id, name, schedule_type,"
            " interval_seconds, status, next_execution_at, next_due_at)"
            " SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(c * $1 + s), 12, '0'))::uuid,"
            "        ('00000000-0000-4000-9000-' || lpad(to_hex(c * $2 + s % $2), 12, '0'))::uuid, c, 's-' || s,"
            "        'interval', 86400, 'active', $4::timestamptz + interval '300 days',"
            "        $4::timestamptz + interval '300 days'"
            " FROM generate_series(1, $3) c, generate_series(0, $1 - 1) s", SCHEDULES, WORKFLOWS, COMMUNITIES, now)
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'workflow_executions'"
            " AND indexname <> 'workflow_executions_pkey'")
        for ix in indexes:
            await conn.execute(f'DROP INDEX "{ix["indexname"]}"')
        started = time.perf_counter()
        # Consistent by construction; the per-row foreign-key checks are skipped for the load only.
        await conn.execute("SET session_replication_role = replica")
        step = 1_000_000
        for first in range(1, rows + 1, step):
            await conn.execute(LOAD_SQL, now, DAYS * 86400.0, rows, first, min(first + step - 1, rows))
            print(f"  loaded {min(first + step - 1, rows):,} rows", file=sys.stderr, flush=True)
        await conn.execute("SET session_replication_role = DEFAULT")
        timings["load_s"] = time.perf_counter() - started
        started = time.perf_counter()
        for ix in indexes:
            await conn.execute(ix["indexdef"])
        timings["indexes_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute("VACUUM ANALYZE workflow_executions")
        await conn.execute("VACUUM ANALYZE workflow_schedules")
        timings["vacuum_s"] = time.perf_counter() - started
    finally:
        await conn.close()
    return timings


def measure(base: str, token: str, query: str, count: int, warmup: int = 20) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    times: list[float] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        body = None
        for n in range(warmup + count):
            started = time.perf_counter()
            resp = client.get(f"/api/v1/scheduler/sitrep{query}", headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if resp.status_code != 200:
                raise RuntimeError(f"sitrep answered {resp.status_code}: {resp.text[:300]}")
            if n >= warmup:
                times.append(elapsed)
            body = resp.json()
    assert body is not None
    return {"ms": pcts(times), "tasks": body["task_metrics"]["total_tasks"],
            "fires_due": body["fire_metrics"]["fires_due"], "health": body["health_status"]}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    pg: PgServer | None = None
    server = args.dsn
    if server is None:
        pg = PgServer(ROOT / ".data" / "bench-pg")
        server = pg.dsn
    results: dict[str, Any] = {}
    name = args.keep or f"chime_bench_sitrep_{int(time.time())}"
    dsn = with_database(server, name)
    try:
        admin = await asyncpg.connect(server)
        try:
            exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            results["postgres"] = {s: await admin.fetchval(f"SHOW {s}") for s in (
                "server_version", "shared_buffers", "work_mem", "fsync")}
            if not exists:
                await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        await migrate(dsn)
        conn = await asyncpg.connect(dsn)
        stored = await conn.fetchval("SELECT count(*) FROM workflow_executions")
        await conn.close()
        if stored == 0:
            print(f"loading {args.rows:,} executions ...", file=sys.stderr, flush=True)
            results["load"] = await load(dsn, args.rows)
        conn = await asyncpg.connect(dsn)
        results["stored"] = await conn.fetchval("SELECT count(*) FROM workflow_executions")
        results["table_mb"] = round(await conn.fetchval(
            "SELECT pg_total_relation_size('workflow_executions')") / 2**20)
        await conn.close()
        # A long retention: the leader's pruner must not delete the oldest loaded rows while we measure.
        svc = ServiceProcess(dsn, "sitrep", LOG_DIR, INSTANCE_ID="sitrep-bench", EXECUTION_RETENTION_DAYS="365")
        svc.start()
        try:
            await svc.wait_ready()
            cases = [("hot community, 24 h", 1, "?window=24h"), ("typical community, 24 h", 42, "?window=24h"),
                     ("hot community, 1 h", 1, "?window=1h"), ("hot community, 7 d", 1, "?window=7d")]
            for label, community, query in cases:
                print(f"measuring {label} ...", file=sys.stderr, flush=True)
                token = mint(community, "ops:read")
                results[label] = await asyncio.to_thread(measure, svc.url, token, query, args.requests)
            results["load_average"] = [round(x, 2) for x in os.getloadavg()]  # a shared machine's other work
        finally:
            svc.stop()
    finally:
        if not args.keep:
            admin = await asyncpg.connect(server)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
        if pg is not None:
            pg.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--dsn", help="PostgreSQL server to create the database on (default: embedded)")
    parser.add_argument("--keep", help="keep (or reuse) the loaded database under this name")
    args = parser.parse_args()
    started = time.time()
    results = asyncio.run(run(args))
    env = environment()
    pg = results["postgres"]
    print(f"Python {env['python']}, {env['cpus']} CPUs, {env['memory_gb']} GB; PostgreSQL {pg['server_version']}"
          f" (shared_buffers={pg['shared_buffers']}, work_mem={pg['work_mem']}); {results['stored']:,} executions"
          f" stored ({results['table_mb']:,} MB with indexes)"
          + (f"; load {results['load']['load_s']:.0f} s, indexes {results['load']['indexes_s']:.0f} s"
             if "load" in results else "")
          + f"; load average {results['load_average'][0]} while measuring")
    rows = []
    for label, r in results.items():
        if isinstance(r, dict) and "ms" in r:
            ok = "ok" if label.endswith("24 h") and r["ms"]["p99"] < 100 else ("MISS" if label.endswith("24 h")
                                                                                  else "-")
            rows.append((label, f"{r['tasks']:,}", f"{r['ms']['p50']:.1f}", f"{r['ms']['p99']:.1f}",
                         "< 100 ms" if label.endswith("24 h") else "-", ok))
    print(render_table(("case", "tasks in window", "p50 ms", "p99 ms", "target p99", "result"), rows))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"sitrep_bench_{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": vars(args), "environment": env, "elapsed_s": time.time() - started,
                               "results": results}, indent=2, default=str))
    print(f"(JSON: {out.relative_to(ROOT)}; {time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
