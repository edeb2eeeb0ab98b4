"""This process's lease: registered with a fresh epoch, renewed by heartbeat, fenced when it cannot be renewed.

Rules (docs/design.md, "Leases"):
- The database's clock alone decides expiry: `expires_at = now() + LEASE_SECONDS` at each renewal, and a
  renewal succeeds only while the lease is unexpired. An expired lease is never revived: the process registers
  again with a new epoch, and rows owned under the old epoch belong to the reaper.
- Self-fencing: when this process has not renewed for half of LEASE_SECONDS (database partition, stalled
  loop), it stops starting runs and stops the ones it runs, so no run is retried elsewhere while its first
  attempt may still be going. Measured on the monotonic clock from the renewal's *answer*, which is later than
  the database's timestamp, so the fence always falls before the expiry.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta

import asyncpg

from services.dal import AsyncDAL
from services.firing import Owner
from services.scheduler.duty import DatabaseHealth, Duty

log = logging.getLogger("chime.scheduler")


def _others(fresh: str) -> str:
    """The other instances in the ring that wake-up slots are taken from (services/scheduler/runtime.py): unexpired
    leases renewed within `fresh`. A SIGKILLed process stops renewing at once though its lease lasts LEASE_SECONDS,
    so its slots pass to the survivors once its heartbeat is overdue, not when its lease expires. (The register and
    renew statements' snapshot does not see their own write, hence "other".)"""
    return ("ARRAY(SELECT instance_id FROM scheduler_instances WHERE expires_at > now()"
            f" AND heartbeat_at > now() - {fresh}::interval AND instance_id <> $1)")


_REGISTER_SQL = f"""
WITH reg AS (
    INSERT INTO scheduler_instances (instance_id, hostname, pid, role, epoch, expires_at)
    VALUES ($1, $2, $3, $4, nextval('scheduler_lease_epoch_seq'), now() + $5::interval)
    ON CONFLICT (instance_id) DO UPDATE SET hostname = EXCLUDED.hostname, pid = EXCLUDED.pid, role = EXCLUDED.role,
        epoch = EXCLUDED.epoch, expires_at = EXCLUDED.expires_at, started_at = now(), heartbeat_at = now()
    RETURNING epoch)
SELECT epoch, {_others("$6")} AS others FROM reg
"""

_RENEW_SQL = f"""
WITH renewed AS (
    UPDATE scheduler_instances SET heartbeat_at = now(), expires_at = now() + $3::interval
    WHERE instance_id = $1 AND epoch = $2 AND expires_at > now()
    RETURNING epoch)
SELECT epoch, {_others("$4")} AS others FROM renewed
"""

_RING_SQL = f"SELECT {_others('$2')}"

_VALID_SQL = "SELECT 1 FROM scheduler_instances WHERE instance_id = $1 AND epoch = $2 AND expires_at > now()"


class LeaseLost(Exception):
    """The lease expired in the database: whatever was about to be written under it must not be."""


class Lease(Duty):
    name = "heartbeat"

    def __init__(self, dal: AsyncDAL, instance_id: str, lease_seconds: float, heartbeat_seconds: float,
                 health: DatabaseHealth, role: str = "all") -> None:
        super().__init__(heartbeat_seconds, health)
        self.dal = dal
        self.instance_id = instance_id
        self.role = role
        self.lease_seconds = lease_seconds
        self.epoch = 0
        self.renewed = 0.0  # monotonic time of the last renewal's answer
        self.on_fenced: list[Callable[[], None]] = []  # called once per fencing episode
        self._fenced = True
        self.ring: tuple[str, ...] = (instance_id,)  # the live instances, sorted, as of the last renewal or sweep

    @property
    def slot(self) -> tuple[int, int]:
        """(this instance's place in the ring, the ring's size): the wake-up slots this process takes."""
        return self.ring.index(self.instance_id), len(self.ring)

    @property
    def owner(self) -> Owner | None:
        """Whom new rows belong to; None while fenced (nothing may start here)."""
        return Owner(self.instance_id, self.epoch) if self.valid else None

    @property
    def valid(self) -> bool:
        return self.epoch > 0 and time.monotonic() - self.renewed < self.lease_seconds / 2

    async def register(self) -> None:
        row = await self.dal.fetchrow(_REGISTER_SQL, self.instance_id, socket.gethostname(), os.getpid(),
                                      self.role, timedelta(seconds=self.lease_seconds), self._fresh,
                                      timeout=self.interval)
        self.epoch = row["epoch"]
        self._renewed(row["others"])
        log.info("lease registered", extra={"event_type": "scheduler", "action": "lease", "result": "registered",
                                            "instance_id": self.instance_id, "data": {"epoch": self.epoch}})

    async def run_once(self) -> None:
        if self.epoch == 0:
            await self.register()
            return
        row = await self.dal.fetchrow(_RENEW_SQL, self.instance_id, self.epoch,
                                      timedelta(seconds=self.lease_seconds), self._fresh, timeout=self.interval)
        if row is None:
            # Expired (and perhaps reaped) while we were away: its runs are the reaper's now.
            log.warning("lease expired; registering a new epoch", extra={
                "event_type": "scheduler", "action": "lease", "result": "expired", "instance_id": self.instance_id,
                "data": {"epoch": self.epoch}})
            self.fence()
            await self.register()
            return
        self._renewed(row["others"])

    async def refresh_ring(self) -> None:
        """Reads the ring between heartbeats (the runtime's sweep), so a dead instance's slots are taken sooner."""
        self._set_ring(await self.dal.fetchval(_RING_SQL, self.instance_id, self._fresh, timeout=self.interval))

    @property
    def _fresh(self) -> timedelta:
        # A renewal comes every heartbeat; half a heartbeat more covers a late one on a busy loop. Misjudging only
        # costs wake-ups: an instance dropped too early has its buckets claimed by two processes for a while.
        return timedelta(seconds=1.5 * self.interval)

    def _set_ring(self, others: list[str]) -> None:
        ring = tuple(sorted({self.instance_id, *others}))
        if ring != self.ring:
            log.info("wake-up ring changed", extra={"event_type": "scheduler", "action": "ring", "result": "changed",
                                                    "instance_id": self.instance_id, "data": {"ring": list(ring)}})
            self.ring = ring

    def _renewed(self, others: list[str]) -> None:
        self.renewed = time.monotonic()
        self._set_ring(others)
        if self._fenced:
            self._fenced = False

    def fence(self) -> None:
        """Stops everything running under the current lease (once per episode)."""
        if self._fenced:
            return
        self._fenced = True
        log.error("lease not renewed for half its length; stopping this instance's runs", extra={
            "event_type": "scheduler", "action": "lease", "result": "fenced", "instance_id": self.instance_id,
            "data": {"epoch": self.epoch}})
        for callback in self.on_fenced:
            callback()

    def check_fence(self) -> None:
        if not self.valid and self.epoch > 0:
            self.fence()

    async def check(self, conn: asyncpg.Connection) -> None:
        """Inside a claim's transaction: refuse to create owned rows under an expired lease."""
        if not self.valid or await conn.fetchval(_VALID_SQL, self.instance_id, self.epoch) is None:
            raise LeaseLost(f"lease of {self.instance_id} epoch {self.epoch} is not valid")

    async def release(self) -> None:
        await self.dal.execute("DELETE FROM scheduler_instances WHERE instance_id = $1 AND epoch = $2",
                               self.instance_id, self.epoch, timeout=2)
        self.epoch = 0


class Watchdog(Duty):
    """Fences the lease on time even when heartbeats hang on a dead connection."""

    name = "lease-watchdog"

    def __init__(self, lease: Lease, health: DatabaseHealth) -> None:
        super().__init__(min(0.25, lease.lease_seconds / 20), health)
        self.lease = lease

    async def run_once(self) -> bool:
        self.lease.check_fence()
        return False
