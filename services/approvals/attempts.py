"""Wrong approval tokens per caller (the token's `sub` + community), counted in PostgreSQL in a fixed window.

`hold` runs first in every decision's transaction: it locks the caller's counter row (so concurrent guesses
from one caller queue up and each sees the count of the one before) and refuses with 429 + Retry-After once
MAX_FAILURES wrong tokens fell in the current window. `failed` counts one more in the same transaction, which
the caller commits even though it answers 4xx: the count is the one thing a refused guess writes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from services.errors import TooManyRequests

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)

_HOLD_SQL = """
INSERT INTO approval_attempts (community_id, actor, window_start, failures) VALUES ($1, $2, $3, 0)
ON CONFLICT (community_id, actor) DO UPDATE SET failures = approval_attempts.failures
RETURNING window_start, failures
"""

_FAILED_SQL = """
UPDATE approval_attempts SET
    failures = CASE WHEN window_start > $3 THEN failures + 1 ELSE 1 END,
    window_start = CASE WHEN window_start > $3 THEN window_start ELSE $4 END
WHERE community_id = $1 AND actor = $2
"""


async def hold(conn: asyncpg.Connection, community_id: int, actor: str, now: datetime) -> None:
    row = await conn.fetchrow(_HOLD_SQL, community_id, actor, now)
    ends = row["window_start"] + WINDOW
    if row["failures"] >= MAX_FAILURES and ends > now:
        raise TooManyRequests(f"too many wrong approval tokens; try again after {ends.isoformat()}",
                              (ends - now).total_seconds(), code="too_many_attempts")


async def failed(conn: asyncpg.Connection, community_id: int, actor: str, now: datetime) -> None:
    await conn.execute(_FAILED_SQL, community_id, actor, now - WINDOW, now)


async def forget(conn: asyncpg.Connection, now: datetime) -> int:
    """Deletes counters whose window ended (the approvals maintenance duty)."""
    done = await conn.execute("DELETE FROM approval_attempts WHERE window_start <= $1", now - WINDOW)
    return int(done.split()[-1])
