"""End-to-end delivery benchmark: fires whose work arrives, measured where the user sees it (a webhook arriving).

    .venv/bin/python bench/delivery_bench.py [--rate 2000] [--duration 60] [--workers 1,2,2+api] [--quick]

For each WORKERS value: a fresh database (embedded PostgreSQL, data in .data/bench-pg) with N = rate interval-1s
schedules (anchors spread evenly over a second) whose one workflow POSTs `${execution.scheduled_for}`,
`${execution.execution_id}` and `${schedule.schedule_id}` to a receiver running in its own process
(bench/receiver.py, a minimal asyncio HTTP server). The service (`python app.py serve`, ALLOWED_HOSTS=127.0.0.1)
runs for `duration` seconds; the first 5 s are warm-up. A run named `2+api` splits the roles: the same
WORKERS=2 process with ROLE=worker, and a ROLE=api process that the API probe talks to. Reported:
- deliveries/s (fires of the measured window that arrived, per second of the window; in brackets the arrivals
  divided by their own time span), delivery lateness p50/p95/p99/max (arrival - scheduled_for), duplicates
  (per execution and per fire), fires without a delivery (by execution status), `started_at - fired_at` p99;
- in the same run, a plain aiohttp client posting to the same receiver at concurrency 50 (the practical limit
  on this machine) for 10 s right before each scenario, and the ratio of the two rates;
- API `GET /schedules/{id}` and `POST /schedules` p50/p99 at 50 requests/s while the load runs;
- RSS of each service process; the whole machine's busy share over the window (tails grow steeply near 100%);
- the capacity the measured CPU per delivery implies (cores / µs of service + PostgreSQL + receiver per delivery)
  and its ratio to the plain client: with the offered rate below capacity, the measured rate cannot show it;
- CPU per delivery (µs) over the measured window, per component: the service processes (the `app.py serve`
  process and its hypercorn worker children), PostgreSQL (every child of the embedded server's postmaster:
  backends, WAL writer, checkpointer, autovacuum) and the receiver; and the plain aiohttp client's own CPU per
  request, so the ratio shows what the service spends per delivery beyond a bare HTTP client. CPU seconds do not
  depend on how busy the machine is, so these compare across runs when wall-clock numbers do not.
Targets (2-core workplace machine): 2,000 deliveries/s (99.5 % of the fires offered) for 60 s with WORKERS=2,
delivery p99 <= 250 ms, 0 skipped, 0 duplicates, >= 50 % of the plain aiohttp rate, API p99 <= 50 ms during the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
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
    free_port,
    migrate,
    mint,
    pcts,
    render_table,
    stop_all,
    with_database,
)

LOG_DIR = RESULTS / "logs"
WARMUP = 5
MB = 1024 * 1024


class Receiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "receiver.py"), str(self.port)])
        for _ in range(200):
            try:
                async with aiohttp.ClientSession() as s, s.get(f"{self.url}/stats") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
        raise RuntimeError("receiver did not start")

    async def get(self, path: str) -> dict:
        async with aiohttp.ClientSession() as s, s.get(f"{self.url}{path}") as r:
            return await r.json()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)


class CpuMeter:
    """CPU seconds (user + system) a set of processes spent between `start()` and `stop()`.

    `pids()` is asked at both ends: a process seen only at the end counts from zero (it started inside the
    window), one gone by the end is lost (its last seconds are not counted: the components here are long-lived)."""

    def __init__(self, pids: Any) -> None:
        self.pids = pids
        self.before: dict[int, float] = {}
        self.seconds = 0.0

    def _sample(self) -> dict[int, float]:
        out = {}
        for pid in self.pids():
            try:
                t = psutil.Process(pid).cpu_times()
                out[pid] = t.user + t.system
            except psutil.Error:
                pass
        return out

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> float:
        after = self._sample()
        self.seconds = sum(v - self.before.get(pid, 0.0) for pid, v in after.items())
        return self.seconds


class MachineMeter:
    """The whole machine's busy share between `start()` and `stop()` (every process and the kernel): how close to
    saturation a run was, which decides its tail latencies."""

    def __init__(self) -> None:
        self.before = psutil.cpu_times()
        self.busy = 0.0

    def start(self) -> None:
        self.before = psutil.cpu_times()

    def stop(self) -> float:
        after = psutil.cpu_times()
        total = sum(after) - sum(self.before)
        idle = (after.idle - self.before.idle) + (getattr(after, "iowait", 0) - getattr(self.before, "iowait", 0))
        self.busy = (total - idle) / total if total > 0 else 0.0
        return self.busy


_DB_COUNTERS_SQL = """
SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
       coalesce(sum(n_tup_ins), 0) AS inserted, coalesce(sum(n_tup_upd), 0) AS updated,
       coalesce(sum(n_tup_hot_upd), 0) AS hot_updated
