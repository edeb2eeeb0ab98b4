"""Request rate per principal: a token bucket per JWT subject (an API client is `client:<id>`), per process.

Per process on purpose: a bucket in PostgreSQL would cost a round trip (and a row lock on a hot row) on every
request. So with N processes (WORKERS, replicas) a principal may reach N x RATE_LIMIT_PER_SECOND; the limit
is a guard against a runaway bot, not an accounting quota. RATE_LIMIT_PER_SECOND=0 turns it off.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from services.errors import TooManyRequests


class RateLimiter:
    MAX_PRINCIPALS = 10_000  # least recently seen buckets are dropped past this (a dropped bucket is full again)

    def __init__(self, per_second: float, burst: int) -> None:
        self.rate = per_second
        self.burst = max(float(burst), 1.0)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, last refill)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> None:
        """Spends one token of `key`'s bucket, or raises 429 saying when the next token arrives."""
        if not self.enabled:
            return
        now = time.monotonic()
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            raise TooManyRequests(f"rate limit of {self.rate:g} requests/s (burst {self.burst:g}) exceeded",
                                  (1.0 - tokens) / self.rate, code="rate_limited")
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > self.MAX_PRINCIPALS:
            self._buckets.popitem(last=False)
