"""Events benchmark: "1,000 events/s accepted with one schedule each".

    .venv/bin/python bench/events_bench.py [--rate 1000] [--duration 30] [--schedules 1000] [--workers 2]
        [--concurrency 50] [--batch 0] [--database-url postgresql://...] [--quick]

A fresh database (embedded PostgreSQL in .data/bench-pg, or a new database on `--database-url`'s server) with
`schedules` event schedules, one per event type `bench.t<i>` (empty workflow, overlap_policy allow, so the
event path and not the engine is measured). The service runs in its own process(es) (`python app.py serve`,
WORKERS as given). A load generator (aiohttp, `concurrency` connections) POSTs `/api/v1/events` at `rate`
events/s for `duration` s (open loop: event i is due at t0 + i / rate, sent as soon as a connection is free),
each event of a type matched by exactly one schedule; 1 % of the requests re-send an earlier event_id (a client
retry), which must start nothing. With `--batch N` the same events go N at a time to `/api/v1/events/batch`.
Reported: accepted events/s, POST latency p50/p99/max (from the due instant and from the send), executions
started, duplicate deliveries answered as duplicates, duplicate executions per (schedule, event) (must be 0),
non-202 answers, RSS. Target: 1,000 events/s accepted, 0 duplicate executions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
import psutil  # noqa: E402

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

LOG_DIR = RESULTS / "logs"
MB = 1024 * 1024
RETRY_EVERY = 100  # every 100th request re-sends an earlier event_id


class ExternalServer:
    """A database per run on a server given by URL (instead of the embedded one)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.created: list[str] = []

    async def create_database(self, prefix: str) -> str:
        name = f"chime_bench_{prefix}_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return with_database(self.dsn, name)

    async def drop_database(self, dsn: str) -> None:
        name = dsn.rsplit("/", 1)[-1]
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def describe(self) -> dict[str, str]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return {s: await conn.fetchval(f"SHOW {s}") for s in ("server_version", "fsync", "synchronous_commit")}
        finally:
            await conn.close()

    def stop(self) -> None:
        pass


async def load(conn: asyncpg.Connection, schedules: int) -> None:
    wid = uuid.uuid4()
    await conn.execute("INSERT INTO workflows (workflow_id, community_id, name, definition) VALUES ($1, 1, 'e', '{}')",
                       wid)
    records = [(uuid.uuid4(), wid, 1, f"ev-{i}", "event", f"bench.t{i}", "UTC", "active", "allow")
               for i in range(schedules)]
    await conn.copy_records_to_table(
        "workflow_schedules", records=records,
        columns=("schedule_id", "workflow_id", "community_id", "name", "schedule_type", "event_type", "timezone",
                 "status", "overlap_policy"))
    await conn.execute("ANALYZE workflow_schedules")


