"""Partitions: daily partitions of executions and their steps are created ahead, and dropped past retention.

Runs on the leader. A day's partition is dropped only once every row in it is older than the retention window
(by scheduled_for) and none of them is still pending or running (a long retry chain keeps its fire's instant).
Rows outside the daily partitions live in the default partitions and are pruned row by row by the pruner.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import asyncpg

from services.dal import AsyncDAL
from services.scheduler.duty import DatabaseHealth, Duty

log = logging.getLogger("chime.scheduler")
AHEAD_DAYS = 7
TABLES = ("workflow_executions", "execution_steps")
_DAILY = re.compile(r"^workflow_executions_p(\d{8})$")

_LIST_SQL = """
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'workflow_executions'::regclass
"""


def partition_name(table: str, day: date) -> str:
    return f"{table}_p{day:%Y%m%d}"


async def ensure_partitions(conn: asyncpg.Connection | AsyncDAL, first: date, last: date) -> int:
    """Creates the daily partitions for [first, last] that do not exist yet; returns how many were created."""
    existing = {r["relname"] for r in await conn.fetch(_LIST_SQL)}
    created = 0
    day = first
    while day <= last:
        if partition_name("workflow_executions", day) not in existing:
            lower = datetime.combine(day, time(), UTC)
            for table in TABLES:
                # Names and bounds come from a date, never from input; DDL cannot take parameters.
                await conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {partition_name(table, day)} PARTITION OF {table}"
                    f" FOR VALUES FROM ('{lower.isoformat()}') TO ('{(lower + timedelta(days=1)).isoformat()}')")
            created += 1
        day += timedelta(days=1)
    return created


async def drop_expired(conn: asyncpg.Connection | AsyncDAL, cutoff: datetime) -> list[str]:
    """Drops the daily partitions that end at or before `cutoff` and hold no live run."""
    dropped = []
    for row in await conn.fetch(_LIST_SQL):
        m = _DAILY.match(row["relname"])
        if not m:
            continue
        day = datetime.strptime(m.group(1), "%Y%m%d").replace(tzinfo=UTC)
        if day + timedelta(days=1) > cutoff:
            continue
        live = await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {row['relname']}"
                                   " WHERE status IN ('pending', 'running', 'awaiting_approval'))")
        if live:
            continue
        for table in reversed(TABLES):
            await conn.execute(f"DROP TABLE IF EXISTS {partition_name(table, day.date())}")
        dropped.append(row["relname"])
    return dropped


class Partitions(Duty):
    name = "partitions"

    def __init__(self, dal: AsyncDAL, retention_days: int, health: DatabaseHealth,
                 clock: Callable[[], datetime], interval: float = 3600.0) -> None:
        super().__init__(interval, health)
        self.dal = dal
        self.retention_days = retention_days
        self.clock = clock

    async def run_once(self) -> None:
        now = self.clock()
        today = now.astimezone(UTC).date()
        try:
            created = await ensure_partitions(self.dal, today, today + timedelta(days=AHEAD_DAYS))
        except asyncpg.PostgresError as exc:  # e.g. the default partition already holds rows of that day
            created = 0
            log.error("could not create execution partitions", extra={
                "event_type": "scheduler", "action": "partitions", "result": "error",
                "data": {"error": str(exc)[:300]}})
        dropped = await drop_expired(self.dal, now - timedelta(days=self.retention_days))
        if created or dropped:
            log.info("execution partitions maintained", extra={
                "event_type": "scheduler", "action": "partitions", "result": "ok",
                "data": {"created": created, "dropped": dropped}})
