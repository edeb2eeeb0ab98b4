"""Scheduler benchmarks: the real service (`python app.py serve`, in its own processes) against PostgreSQL.

    .venv/bin/python bench/scheduler_bench.py [--only burst,steady,scale,replicas,kill_sparse,apscheduler] [--quick]

One embedded PostgreSQL (data in .data/bench-pg) is started for the run; every scenario gets a fresh database
(migrated with the service's own migrations, bulk-loaded with COPY, dropped afterwards). Services run with
LOG_LEVEL=WARNING and the default settings unless a scenario says otherwise; their logs go to
bench/results/logs/. Every workflow is `definition: {}`, which completes at once: the claim writes the execution
directly as `completed` (started_at = finished_at = fired_at), so these numbers measure the scheduler (claim and
persist a fire), not the workflow engine (see bench/engine_bench.py).

1. burst     10,000 one_time schedules due in the same whole second T (~6 s after the service is ready).
             Persisted fires/s = N / (first moment all N rows are committed - T), polled every 25 ms; lateness
             percentiles of fired_at - T and started_at - T; duplicates; misses.
2. steady    500 interval schedules (interval 1 s, anchors 2 ms apart = 500 fires/s) for 60 s; lateness over the
             fires scheduled in the window, the first 2 s (warm-up) excluded.
3. scale     1,000,000 stored schedules (spread over the next year) + 1,000 due within the next minute: seconds
             from Popen to /readyz 200, RSS when ready, then p50/p99 of 300 sequential POST /api/v1/schedules and
             300 GET /api/v1/schedules/{id} (httpx, keep-alive, after 20 warm-up requests each).
4. replicas  3 service processes on one database, 1,000 interval-1s schedules (anchors 1 ms apart) for 60 s,
             one process SIGKILLed 20 s in (LEASE_SECONDS=5): duplicates and misses against the expected fire grid.
5. apscheduler  reference: a plain APScheduler 3 AsyncIOScheduler in this process, no database, 10,000 date jobs
             at the same whole second (coroutine job recording time.time(); default misfire_grace_time 1 s).
6. kill_sparse  the replicas kill with ONE interval-1s schedule, the process that claimed its latest fire
             SIGKILLed, repeated with kill times spread over a reconcile period. In `replicas` the survivors wake
             every 10 ms for other schedules; here only the scheduler's sweep for the earliest due fire wakes them,
             which shows that a dead process's next fire is not orphaned.

--quick shrinks sizes and durations about 10x (burst 1,000; steady 6 s; scale 100,000 stored and 100 requests;
replicas 500 schedules for 12 s, kill at 5 s; apscheduler 1,000 jobs) for a smoke run; the targets are meant for
the full sizes. Results are printed as a table and written as JSON to bench/results/ (git-ignored).
Every wait is bounded, and every service process is stopped (SIGTERM, then SIGKILL) in a finally block.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
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
    stop_all,
    with_database,
)
from services.notify import CHANGES as CHANGES_CHANNEL  # noqa: E402 -- payload "<schedule_id> <due epoch>"

SCENARIOS = ("burst", "steady", "scale", "replicas", "kill_sparse", "apscheduler")
EXTRA: tuple[str, ...] = ()  # opt-in scenarios, run only when named in --only
LOG_DIR = RESULTS / "logs"
MB = 1024 * 1024
LEASE_SECONDS = 5  # replicas: the killed process's lease lasts this long after the kill (heartbeat: a fifth of it)
# Its wake-up slots pass to the survivors once its heartbeat is 1.5 heartbeats old and they have read the ring (at
# their sweep, every 0.5 s): at most this long after the kill.
HANDOVER_SECONDS = 1.5 * LEASE_SECONDS / 5 + 0.5

SCHEDULE_COLUMNS = ("schedule_id", "workflow_id", "community_id", "name", "schedule_type", "cron_expression",
                    "interval_seconds", "scheduled_time", "timezone", "anchor_at", "status",
                    "next_execution_at", "next_due_at")


def utcnow() -> datetime:
    return datetime.now(UTC)


def whole_second_after(seconds: float) -> datetime:
    return datetime.fromtimestamp(math.ceil(time.time() + seconds), UTC)


async def sleep_until(when: datetime, *, cap: float) -> None:
    """Sleeps until `when` (at most `cap` seconds)."""
    await asyncio.sleep(max(0.0, min(cap, (when - utcnow()).total_seconds())))


def ms(delta: timedelta) -> float:
    return delta / timedelta(milliseconds=1)


# ------------------------------------------------------------------------------------------------- bulk loading


async def load_workflows(conn: asyncpg.Connection, count: int) -> list[uuid.UUID]:
    """Empty workflows (definition defaults to '{}'), community 1."""
    ids = [uuid.uuid4() for _ in range(count)]
    await conn.copy_records_to_table("workflows", columns=("workflow_id", "community_id", "name"),
                                     records=[(w, 1, f"bench-{i}") for i, w in enumerate(ids)])
    return ids


def schedule_record(workflow_id: uuid.UUID, *, kind: str, nxt: datetime, anchor: datetime, name: str,
                    cron: str | None = None, interval: int | None = None,
                    scheduled_time: datetime | None = None) -> tuple:
    # next_due_at = next_execution_at: jitter 0. overlap_policy 'skip', grace 900 s and context '{}' by default.
    return (uuid.uuid4(), workflow_id, 1, name, kind, cron, interval, scheduled_time, "UTC", anchor, "active",
            nxt, nxt)


async def copy_schedules(conn: asyncpg.Connection, records: list[tuple]) -> None:
    await conn.copy_records_to_table("workflow_schedules", columns=SCHEDULE_COLUMNS, records=records)


async def notify_due(conn: asyncpg.Connection, records: list[tuple]) -> None:
    """What the API's create does at commit: one NOTIFY per schedule with its due instant.

    COPY'd rows send no NOTIFY; without this the service would only see them at its next reconcile (5 s).
    One notification per distinct due instant is enough for the service to add its wake-up.
    """
    seen: dict[float, str] = {}
    for rec in records:
        seen.setdefault(rec[12].timestamp(), str(rec[0]))
    payloads = [f"{sid} {due}" for due, sid in seen.items()]
    await conn.execute("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", CHANGES_CHANNEL, payloads)


def interval_grid(start: datetime, count: int, spacing: timedelta, workflows: list[uuid.UUID],
                  name: str) -> list[tuple]:
    """`count` interval-1s schedules; schedule i is anchored (and first due) at start + i * spacing."""
    records = []
    for i in range(count):
        anchor = start + i * spacing
        records.append(schedule_record(workflows[i % len(workflows)], kind="interval", nxt=anchor, anchor=anchor,
                                       interval=1, name=f"{name}-{i}"))
    return records


async def wait_for_rows(conn: asyncpg.Connection, expected: int, deadline: datetime,
                        interval: float = 0.025) -> tuple[int, datetime | None]:
    """Polls the execution count until it reaches `expected`; returns (count, when it was first seen)."""
    count = 0
    while utcnow() < deadline:
        count = await conn.fetchval("SELECT count(*) FROM workflow_executions")
        if count >= expected:
            return count, utcnow()
        await asyncio.sleep(interval)
    return count, None


@asynccontextmanager
async def scenario_db(pg: PgServer, name: str, workflows: int) -> AsyncIterator[tuple[str, asyncpg.Connection, list]]:
    """A fresh migrated database with `workflows` empty workflows; dropped afterwards."""
    dsn = await pg.create_database(name)
    conn: asyncpg.Connection | None = None
    try:
        await migrate(dsn)
        conn = await asyncpg.connect(dsn)
        yield dsn, conn, await load_workflows(conn, workflows)
    finally:
        if conn is not None:
            await conn.close()
        await pg.drop_database(dsn)


@asynccontextmanager
async def serving(*svcs: ServiceProcess) -> AsyncIterator[float]:
    """Starts the services and yields the seconds until the slowest was ready; always stops them."""
    try:
        for svc in svcs:
            svc.start()
        yield max(await asyncio.gather(*(svc.wait_ready() for svc in svcs)))
    finally:
        stop_all(svcs)


# -------------------------------------------------------------------------------------------------------- burst


async def bench_burst(pg: PgServer, n: int) -> dict[str, Any]:
    async with scenario_db(pg, "burst", 100) as (dsn, conn, workflows):
        svc = ServiceProcess(dsn, "burst", LOG_DIR)
        async with serving(svc) as ready_s:
            T = whole_second_after(6.0)
            created = utcnow()
            records = [schedule_record(workflows[i % len(workflows)], kind="one_time", nxt=T, anchor=created,
                                       scheduled_time=T, name=f"burst-{i}") for i in range(n)]
            t0 = time.perf_counter()
            await copy_schedules(conn, records)
            await notify_due(conn, records)
            load_s = time.perf_counter() - t0
            lead_s = (T - utcnow()).total_seconds()
            if lead_s < 1:
                raise RuntimeError(f"loading {n} schedules took {load_s:.1f} s, too close to T")
            await sleep_until(T - timedelta(seconds=0.2), cap=10)
            count, all_seen = await wait_for_rows(conn, n, T + timedelta(seconds=120))
            await asyncio.sleep(0.5)  # anything beyond N (there should be nothing) gets a chance to show up
            rows = await conn.fetch("SELECT schedule_id, scheduled_for, fired_at, started_at, status, trigger"
                                    " FROM workflow_executions")
            unfired = await conn.fetchval(
                "SELECT count(*) FROM workflow_schedules s WHERE NOT EXISTS"
                " (SELECT 1 FROM workflow_executions e WHERE e.schedule_id = s.schedule_id)")
    fired = [ms(r["fired_at"] - r["scheduled_for"]) for r in rows]
    started = [ms(r["started_at"] - r["scheduled_for"]) for r in rows if r["started_at"] is not None]
    statuses = Counter(r["status"] for r in rows)
    last_fired = max((r["fired_at"] for r in rows), default=None)
    distinct = len({(r["schedule_id"], r["scheduled_for"]) for r in rows})
    commit_s = (all_seen - T).total_seconds() if all_seen else math.nan
    fired_s = (last_fired - T).total_seconds() if last_fired else math.nan
    return {
        "n": n, "T": T.isoformat(), "ready_s": ready_s, "load_s": load_s, "lead_s": lead_s, "rows": len(rows),
        "all_committed_after_s": commit_s, "fires_per_s": n / commit_s if all_seen else 0.0,
        "last_fired_after_s": fired_s, "fires_per_s_by_fired_at": n / fired_s if fired_s > 0 else math.nan,
        "fired_lateness_ms": pcts(fired), "started_lateness_ms": pcts(started),
        "duplicates": len(rows) - distinct, "unfired_schedules": unfired,
        "missed_status": statuses.get("missed", 0), "misses": unfired + statuses.get("missed", 0),
        "statuses": dict(statuses), "triggers": dict(Counter(r["trigger"] for r in rows)),
        "service_errors": svc.error_lines()[:5], "count_seen": count,
        "shutdown_errors": len(svc.error_lines(during_shutdown=True)),
    }


# ------------------------------------------------------------------------------------------------------- steady


async def bench_steady(pg: PgServer, rate: int, duration: int, warmup: int = 2) -> dict[str, Any]:
    async with scenario_db(pg, "steady", 100) as (dsn, conn, workflows):
        svc = ServiceProcess(dsn, "steady", LOG_DIR)
        async with serving(svc) as ready_s:
            S = whole_second_after(3.0)
            records = interval_grid(S, rate, timedelta(seconds=1) / rate, workflows, "steady")
            await copy_schedules(conn, records)
            await notify_due(conn, records)
            window_start = S + timedelta(seconds=warmup)
            window_end = window_start + timedelta(seconds=duration)
            await sleep_until(window_end + timedelta(seconds=2), cap=duration + warmup + 10)
            rows = await conn.fetch(
                "SELECT schedule_id, scheduled_for, fired_at, started_at, status, trigger FROM workflow_executions"
                " WHERE scheduled_for >= $1 AND scheduled_for < $2", window_start, window_end)
            rss = svc.rss_bytes()
    fired = [ms(r["fired_at"] - r["scheduled_for"]) for r in rows]
    started = [ms(r["started_at"] - r["scheduled_for"]) for r in rows if r["started_at"] is not None]
    statuses = Counter(r["status"] for r in rows)
    expected = rate * duration
    distinct = len({(r["schedule_id"], r["scheduled_for"]) for r in rows})
    return {
        "rate": rate, "duration_s": duration, "warmup_s": warmup, "ready_s": ready_s, "expected": expected,
        "rows": len(rows), "achieved_per_s": len(rows) / duration, "missing": expected - distinct,
        "fired_lateness_ms": pcts(fired), "started_lateness_ms": pcts(started),
        "late_over_100ms": sum(1 for x in fired if x > 100), "statuses": dict(statuses),
        "triggers": dict(Counter(r["trigger"] for r in rows)), "rss_mb_end": rss / MB,
        "service_errors": svc.error_lines()[:5], "shutdown_errors": len(svc.error_lines(during_shutdown=True)),
    }


# -------------------------------------------------------------------------------------------------------- scale


def far_future_records(workflows: list[uuid.UUID], count: int, start: int, now: datetime) -> list[tuple]:
    """A third one_time, a third interval (30 days), a third yearly cron; first fires spread over a year."""
    rng = random.Random(start)
    records = []
    year = 365 * 86400
    for i in range(start, start + count):
        wf = workflows[i % len(workflows)]
        when = now + timedelta(seconds=rng.uniform(600, year))
        kind = i % 3
        if kind == 0:
            records.append(schedule_record(wf, kind="one_time", nxt=when, anchor=now, scheduled_time=when,
                                           name=f"far-{i}"))
        elif kind == 1:
            records.append(schedule_record(wf, kind="interval", nxt=when, anchor=when, interval=30 * 86400,
                                           name=f"far-{i}"))
        else:
            when = when.replace(second=0, microsecond=0)
            cron = f"{when.minute} {when.hour} {when.day} {when.month} *"
            records.append(schedule_record(wf, kind="cron", nxt=when, anchor=now, cron=cron, name=f"far-{i}"))
    return records


def timed_requests(base: str, token: str, count: int, warmup: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    create_ms: list[float] = []
    get_ms: list[float] = []
    ids: list[str] = []
    errors = Counter()
    with httpx.Client(base_url=base, headers=headers, timeout=10.0) as client:
        resp = client.post("/api/v1/workflows", json={"name": "scale-bench", "definition": {}})
        resp.raise_for_status()
        workflow_id = resp.json()["workflow_id"]
        body = {"workflow_id": workflow_id, "schedule_config": {
            "schedule_type": "cron", "cron_expression": "0 9 * * 1-5", "timezone": "Europe/Berlin"}}
        for i in range(warmup + count):
            t0 = time.perf_counter()
            resp = client.post("/api/v1/schedules", json=body)
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status_code != 201:
                errors[f"POST {resp.status_code}"] += 1
                continue
            ids.append(resp.json()["schedule_id"])
            if i >= warmup:
                create_ms.append(elapsed)
        for i in range(warmup + count):
            sid = ids[i % len(ids)]
            t0 = time.perf_counter()
            resp = client.get(f"/api/v1/schedules/{sid}")
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                errors[f"GET {resp.status_code}"] += 1
            elif i >= warmup:
                get_ms.append(elapsed)
    return {"create_ms": pcts(create_ms, (50, 95, 99)), "get_ms": pcts(get_ms, (50, 95, 99)),
            "create_n": len(create_ms), "get_n": len(get_ms), "errors": dict(errors)}


async def bench_scale(pg: PgServer, stored: int, near: int, requests: int) -> dict[str, Any]:
    async with scenario_db(pg, "scale", 1000) as (dsn, conn, workflows):
        t0 = time.perf_counter()
        now = utcnow()
        chunk = 100_000
        for start in range(0, stored, chunk):
            await copy_schedules(conn, far_future_records(workflows, min(chunk, stored - start), start, now))
        await conn.execute("ANALYZE")  # what autovacuum would have done on a table this size
        # `near` interval-60s schedules first due over the minute after start-up, so the horizon has work: loaded
        # last, right before Popen, so the start-up refill finds ~30 s of wake-ups (no NOTIFY needed).
        first = whole_second_after(2.0)
        step = timedelta(seconds=60) / near
        near_records = [schedule_record(workflows[i % len(workflows)], kind="interval", nxt=first + i * step,
                                        anchor=first + i * step, interval=60, name=f"near-{i}")
                        for i in range(near)]
        await copy_schedules(conn, near_records)
        load_s = time.perf_counter() - t0
        total = await conn.fetchval("SELECT count(*) FROM workflow_schedules")
        table_mb = await conn.fetchval("SELECT pg_total_relation_size('workflow_schedules')") / MB
        svc = ServiceProcess(dsn, "scale", LOG_DIR)
        async with serving(svc) as ready_s:
            rss_ready = svc.rss_bytes()
            token = mint()
            http = await asyncio.to_thread(timed_requests, svc.url, token, requests, 20)
            rss_after = svc.rss_bytes()
            fired = await conn.fetchval("SELECT count(*) FROM workflow_executions")
    return {"stored": total, "near": near, "load_s": load_s, "table_mb": table_mb, "ready_s": ready_s,
            "rss_mb_ready": rss_ready / MB, "rss_mb_after_requests": rss_after / MB, "requests": requests,
            "fired_during_requests": fired, **http, "service_errors": svc.error_lines()[:5],
            "shutdown_errors": len(svc.error_lines(during_shutdown=True))}


# ----------------------------------------------------------------------------------------------------- replicas


async def bench_replicas(pg: PgServer, schedules: int, duration: int, kill_at: int,
                         processes: int = 3) -> dict[str, Any]:
    async with scenario_db(pg, "replicas", 100) as (dsn, conn, workflows):
        svcs = [ServiceProcess(dsn, f"replica-{i}", LOG_DIR, LEASE_SECONDS=str(LEASE_SECONDS))
                for i in range(processes)]
        victim = svcs[1]
        async with serving(*svcs):
            S = whole_second_after(3.0)
            spacing = timedelta(seconds=1) / schedules
            records = interval_grid(S, schedules, spacing, workflows, "replica")
            await copy_schedules(conn, records)
            await notify_due(conn, records)
            await sleep_until(S + timedelta(seconds=kill_at), cap=kill_at + 10)
            killed_at = utcnow()
            victim.kill()
            end = S + timedelta(seconds=duration)
            await sleep_until(end + timedelta(seconds=1), cap=duration + 10)
            stop_all(svcs)  # nothing moves while we count
            rows = await conn.fetch("SELECT schedule_id, scheduled_for, fired_at, status, trigger, instance_id"
                                    " FROM workflow_executions")
    # Expected: every anchor + k s in [S, end - 2 s], for every schedule.
    last = end - timedelta(seconds=2)
    anchors = {rec[0]: rec[9] for rec in records}
    expected: set[tuple[uuid.UUID, datetime]] = set()
    for sid, anchor in anchors.items():
        k = 0
        while anchor + timedelta(seconds=k) <= last:
            expected.add((sid, anchor + timedelta(seconds=k)))
            k += 1
    in_window = [r for r in rows if S <= r["scheduled_for"] <= last]
    seen = Counter((r["schedule_id"], r["scheduled_for"]) for r in in_window)
    late = [(r["scheduled_for"], ms(r["fired_at"] - r["scheduled_for"])) for r in in_window]
    fired = [x for _, x in late]
    after_kill = [x for t, x in late if t >= killed_at]
    handed_over = killed_at + timedelta(seconds=HANDOVER_SECONDS)
    phases = {"before_kill": [x for t, x in late if t < killed_at],
              "handover": [x for t, x in late if killed_at <= t < handed_over],
              "after_handover": [x for t, x in late if t >= handed_over]}
    missed_status = sum(1 for r in in_window if r["status"] == "missed")
    missing = len(expected - set(seen))
    catchups = [r for r in in_window if r["trigger"] == "catchup"]
    # Gaps: seconds between the kill and each orphaned schedule's next fire (how long it waited for a claimer).
    return {
        "processes": processes, "schedules": schedules, "duration_s": duration, "kill_at_s": kill_at,
        "expected": len(expected), "rows": len(in_window), "rows_total": len(rows),
        "duplicates": sum(c - 1 for c in seen.values()), "missing_instants": missing,
        "missed_status": missed_status, "misses": missing + missed_status,
        "unexpected": len(set(seen) - expected), "catchups": len(catchups),
        "catchup_schedules": len({r["schedule_id"] for r in catchups}),
        "fired_lateness_ms": pcts(fired), "after_kill_lateness_ms": pcts(after_kill),
        "lateness_by_phase_ms": {k: pcts(v) for k, v in phases.items()},
        "late_over_1s": sum(1 for x in fired if x > 1000),
        "by_instance": dict(Counter(r["instance_id"] for r in in_window)),
        "statuses": dict(Counter(r["status"] for r in in_window)),
        "service_errors": [line for s in svcs for line in s.error_lines()[:3]],
        "shutdown_errors": sum(len(s.error_lines(during_shutdown=True)) for s in svcs),
    }


async def kill_sparse_trial(pg: PgServer, kill_offset: float, duration: int = 20,
                            processes: int = 3) -> dict[str, Any]:
    """One interval-1s schedule on 3 processes; SIGKILL the process that claimed its latest fire."""
    async with scenario_db(pg, "sparse", 1) as (dsn, conn, workflows):
        svcs = [ServiceProcess(dsn, f"sparse-{i}", LOG_DIR, LEASE_SECONDS="5") for i in range(processes)]
        async with serving(*svcs):
            S = whole_second_after(3.0)
            records = interval_grid(S, 1, timedelta(seconds=1), workflows, "sparse")
            await copy_schedules(conn, records)
            await notify_due(conn, records)
            await sleep_until(S + timedelta(seconds=kill_offset), cap=kill_offset + 10)
            owner = await conn.fetchval(
                "SELECT instance_id FROM workflow_executions ORDER BY scheduled_for DESC LIMIT 1")
            for svc in svcs:
                if svc.name == owner:
                    svc.kill()
            end = S + timedelta(seconds=duration)
            await sleep_until(end + timedelta(seconds=1), cap=duration + 10)
            stop_all(svcs)
            rows = await conn.fetch("SELECT scheduled_for, fired_at, status, trigger FROM workflow_executions")
    last = end - timedelta(seconds=2)
    expected = {S + timedelta(seconds=k) for k in range(duration - 1) if S + timedelta(seconds=k) <= last}
    window = [r for r in rows if S <= r["scheduled_for"] <= last]
    return {"kill_offset_s": kill_offset, "expected": len(expected),
            "missing": len(expected - {r["scheduled_for"] for r in window}),
            "missed_status": sum(1 for r in window if r["status"] == "missed"),
            "catchups": sum(1 for r in window if r["trigger"] == "catchup"),
            "max_lateness_ms": max((ms(r["fired_at"] - r["scheduled_for"]) for r in window), default=math.nan)}


async def bench_kill_sparse(pg: PgServer, trials: int) -> dict[str, Any]:
    """Like replicas, but sparse: the only wake-ups for the schedule are its owner's. Kill offsets are spread
    over a 5 s reconcile period (the service's RECONCILE_SECONDS default), since the result depends on it."""
    runs = [await kill_sparse_trial(pg, 8.0 + 5.0 * (i + 0.5) / trials) for i in range(trials)]
    misses = [r["missing"] + r["missed_status"] for r in runs]
    return {"trials": trials, "runs": runs, "misses": sum(misses), "trials_with_misses": sum(1 for m in misses if m),
            "expected": sum(r["expected"] for r in runs), "catchups": sum(r["catchups"] for r in runs),
            "max_lateness_ms": max(r["max_lateness_ms"] for r in runs)}


# -------------------------------------------------------------------------------------------------- apscheduler


async def bench_apscheduler(n: int) -> dict[str, Any]:
    from apscheduler.events import EVENT_JOB_MISSED
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    fired: list[float] = []
    missed: list[str] = []

    async def job() -> None:
        fired.append(time.time())

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_listener(lambda event: missed.append(event.job_id), EVENT_JOB_MISSED)
    scheduler.start()
    try:
        T = whole_second_after(5.0)
        t0 = time.perf_counter()
        for i in range(n):
            scheduler.add_job(job, "date", run_date=T, id=f"job-{i}")
        add_s = time.perf_counter() - t0
        if utcnow() > T:
            raise RuntimeError(f"adding {n} jobs took {add_s:.1f} s, past T")
        deadline = T + timedelta(seconds=60)
        while len(fired) + len(missed) < n and utcnow() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
    finally:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)
    lateness = [(t - T.timestamp()) * 1000 for t in fired]
    span = (max(fired) - T.timestamp()) if fired else math.nan
    return {"n": n, "add_s": add_s, "fired": len(fired), "missed": len(missed), "last_fired_after_s": span,
            "fires_per_s": len(fired) / span if fired and span > 0 else math.nan, "lateness_ms": pcts(lateness)}


