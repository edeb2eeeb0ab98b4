"""SchedulerRuntime: one APScheduler per process holding only the fires due within a short horizon.

PostgreSQL holds every schedule; this process only keeps wake-ups (one per distinct due instant, bucketed to
10 ms) for the next SCHEDULER_HORIZON_SECONDS. A wake-up claims what is due (schedule_state.claim_due), so memory
and start-up time do not grow with the number of stored schedules. The runtime also starts and stops the
process's background duties in order: lease first and last, maintenance only while this process leads.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config import Settings
from services import metrics, notify, schedule_state
from services.dal import AsyncDAL
from services.exec_writer import ExecutionWriter
from services.execution_state import reap
from services.firing import Owner
from services.runner import ExecutionRunner
from services.scheduler.duty import DB_ERRORS, DatabaseHealth, Duty
from services.scheduler.leader import Leadership
from services.scheduler.lease import Lease, LeaseLost, Watchdog
from services.scheduler.listener import Listener
from services.scheduler.maintenance.approvals import ApprovalExpiry
from services.scheduler.maintenance.fixits import FixitCompleter
from services.scheduler.maintenance.idempotency_pruner import IdempotencyPruner
from services.scheduler.maintenance.outbox_pruner import OutboxPruner
from services.scheduler.maintenance.partitions import Partitions
from services.scheduler.maintenance.pruner import Pruner
from services.scheduler.maintenance.reaper import Reaper
from services.scheduler.queue import CancelWatch, QueueTaker

log = logging.getLogger("chime.scheduler")
BUCKET = 100  # wake-ups per second at most: due instants are rounded up to 10 ms
SWEEP_SECONDS = 0.5
MAX_CLAIM_LOOPS = 3  # claim loops per process at once (one pooled connection each); a full batch starts another

_HORIZON_SQL = """
SELECT DISTINCT ceil(extract(epoch FROM next_due_at) * $3) AS bucket
FROM workflow_schedules
WHERE status = 'active' AND next_due_at <= $1
ORDER BY bucket
LIMIT $2
"""

# The earliest due instant of any schedule (index-only on workflow_schedules_due_idx).
_NEXT_DUE_SQL = "SELECT min(next_due_at) FROM workflow_schedules WHERE status = 'active'"


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Every(Duty):
    def __init__(self, name: str, interval: float, health: DatabaseHealth, fn: Callable) -> None:
        super().__init__(interval, health)
        self.name = name
        self.fn = fn

    async def run_once(self) -> bool | None:
        return await self.fn()


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two claim bounds, None (now) being the latest."""
    return None if a is None or b is None else max(a, b)


def bucket_of(when: datetime) -> int:
    """The 10 ms wake-up bucket an instant is due in (rounded up: a wake-up is never early)."""
    return math.ceil(when.timestamp() * BUCKET)


def bucket_start(bucket: float) -> datetime:
    return datetime.fromtimestamp(bucket / BUCKET, UTC)


def is_own(bucket: int, index: int, n: int) -> bool:
    """Whether `bucket` is in the slot of instance `index` of `n`: the buckets whose position within their second,
    modulo n, is `index` (every bucket when there is one instance, or more instances than buckets in a second).
    So one process claims a bucket instead of all n splitting its rows, and a schedule keeps its slot from fire to
    fire: every period is whole seconds (interval, cron, rrule) and jitter a fixed offset per schedule
    (docs/design.md, "Wake-up slots")."""
    return n <= 1 or n > BUCKET or bucket % BUCKET % n == index


def own_bucket(bucket: int, index: int, n: int) -> int:
    """The first wake-up bucket at or after `bucket` in this process's slot."""
    while not is_own(bucket, index, n):
        bucket += 1
    return bucket


