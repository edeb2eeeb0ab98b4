"""SchedulerRuntime: one APScheduler per process holding only the fires due within a short horizon.

PostgreSQL holds every schedule; this process only keeps wake-ups (one per distinct due instant, bucketed to
10 ms) for the next SCHEDULER_HORIZON_SECONDS. A wake-up claims what is due (services.firing), so memory and
start-up time do not grow with the number of stored schedules.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config import Settings
from services.dal import AsyncDAL
from services.exec_writer import ExecutionWriter
from services.firing import CANCEL_CHANNEL, QUEUE_CHANNEL, claim_due
from services.retries import schedule_retry
from services.runner import ExecutionRunner
from services.schedules import CHANGES_CHANNEL

log = logging.getLogger("chime.scheduler")
BUCKET = 100  # wake-ups per second at most: due instants are rounded up to 10 ms
# What a database outage looks like from here: logged once, retried by the next tick, never fatal.
DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)

_HORIZON_SQL = """
SELECT DISTINCT ceil(extract(epoch FROM next_due_at) * $3) AS bucket
FROM workflow_schedules
WHERE status = 'active' AND next_due_at <= $1
ORDER BY bucket
LIMIT $2
"""

# The earliest due instant of any schedule (index-only on workflow_schedules_due_idx).
_NEXT_DUE_SQL = "SELECT min(next_due_at) FROM workflow_schedules WHERE status = 'active'"
SWEEP_SECONDS = 0.5

_ABANDON_SQL = """
UPDATE workflow_executions e SET status = 'abandoned', finished_at = $2,
       error = 'instance ' || e.instance_id || ' stopped before the run finished'
WHERE e.status IN ('pending', 'running') AND e.instance_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM scheduler_instances i
                  WHERE i.instance_id = e.instance_id AND i.heartbeat_at >= $2::timestamptz - $1::interval)
