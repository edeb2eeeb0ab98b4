"""Pruner: retention in small batches, so no table sees one long delete (River's job_cleaner).

Executions and finished fix-its after EXECUTION_RETENTION_DAYS; audit events after AUDIT_RETENTION_DAYS (the
only delete of the otherwise append-only trail); received events after EVENT_RETENTION_DAYS (their runs keep
their own copy of the event)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from services.dal import AsyncDAL
from services.scheduler.duty import DatabaseHealth, Duty

BATCH = 1000

_PRUNE_SQL = """
DELETE FROM workflow_executions WHERE execution_id IN (
    SELECT execution_id FROM workflow_executions
    WHERE created_at < $1 AND status NOT IN ('pending', 'running')
    ORDER BY created_at LIMIT $2)
"""

_PRUNE_AUDIT_SQL = """
DELETE FROM audit_events WHERE event_id IN (
    SELECT event_id FROM audit_events WHERE at < $1 ORDER BY at LIMIT $2)
"""

_PRUNE_FIXITS_SQL = """
DELETE FROM fixits WHERE fixit_id IN (
    SELECT fixit_id FROM fixits WHERE initiated_at < $1 AND status NOT IN ('running', 'awaiting_approval')
    ORDER BY initiated_at LIMIT $2)
"""


_PRUNE_EVENTS_SQL = """
DELETE FROM events WHERE (community_id, event_id) IN (
    SELECT community_id, event_id FROM events WHERE received_at < $1 ORDER BY received_at LIMIT $2)
"""


class Pruner(Duty):
    name = "pruner"

    def __init__(self, dal: AsyncDAL, retention_days: int, health: DatabaseHealth,
                 clock: Callable[[], datetime], interval: float = 600.0, audit_retention_days: int = 365,
                 event_retention_days: int = 7) -> None:
        super().__init__(interval, health)
        self.dal = dal
        self.retention_days = retention_days
        self.audit_retention_days = audit_retention_days
        self.event_retention_days = event_retention_days
        self.clock = clock

    async def run_once(self) -> None:
        now = self.clock()
        cutoff = now - timedelta(days=self.retention_days)
        await self._prune(_PRUNE_SQL, cutoff)
        await self._prune(_PRUNE_FIXITS_SQL, cutoff)
        await self._prune(_PRUNE_AUDIT_SQL, now - timedelta(days=self.audit_retention_days))
        await self._prune(_PRUNE_EVENTS_SQL, now - timedelta(days=self.event_retention_days))

    async def _prune(self, sql: str, cutoff: datetime) -> None:
        while True:
            done = await self.dal.execute(sql, cutoff, BATCH)
            if int(done.split()[-1]) < BATCH:
                return
            await asyncio.sleep(0.2)