# ---------------------------------------------------------------------------------------------------- reporting


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def lat(p: dict[str, float], keys: tuple[str, ...] = ("p50", "p95", "p99")) -> str:
    return " / ".join(f"{p[k]:.1f}" for k in keys) + " ms"


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    if b := results.get("burst"):
        n = b["n"]
        rows += [
            (f"burst ({n:,} due at T)", "persisted fires/s (all rows committed)",
             f"{b['fires_per_s']:,.0f} ({b['all_committed_after_s']:.2f} s)", ">= 2,000",
             verdict(b["fires_per_s"] >= 2000)),
            ("", "fires/s by last fired_at", f"{b['fires_per_s_by_fired_at']:,.0f} ({b['last_fired_after_s']:.2f} s)",
             "-", ""),
            ("", "fired_at - T p50/p95/p99", lat(b["fired_lateness_ms"]), "-", ""),
            ("", "started_at - T p50/p95/p99", lat(b["started_lateness_ms"]), "-", ""),
            ("", "duplicates / misses", f"{b['duplicates']} / {b['misses']}", "0 / 0",
             verdict(b["duplicates"] == 0 and b["misses"] == 0)),
        ]
    if s := results.get("steady"):
        rows += [
            (f"steady ({s['rate']}/s for {s['duration_s']} s)", "lateness p50 / p99 (fired_at)",
             f"{s['fired_lateness_ms']['p50']:.1f} / {s['fired_lateness_ms']['p99']:.1f} ms", "p99 <= 100 ms",
             verdict(s["fired_lateness_ms"]["p99"] <= 100)),
            ("", "lateness p95 / max", f"{s['fired_lateness_ms']['p95']:.1f} / {s['fired_lateness_ms']['max']:.1f} ms",
             "-", ""),
            ("", "fires in window / expected", f"{s['rows']:,} / {s['expected']:,} ({s['achieved_per_s']:.0f}/s)",
             "-", ""),
        ]
    if c := results.get("scale"):
        rows += [
            (f"scale ({c['stored']:,} stored)", "Popen -> /readyz 200", f"{c['ready_s']:.2f} s", "<= 3 s",
             verdict(c["ready_s"] <= 3)),
            ("", "RSS when ready", f"{c['rss_mb_ready']:.0f} MB", "<= 200 MB", verdict(c["rss_mb_ready"] <= 200)),
            ("", f"POST /schedules p50 / p99 (n={c['create_n']})",
             f"{c['create_ms']['p50']:.1f} / {c['create_ms']['p99']:.1f} ms", "-", ""),
            ("", f"GET /schedules/{{id}} p50 / p99 (n={c['get_n']})",
             f"{c['get_ms']['p50']:.1f} / {c['get_ms']['p99']:.1f} ms", "-", ""),
        ]
    if r := results.get("replicas"):
        rows += [
            (f"replicas ({r['processes']} procs, 1 SIGKILLed)", "expected fires / rows",
             f"{r['expected']:,} / {r['rows']:,}", "-", ""),
            ("", "duplicates", f"{r['duplicates']}", "0", verdict(r["duplicates"] == 0)),
            ("", "misses (no row + status missed)", f"{r['misses']:,} ({r['missing_instants']:,} + "
             f"{r['missed_status']})", "0", verdict(r["misses"] == 0)),
            ("", "catch-ups (coalesced)", f"{r['catchups']:,} on {r['catchup_schedules']:,} schedules", "-", ""),
            ("", "lateness p50 / p99 / max", lat(r["fired_lateness_ms"], ("p50", "p99", "max")), "-", ""),
        ]
    if k := results.get("kill_sparse"):
        rows += [
            (f"kill_sparse ({k['trials']} x 1 schedule, 3 procs)", "misses / expected fires",
             f"{k['misses']} / {k['expected']} ({k['trials_with_misses']} of {k['trials']} trials)", "0",
             verdict(k["misses"] == 0)),
            ("", "catch-ups / max lateness", f"{k['catchups']} / {k['max_lateness_ms']:.0f} ms", "-", ""),
        ]
    if a := results.get("apscheduler"):
        rows += [
            (f"APScheduler ref ({a['n']:,} jobs, memory)", "add jobs", f"{a['add_s']:.2f} s", "-", ""),
            ("", "fires/s", f"{a['fires_per_s']:,.0f} ({a['last_fired_after_s']:.2f} s)", "-", ""),
            ("", "lateness p50/p95/p99", lat(a["lateness_ms"]), "-", ""),
            ("", "reported missed", f"{a['missed']:,} of {a['n']:,}", "-", ""),
        ]
    return rows


