"""Versioned SQL migrations, applied once even when several replicas start together."""

from __future__ import annotations

import logging
from pathlib import Path

from services.dal import AsyncDAL

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any constant works; it just has to be the same for every Chime process.
MIGRATION_LOCK_KEY = 0x43_68_69_6D_65  # "Chime"
log = logging.getLogger("chime.migrations")


def migration_files() -> list[tuple[str, Path]]:
    files = sorted(MIGRATIONS_DIR.glob("*.sql"))
    return [(f.stem, f) for f in files]


async def apply_migrations(dal: AsyncDAL) -> list[str]:
    """Apply pending migrations in order under an advisory lock; returns the versions applied here."""
    applied: list[str] = []
    async with dal.connection() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, path in migration_files():
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
                applied.append(version)
                log.info("migration applied", extra={"event_type": "database", "action": "migrate", "result": version})
        finally:
            try:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
            except BaseException:
                # The pool does not reset sessions (services.dal): a connection that may still hold the lock
                # must not go back to it.
                conn.terminate()
                raise
    return applied


async def pending_migrations(dal: AsyncDAL) -> list[str]:
    exists = await dal.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    done = {r["version"] for r in await dal.fetch("SELECT version FROM schema_migrations")} if exists else set()
    return [v for v, _ in migration_files() if v not in done]