RETURNING e.*
"""


def utcnow() -> datetime:
    return datetime.now(UTC)


class SchedulerRuntime:
    def __init__(self, dal: AsyncDAL, settings: Settings, instance_id: str, runner: ExecutionRunner,
                 writer: ExecutionWriter) -> None:
        self.dal = dal
        self.settings = settings
        self.instance_id = instance_id
        self.runner = runner
        self.writer = writer
        self.aps = AsyncIOScheduler(timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True,
                                                                "max_instances": 1})
        self.wakeups: set[int] = set()
        self.started = False
        self.stopping = False
        self._claiming = 0
        self._claim_again = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._tasks: list[asyncio.Task] = []
        self._db_ok = True
        self.fired = 0

    # --- lifecycle -----------------------------------------------------------------------------------------
    async def start(self) -> None:
        await self._register()
        self.aps.start()
        self.aps.add_job(self._reconcile, "interval", seconds=self.settings.reconcile_seconds, id="reconcile",
                         next_run_time=utcnow())
        self.aps.add_job(self._heartbeat, "interval", seconds=max(1.0, self.settings.lease_seconds / 3),
                         id="heartbeat")
        self.aps.add_job(self._prune, "interval", minutes=10, id="retention",
                         next_run_time=utcnow() + timedelta(seconds=30))
        self.aps.add_job(self._poll_queue, "interval", seconds=1, id="queue")
        self.aps.add_job(self._sweep, "interval", seconds=min(SWEEP_SECONDS, self.settings.reconcile_seconds),
                         id="sweep")
        self._tasks.append(asyncio.create_task(self._listen_forever(), name="scheduler-listen"))
        self.started = True
        log.info("scheduler started", extra={"event_type": "scheduler", "action": "start", "result": "ok",
                                             "instance_id": self.instance_id})

    async def stop(self, grace: float) -> None:
        """Stop claiming, let running executions finish up to `grace`, release this instance's lease."""
        self.stopping = True
        for _ in range(40):  # let an in-flight claim commit instead of cancelling it mid-transaction
            if not self._claiming:
                break
            await asyncio.sleep(0.05)
        if self.started:
            self.aps.shutdown(wait=False)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        leftover = await self.runner.drain(grace)
        for eid in leftover:
            self.runner.cancel(eid)
        if leftover:
            await asyncio.wait([t for t in self.runner.tasks.values()], timeout=2.0)
        await self.writer.stop()
        if self._listener is not None:
            await self._listener.close()
        try:
            # Runs still unfinished are abandoned now rather than after the lease expires.
            await self.dal.execute("DELETE FROM scheduler_instances WHERE instance_id = $1", self.instance_id)
            await self._reap()
        except Exception:
            log.warning("could not release lease", exc_info=True, extra={"event_type": "scheduler", "action": "stop"})
        self.started = False
        log.info("scheduler stopped", extra={"event_type": "scheduler", "action": "stop", "result": "ok",
                                             "instance_id": self.instance_id, "count": len(leftover)})

    async def _register(self) -> None:
        await self.dal.execute(
            "INSERT INTO scheduler_instances (instance_id, hostname, pid) VALUES ($1, $2, $3)"
            " ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = now(), started_at = now(), pid = $3",
            self.instance_id, socket.gethostname(), os.getpid(),
        )

    # --- wake-ups ------------------------------------------------------------------------------------------
    def wake_at(self, when: datetime) -> None:
        """Ensures a claim runs at `when` (if within the horizon); past instants claim right away."""
        if self.stopping:
            return
        now = utcnow()
        if when <= now:
            self.claim_soon()
            return
        if when > now + timedelta(seconds=self.settings.horizon_seconds):
            return
        bucket = math.ceil(when.timestamp() * BUCKET)
        if bucket in self.wakeups:
            return
        self.wakeups.add(bucket)
        self.aps.add_job(self._wake, "date", run_date=datetime.fromtimestamp(bucket / BUCKET, UTC), args=[bucket],
                         id=f"wake-{bucket}", replace_existing=True)

    async def _wake(self, bucket: int) -> None:
        self.wakeups.discard(bucket)
        await self.claim_all()

    def claim_soon(self) -> None:
        asyncio.get_running_loop().create_task(self.claim_all())

    async def claim_all(self) -> None:
        """Claims batches until nothing is due; at most two claim loops per process (one connection each)."""
        if self.stopping:
            return
        if self._claiming >= 2:
            self._claim_again.set()
            return
        self._claiming += 1
        try:
            while not self.stopping:
                self._claim_again.clear()
                n = await self._claim_batch()
                if n < self.settings.claim_batch and not self._claim_again.is_set():
                    break
        except DB_ERRORS as exc:
            self._database_down(exc)
        finally:
            self._claiming -= 1

    async def _claim_batch(self) -> int:
        async with self.dal.transaction() as conn:
            result = await claim_due(conn, now=utcnow(), limit=self.settings.claim_batch,
                                     instance_id=self.instance_id, catchup_after=self.settings.catchup_after_seconds)
        self._database_up()
        for item in result.dispatch:
            self.runner.submit(item)
        for eid in result.cancel:
            self.runner.cancel(eid)
        for due in result.next_due:
            self.wake_at(due)
        if result.claimed:
            self.fired += result.claimed
            log.debug("claimed", extra={"event_type": "scheduler", "action": "claim", "result": result.counts,
                                        "count": result.claimed})
        return result.claimed

    # --- periodic ------------------------------------------------------------------------------------------
    async def _reconcile(self) -> None:
        """Safety net for lost notifications: claim anything overdue and reload the horizon."""
        try:
            await self.claim_all()
            await self.refill()
        except DB_ERRORS as exc:
            self._database_down(exc)

    async def _sweep(self) -> None:
        """Wake-ups are per process: a fire whose only waker died (SIGKILL) would wait for the next reconcile and
        be coalesced. Waking for the earliest due instant every SWEEP_SECONDS bounds that wait."""
        try:
            due = await self.dal.fetchval(_NEXT_DUE_SQL)
            self._database_up()
        except DB_ERRORS as exc:
            self._database_down(exc)
            return
        if due is not None:
            self.wake_at(due)

    async def refill(self) -> None:
        horizon = utcnow() + timedelta(seconds=self.settings.horizon_seconds)
        rows = await self.dal.fetch(_HORIZON_SQL, horizon, 10_000, BUCKET)
        self._database_up()
        for i, row in enumerate(rows):
            self.wake_at(datetime.fromtimestamp(float(row["bucket"]) / BUCKET, UTC))
            if i % 200 == 199:
                await asyncio.sleep(0)  # keep each slice of loading short, so probes stay fast

    async def _heartbeat(self) -> None:
        try:
            updated = await self.dal.execute(
                "UPDATE scheduler_instances SET heartbeat_at = now() WHERE instance_id = $1", self.instance_id)
            if updated.endswith(" 0"):
                await self._register()  # our row was reaped while the database was away
            await self._reap()
            self._database_up()
        except DB_ERRORS as exc:
            self._database_down(exc)

    async def _reap(self) -> None:
        """Runs of processes whose lease expired end `abandoned` (and are retried if their workflow says so)."""
        now = utcnow()
        async with self.dal.transaction() as conn:
            rows = await conn.fetch(_ABANDON_SQL, timedelta(seconds=self.settings.lease_seconds), now)
            if not rows:
                return
            configs = {r["workflow_id"]: r["retry_config"] for r in await conn.fetch(
                "SELECT workflow_id, retry_config FROM workflows WHERE workflow_id = ANY($1::uuid[])",
                list({r["workflow_id"] for r in rows}))}
            for row in rows:
                await schedule_retry(conn, row, configs.get(row["workflow_id"]), now)
            await conn.execute("UPDATE workflow_schedules s SET last_status = 'abandoned'"
                               " WHERE s.last_execution_id = ANY($1::uuid[])", [r["execution_id"] for r in rows])
            await conn.execute("DELETE FROM scheduler_instances WHERE heartbeat_at < $1::timestamptz - $2::interval",
                               now, timedelta(seconds=self.settings.lease_seconds * 4))
        log.warning("abandoned runs of stopped instances", extra={
            "event_type": "scheduler", "action": "reap", "result": "abandoned", "count": len(rows)})

    async def _poll_queue(self) -> None:
        try:
            while await self.runner.take_queued() == 50:
                pass
        except DB_ERRORS as exc:
            self._database_down(exc)

    async def _prune(self) -> None:
        """Retention in small batches, so the table never sees one long delete."""
        cutoff = utcnow() - timedelta(days=self.settings.execution_retention_days)
        try:
            while not self.stopping:
                done = await self.dal.execute(
                    "DELETE FROM workflow_executions WHERE execution_id IN (SELECT execution_id FROM"
                    " workflow_executions WHERE created_at < $1 AND status NOT IN ('pending', 'running')"
                    " ORDER BY created_at LIMIT 1000)", cutoff)
                if int(done.split()[-1]) < 1000:
                    break
                await asyncio.sleep(0.2)
        except DB_ERRORS as exc:
            self._database_down(exc)

    # --- notifications -------------------------------------------------------------------------------------
    async def _listen_forever(self) -> None:
        """LISTEN on a dedicated connection; reconnect with backoff when the database goes away."""
        delay = 0.5
        while not self.stopping:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(self.dal.dsn, timeout=5)
                conn.add_termination_listener(lambda _c, ev=lost: ev.set())
                await conn.add_listener(CHANGES_CHANNEL, self._on_change)
                await conn.add_listener(CANCEL_CHANNEL, self._on_cancel)
                await conn.add_listener(QUEUE_CHANNEL, self._on_queue)
                self._listener = conn
                delay = 0.5
                # Anything changed while we were not listening is picked up here.
                await self._reconcile()
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), 5.0)
                    except TimeoutError:
                        await conn.execute("SELECT 1", timeout=5)  # notice a dead socket promptly
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._database_down(exc)
            finally:
                if self._listener is not None:
                    self._listener.terminate()
                    self._listener = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    def _on_change(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        _, _, due = payload.partition(" ")
        if due:
            self.wake_at(datetime.fromtimestamp(float(due), UTC))
        else:
            self.claim_soon()

    def _on_cancel(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.runner.cancel(UUID(payload))
        except ValueError:
            pass

    def _on_queue(self, _conn: object, _pid: int, _channel: str, _payload: str) -> None:
        asyncio.get_running_loop().create_task(self._poll_queue())

    # --- database health -----------------------------------------------------------------------------------
    def _database_down(self, exc: BaseException) -> None:
        if self._db_ok:  # one line per outage, not one per attempt
            log.error("database unreachable; retrying with backoff", extra={
                "event_type": "scheduler", "action": "database", "result": "down", "data": {"error": str(exc)[:200]}})
        self._db_ok = False

    def _database_up(self) -> None:
        if not self._db_ok:
            log.warning("database reachable again", extra={"event_type": "scheduler", "action": "database",
                                                           "result": "up"})
        self._db_ok = True