def notes(results: dict[str, Any], quick: bool) -> list[str]:
    out = []
    if quick:
        out.append("--quick: sizes/durations ~10x smaller than the targets assume; PASS/FAIL is indicative only.")
    out.append("All workflows are definition {} (complete at claim time: started_at = fired_at), so this measures "
               "claiming and persisting fires, not running workflows.")
    if b := results.get("burst"):
        out.append(f"burst: persisted fires/s = N / (first 25 ms poll seeing all N rows - T); loaded "
                   f"{b['n']:,} rows via COPY + NOTIFY in {b['load_s']:.2f} s, {b['lead_s']:.1f} s before T "
                   f"(service ready before loading); statuses {b['statuses']}.")
    if s := results.get("steady"):
        out.append(f"steady: window = the {s['duration_s']} s after a {s['warmup_s']} s warm-up; due instants are "
                   f"rounded up to 10 ms wake-ups by the service; {s['late_over_100ms']} fires > 100 ms late; "
                   f"{s['missing']} missing.")
    if c := results.get("scale"):
        out.append(f"scale: {c['stored']:,} rows ({c['table_mb']:.0f} MB with indexes) loaded by COPY + ANALYZE in "
                   f"{c['load_s']:.0f} s; RSS after the requests {c['rss_mb_after_requests']:.0f} MB; "
                   f"{c['fired_during_requests']} fires ran meanwhile; errors {c['errors'] or 'none'}.")
    if r := results.get("replicas"):
        out.append(f"replicas: LEASE_SECONDS={LEASE_SECONDS}, kill at {r['kill_at_s']} s; expected = anchor + k s in "
                   f"[start, end - 2 s]; rows per instance {r['by_instance']}; fires > 1 s late: "
                   f"{r['late_over_1s']}; after the kill p50/p99/max "
                   f"{lat(r['after_kill_lateness_ms'], ('p50', 'p99', 'max'))}; p50/p99/max before the kill, "
                   f"in the {HANDOVER_SECONDS:g} s its slots take to pass to the survivors, after that: "
                   + ", ".join(lat(v, ('p50', 'p99', 'max')) for v in r["lateness_by_phase_ms"].values()) + ".")
    if k := results.get("kill_sparse"):
        out.append("kill_sparse: per trial (kill offset s: misses, max lateness ms) " + ", ".join(
            f"{r['kill_offset_s']:.1f}: {r['missing'] + r['missed_status']}, {r['max_lateness_ms']:.0f}"
            for r in k["runs"]) + ".")
    if results.get("apscheduler"):
        out.append("APScheduler: AsyncIOScheduler, MemoryJobStore, coroutine job, default misfire_grace_time (1 s).")
    for name, res in results.items():
        if isinstance(res, dict) and res.get("service_errors"):
            out.append(f"{name}: service logged errors, e.g. {res['service_errors'][0][:200]}")
        if isinstance(res, dict) and res.get("shutdown_errors"):
            out.append(f"{name}: {res['shutdown_errors']} ERROR line(s) logged during SIGTERM shutdown (not counted "
                       "above; see bench/results/logs/).")
        if isinstance(res, dict) and res.get("error"):
            out.append(f"{name}: FAILED TO RUN: {res['error']}")
    return out


