"""Prometheus metrics: defined once here, recorded by the owners of what they count, served at /metrics.

Recording never queries the database: the claim, the runner, the writer and the outbound client report what
they already know, after their commit where there is one (a rolled-back claim counts nothing). Two gauges are
sampled by a small per-process duty every few seconds (pool in use; live scheduler instances, one cheap query).

Several hypercorn workers report one set through prometheus-client's multiprocess mode: `app.py serve` sets
PROMETHEUS_MULTIPROC_DIR (before any worker imports prometheus_client, which reads it at import) and empties it;
each worker writes its own files there, the worker that answers a scrape sums them, and a worker that stops
marks itself dead so its live gauges leave the sum (counters and histograms keep its counts); the samplers also
mark dead any worker that died without doing so.
"""

from __future__ import annotations

import glob
import os
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # the classic text format every Prometheus scrapes
# 1 ms to 5 min: a fire a millisecond late and one caught up after an outage both land in a bucket.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                   120.0, 300.0)
RUN_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
BATCH_BUCKETS = (0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
FIRST_ATTEMPTS = ("schedule", "catchup")
ENDED = frozenset({"completed", "failed", "timeout", "cancelled", "abandoned", "skipped", "missed", "expired"})

FIRES = Counter("chime_fires", "Fires recorded (execution rows created by a claim or a run-now), by trigger and "
                "status at creation", ["trigger", "status"])
FIRE_LATENESS = Histogram("chime_fire_lateness_seconds", "fired_at - scheduled_for of first attempts "
                          "(trigger schedule or catchup)", buckets=LATENCY_BUCKETS)
CLAIM_BATCH = Histogram("chime_claim_batch_size", "Schedules claimed per claim transaction", buckets=BATCH_BUCKETS)
CLAIM_DURATION = Histogram("chime_claim_duration_seconds", "Duration of one claim transaction",
                           buckets=LATENCY_BUCKETS)
RUNS = Counter("chime_runs", "Runs that ended, by final status (written by the execution writer)", ["status"])
RUN_DURATION = Histogram("chime_run_duration_seconds", "Duration of runs that ended", buckets=RUN_BUCKETS)
QUEUE_WAIT = Histogram("chime_queue_wait_seconds", "started_at - fired_at of runs this process started",
                       buckets=LATENCY_BUCKETS)
OUTBOUND = Counter("chime_outbound_requests", "Outbound HTTP requests (workflow nodes and notifications), by "
                   "client and status class", ["client", "status_class"])
DELIVERIES = Counter("chime_notification_deliveries", "Notification delivery attempts, by channel and result",
                     ["channel", "result"])
POOL_IN_USE = Gauge("chime_db_pool_in_use", "Database connections checked out of the pool",
                    multiprocess_mode="livesum")
POOL_SIZE = Gauge("chime_db_pool_size", "Database connections open in the pool", multiprocess_mode="livesum")
INSTANCES_ALIVE = Gauge("chime_scheduler_instances_alive", "Scheduler instances whose lease is unexpired",
                        multiprocess_mode="livemax")
HTTP_REQUESTS = Counter("chime_http_requests", "HTTP requests by method, route (the URL rule) and status",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("chime_http_request_duration_seconds", "HTTP request latency by method and route",
                         ["method", "route"], buckets=LATENCY_BUCKETS)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render() -> bytes:
    """The exposition: every worker's values when in multiprocess mode, else this process's."""
    flush()
    directory = multiprocess_dir()
    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


def prepare_directory(directory: str) -> None:
    """Empties a multiprocess directory before the workers start: files of an earlier run would be summed in."""
    os.makedirs(directory, exist_ok=True)
    for path in glob.glob(os.path.join(directory, "*.db")):
        os.remove(path)


def process_stopped(pid: int | None = None) -> None:
    """A worker that stops takes its live gauges out of the sum (no-op outside multiprocess mode)."""
    directory = multiprocess_dir()
    if directory is not None:
        multiprocess.mark_process_dead(os.getpid() if pid is None else pid, directory)


def sweep_dead_processes() -> list[int]:
    """Marks dead the processes whose live-gauge files remain in the multiprocess directory (a worker that was
    killed never ran its own after_serving); called by every worker's sampler, so any worker cleans up after
    another. Returns the pids it marked."""
    directory = multiprocess_dir()
    if directory is None:
        return []
    dead = set()
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        pid = path[:-3].rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            dead.add(int(pid))
    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)
    return sorted(dead)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


# --- recording, called by the owners ---------------------------------------------------------------------------

def _observe_many(histogram: Histogram, values: Iterable[float]) -> None:
    """Histogram.observe for a batch: one increment per bucket touched and one of the sum, instead of two per
    value. In multiprocess mode each is a locked write to this worker's file, which cost ~3% of a worker's CPU
    at 1,000 runs/s. Buckets as prometheus-client fills them: the first upper bound >= the value."""
    bounds = histogram._upper_bounds
    counts = [0] * len(bounds)
    total = 0.0
    for value in values:
        counts[bisect_left(bounds, value)] += 1
        total += value
    if not any(counts):
        return
    for bucket, n in zip(histogram._buckets, counts, strict=True):
        if n:
            bucket.inc(n)
    histogram._sum.inc(total)


_queue_waits: list[float] = []


def flush() -> None:
    """Records what this process buffered (queue waits): called by the writer's flush, the sampler and render."""
    if _queue_waits:
        waits = _queue_waits[:]
        _queue_waits.clear()
        _observe_many(QUEUE_WAIT, waits)


def fired(fires: Iterable[tuple[str, str, float]]) -> None:
    """(trigger, status, lateness seconds) of each execution row a committed claim or run-now inserted."""
    counts: dict[tuple[str, str], int] = {}
    lateness: list[float] = []
    for trigger, status, late in fires:
        counts[trigger, status] = counts.get((trigger, status), 0) + 1
        if trigger in FIRST_ATTEMPTS:
            lateness.append(max(late, 0.0))
    _observe_many(FIRE_LATENESS, lateness)
    for (trigger, status), n in counts.items():  # one labelled increment per kind, not per fire (bursts)
        FIRES.labels(trigger, status).inc(n)


def claimed(count: int, seconds: float) -> None:
    CLAIM_BATCH.observe(count)
    CLAIM_DURATION.observe(seconds)


def runs_written(rows: Iterable[Mapping[str, Any]]) -> None:
    """Execution rows the writer committed; only final statuses count."""
    counts: dict[str, int] = {}
    durations: list[float] = []
    for row in rows:
        status = row["status"]
        if status in ENDED:
            counts[status] = counts.get(status, 0) + 1
            if row["duration_ms"] is not None:
                durations.append(row["duration_ms"] / 1000)
    _observe_many(RUN_DURATION, durations)
    for status, n in counts.items():  # one labelled increment per status per batch, not per run
        RUNS.labels(status).inc(n)
    flush()


def queue_wait(seconds: float) -> None:
    """Buffered until the next flush (the writer's, within 50 ms while runs go on)."""
    _queue_waits.append(max(seconds, 0.0))


def status_class(status: int | None) -> str:
    return "error" if status is None else f"{status // 100}xx"


def outbound_hook(client: str) -> Callable[[int | None], None]:
    """What an Outbound calls after each attempt: the HTTP status, or None when no answer came."""

    children: dict[str, Any] = {}  # labels() per attempt cost more than the increment itself

    def observe(status: int | None) -> None:
        key = status_class(status)
        child = children.get(key)
        if child is None:
            child = children[key] = OUTBOUND.labels(client, key)
        child.inc()

    return observe


def delivery(channel: str, result: str) -> None:
    DELIVERIES.labels(channel, result).inc()


def pool(size: int, idle: int) -> None:
    POOL_SIZE.set(size)
    POOL_IN_USE.set(size - idle)


def instances_alive(count: int) -> None:
    INSTANCES_ALIVE.set(count)


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)
