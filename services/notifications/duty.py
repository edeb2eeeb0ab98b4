"""The notification duty, on every instance: route new outbox events to targets, send due deliveries, record.

Every instance runs it; `FOR UPDATE SKIP LOCKED` on the outbox and on due deliveries, and the claim that
reserves a delivery for NOTIFY_CLAIM_SECONDS, give each (event, target) to one process at a time, and a process
killed mid-way leaves work that is due again once its claim lapses (at least once, never lost).
No transaction is open while a request is in flight.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from config import Settings
from services import metrics
from services.dal import AsyncDAL
from services.engine.outbound import Outbound
from services.notifications import deliveries, sender
from services.scheduler.duty import DatabaseHealth, Duty

log = logging.getLogger("chime.notifications")
FAN_OUT_BATCH = 500
SEND_BATCH = 50
CONCURRENCY = 20


class NotificationDuty(Duty):
    name = "notifications"

    def __init__(self, dal: AsyncDAL, settings: Settings, webhooks: Outbound, router: Outbound,
                 health: DatabaseHealth) -> None:
        super().__init__(settings.notify_poll_seconds, health)
        self.dal = dal
        self.settings = settings
        self.webhooks = webhooks
        self.router = router
        self._slots = asyncio.Semaphore(CONCURRENCY)

    async def run_once(self) -> None:
        while True:
            async with self.dal.transaction() as conn:
                routed, _ = await deliveries.fan_out(conn, FAN_OUT_BATCH)
            if routed < FAN_OUT_BATCH:
                break
        while await self.send_due() == SEND_BATCH:
            pass

    async def send_due(self) -> int:
        s = self.settings
        async with self.dal.transaction() as conn:
            rows = await deliveries.claim(conn, SEND_BATCH, s.notify_claim_seconds)
        if not rows:
            return 0
        outcomes = await asyncio.gather(*(self._attempt(r) for r in rows))
        async with self.dal.transaction() as conn:
            recorded = await deliveries.record(conn, list(outcomes), max_attempts=s.notify_max_attempts,
                                               base=s.notify_retry_base_seconds, cap=s.notify_retry_max_seconds)
        kinds = {r["delivery_id"]: r["target_kind"] for r in rows}
        for outcome, status in recorded:
            result = {"pending": "retry"}.get(status, status)
            metrics.delivery(kinds[outcome.delivery_id], result)
            log.log(logging.INFO if outcome.ok else logging.WARNING, "notification attempt", extra={
                "event_type": "notification", "action": "deliver", "result": result,
                "data": {"delivery_id": str(outcome.delivery_id), "attempt": outcome.attempts,
                         "http_status": outcome.http_status, "error": outcome.error}})
        return len(rows)

    async def _attempt(self, row: Any) -> deliveries.Outcome:
        async with self._slots:
            return await sender.send(row, webhooks=self.webhooks, router=self.router,
                                     router_url=self.settings.router_url,
                                     timeout=self.settings.notify_timeout_seconds)
