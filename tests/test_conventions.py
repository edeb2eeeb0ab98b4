"""Conventions: the probe aliases and CORS for listed origins."""

from __future__ import annotations

import pytest

from app import create_app
from config import ConfigError
from tests.conftest import make_settings, reset_database

HUB = "https://hub.example.org"


async def test_health_aliases_answer_like_the_originals(client) -> None:
    for alias, original in (("/health/live", "/healthz"), ("/health/ready", "/readyz"), ("/health", "/api/v1/health")):
        a, b = await client.get(alias), await client.get(original)
        assert a.status_code == b.status_code == 200, alias
        body_a, body_b = await a.get_json(), await b.get_json()
        assert body_a.keys() == body_b.keys() and body_a["status"] == body_b["status"], alias


@pytest.fixture
async def cors_client(database_url):
    await reset_database(database_url)
    app = create_app(make_settings(database_url, CORS_ORIGINS=f"{HUB}, http://localhost:5173/"))
    async with app.test_app() as test_app:
        yield test_app.test_client()


def preflight_headers(origin: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"}


async def test_preflight_from_a_listed_origin(cors_client) -> None:
    for origin in (HUB, "http://localhost:5173"):
        resp = await cors_client.options("/api/v1/schedules", headers=preflight_headers(origin))
        assert resp.status_code == 204
        assert resp.headers["Access-Control-Allow-Origin"] == origin
        assert resp.headers["Access-Control-Allow-Credentials"] == "true"
        assert "POST" in resp.headers["Access-Control-Allow-Methods"]
        allowed = {h.strip().lower() for h in resp.headers["Access-Control-Allow-Headers"].split(",")}
        assert {"authorization", "content-type", "if-match", "idempotency-key"} <= allowed
        assert "Origin" in resp.headers["Vary"]


async def test_preflight_from_an_unlisted_origin_gets_no_cors_headers(cors_client) -> None:
    for origin in ("https://evil.example.com", "https://hub.example.org.evil.com", "null"):
        resp = await cors_client.options("/api/v1/schedules", headers=preflight_headers(origin))
        assert resp.status_code == 204
        assert not [h for h in resp.headers.keys() if h.lower().startswith("access-control-")], origin


async def test_actual_answers_carry_cors_headers_for_listed_origins_only(cors_client, auth) -> None:
    resp = await cors_client.get("/api/v1/schedules", headers={**auth(), "Origin": HUB})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == HUB
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    exposed = {h.strip() for h in resp.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Retry-After", "Idempotent-Replayed"} <= exposed
    # An error answer too, so the page can read it.
    resp = await cors_client.get("/api/v1/schedules", headers={"Origin": HUB})
    assert resp.status_code == 401 and resp.headers["Access-Control-Allow-Origin"] == HUB
    resp = await cors_client.get("/api/v1/schedules", headers={**auth(), "Origin": "https://evil.example.com"})
    assert resp.status_code == 200 and "Access-Control-Allow-Origin" not in resp.headers
    assert "Origin" in resp.headers["Vary"]


async def test_without_cors_origins_no_cors_headers(client) -> None:
    resp = await client.options("/api/v1/schedules", headers=preflight_headers(HUB))
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_cors_origins_must_be_origins(database_url) -> None:
    for bad in ("*", "hub.example.org", "https://hub.example.org/path", "ftp://x"):
        with pytest.raises(ConfigError, match="CORS_ORIGINS"):
            make_settings(database_url, CORS_ORIGINS=bad)
