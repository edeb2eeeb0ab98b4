"""GET /metrics: Prometheus text, no token, counts recorded by their owners; one set across hypercorn workers."""

from __future__ import annotations

import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import make_settings, reset_database
from tests.engine_helpers import chain, node
from tests.helpers import delay_workflow, make_schedule, make_workflow, wait_for


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def total(values: dict, name: str, **labels: str) -> float:
    return sum(v for (n, lab), v in values.items() if n == name and set(labels.items()) <= set(lab))


async def scrape(client) -> dict:
    resp = await client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    return samples((await resp.get_data()).decode())


async def test_metrics_are_public_and_count_at_the_owners(client, auth, chime, server) -> None:
    before = await scrape(client)
    headers = auth()
    wf = await make_workflow(client, headers)
    sid = (await make_schedule(client, headers, wf, {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"}))[
        "schedule_id"]
    assert (await client.post(f"/api/v1/schedules/{sid}/run-now", headers=headers)).status_code == 202
    failing = await make_workflow(client, headers, chain(node("w", "action_webhook", url=f"{server.base}/status/503")))
    run = await client.post(f"/api/v1/workflows/{failing}/execute", headers=headers)
    slow = await make_workflow(client, headers, delay_workflow(0.05))
    await client.post(f"/api/v1/workflows/{slow}/execute", headers=headers)
    eid = uuid.UUID((await run.get_json())["execution_id"])
    await wait_for(lambda: chime.dal.fetchval("SELECT status = 'failed' FROM workflow_executions"
                                              " WHERE execution_id = $1", eid), timeout=10)

    async def counted() -> dict | None:
        after = await scrape(client)
        grew = {
            "manual fire": total(after, "chime_fires_total", trigger="manual", status="completed")
            - total(before, "chime_fires_total", trigger="manual", status="completed"),
            "failed run": total(after, "chime_runs_total", status="failed")
            - total(before, "chime_runs_total", status="failed"),
            "completed run": total(after, "chime_runs_total", status="completed")
            - total(before, "chime_runs_total", status="completed"),
            "5xx": total(after, "chime_outbound_requests_total", client="webhook", status_class="5xx")
            - total(before, "chime_outbound_requests_total", client="webhook", status_class="5xx"),
            "queue wait": total(after, "chime_queue_wait_seconds_count")
            - total(before, "chime_queue_wait_seconds_count"),
        }
        return after if all(v >= 1 for v in grew.values()) else None

    after = await wait_for(counted, timeout=10)
    # Routes are labelled by their URL rule, not the raw path (ids would make a series per object).
    route = "/api/v1/schedules/<uuid:schedule_id>/run-now"
    assert total(after, "chime_http_requests_total", method="POST", route=route, status="202") >= 1
    assert total(after, "chime_http_request_duration_seconds_count", method="POST", route=route) >= 1
    assert not [lab for (n, lab) in after if n == "chime_http_requests_total" and sid in dict(lab)["route"]]
    assert total(after, "chime_http_requests_total", route="(unmatched)") == total(
        before, "chime_http_requests_total", route="(unmatched)")
    await client.get("/nowhere")
    assert total(await scrape(client), "chime_http_requests_total", route="(unmatched)", status="404") >= 1
    # The lateness histogram's buckets run from 1 ms to 5 minutes.
    buckets = {dict(lab)["le"] for (n, lab) in after if n == "chime_fire_lateness_seconds_bucket"}
    assert {"0.001", "300.0", "+Inf"} <= buckets


async def test_gauges_are_sampled(client, chime) -> None:
    from services.scheduler.sampler import MetricsSampler

    await MetricsSampler(chime.dal, chime.runtime.health).run_once()
    values = await scrape(client)
    assert total(values, "chime_scheduler_instances_alive") >= 1
    assert total(values, "chime_db_pool_size") >= 1


async def test_metrics_off(database_url) -> None:
    from app import create_app

    await reset_database(database_url)
    app = create_app(make_settings(database_url, METRICS="false"))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        assert (await client.get("/metrics")).status_code == 404
        doc = await (await client.get("/openapi.json")).get_json()
        assert "/metrics" not in doc["paths"]


async def test_metrics_documented_as_public(client) -> None:
    doc = await (await client.get("/openapi.json")).get_json()
    op = doc["paths"]["/metrics"]["get"]
    assert op["security"] == [] and "text/plain" in op["responses"]["200"]["content"]


@pytest.mark.timeout(150)
async def test_two_workers_report_one_set_of_fires(make_database, spawn, token) -> None:
    dsn = await make_database()
    await reset_database(dsn)
    # INSTANCE_ID empty: each worker is its own instance (hostname-pid), with its own lease and claims.
    svc = await spawn.serve("metrics2", dsn, WORKERS="2", INSTANCE_ID="")
    headers = {"Authorization": f"Bearer {token(1)}"}
    async with httpx.AsyncClient(base_url=svc.url, timeout=10) as client:
        wf = (await client.post("/api/v1/workflows", headers=headers, json={"name": "empty"})).json()
        for _ in range(120):  # anchors spread over the creation time: many distinct due instants to race for
            resp = await client.post("/api/v1/schedules", headers=headers, json={
                "workflow_id": wf["workflow_id"],
                "schedule_config": {"schedule_type": "interval", "interval_seconds": 1, "max_executions": 4}})
            assert resp.status_code == 201, resp.text
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        async def done() -> bool:
            return await conn.fetchval("SELECT count(*) FROM workflow_schedules WHERE status = 'completed'") == 120

        await wait_for(done, timeout=60)
        by_instance = {r["instance_id"]: r["n"] for r in await conn.fetch(
            "SELECT instance_id, count(*) AS n FROM workflow_executions GROUP BY instance_id")}
        fires = sum(by_instance.values())
    finally:
        await conn.close()
    assert fires == 480
    assert len(by_instance) == 2, f"both workers should have fired: {by_instance}"

    async def every_scrape_shows_all() -> bool:
        # A new connection each time, so either worker may answer; each must report both workers' fires.
        async with httpx.AsyncClient(base_url=svc.url, timeout=10) as fresh:
            text = (await fresh.get("/metrics")).text
        return total(samples(text), "chime_fires_total", trigger="schedule") + total(
            samples(text), "chime_fires_total", trigger="catchup") == fires

    await wait_for(every_scrape_shows_all, timeout=10)
    for _ in range(6):
        assert await every_scrape_shows_all()


def test_dead_workers_leave_the_live_gauges(tmp_path, monkeypatch) -> None:
    import os
    import subprocess
    import sys

    from services import metrics

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    for pid in (dead_pid, os.getpid()):
        (tmp_path / f"gauge_livesum_{pid}.db").write_bytes(b"")
        (tmp_path / f"counter_{pid}.db").write_bytes(b"")
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path))
    assert metrics.sweep_dead_processes() == [dead_pid]
    left = sorted(p.name for p in tmp_path.iterdir())
    # The dead worker's live gauge is gone; its counter stays (its counts still count); the living keep theirs.
    assert left == sorted([f"counter_{dead_pid}.db", f"counter_{os.getpid()}.db", f"gauge_livesum_{os.getpid()}.db"])