class SchedulerRuntime:
    def __init__(self, dal: AsyncDAL, settings: Settings, instance_id: str, runner: ExecutionRunner,
                 writer: ExecutionWriter, lease: Lease, health: DatabaseHealth,
                 clock: Callable[[], datetime] = utcnow, duties: Sequence[Duty] = ()) -> None:
        self.dal = dal
        self.settings = settings
        self.instance_id = instance_id
        self.runner = runner
        self.writer = writer
        self.lease = lease
        self.health = health
        self.clock = clock
        self.aps = AsyncIOScheduler(timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True,
                                                                "max_instances": 1})
        self.wakeups: set[int] = set()
        self.started = False
        self.stopping = False
        self.fired = 0
        self._claiming = 0
        self.peak_claim_loops = 0  # most claim loops seen at once (a burst runs several)
        self._claim_again = asyncio.Event()
        self._again_by: datetime | None = None  # the latest bound asked for while every loop was busy
        self._soon_pending = False
        self.queue = QueueTaker(dal, runner, lease, health, clock)
        every = [
            _Every("reconcile", settings.reconcile_seconds, health, self._reconcile),
            _Every("sweep", min(SWEEP_SECONDS, settings.reconcile_seconds), health, self._sweep),
            _Every("saturation", 1.0, health, self._saturation),
        ]
        # `duties`: the container's extra every-instance duties (notification delivery, metrics sampling).
        self.duties: list[Duty] = [Watchdog(lease, health), self.queue, CancelWatch(runner, health), *every,
                                   *duties]
        maintenance: list[Duty] = [
            Reaper(dal, settings.lease_seconds, settings.heartbeat_seconds, health, clock),
            Pruner(dal, settings.execution_retention_days, health, clock,
                   audit_retention_days=settings.audit_retention_days,
                   event_retention_days=settings.event_retention_days),
            Partitions(dal, settings.execution_retention_days, health, clock),
            OutboxPruner(dal, settings.outbox_retention_days, health, clock),
            ApprovalExpiry(dal, settings.approval_ttl_seconds, health, clock),
            FixitCompleter(dal, health, clock),
            IdempotencyPruner(dal, health),
        ]
        self.leadership = Leadership(dal.dsn, instance_id, maintenance, health)
        self.listener = Listener(dal.dsn, {notify.CHANGES: self._on_change, notify.CANCEL: self._on_cancel,
                                           notify.QUEUE: lambda _p: self.queue.kick()}, self._caught_up, health)
        lease.on_fenced.append(runner.fence)

    # --- lifecycle -----------------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.lease.register()
        self.lease.start()
        self.writer.start()
        self.aps.start()
        for duty in self.duties:
            duty.start()
        self.leadership.start()
        self.listener.start()
        self.started = True
        log.info("scheduler started", extra={"event_type": "scheduler", "action": "start", "result": "ok",
                                             "instance_id": self.instance_id})

    async def stop(self, grace: float) -> None:
        """Stop claiming, let running executions finish up to `grace`, then release the lease.

        Each step runs even if an earlier one failed (a database that is down must not keep the lease
        registered or the pool open)."""
        self.stopping = True
        for _ in range(40):  # let an in-flight claim commit instead of cancelling it mid-transaction
            if not self._claiming:
                break
            await asyncio.sleep(0.05)
        if self.aps.running:
            self.aps.remove_all_jobs()
            self.aps.shutdown(wait=False)
        await self.listener.stop()
        await self.leadership.stop()
        for duty in self.duties:
            await duty.stop()
        leftover = await self.runner.drain(grace)
        for eid in leftover:
            self.runner.cancel(eid, "shutdown")
        if leftover:
            await asyncio.wait(list(self.runner.tasks.values()), timeout=2.0)
        await self.writer.stop()
        await self.lease.stop()
        try:
            # Runs still unfinished are the reaper's at once, rather than after the lease expires.
            await self.lease.release()
            async with self.dal.transaction() as conn:
                await reap(conn, self.clock(), forget_after_seconds=self.settings.lease_seconds * 4)
        except Exception as exc:
            log.warning("could not release the lease; it expires on its own", extra={
                "event_type": "scheduler", "action": "stop", "result": "lease_kept", "data": {"error": str(exc)[:200]}})
        self.started = False
        log.info("scheduler stopped", extra={"event_type": "scheduler", "action": "stop", "result": "ok",
                                             "instance_id": self.instance_id, "count": len(leftover)})

    # --- what services see ---------------------------------------------------------------------------------
    def owner(self) -> Owner | None:
        """Whom fires made by an API call belong to: this process while its lease is good, else the queue."""
        return self.lease.owner if self.started and not self.stopping and self.runner.accepting else None

    def deliver(self, fired: schedule_state.Fired) -> None:
        """After the commit of a transaction that fired: run, cancel and wake up as it says."""
        for item in fired.dispatch:
            self.runner.submit(item)
        for eid in fired.cancel:
            self.runner.cancel(eid)
        now = self.clock()
        for due in fired.next_due:
            self.wake_at(due, now)
        metrics.fired(fired.fires)

    # --- wake-ups ------------------------------------------------------------------------------------------
    def wake_at(self, when: datetime, now: datetime | None = None) -> None:
        """Ensures a claim runs at `when` (if within the horizon); past instants claim right away."""
        if self.stopping or not self.aps.running:
            return
        if now is None:
            now = self.clock()
        if when <= now:
            self.claim_soon()
            return
        if when > now + timedelta(seconds=self.settings.horizon_seconds):
            return
        bucket = own_bucket(bucket_of(when), *self.lease.slot)
        if bucket in self.wakeups:
            return
        self.wakeups.add(bucket)
        self.aps.add_job(self._wake, "date", run_date=bucket_start(bucket), args=[bucket],
                         id=f"wake-{bucket}", replace_existing=True)

    def _not_own(self, dues: list[datetime]) -> list[datetime]:
        """The next instants, one per bucket, in another process's slot. This process claimed them because their
        owner had not (late, dead, or the ring just changed), and their owner may have no wake-up for them: it
        wakes only for what it claimed itself. Left alone, such a schedule would be claimed a bucket late here
        every period until the owner's next refill."""
        slot = self.lease.slot
        out: dict[int, datetime] = {}
        for due in dues:
            bucket = bucket_of(due)
            if not is_own(bucket, *slot):
                out.setdefault(bucket, due)
        return list(out.values())

    async def _wake(self, bucket: int) -> None:
        self.wakeups.discard(bucket)
        at = bucket_start(bucket)
        # The timer may fire a little early (measured: 1.1 ms); a claim then would miss the fires due at the
        # bucket's very end (a whole second is one), and they would wait for the sweep.
        while (early := (at - self.clock()).total_seconds()) > 0:
            await asyncio.sleep(early)
        # Only what is due by this bucket: a wake-up that runs a few ms late must not take the next bucket's rows,
        # which are another process's slot (it would then announce them back every time; see _not_own).
        await self.claim_all(at)

    def claim_soon(self) -> None:
        # One pending claim task at most: a process that is behind sees every fired schedule due again at once, and
        # a task per fire would only find the claim loops busy and set _claim_again.
        if self._soon_pending:
            return
        self._soon_pending = True
        asyncio.get_running_loop().create_task(self._claim_soon())

    async def _claim_soon(self) -> None:
        self._soon_pending = False
        await self.claim_all()

    async def claim_all(self, due_by: datetime | None = None) -> None:
        """Claims batches until nothing due by `due_by` (None: now) is left."""
        if self.stopping:
            return
        if self._claiming >= MAX_CLAIM_LOOPS:
            self._again_by = _later(self._again_by, due_by) if self._claim_again.is_set() else due_by
            self._claim_again.set()
            return
        self._claiming += 1
        self.peak_claim_loops = max(self.peak_claim_loops, self._claiming)
        try:
            while not self.stopping:
                if self._claim_again.is_set():
                    due_by = _later(due_by, self._again_by)
                self._claim_again.clear()
                n = await self._claim_batch(due_by)
                if n < self.settings.claim_batch and not self._claim_again.is_set():
                    break
                if self._claiming < MAX_CLAIM_LOOPS:
                    # A full batch: more is due (a burst, a catch-up). A second loop plans its batch while this
                    # one's statements run in PostgreSQL; SKIP LOCKED keeps their rows apart.
                    self.claim_soon()
        except LeaseLost:
            pass  # the heartbeat registers a new epoch; the sweep wakes us again
        except DB_ERRORS as exc:
            self.health.down(exc)
        finally:
            self._claiming -= 1

    async def _claim_batch(self, due_by: datetime | None) -> int:
        owner = self.lease.owner
        if owner is None:
            return 0
        started = time.perf_counter()
        async with self.dal.transaction() as conn:
            await self.lease.check(conn)
            fired = await schedule_state.claim_due(conn, self.clock(), self.settings.claim_batch, owner,
                                                   catchup_after=self.settings.catchup_after_seconds, due_by=due_by)
            if elsewhere := self._not_own(fired.next_due):
                await notify.due_elsewhere(conn, elsewhere)
        metrics.claimed(fired.claimed, time.perf_counter() - started)
        self.health.up()
        self.deliver(fired)
        if fired.claimed:
            self.fired += fired.claimed
            log.debug("claimed", extra={"event_type": "scheduler", "action": "claim", "result": fired.counts,
                                        "count": fired.claimed})
        return fired.claimed

    # --- periodic ------------------------------------------------------------------------------------------
    async def _reconcile(self) -> None:
        """Safety net for lost notifications: claim anything overdue and reload the horizon."""
        await self.claim_all()
        await self.refill()

    async def _sweep(self) -> None:
        """Wake-ups are per process: a fire whose only waker died (SIGKILL) would wait for the next reconcile and
        be coalesced. Waking for the earliest due instant every SWEEP_SECONDS bounds that wait. The ring is read
        first: the dead process's slots are then this process's for the wake-up the sweep sets."""
        await self.lease.refresh_ring()
        due = await self.dal.fetchval(_NEXT_DUE_SQL)
        if due is not None:
            self.wake_at(due)

    async def refill(self) -> None:
        horizon = self.clock() + timedelta(seconds=self.settings.horizon_seconds)
        rows = await self.dal.fetch(_HORIZON_SQL, horizon, 10_000, BUCKET)
        for i, row in enumerate(rows):
            self.wake_at(bucket_start(float(row["bucket"])))
            if i % 200 == 199:
                await asyncio.sleep(0)  # keep each slice of loading short, so probes stay fast

    async def _saturation(self) -> bool:
        self.runner.check_saturation(self.settings.saturation_wait_seconds)
        return False  # no database involved

    async def _caught_up(self) -> None:
        await self._reconcile()

    # --- notifications -------------------------------------------------------------------------------------
    def _on_change(self, payload: str) -> None:
        due = notify.parse_change(payload)
        if due is not None:
            self.wake_at(datetime.fromtimestamp(due, UTC))

    def _on_cancel(self, payload: str) -> None:
        try:
            self.runner.cancel(UUID(payload))
        except ValueError:
            pass
