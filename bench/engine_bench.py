"""WorkflowEngine micro-benchmarks (loopback only, bounded count and duration).

    .venv/bin/python bench/engine_bench.py [--runs 3000] [--http-runs 3000] [--concurrency 50 10]
                                           [--rounds 5] [--max-seconds 10]

1. A 10-node data_*/condition_if workflow run sequentially N times: runs/s and µs per executed node.
2. Webhook delivery against a minimal keep-alive asyncio HTTP server in its own process on 127.0.0.1, at each
   concurrency: a webhook workflow (trigger -> POST JSON -> condition -> flow_end) through the engine, next to a
   plain aiohttp client POSTing the same body to the same receiver. After a warm-up, each round measures both
   back to back (which goes first alternates); the table shows the median rate of each and the median of the
   per-round ratios engine / plain aiohttp (pairs cancel most of the noise from other processes).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from services.engine import EngineLimits, RunRequest, WorkflowEngine  # noqa: E402

RESPONSE = b'{"ok":true,"n":42}'


# ------------------------------------------------------------------------------------------------ loopback server


async def _serve_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(RESPONSE)).encode() + b"\r\n\r\n" + RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve() -> None:
    server = await asyncio.start_server(_serve_conn, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------------------------------------------- workflows


def _n(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
    return {"node_id": node_id, "type": node_type, "name": node_id, "config": config}


def _c(src: str, dst: str, port: str = "out") -> dict[str, Any]:
    return {"from_node_id": src, "from_port": port, "to_node_id": dst}


DATA_WORKFLOW = {
    "nodes": [
        _n("t", "trigger_manual"),
        _n("v1", "data_variable_set", name="user", value="${context.user}"),
        _n("x1", "data_transform", output={"name": {"$op": "upper", "input": "${variables.user.name}"},
                                           "tags": "${context.tags}"}),
        _n("if1", "condition_if", all=[{"left": "${context.score}", "operator": "ge", "right": 50},
                                       {"left": "${context.tags}", "operator": "contains", "right": "vip"}]),
        _n("hi", "data_transform", output="high ${steps.x1.output.name}"),
        _n("lo", "data_transform", output="low ${steps.x1.output.name}"),
        _n("v2", "data_variable_set", name="label", value="${context.score}-${variables.user.name}"),
        _n("if2", "condition_if", left="${variables.label}", operator="matches_regex", right=r"^\d+-"),
        _n("x2", "data_transform", op="length", input="${context.tags}"),
        _n("end", "flow_end", output={"label": "${variables.label}", "count": "${steps.x2.output}"}),
    ],
    "connections": [
        _c("t", "v1"), _c("v1", "x1"), _c("x1", "if1"), _c("if1", "hi", "true"), _c("if1", "lo", "false"),
        _c("hi", "v2"), _c("lo", "v2"), _c("v2", "if2"), _c("if2", "x2", "true"), _c("x2", "end"),
    ],
}
DATA_CONTEXT = {"user": {"name": "ada", "id": 7}, "tags": ["vip", "beta"], "score": 77}


def webhook_workflow(port: int) -> dict[str, Any]:
    return {
        "nodes": [
            _n("t", "trigger_schedule"),
            _n("w", "action_webhook", method="POST", url=f"http://127.0.0.1:{port}/hook", timeout_seconds=10,
               body={"run": "${execution.n}", "event": "schedule.fired"}),
            _n("if", "condition_if", left="${steps.w.output.body.n}", operator="equals", right=42),
            _n("end", "flow_end", output="${steps.w.output.status}"),
        ],
        "connections": [_c("t", "w"), _c("w", "if"), _c("if", "end", "true")],
    }


# ------------------------------------------------------------------------------------------------------ benches


async def bench_data(runs: int, max_seconds: float) -> dict[str, Any]:
    engine = WorkflowEngine(EngineLimits())
    steps = 0
    for _ in range(50):   # warm-up (template parse cache, imports)
        await engine.execute(RunRequest("warm", "wf", DATA_WORKFLOW, context=DATA_CONTEXT))
    t0 = time.perf_counter()
    done = 0
    while done < runs and time.perf_counter() - t0 < max_seconds:
        r = await engine.execute(RunRequest(f"e{done}", "wf", DATA_WORKFLOW, context=DATA_CONTEXT))
        assert r.status == "completed", r.error
        steps += sum(1 for s in r.steps if s.status == "completed")
        done += 1
    elapsed = time.perf_counter() - t0
    await engine.aclose()
    return {"runs": done, "elapsed": elapsed, "runs_per_s": done / elapsed,
            "us_per_node": elapsed / steps * 1e6, "nodes_per_run": steps / done}


def _latency_stats(latencies: list[float]) -> dict[str, float]:
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [latencies[0]] * 99
    return {"p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000}


async def bench_webhook(port: int, runs: int, concurrency: int, max_seconds: float) -> dict[str, Any]:
    engine = WorkflowEngine(EngineLimits(allowed_hosts=frozenset({"127.0.0.1"})))
    definition = webhook_workflow(port)
    latencies: list[float] = []
    failures = 0
    next_id = 0
    t0 = time.perf_counter()

    async def worker() -> None:
        nonlocal next_id, failures
        while next_id < runs and time.perf_counter() - t0 < max_seconds:
            n = next_id
            next_id += 1
            start = time.perf_counter()
            r = await engine.execute(RunRequest(f"e{n}", "wf", definition, execution={"n": n}))
            latencies.append(time.perf_counter() - start)
            if r.status != "completed" or r.output != 200:
                failures += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    await engine.aclose()
    return {"runs": len(latencies), "elapsed": elapsed, "runs_per_s": len(latencies) / elapsed,
            "failures": failures, **_latency_stats(latencies)}


async def bench_plain_aiohttp(port: int, runs: int, concurrency: int, max_seconds: float) -> dict[str, Any]:
    """The reference: one aiohttp session POSTing the body the webhook node sends, reading each reply."""
    url = f"http://127.0.0.1:{port}/hook"
    headers = {"Content-Type": "application/json"}
    latencies: list[float] = []
    failures = 0
    next_id = 0
    async with aiohttp.ClientSession(trust_env=False) as session:
        t0 = time.perf_counter()

        async def worker() -> None:
            nonlocal next_id, failures
            while next_id < runs and time.perf_counter() - t0 < max_seconds:
                n = next_id
                next_id += 1
                body = b'{"run":%d,"event":"schedule.fired"}' % n
                start = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                latencies.append(time.perf_counter() - start)
                if resp.status != 200:
                    failures += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return {"runs": len(latencies), "elapsed": elapsed, "runs_per_s": len(latencies) / elapsed,
            "failures": failures, **_latency_stats(latencies)}


async def compare_webhooks(port: int, args: argparse.Namespace, concurrency: int) -> dict[str, Any]:
    await bench_plain_aiohttp(port, 300, concurrency, args.max_seconds)    # warm-up: connections, caches
    await bench_webhook(port, 300, concurrency, args.max_seconds)
    plain: list[dict[str, Any]] = []
    hook: list[dict[str, Any]] = []
    for i in range(args.rounds):
        pair = [bench_plain_aiohttp, bench_webhook] if i % 2 == 0 else [bench_webhook, bench_plain_aiohttp]
        for fn in pair:
            (plain if fn is bench_plain_aiohttp else hook).append(
                await fn(port, args.http_runs, concurrency, args.max_seconds))

    def median(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return sorted(rows, key=lambda r: r["runs_per_s"])[len(rows) // 2]

    ratios = sorted(h["runs_per_s"] / p["runs_per_s"] for p, h in zip(plain, hook, strict=True))
    return {"plain": median(plain), "hook": median(hook), "ratio": ratios[len(ratios) // 2],
            "ratio_range": (ratios[0], ratios[-1])}


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "+".join("-" * (w + 2) for w in widths)
    print(line)
    for row in [header, *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if row is header:
            print(line)
    print(line)


async def main(args: argparse.Namespace) -> None:
    data = await bench_data(args.runs, args.max_seconds)
    proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        webhooks = {c: await compare_webhooks(port, args, c) for c in args.concurrency}
    finally:
        proc.terminate()
        proc.wait(timeout=5)

    print(f"Python {sys.version.split()[0]}, {sys.platform}, aiohttp {aiohttp.__version__}, {args.rounds} rounds "
          f"(medians), receiver in its own process")
    print_table(("benchmark", "runs", "seconds", "runs/s", "detail"), [
        ("data/condition workflow (10 nodes, sequential)", f"{data['runs']}", f"{data['elapsed']:.2f}",
         f"{data['runs_per_s']:.0f}",
         f"{data['us_per_node']:.1f} µs per executed node ({data['nodes_per_run']:.0f} of 10 run, 1 skipped)"),
    ])
    rows = []
    for c, w in webhooks.items():
        plain, hook = w["plain"], w["hook"]
        low, high = w["ratio_range"]
        rows.append((f"{c}", f"{plain['runs_per_s']:.0f}", f"{hook['runs_per_s']:.0f}",
                     f"{w['ratio']:.0%} ({low:.0%}-{high:.0%})",
                     f"{plain['p50_ms']:.1f} / {plain['p95_ms']:.1f}", f"{hook['p50_ms']:.1f} / {hook['p95_ms']:.1f}",
                     f"{plain['failures'] + hook['failures']}"))
    print_table(("concurrency", "plain aiohttp POST/s", "engine webhook runs/s", "engine / plain (range)",
                 "plain p50 / p95 ms", "engine p50 / p95 ms", "failures"), rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--http-runs", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[50, 10])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=10.0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    cli = parser.parse_args()
    if cli.serve:
        asyncio.run(_serve())
    else:
        asyncio.run(main(cli))
