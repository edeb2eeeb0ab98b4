"""Real PostgreSQL for every test: embedded by default, or TEST_DATABASE_URL's server."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg
import pytest

from config import Settings, load_settings
from services.auth import mint_token

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-" + "x" * 40


def with_database(dsn: str, name: str) -> str:
    parts = urlparse(dsn)
    return urlunparse(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def pg_server() -> str:
    """DSN of a server where tests may create databases."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    from services.embedded_pg import start_embedded

    dsn, _server = start_embedded(ROOT / ".data" / "test-pg")
    return dsn


@pytest.fixture(scope="session")
async def make_database(pg_server: str) -> AsyncIterator[Callable]:
    created: list[str] = []

    async def make() -> str:
        name = f"chime_test_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(pg_server)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        created.append(name)
        return with_database(pg_server, name)

    yield make
    conn = await asyncpg.connect(pg_server)
    try:
        for name in created:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database_url(make_database: Callable) -> str:
    """One database shared by the suite; `clean_db` empties it before each test that uses the app."""
    return await make_database()


def make_settings(database_url: str, **overrides: str) -> Settings:
    env = {
        "JWT_SECRET": TEST_SECRET,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "DB_POOL_MIN": "1",
        "DB_POOL_MAX": "5",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.update(overrides)
    return load_settings(env)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator:
    from app import create_app

    await reset_database(settings.database_url)
    application = create_app(settings)
    async with application.test_app() as test_app:
        yield test_app


async def reset_database(dsn: str) -> None:
    """Empty tables before the app (and its scheduler) starts, so no claim races the TRUNCATE."""
    from services.dal import AsyncDAL
    from services.migrations import apply_migrations

    dal = AsyncDAL(dsn, min_size=1, max_size=1)
    await dal.connect()
    try:
        await apply_migrations(dal)
        await dal.execute("TRUNCATE workflow_executions, workflow_schedules, workflows, scheduler_instances CASCADE")
    finally:
        await dal.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def token(settings: Settings) -> Callable[..., str]:
    def make(community: int = 1, scope: str = "schedules:read schedules:write", **kw) -> str:
        return mint_token(settings, community_id=community, scope=scope, **kw)

    return make


@pytest.fixture
def auth(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def make(community: int = 1, scope: str = "schedules:read schedules:write") -> dict[str, str]:
        return {"Authorization": f"Bearer {token(community, scope)}"}

    return make


@pytest.fixture
async def workflow(client, auth) -> dict:
    resp = await client.post("/api/v1/workflows", json={"name": "standup", "definition": {}}, headers=auth())
    assert resp.status_code == 201, await resp.get_data()
    return await resp.get_json()


@pytest.fixture
def chime(app):
    """The process's Services (DAL, scheduler, runner) behind the test app."""
    return app.app.extensions["chime"]


@pytest.fixture(scope="module")
def server():
    """A real loopback HTTP server that records requests (tests/engine_helpers.py)."""
    from tests.engine_helpers import LocalServer

    with LocalServer() as local:
        yield local
