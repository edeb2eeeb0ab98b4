"""Services: everything one process holds, built at start-up and torn down at shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from typing import Any

from config import Settings
from services import metrics
from services.approvals.service import ApprovalService
from services.backfill import BackfillService
from services.clients import ClientService
from services.dal import AsyncDAL
from services.embedded_pg import start_embedded, stop_embedded
from services.engine import EngineLimits, WorkflowEngine
from services.events import EventService
from services.exec_writer import ExecutionWriter
from services.executions import ExecutionService
from services.fixit.service import FixitService
from services.hub.sessions import HubSessions
from services.idempotency import IdempotencyKeys
from services.migrations import apply_migrations, pending_migrations
from services.notifications.duty import NotificationDuty
from services.notifications.targets import NotificationTargetService
from services.ratelimit import RateLimiter
from services.runner import ExecutionRunner
from services.scheduler.duty import DatabaseHealth, Duty
from services.scheduler.lease import Lease
from services.scheduler.runtime import SchedulerRuntime
from services.scheduler.sampler import MetricsSampler
from services.schedules import ScheduleService
from services.sitrep import SitrepService
from services.workflows import WorkflowService

VERSION = "0.1.0"
log = logging.getLogger("chime")


def engine_limits(settings: Settings) -> EngineLimits:
    return EngineLimits(
        max_loop_iterations=settings.max_loop_iterations, max_total_operations=settings.max_total_operations,
        max_loop_depth=settings.max_loop_depth, workflow_timeout_seconds=settings.workflow_timeout_seconds,
        node_timeout_seconds=settings.node_timeout_seconds, step_io_max_bytes=settings.step_io_max_bytes,
        http_max_response_bytes=settings.http_max_response_bytes, router_url=settings.router_url,
        allowed_hosts=settings.allowed_hosts,
    )


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Hypercorn workers share the environment: with WORKERS > 1 each one needs its own lease.
        base = settings.instance_id or socket.gethostname()
        self.instance_id = f"{base}-{os.getpid()}" if settings.instance_id is None or settings.workers > 1 else base
        self.started_monotonic = time.monotonic()
        self._embedded: Any = None
        dsn = settings.database_url
        if dsn is None:
            dsn, self._embedded = start_embedded(settings.embedded_pg_dir)
        self.dal = AsyncDAL(dsn, min_size=settings.db_pool_min, max_size=settings.db_pool_max,
                            json_codec=settings.json_codec)
        self.workflows = WorkflowService(self.dal)
        self.schedules = ScheduleService(self.dal, catchup_after=settings.catchup_after_seconds)
        self.executions = ExecutionService(self.dal)
        self.events = EventService(self.dal)
        self.hub_sessions = HubSessions(self.dal, settings.hub_session_seconds)
        self.notification_targets = NotificationTargetService(self.dal, settings.allowed_hosts)
        self.sitrep = SitrepService(self.dal, settings)
        self.fixits = FixitService(self.dal, approval_ttl_seconds=settings.approval_ttl_seconds)
        self.approvals = ApprovalService(self.dal, approval_ttl_seconds=settings.approval_ttl_seconds)
        self.backfill = BackfillService(self.dal, rate_per_second=settings.backfill_rate_per_second)
        self.clients = ClientService(self.dal, settings)
        self.rate_limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
        self.idempotency = IdempotencyKeys(self.dal)
        self.migrations_ok = False
        self.engine: WorkflowEngine | None = None
        self.runtime: SchedulerRuntime | None = None
        self._boot: asyncio.Task | None = None

    async def start(self) -> None:
        """Serving starts even if the database is down: /healthz answers, /readyz says why not ready."""
        try:
            await self._connect_and_boot()
        except Exception as exc:
            log.error("database not reachable at start-up; retrying in the background",
                      extra={"event_type": "lifecycle", "action": "start", "result": "waiting",
                             "data": {"error": str(exc)[:200]}})
            self._boot = asyncio.create_task(self._boot_with_backoff(), name="boot")

    async def _boot_with_backoff(self) -> None:
        delay = 0.5
        while True:
            await asyncio.sleep(delay)
            try:
                await self._connect_and_boot()
                return
            except Exception:
                delay = min(delay * 2, 10.0)

    async def _connect_and_boot(self) -> None:
        if self.dal.pool is None:
            await self.dal.connect(timeout=5)
        await apply_migrations(self.dal)
        self.migrations_ok = True
        if self.settings.runs_scheduler:
            self.runtime = self._build_runtime()
            await self.runtime.start()
            self.schedules.scheduler = self.executions.scheduler = self.events.scheduler = self.runtime
        log.info("service started", extra={"event_type": "lifecycle", "action": "start", "result": "ok",
                                           "instance_id": self.instance_id})

    def _build_runtime(self) -> SchedulerRuntime:
        """The wiring: lease, writer, runner and engine, handed to the runtime that starts and stops them."""
        s = self.settings
        health = DatabaseHealth()
        lease = Lease(self.dal, self.instance_id, s.lease_seconds, s.heartbeat_seconds, health)
        writer = ExecutionWriter(self.dal, self.instance_id)
        # Steps are recorded by the runner that runs them (bound late: the runner needs the engine too).
        self.engine = WorkflowEngine(engine_limits(s), on_step=lambda eid, step: runner.on_step(eid, step),
                                     http_observer=metrics.outbound_hook)
        runner = ExecutionRunner(self.dal, writer, self.engine, self.instance_id, s.max_concurrent_workflows,
                                 may_start=lambda: lease.valid)
        duties: list[Duty] = [NotificationDuty(self.dal, s, self.engine.webhooks, self.engine.router, health)]
        if s.metrics_enabled:
            duties.append(MetricsSampler(self.dal, health))
        return SchedulerRuntime(self.dal, s, self.instance_id, runner, writer, lease, health, duties=duties)

    async def stop(self) -> None:
        if self._boot is not None:
            self._boot.cancel()
            await asyncio.gather(self._boot, return_exceptions=True)
        try:
            if self.runtime is not None:
                await self.runtime.stop(self.settings.shutdown_grace_seconds)
            if self.engine is not None:
                await self.engine.aclose()
        finally:
            await self.dal.close()
        if self._embedded is not None:
            stop_embedded(self._embedded)
        log.info("service stopped", extra={"event_type": "lifecycle", "action": "stop", "result": "ok",
                                           "instance_id": self.instance_id})

    @property
    def scheduler_running(self) -> bool:
        return self.schedules.scheduler_running

    async def db_latency_ms(self, timeout: float = 1.0) -> float | None:
        if self.dal.pool is None:
            return None
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self.dal.fetchval("SELECT 1"), timeout)
        except Exception:
            return None
        return round((time.perf_counter() - started) * 1000, 2)

    async def readiness_problems(self) -> list[str]:
        reasons: list[str] = []
        if await self.db_latency_ms() is None:
            reasons.append("database unreachable within 1 s")
        elif not self.migrations_ok:
            try:
                self.migrations_ok = not await asyncio.wait_for(pending_migrations(self.dal), 1.0)
            except Exception:
                self.migrations_ok = False
            if not self.migrations_ok:
                reasons.append("migrations not applied")
        if self.settings.runs_scheduler and not self.scheduler_running:
            reasons.append("scheduler not started")
        return reasons

    async def health(self) -> dict[str, Any]:
        latency = await self.db_latency_ms()
        active = None
        if latency is not None:
            try:
                active = await asyncio.wait_for(
                    self.dal.fetchval("SELECT count(*) FROM workflow_schedules WHERE status = 'active'"), 1.0)
            except Exception:
                active = None
        runner = self.runtime.runner if self.runtime is not None else None
        saturated = runner is not None and runner.oldest_wait() > self.settings.saturation_wait_seconds
        healthy = latency is not None and (self.scheduler_running or not self.settings.runs_scheduler)
        return {
            "status": "healthy" if healthy and not saturated else "degraded",
            "role": self.settings.role,
            "queue_depth": runner.queue_depth if runner is not None else 0,
            "oldest_wait_ms": round(runner.oldest_wait() * 1000, 1) if runner is not None else 0.0,
            "running": runner.running if runner is not None else 0,
            "module": "chime",
            "version": VERSION,
            "scheduler_running": self.scheduler_running,
            "active_schedules": active,
            "uptime_seconds": round(time.monotonic() - self.started_monotonic, 3),
            "database_latency_ms": latency,
            "instance_id": self.instance_id,
        }