# --------------------------------------------------------------------------------------------------------- main


async def run(only: list[str], quick: bool) -> dict[str, Any]:
    q = 10 if quick else 1
    results: dict[str, Any] = {}
    pg: PgServer | None = None
    try:
        if any(s != "apscheduler" for s in only):
            pg = PgServer(ROOT / ".data" / "bench-pg")
            results["postgres"] = await pg.describe()
        plan = {
            "burst": lambda: bench_burst(pg, 10_000 // q),
            "steady": lambda: bench_steady(pg, 500, 60 // q),
            "scale": lambda: bench_scale(pg, 1_000_000 // q, 1000 // q, 300 // q + (70 if quick else 0)),
            "replicas": lambda: bench_replicas(pg, 1000 // (2 if quick else 1), 12 if quick else 60,
                                               5 if quick else 20),
            "apscheduler": lambda: bench_apscheduler(10_000 // q),
            "kill_sparse": lambda: bench_kill_sparse(pg, 2 if quick else 6),
        }
        for name in (*SCENARIOS, *EXTRA):
            if name not in only:
                continue
            print(f"[{time.strftime('%H:%M:%S')}] {name} ...", file=sys.stderr, flush=True)
            try:
                results[name] = await plan[name]()
            except Exception as exc:  # report and go on with the next scenario
                results[f"{name}_error"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    finally:
        if pg is not None:
            for name in list(pg.created):
                try:
                    await pg.drop_database(with_database(pg.dsn, name))
                except Exception:
                    pass
            pg.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated subset of {','.join(SCENARIOS)} (opt-in: {','.join(EXTRA)})")
    parser.add_argument("--quick", action="store_true", help="~10x smaller sizes and durations (smoke run)")
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SCENARIOS) - set(EXTRA))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    started = time.time()
    results = asyncio.run(run(only, args.quick))
    env = environment()
    pg = results.get("postgres", {})
    print(f"Python {env['python']}, {env['platform']}, {env['cpus']} CPUs, {env['memory_gb']} GB"
          + (f"; PostgreSQL {pg['server_version']} (embedded, fsync={pg['fsync']}, synchronous_commit="
             f"{pg['synchronous_commit']}, shared_buffers={pg['shared_buffers']})" if pg else ""))
    print(render_table(("scenario", "metric", "value", "target", "result"), table_rows(results)))
    for line in notes(results, args.quick):
        print(f"- {line}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"scheduler_bench_{time.strftime('%Y%m%d-%H%M%S')}{'_quick' if args.quick else ''}.json"
    out.write_text(json.dumps({"args": vars(args), "environment": env, "elapsed_s": time.time() - started,
                               "results": results}, indent=2, default=str))
    print(f"(JSON: {out.relative_to(ROOT)}; {time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
