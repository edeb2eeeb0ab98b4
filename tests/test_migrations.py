"""Migrations: versioned, recorded, applied once even when instances start together."""

from __future__ import annotations

import asyncio

import asyncpg

from services.dal import AsyncDAL
from services.migrations import apply_migrations, migration_files, pending_migrations


async def test_concurrent_start_applies_each_migration_once(make_database) -> None:
    dsn = await make_database()
    dals = [AsyncDAL(dsn, min_size=1, max_size=2) for _ in range(4)]
    await asyncio.gather(*(d.connect() for d in dals))
    try:
        results = await asyncio.gather(*(apply_migrations(d) for d in dals))
        versions = [v for v, _ in migration_files()]
        applied = [v for r in results for v in r]
        assert sorted(applied) == sorted(versions)  # every migration ran exactly once, in one of the four
        assert await pending_migrations(dals[0]) == []
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
            assert [r["version"] for r in rows] == versions
            kinds = await conn.fetch(
                "SELECT data_type FROM information_schema.columns WHERE table_schema = 'public'"
                " AND (column_name LIKE '%\\_at' OR column_name IN ('scheduled_time', 'scheduled_for'))")
            assert kinds and {k["data_type"] for k in kinds} == {"timestamp with time zone"}
        finally:
            await conn.close()
        assert await apply_migrations(dals[0]) == []  # idempotent
    finally:
        await asyncio.gather(*(d.close() for d in dals))


async def test_two_app_instances_start_concurrently(make_database) -> None:
    from app import create_app
    from tests.conftest import make_settings

    dsn = await make_database()
    apps = [create_app(make_settings(dsn, INSTANCE_ID=f"m{i}")) for i in range(2)]
    contexts = [a.test_app() for a in apps]
    entered = await asyncio.gather(*(c.__aenter__() for c in contexts), return_exceptions=True)
    started = [c for c, e in zip(contexts, entered, strict=True) if not isinstance(e, BaseException)]
    try:
        failed = [e for e in entered if isinstance(e, BaseException)]
        if failed:
            raise failed[0]  # the ones that did start are still stopped below
        for ctx in contexts:
            assert (await ctx.test_client().get("/readyz")).status_code == 200
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(migration_files())
        finally:
            await conn.close()
    finally:
        await asyncio.gather(*(c.__aexit__(None, None, None) for c in started))
