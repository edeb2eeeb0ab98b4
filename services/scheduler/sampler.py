"""Samples the two gauges nothing else knows at the moment they change: the pool's connections in use and the
number of live scheduler instances (one indexed count every few seconds, never on a request's path)."""

from __future__ import annotations

from services import metrics
from services.dal import AsyncDAL
from services.scheduler.duty import DatabaseHealth, Duty


class MetricsSampler(Duty):
    name = "metrics-sampler"

    def __init__(self, dal: AsyncDAL, health: DatabaseHealth, interval: float = 5.0) -> None:
        super().__init__(interval, health)
        self.dal = dal

    async def run_once(self) -> None:
        metrics.flush()
        metrics.sweep_dead_processes()
        pool = self.dal.pool
        if pool is not None:
            metrics.pool(pool.get_size(), pool.get_idle_size())
        metrics.instances_alive(await self.dal.fetchval(
            "SELECT count(*) FROM scheduler_instances WHERE expires_at > now()"))