def test_batched_observations_equal_one_by_one() -> None:
    """A batch lands in exactly the buckets, count and sum that one observe() per value gives."""
    from prometheus_client import CollectorRegistry, Histogram, generate_latest

    from services.metrics import LATENCY_BUCKETS, _observe_many

    values = [0.0, 0.001, 0.0010001, 0.004, 0.25, 0.2500001, 7.0, 299.9, 300.0, 1e9]
    one, many = CollectorRegistry(), CollectorRegistry()
    by_one = Histogram("chime_test_by_one", "t", buckets=LATENCY_BUCKETS, registry=one)
    by_many = Histogram("chime_test_by_many", "t", buckets=LATENCY_BUCKETS, registry=many)  # own file entries
    for v in values:
        by_one.observe(v)
    _observe_many(by_many, values)
    _observe_many(by_many, [])  # an empty batch writes nothing
    got = {(n.replace("by_many", "by_one"), lab): v for (n, lab), v in samples(generate_latest(many).decode()).items()
           if not n.endswith("_created")}
    assert got == {k: v for k, v in samples(generate_latest(one).decode()).items() if not k[0].endswith("_created")}
    assert got[("chime_test_by_one_bucket", (("le", "0.001"),))] == 2 and got[("chime_test_by_one_count", ())] == 10