FROM pg_stat_user_tables
"""


async def db_counters(conn: asyncpg.Connection) -> dict[str, float]:
    """Transactions committed and rows inserted/updated so far in this database (pg_stat, flushed within ~1 s)."""
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    row = await conn.fetchrow(_DB_COUNTERS_SQL)
    return {k: float(row[k] or 0) for k in ("commits", "inserted", "updated", "hot_updated")}


def tree(pid: int | None) -> list[int]:
    """`pid` and all its descendants (the service and its hypercorn workers; the postmaster and its children)."""
    if pid is None:
        return []
    try:
        proc = psutil.Process(pid)
        return [pid, *(c.pid for c in proc.children(recursive=True))]
    except psutil.Error:
        return []


def children(pid: int | None) -> list[int]:
    return tree(pid)[1:]


async def postmaster_pid(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return psutil.Process(await conn.fetchval("SELECT pg_backend_pid()")).ppid()
    finally:
        await conn.close()


async def plain_aiohttp(receiver: Receiver, seconds: float, concurrency: int,
                        cpu: dict[str, float] | None = None) -> float:
    """The reference: the same receiver, a plain aiohttp client at `concurrency`, requests/s. `cpu` receives the
    client's and the receiver's µs CPU per request."""
    await receiver.get("/reset")
    me, rcv = CpuMeter(lambda: [psutil.Process().pid]), CpuMeter(lambda: tree(receiver.proc and receiver.proc.pid))
    sent = 0
    stop = time.perf_counter() + seconds
    body = {"s": datetime.now(UTC).isoformat(), "e": "x", "k": "y"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker() -> None:
            nonlocal sent
            while time.perf_counter() < stop:
                body["e"] = str(uuid.uuid4())
                async with session.post(f"{receiver.url}/d", json=body) as r:
                    await r.read()
                sent += 1

        t0 = time.perf_counter()
        me.start()
        rcv.start()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
        me.stop()
        rcv.stop()
    if cpu is not None and sent:
        cpu.update(client_us=me.seconds / sent * 1e6, receiver_us=rcv.seconds / sent * 1e6)
    await receiver.get("/reset")
    return sent / elapsed


def workflow(receiver: Receiver) -> dict:
    return {"nodes": [{"node_id": "t", "type": "trigger_schedule", "name": "t", "config": {}},
                      {"node_id": "hook", "type": "action_webhook", "name": "deliver",
                       "config": {"url": f"{receiver.url}/d", "method": "POST", "timeout_seconds": 10,
                                  "body": {"s": "${execution.scheduled_for}", "e": "${execution.execution_id}",
                                           "k": "${schedule.schedule_id}"}}}],
            "connections": [{"from_node_id": "t", "to_node_id": "hook"}]}


async def load(conn: asyncpg.Connection, receiver: Receiver, rate: int, start: datetime) -> list[uuid.UUID]:
    wid = uuid.uuid4()
    await conn.execute("INSERT INTO workflows (workflow_id, community_id, name, definition) VALUES ($1, 1, 'd', $2)",
                       wid, json.dumps(workflow(receiver)))
    ids = [uuid.uuid4() for _ in range(rate)]
    step = timedelta(seconds=1) / rate
    records = [(sid, wid, 1, f"d-{i}", "interval", 1, "UTC", start + i * step, "active", start + i * step,
                start + i * step) for i, sid in enumerate(ids)]
    await conn.copy_records_to_table(
        "workflow_schedules", records=records,
        columns=("schedule_id", "workflow_id", "community_id", "name", "schedule_type", "interval_seconds",
                 "timezone", "anchor_at", "status", "next_execution_at", "next_due_at"))
    return ids


async def api_probe(url: str, schedule_ids: list[uuid.UUID], workflow_id: uuid.UUID, seconds: float,
                    per_s: float = 50) -> dict[str, Any]:
    """GET /schedules/{id} and POST /schedules alternately at `per_s` requests/s; latency percentiles (ms)."""
    headers = {"Authorization": f"Bearer {mint()}"}
    got: list[float] = []
    posted: list[float] = []
    errors = 0
    if not per_s:
        return {"get_ms": pcts(got, (50, 99)), "post_ms": pcts(posted, (50, 99)), "requests": 0, "errors": 0}
    async with aiohttp.ClientSession(base_url=url, headers=headers) as s:
        t_end = time.perf_counter() + seconds
        i = 0
        while time.perf_counter() < t_end:
            tick = time.perf_counter()
            t0 = time.perf_counter()
            try:
                if i % 2 == 0:
                    async with s.get(f"/api/v1/schedules/{schedule_ids[i % len(schedule_ids)]}") as r:
                        await r.read()
                        ok = r.status == 200
                    (got if ok else []).append((time.perf_counter() - t0) * 1000)
                else:
                    async with s.post("/api/v1/schedules", json={
                            "workflow_id": str(workflow_id), "name": f"probe-{i}",
                            "schedule_config": {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"}}) as r:
                        await r.read()
                        ok = r.status == 201
                    (posted if ok else []).append((time.perf_counter() - t0) * 1000)
                errors += not ok
            except aiohttp.ClientError:
                errors += 1
            i += 1
            await asyncio.sleep(max(0.0, 1 / per_s - (time.perf_counter() - tick)))
    return {"get_ms": pcts(got, (50, 99)), "post_ms": pcts(posted, (50, 99)), "requests": i, "errors": errors}


def rss_per_process(svc: ServiceProcess) -> list[float]:
    try:
        proc = psutil.Process(svc.proc.pid)
        return [round(p.memory_info().rss / MB, 1) for p in [proc, *proc.children(recursive=True)]]
    except (psutil.NoSuchProcess, AttributeError):
        return []


async def run_one(pg: PgServer, receiver: Receiver, spec: str, rate: int, duration: int,
                  extra_env: dict[str, str], probe_rate: float) -> dict[str, Any]:
    """`spec`: "N" runs one `app.py serve` with WORKERS=N (ROLE=all); "N+api" runs it with ROLE=worker beside a
    second process with ROLE=api that serves the API probe (the roles an operator splits on a real cluster)."""
    workers, split = int(spec.split("+")[0]), spec.endswith("+api")
    dsn = await pg.create_database(f"delivery{workers}{'api' if split else ''}")
    try:
        await migrate(dsn)
        conn = await asyncpg.connect(dsn)
        try:
            roles = {"ROLE": "worker"} if split else {}
            svc = ServiceProcess(dsn, f"delivery-w{workers}", LOG_DIR, WORKERS=str(workers),
                                 ALLOWED_HOSTS="127.0.0.1", DB_POOL_MAX="20", **{**roles, **extra_env})
            svc.start()
            procs = [svc]
            if split:
                procs.append(ServiceProcess(dsn, f"delivery-w{workers}-api", LOG_DIR, ROLE="api",
                                            ALLOWED_HOSTS="127.0.0.1", **extra_env).start())
            print(f"  service pid {svc.proc.pid}", file=sys.stderr, flush=True)  # for py-spy
            try:
                for proc in procs:
                    await proc.wait_ready()
                start = datetime.fromtimestamp(int(time.time()) + 4, UTC)
                ids = await load(conn, receiver, rate, start)
                wid = await conn.fetchval("SELECT workflow_id FROM workflows LIMIT 1")
                await receiver.get("/reset")
                lo, hi = start + timedelta(seconds=WARMUP), start + timedelta(seconds=duration)
                postmaster = await postmaster_pid(dsn)
                meters = {"service": CpuMeter(lambda: [pid for proc in procs for pid in tree(proc.proc.pid)]),
                          "postgres": CpuMeter(lambda: children(postmaster)),
                          "receiver": CpuMeter(lambda: tree(receiver.proc and receiver.proc.pid))}
                machine = MachineMeter()
                await asyncio.sleep(max(0.0, (lo - datetime.now(UTC)).total_seconds()))
                machine.start()
                for m in meters.values():
                    m.start()
                counters_lo = await db_counters(conn)
                probe = asyncio.create_task(api_probe(procs[-1].url, ids, wid, duration - WARMUP - 2, probe_rate))
                await asyncio.sleep((hi - datetime.now(UTC)).total_seconds() / 2)
                rss = [mb for proc in procs for mb in rss_per_process(proc)]
                await probe
                await asyncio.sleep(max(0.0, (hi - datetime.now(UTC)).total_seconds()))
                for m in meters.values():
                    m.stop()
                machine.stop()
                counters_hi = await db_counters(conn)
                await asyncio.sleep(3)  # last arrivals
                got = await receiver.get(f"/stats?from={lo.timestamp()}&to={hi.timestamp()}")
            finally:
                stop_all(procs)
            rows = await conn.fetch(
                "SELECT status, fired_at, started_at FROM workflow_executions"
                " WHERE scheduled_for >= $1 AND scheduled_for < $2 AND trigger <> 'retry'", lo, hi)
        finally:
            await conn.close()
    finally:
        await pg.drop_database(dsn)
    statuses = Counter(r["status"] for r in rows)
    waits = [(r["started_at"] - r["fired_at"]).total_seconds() * 1000 for r in rows if r["started_at"]]
    expected = rate * (duration - WARMUP)
    return {"workers": spec, "rate": rate, "fires_expected": expected, "executions": len(rows),
            "statuses": dict(statuses), "receiver": got, "slot_wait_ms": pcts(waits, (50, 99)), "api": probe.result(),
            "rss_mb": rss, "undelivered": expected - got["distinct_fires"],
            # fires of the window that arrived, per second of the window: the offered rate when all of them did
            # (the receiver's per_s divides by the arrivals' span, which lateness at the window's edges stretches)
            "delivered_per_s": got["distinct_fires"] / (duration - WARMUP),
            # µs of CPU per delivery over the window [lo, hi): deliveries counted by scheduled_for in that window
            "cpu_us_per_delivery": {k: m.seconds / max(1, got["deliveries"]) * 1e6 for k, m in meters.items()},
            "cpu_seconds": {k: round(m.seconds, 2) for k, m in meters.items()},
            "machine_busy": machine.busy,
            # per fire (every execution row of the window, skipped ones too): the fairer figure when saturated
            "cpu_us_per_fire": {k: m.seconds / max(1, len(rows)) * 1e6 for k, m in meters.items()},
            # database work per fire: transactions, rows inserted, row versions written by updates (HOT or not)
            "db_per_fire": {k: (counters_hi[k] - counters_lo[k]) / max(1, len(rows)) for k in counters_lo},
            "service_errors": [line for proc in procs for line in proc.error_lines()][:3]}


def table(results: dict[str, Any]) -> str:
    rows = []
    for r in results["runs"]:
        ref, ref_cpu = r["plain_aiohttp_per_s"], r["plain_aiohttp_cpu"].get("client_us")
        g = r["receiver"]
        late = g["late_ms"]
        rate = r["delivered_per_s"]
        ratio = rate / ref if ref else 0
        per_delivery = r["cpu_us_per_delivery"]
        # deliveries/s the machine's cores would carry at this run's CPU cost per delivery (service + PostgreSQL +
        # receiver): what the plain client's rate compares with when the offered load is below it
        capacity = (psutil.cpu_count() or 1) * 1e6 / max(1.0, sum(per_delivery.values()))
        skipped = r["statuses"].get("skipped", 0)
        dup = g["duplicate_executions"] + g["duplicate_fires"]
        w = r["workers"]
        target = w in ("2", "2+api")
        rows += [
            (f"WORKERS={w}", "deliveries/s (by arrival span)", f"{rate:,.0f} ({g['per_s'] or 0:,.0f})",
             "2,000" if target else "", _ok(rate >= 0.995 * 2000) if target else ""),
            ("", "lateness p50/p95/p99/max ms", "/".join(_ms(late[k]) for k in ("p50", "p95", "p99", "max")),
             "p99 <= 250" if target else "", _ok((late["p99"] or 1e9) <= 250) if target else ""),
            ("", "duplicates", str(dup), "0", _ok(dup == 0)),
            ("", "skipped", str(skipped), "0", _ok(skipped == 0)),
            ("", "fires without delivery (by status)", f"{r['undelivered']} "
             f"({', '.join(f'{k} {v}' for k, v in sorted(r['statuses'].items()))})", "", ""),
            ("", "started_at - fired_at p50/p99/max ms", "/".join(_ms(v) for v in r["slot_wait_ms"].values()), "", ""),
            ("", "vs plain aiohttp (c=50)", f"{ratio:.0%} of {ref:,.0f}/s", ">= 50 %" if target else "",
             _ok(ratio >= 0.5) if target else ""),
            ("", "capacity at this CPU per delivery (cores / µs)", f"{capacity:,.0f}/s = {capacity / ref:.0%} of plain"
             if ref else "-", "", ""),
            ("", "machine CPU busy over the window", f"{r.get('machine_busy', 0):.0%} of {psutil.cpu_count()} cores",
             "", ""),
            ("", "API GET p50/p99/max ms", "/".join(_ms(v) for v in r["api"]["get_ms"].values()),
             "p99 <= 50" if target else "", _ok((r["api"]["get_ms"].get("p99") or 1e9) <= 50) if target else ""),
            ("", "API POST p50/p99/max ms", "/".join(_ms(v) for v in r["api"]["post_ms"].values()),
             "p99 <= 50" if target else "", _ok((r["api"]["post_ms"].get("p99") or 1e9) <= 50) if target else ""),
            ("", "RSS per process MB", ", ".join(str(x) for x in r["rss_mb"]), "", ""),
            ("", "µs CPU per delivery: service/PostgreSQL/receiver",
             "/".join(f"{r['cpu_us_per_delivery'][k]:,.0f}" for k in ("service", "postgres", "receiver")), "", ""),
            ("", "µs CPU per fire (any status): service/PostgreSQL",
             "/".join(f"{r['cpu_us_per_fire'][k]:,.0f}" for k in ("service", "postgres")), "", ""),
            ("", "per fire: commits/rows inserted/updated (HOT)",
             "{commits:.2f}/{inserted:.2f}/{updated:.2f} ({hot_updated:.2f})".format(**r["db_per_fire"]), "", ""),
            ("", "service CPU vs plain aiohttp client", f"{r['cpu_us_per_delivery']['service'] / ref_cpu:.1f}x "
             f"of {ref_cpu:,.0f} µs/request" if ref_cpu else "-", "", ""),
        ]
    return render_table(("run", "metric", "value", "target", "result"), rows)


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}" if v >= 10 else f"{v:.1f}"


def _ok(good: bool) -> str:
    return "ok" if good else "MISSED"


async def main_async(rate: int, duration: int, workers: list[str], extra_env: dict[str, str],
                     probe_rate: float) -> dict[str, Any]:
    receiver = Receiver()
    await receiver.start()
    pg = PgServer(ROOT / ".data" / "bench-pg")
    results: dict[str, Any] = {"postgres": await pg.describe(), "runs": []}
    try:
        results["plain_aiohttp_c10_per_s"] = await plain_aiohttp(receiver, 5, 10)
        for w in workers:
            # The reference is taken again right before each run: on a shared machine it moved by 2x between
            # runs minutes apart (7,900 and 16,600/s, at the same CPU per request), so each run is compared with
            # its own.
            cpu: dict[str, float] = {}
            ref = await plain_aiohttp(receiver, 10, 50, cpu)
            print(f"[{time.strftime('%H:%M:%S')}] WORKERS={w} ...", file=sys.stderr, flush=True)
            run = await run_one(pg, receiver, w, rate, duration, extra_env, probe_rate)
            results["runs"].append({**run, "plain_aiohttp_per_s": ref, "plain_aiohttp_cpu": cpu})
    finally:
        for name in list(pg.created):
            try:
                await pg.drop_database(with_database(pg.dsn, name))
            except Exception:
                pass
        pg.stop()
        receiver.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=2000, help="interval-1s schedules (fires/s)")
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--workers", default="1,2,2+api",
                        help="runs: N = WORKERS=N; N+api = WORKERS=N with ROLE=worker plus a ROLE=api process")
    parser.add_argument("--quick", action="store_true", help="rate 300 for 15 s")
    parser.add_argument("--probe-rate", type=float, default=50,
                        help="API requests/s during the load (0: none, so the CPU figures are the deliveries' alone)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra service setting, e.g. --env EVENT_LOOP=asyncio --env JSON_CODEC=json")
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)
    rate, duration = (300, 15) if args.quick else (args.rate, args.duration)
    started = time.time()
    results = asyncio.run(main_async(rate, duration, args.workers.split(","), extra_env,
                                      args.probe_rate))
    env = environment()
    pg = results["postgres"]
    print(f"Python {env['python']}, {env['cpus']} CPUs; PostgreSQL {pg['server_version']} (embedded, "
          f"fsync={pg['fsync']}); {rate} interval-1s schedules for {duration} s (first {WARMUP} s warm-up)")
    if extra_env:
        print("service settings: " + " ".join(f"{k}={v}" for k, v in extra_env.items()))
    print(table(results))
    for r in results["runs"]:
        for line in r["service_errors"]:
            print(f"- WORKERS={r['workers']}: service logged an error: {line[:200]}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"delivery_bench_{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": vars(args), "environment": env, "results": results}, indent=2, default=str))
    print(f"(JSON: {out.relative_to(ROOT)}; {time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