async def generate(url: str, rate: int, duration: float, concurrency: int, schedules: int,
                   batch: int) -> dict[str, Any]:
    """Open-loop load: request k is due at t0 + k * batch / rate; returns latencies and answer counts."""
    headers = {"Authorization": f"Bearer {mint(1, 'events:write')}"}
    total_events = int(rate * duration)
    per_request = max(1, batch)
    requests = total_events // per_request
    from_due: list[float] = []
    from_send: list[float] = []
    statuses: dict[int, int] = {}
    accepted = duplicates = runs = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    sent_ids: list[str] = []

    def body(k: int) -> tuple[str, dict[str, Any]]:
        events = []
        for j in range(per_request):
            n = k * per_request + j
            if n % RETRY_EVERY == RETRY_EVERY - 1 and len(sent_ids) > 10:
                event_id = sent_ids[-10]  # a client retry of an event answered a moment ago
            else:
                event_id = f"b-{n}"
            events.append({"type": f"bench.t{n % schedules}", "event_id": event_id, "payload": {"n": n}})
        if batch:
            return "/api/v1/events/batch", {"events": events}
        return "/api/v1/events", events[0]

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url=url, headers=headers, connector=connector) as session:
        t0 = time.perf_counter() + 0.2

        async def worker() -> None:
            nonlocal accepted, duplicates, runs
            while True:
                k = await queue.get()
                if k < 0:
                    return
                due = t0 + k * per_request / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                path, payload = body(k)
                sent = time.perf_counter()
                try:
                    async with session.post(path, json=payload) as resp:
                        data = await resp.json(content_type=None)
                        status = resp.status
                except aiohttp.ClientError:
                    status, data = 0, None
                done = time.perf_counter()
                statuses[status] = statuses.get(status, 0) + 1
                from_due.append((done - due) * 1000)
                from_send.append((done - sent) * 1000)
                if status == 202:
                    items = data["items"] if batch else [data]
                    accepted += len(items)
                    for item in items:
                        duplicates += item["duplicate"]
                        runs += 0 if item["duplicate"] else len(item["executions"])
                        if not item["duplicate"]:
                            sent_ids.append(item["event_id"])

        for k in range(requests):
            queue.put_nowait(k)
        for _ in range(concurrency):
            queue.put_nowait(-1)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return {"events_sent": requests * per_request, "requests": requests, "elapsed_s": elapsed,
            "accepted": accepted, "accepted_per_s": accepted / elapsed, "duplicates_answered": duplicates,
            "runs_answered": runs, "statuses": statuses, "latency_from_due_ms": pcts(from_due, (50, 99)),
            "latency_from_send_ms": pcts(from_send, (50, 99))}


