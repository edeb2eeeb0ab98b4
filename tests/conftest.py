"""Real PostgreSQL for every test: embedded by default, or TEST_DATABASE_URL's server.

Also the suite's process and time discipline: the `spawn` fixture owns every service process a test starts
(tests/service_proc.py), and a test that pytest-timeout stops leaves no coroutine behind on the shared loop.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg
import pytest

from config import Settings, load_settings
from services.auth import mint_token
from services.dal import AsyncDAL
from services.migrations import apply_migrations

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-" + "x" * 40
# The default test token: the rights a "schedules:*" token had before workflows:* and executions:* were enforced.
DEFAULT_SCOPE = "schedules:read schedules:write workflows:read workflows:write executions:read executions:write"


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
        # In-process apps stop within a second at teardown instead of draining runs for up to 30 s; draining is
        # tested on a real process (test_sigterm_drains_and_exits_zero).
        "SHUTDOWN_GRACE_SECONDS": "1",
        # Off for the suite (some tests send bursts); tests/test_clients.py switches it on for its own test.
        "RATE_LIMIT_PER_SECOND": "0",
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
        await dal.execute("TRUNCATE workflow_executions, workflow_schedules, workflows, scheduler_instances,"
                          " event_outbox, hub_sessions, hub_links, notification_targets, notification_deliveries,"
                          " audit_events, fixits, fixit_tasks, approval_tokens, approval_attempts, idempotency_keys,"
                          " api_clients, client_auth_failures, events"
                          " CASCADE")
    finally:
        await dal.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def token(settings: Settings) -> Callable[..., str]:
    def make(community: int = 1, scope: str = DEFAULT_SCOPE, **kw) -> str:
        return mint_token(settings, community_id=community, scope=scope, **kw)

    return make


@pytest.fixture
def auth(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def make(community: int = 1, scope: str = DEFAULT_SCOPE) -> dict[str, str]:
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


@pytest.fixture
def spawn(request, tmp_path: Path) -> Iterator:
    """Starts real `python app.py` processes for this test and kills them all (whole process groups) when it ends.

        svc = await spawn.serve("victim", database_url, LEASE_SECONDS="5")   # ready: /readyz answered 200
        svc.url, svc.send_signal(signal.SIGKILL), svc.poll(), svc.log_lines()
        result = spawn.run_cli("cli", [], env={...})                       # runs to completion

    Synchronous on purpose: its teardown must work even when the event loop is stuck or Ctrl-C was pressed.
    When the test failed, the tail of each process's log is printed (shown under "Captured stdout teardown").
    """
    from tests.service_proc import ServiceProcesses

    procs = ServiceProcesses(tmp_path)
    try:
        yield procs
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            for proc in procs.procs:
                print(f"----- {proc.name} (exit {proc.poll()}): {proc.log_path}\n{proc.log_tail()}")
        procs.close()


@pytest.fixture(scope="module")
def spawn_module(tmp_path_factory) -> Iterator:
    """Like `spawn`, for a service shared by a module's tests; killed when the module ends."""
    from tests.service_proc import ServiceProcesses

    procs = ServiceProcesses(tmp_path_factory.mktemp("procs"))
    try:
        yield procs
    finally:
        procs.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _finish_orphaned_tasks(item: pytest.Item, exc: BaseException) -> None:
    """Cancels the coroutine of a test (or async fixture) that pytest-timeout interrupted.

    The signal method raises inside whatever the main thread runs; when that is the event loop's select(), the
    exception leaves run_until_complete() but the test's task stays pending on the session-scoped loop and would
    resume during the next test. Cancelling it runs its `finally`/`async with` exits (stopping its apps), here.
    """
    if "from pytest-timeout" not in str(exc):
        return  # anything else ends the coroutine itself (Ctrl-C: asyncio.Runner cancels the test's task)
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    if loop.is_closed() or loop.is_running():
        return
    codes = {getattr(getattr(item, "function", None), "__code__", None)}
    orphans = []
    for task in asyncio.all_tasks(loop):
        code = getattr(task.get_coro(), "cr_code", None)
        # pytest-asyncio runs async fixtures through its own `setup`/`async_finalizer` coroutines.
        if code in codes or (code is not None and "pytest_asyncio" in code.co_filename):
            orphans.append(task)
    for task in orphans:
        task.cancel()
    if orphans:
        loop.run_until_complete(asyncio.wait(orphans, timeout=30))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    try:
        return (yield)
    except BaseException as exc:
        _finish_orphaned_tasks(item, exc)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    except BaseException as exc:
        _finish_orphaned_tasks(item, exc)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    except BaseException as exc:
        _finish_orphaned_tasks(item, exc)
        raise


def pytest_sessionstart(session: pytest.Session) -> None:
    """Processes left by an earlier pytest of this checkout that was killed outright (see tests/service_proc.py)."""
    from tests.service_proc import kill_orphans_of_dead_runs

    killed = kill_orphans_of_dead_runs()
    if killed:
        print("killed service processes left by an earlier, killed test run: " + "; ".join(killed))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After every fixture is torn down: no app.py process of this pytest may be alive. Fails the run if one was."""
    import sys

    if "tests.service_proc" not in sys.modules:
        return  # no test started a process
    from tests.service_proc import kill_everything

    leftovers = kill_everything()
    if leftovers:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "service processes outlived their tests (killed now): " + "; ".join(leftovers)
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(message, red=True, bold=True)
        else:
            print(message)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
async def sim(database_url: str) -> AsyncIterator:
    """The real services and claim against PostgreSQL, driven by a simulated clock from `tests.sim.T0`."""
    from tests.sim import T0, Sim

    dal = AsyncDAL(database_url, min_size=1, max_size=3)
    await dal.connect()
    await apply_migrations(dal)
    s = Sim(dal, T0)
    await s.reset()
    yield s
    await s.reset()
    await dal.close()
