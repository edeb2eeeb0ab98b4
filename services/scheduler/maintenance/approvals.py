"""Approvals duty: what nobody decided within APPROVAL_TTL_SECONDS ends `expired` (leader only).

Runs awaiting approval become `expired` (services.execution_state.expire_awaiting), fix-its awaiting approval
likewise (services.fixit.service.expire_awaiting); spent or long-expired tokens and wrong-token counters whose
window ended are deleted. Safe under a brief overlap of two leaders: every statement is conditional on the
row's state (and SKIP LOCKED where it picks rows).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from services import execution_state
from services.approvals import attempts
from services.dal import AsyncDAL
from services.fixit import service as fixits
from services.scheduler.duty import DatabaseHealth, Duty

log = logging.getLogger("chime.scheduler")
TOKEN_KEEP = timedelta(days=7)  # spent and expired tokens are kept this long after their TTL, then deleted


class ApprovalExpiry(Duty):
    name = "approvals"

    def __init__(self, dal: AsyncDAL, ttl_seconds: float, health: DatabaseHealth, clock: Callable[[], datetime],
                 interval: float | None = None) -> None:
        # A tenth of the TTL (between 0.5 s and 30 s): an undecided run outlives its TTL by at most that much.
        super().__init__(interval if interval is not None else min(30.0, max(0.5, ttl_seconds / 10)), health)
        self.dal = dal
        self.ttl_seconds = ttl_seconds
        self.clock = clock

    async def run_once(self) -> None:
        now = self.clock()
        cutoff = now - timedelta(seconds=self.ttl_seconds)
        async with self.dal.transaction() as conn:
            runs = await execution_state.expire_awaiting(conn, cutoff, now, self.ttl_seconds)
            plans = await fixits.expire_awaiting(conn, cutoff, now, self.ttl_seconds)
            await conn.execute("DELETE FROM approval_tokens WHERE created_at < $1", cutoff - TOKEN_KEEP)
            await attempts.forget(conn, now)
        if runs or plans:
            log.info("expired what was not approved in time", extra={
                "event_type": "scheduler", "action": "approval_expiry", "result": "expired", "count": runs + plans})