async def run_one(pg: Any, args: argparse.Namespace, workers: int) -> dict[str, Any]:
    dsn = await pg.create_database(f"events{workers}")
    svc = None
    try:
        await migrate(dsn)
        conn = await asyncpg.connect(dsn)
        try:
            await load(conn, args.schedules)
            # One load generator is one principal: the per-principal rate limit would measure itself, not events.
            svc = ServiceProcess(dsn, f"events-w{workers}", LOG_DIR, WORKERS=str(workers), DB_POOL_MAX="20",
                                 LOG_LEVEL="WARNING", RATE_LIMIT_PER_SECOND="0")
            svc.start()
            await svc.wait_ready()
            rss_before = svc.rss_bytes()
            assert svc.proc is not None
            # The pools' backends exist once the service is ready (DB_POOL_MIN); more may open under load and are
            # counted whole (their CPU is this run's).
            pg_before = {pid: cpu_seconds([pid]) for pid in await backend_pids(conn)}
            svc_cpu, self_cpu, commits_before = cpu_seconds([svc.proc.pid]), time.process_time(), await commits(conn)
            out = await generate(svc.url, args.rate, args.duration, args.concurrency, args.schedules, args.batch)
            n = max(1, out["accepted"])
            pg_cpu = sum(cpu_seconds([pid]) - pg_before.get(pid, 0.0) for pid in await backend_pids(conn))
            out["cpu_ms_per_event"] = {
                "service": (cpu_seconds([svc.proc.pid]) - svc_cpu) * 1000 / n,
                "postgres": pg_cpu * 1000 / n,
                "load_generator": (time.process_time() - self_cpu) * 1000 / n}
            out["events_per_commit"] = out["accepted"] / max(1, await commits(conn) - commits_before)
            out["load_average"] = psutil.getloadavg()[0]
            out["rss_mb"] = round(max(rss_before, svc.rss_bytes()) / MB, 1)
            out["executions"] = await conn.fetchval("SELECT count(*) FROM workflow_executions WHERE trigger = 'event'")
            out["events_stored"] = await conn.fetchval("SELECT count(*) FROM events")
            out["duplicate_executions"] = await conn.fetchval(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM workflow_executions"
                " GROUP BY schedule_id, event->>'event_id') x")
            out["statuses_in_db"] = dict(await conn.fetch(
                "SELECT status, count(*) FROM workflow_executions GROUP BY status"))
            out["service_errors"] = svc.error_lines()[:3]
        finally:
            await conn.close()
    finally:
        if svc is not None:
            stop_all([svc])
        await pg.drop_database(dsn)
    out["workers"] = workers
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the processes and their children (the service's workers, PostgreSQL's backends)."""
    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            for p in [proc, *proc.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


async def backend_pids(conn: asyncpg.Connection) -> list[int]:
    """PostgreSQL backends serving this database (the service's pools); other databases' load is left out."""
    return [r["pid"] for r in await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]


async def commits(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")


def table(args: argparse.Namespace, runs: list[dict[str, Any]]) -> str:
    rows = []
    for r in runs:
        ok = r["accepted_per_s"] >= 1000
        due, send = r["latency_from_due_ms"], r["latency_from_send_ms"]
        rows += [
            (f"WORKERS={r['workers']}", "accepted events/s", f"{r['accepted_per_s']:,.0f}", "1,000",
             "ok" if ok else "MISSED"),
            ("", "POST latency p50/p99/max ms (from send)", "/".join(f"{send[k]:.1f}" for k in ("p50", "p99", "max")),
             "", ""),
            ("", "POST latency p50/p99/max ms (from due)", "/".join(f"{due[k]:.1f}" for k in ("p50", "p99", "max")),
             "", ""),
            ("", "events sent / accepted / stored", f"{r['events_sent']} / {r['accepted']} / {r['events_stored']}",
             "", ""),
            ("", "executions started (answers / rows)", f"{r['runs_answered']} / {r['executions']}", "", ""),
            ("", "client retries answered as duplicates", str(r["duplicates_answered"]), "", ""),
            ("", "duplicate executions per (schedule, event)", str(r["duplicate_executions"]), "0",
             "ok" if r["duplicate_executions"] == 0 else "MISSED"),
            ("", "HTTP statuses", ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items())), "", ""),
            ("", "CPU ms per event: service / PostgreSQL / generator",
             " / ".join(f"{r['cpu_ms_per_event'][k]:.2f}" for k in ("service", "postgres", "load_generator")), "", ""),
            ("", "events per commit (the scheduler's own commits included)", f"{r['events_per_commit']:.1f}", "", ""),
            ("", "load average (1 min) at the end", f"{r['load_average']:.1f}", "", ""),
            ("", "RSS MB (parent + workers)", str(r["rss_mb"]), "", ""),
        ]
    return render_table(("run", "metric", "value", "target", "result"), rows)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    pg: Any = ExternalServer(args.database_url) if args.database_url else PgServer(ROOT / ".data" / "bench-pg")
    results: dict[str, Any] = {"postgres": await pg.describe(), "runs": []}
    try:
        for w in [int(x) for x in args.workers.split(",")]:
            print(f"[{time.strftime('%H:%M:%S')}] WORKERS={w} ...", file=sys.stderr, flush=True)
            results["runs"].append(await run_one(pg, args, w))
    finally:
        pg.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=1000, help="events/s offered")
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--schedules", type=int, default=1000, help="event schedules, one per event type")
    parser.add_argument("--workers", default="2", help="WORKERS values to run, e.g. 1,2")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--batch", type=int, default=0, help="events per POST /api/v1/events/batch (0: single)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use instead of the embedded")
    parser.add_argument("--quick", action="store_true", help="10 s instead of 30 s")
    args = parser.parse_args()
    if args.quick:
        args.duration = 10
    started = time.time()
    results = asyncio.run(main_async(args))
    env = environment()
    pg = results["postgres"]
    print(f"Python {env['python']}, {env['cpus']} CPUs; PostgreSQL {pg['server_version']} (fsync={pg['fsync']});"
          f" {args.schedules} event schedules, {args.rate} events/s offered for {args.duration:g} s,"
          f" concurrency {args.concurrency}, {'batches of ' + str(args.batch) if args.batch else 'one event per POST'}")
    print(table(args, results["runs"]))
    for r in results["runs"]:
        for line in r["service_errors"]:
            print(f"- WORKERS={r['workers']}: service logged an error: {line[:200]}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"events_bench_{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": vars(args), "environment": env, "results": results}, indent=2, default=str))
    print(f"(JSON: {out.relative_to(ROOT)}; {time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
