"""Probes, the health document, OpenAPI, request ids and the error format."""

from __future__ import annotations

import time

from quart import Quart

from app import create_app
from tests.conftest import make_settings
from tests.helpers import wait_for
from tests.pgproxy import PgProxy


async def test_liveness_is_fast_and_needs_no_database(client) -> None:
    started = time.perf_counter()
    resp = await client.get("/healthz")
    assert resp.status_code == 200 and (await resp.get_json())["status"] == "ok"
    assert time.perf_counter() - started < 2  # milliseconds normally; the bound only catches a blocked handler
    assert resp.headers["X-Request-ID"]


async def test_readiness_and_health_document(client) -> None:
    resp = await client.get("/readyz")
    assert resp.status_code == 200, await resp.get_json()
    health = await (await client.get("/api/v1/health")).get_json()
    assert health["status"] == "healthy" and health["module"] == "chime"
    assert health["scheduler_running"] is True and health["active_schedules"] == 0
    assert health["version"] and health["uptime_seconds"] >= 0 and health["database_latency_ms"] >= 0


async def test_readyz_503_while_database_unreachable(database_url) -> None:
    proxy = PgProxy(database_url)
    await proxy.start()
    try:
        app: Quart = create_app(make_settings(proxy.dsn))
        async with app.test_app() as test_app:
            client = test_app.test_client()
            assert (await client.get("/readyz")).status_code == 200
            await proxy.cut()
            started = time.perf_counter()
            resp = await client.get("/readyz")
            body = await resp.get_json()
            assert resp.status_code == 503 and "database unreachable within 1 s" in body["reasons"]
            assert time.perf_counter() - started < 5  # the probe gives up after 1 s instead of hanging
            live = await client.get("/healthz")
            assert live.status_code == 200
            await proxy.restore()

            async def ready() -> bool:
                return (await client.get("/readyz")).status_code == 200

            await wait_for(ready, timeout=20)
    finally:
        await proxy.cut()


async def test_request_id_is_echoed_and_errors_are_json(client, auth) -> None:
    resp = await client.get("/api/v1/nothing-here", headers={**auth(), "X-Request-ID": "abc-123"})
    body = await resp.get_json()
    assert resp.status_code == 404 and resp.headers["X-Request-ID"] == "abc-123"
    assert body == {"error": body["error"], "code": "not_found", "request_id": "abc-123"}
    resp = await client.delete("/healthz")
    assert resp.status_code == 405 and (await resp.get_json())["code"] == "method_not_allowed"


async def test_unexpected_error_is_500_without_internals(chime, client, auth) -> None:
    original = chime.schedules.list

    async def broken(*args, **kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    chime.schedules.list = broken
    try:
        resp = await client.get("/api/v1/schedules", headers=auth())
    finally:
        chime.schedules.list = original
    body = await resp.get_json()
    assert resp.status_code == 500 and body["code"] == "internal_error"
    assert "hunter2" not in str(body) and "Traceback" not in str(body)
    assert body["request_id"] == resp.headers["X-Request-ID"]


async def test_openapi_is_generated_from_the_code(client) -> None:
    doc = await (await client.get("/openapi.json")).get_json()
    assert doc["openapi"].startswith("3")
    paths = doc["paths"]
    for path in ("/api/v1/schedules", "/api/v1/schedules/{schedule_id}", "/api/v1/schedules/preview",
                 "/api/v1/workflows", "/api/v1/executions", "/healthz", "/readyz"):
        assert path in paths, path
    create = paths["/api/v1/schedules"]["post"]
    assert "requestBody" in create and "201" in create["responses"]
    assert "ScheduleConfig" in str(doc["components"]["schemas"])
    assert (await client.get("/docs")).status_code == 200


async def test_saturation_is_visible_once_per_episode(database_url, token, caplog) -> None:
    """Runs waiting for a slot longer than SATURATION_WAIT_SECONDS: health says degraded with the queue, and the
    log says so once per episode."""
    import logging

    from app import create_app
    from tests.conftest import make_settings, reset_database
    from tests.helpers import delay_workflow, wait_for

    await reset_database(database_url)
    caplog.set_level(logging.INFO, logger="chime.runner")
    application = create_app(make_settings(database_url, MAX_CONCURRENT_WORKFLOWS="1", SATURATION_WAIT_SECONDS="0.3",
                                           SHUTDOWN_GRACE_SECONDS="0"))
    headers = {"Authorization": f"Bearer {token()}"}
    async with application.test_app() as test_app:
        client = test_app.test_client()
        wf = await (await client.post("/api/v1/workflows", headers=headers,
                                      json={"name": "slow", "definition": delay_workflow(1.5)})).get_json()
        for _ in range(3):
            resp = await client.post(f"/api/v1/workflows/{wf['workflow_id']}/execute", headers=headers, json={})
            assert resp.status_code == 202

        async def degraded() -> dict | None:
            body = await (await client.get("/api/v1/health")).get_json()
            return body if body["status"] == "degraded" else None

        body = await wait_for(degraded, timeout=5)
        assert body["queue_depth"] >= 1 and body["oldest_wait_ms"] > 300 and body["running"] == 3

        async def recovered() -> bool:
            return (await (await client.get("/api/v1/health")).get_json())["status"] == "healthy"

        await wait_for(recovered, timeout=15)
        await wait_for(lambda: _logged(caplog, "recovered"), timeout=5)
    saturated = [r for r in caplog.records if getattr(r, "result", None) == "saturated"]
    assert len(saturated) == 1


async def _logged(caplog, result: str) -> bool:
    return any(getattr(r, "result", None) == result for r in caplog.records)
