"""The one owner of `notification_deliveries` rows (state table in services/notifications/__init__.py).

Every time is the database's (`now()`), so processes with skewed clocks agree on what is due and on when a
claim lapsed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services import outbox

ERROR_MAX = 500

_FAN_OUT_SQL = """
WITH ins AS (
    INSERT INTO notification_deliveries (delivery_id, event_id, target_id, community_id, event_kind)
    SELECT gen_random_uuid(), v.event_id, t.target_id, t.community_id, v.kind
    FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS v(event_id, community_id, kind)
    JOIN notification_targets t ON t.community_id = v.community_id AND t.enabled AND v.kind = ANY (t.events)
    ON CONFLICT (event_id, target_id) DO NOTHING
    RETURNING 1)
SELECT count(*) FROM ins
"""

# Lapsed `sending` rows are due again: the process that claimed them died before recording an outcome.
_CLAIM_SQL = """
WITH due AS (
    SELECT delivery_id FROM notification_deliveries
    WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
    ORDER BY next_attempt_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED),
claimed AS (
    UPDATE notification_deliveries d
    SET status = 'sending', attempts = d.attempts + 1, updated_at = now(),
        next_attempt_at = now() + make_interval(secs => $2)
    FROM due WHERE d.delivery_id = due.delivery_id
    RETURNING d.delivery_id, d.event_id, d.target_id, d.community_id, d.event_kind, d.attempts)
SELECT c.*, t.kind AS target_kind, t.url, t.secret, t.entity_id, t.platform, t.channel, t.enabled,
       o.payload, o.created_at AS occurred_at
FROM claimed c
JOIN notification_targets t ON t.target_id = c.target_id
LEFT JOIN event_outbox o ON o.event_id = c.event_id
"""

_OUTCOME_SQL = """
UPDATE notification_deliveries d SET
    status = v.status, last_status = v.http_status, last_error = v.error, updated_at = now(),
    next_attempt_at = CASE WHEN v.status = 'pending' THEN now() + make_interval(secs => v.delay)
                           ELSE d.next_attempt_at END,
    delivered_at = CASE WHEN v.status = 'delivered' THEN now() END
FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[], $5::text[], $6::float8[])
     AS v(delivery_id, attempts, status, http_status, error, delay)
WHERE d.delivery_id = v.delivery_id AND d.attempts = v.attempts AND d.status = 'sending'
RETURNING d.delivery_id
"""

_PRUNE_SQL = """
DELETE FROM notification_deliveries WHERE delivery_id IN (
    SELECT delivery_id FROM notification_deliveries
    WHERE created_at < $1 AND status IN ('delivered', 'failed', 'cancelled')
    ORDER BY created_at
    LIMIT $2)
"""


@dataclass
class Outcome:
    """What one attempt came to; `ok` means a 2xx answer."""

    delivery_id: object
    attempts: int
    ok: bool
    http_status: int | None = None
    error: str | None = None
    cancel: bool = False  # nothing to send any more (target disabled, event pruned)


async def fan_out(conn: asyncpg.Connection, limit: int) -> tuple[int, int]:
    """Routes up to `limit` new outbox events to the matching enabled targets (call inside a transaction).

    Returns (events routed, delivery rows created). The unique (event, target) key makes a repeat harmless."""
    events = await outbox.take_unrouted(conn, limit)
    if not events:
        return 0, 0
    created = await conn.fetchval(_FAN_OUT_SQL, [e["event_id"] for e in events],
                                  [e["community_id"] for e in events], [e["kind"] for e in events])
    await outbox.mark_routed(conn, [e["event_id"] for e in events])
    return len(events), created


async def claim(conn: asyncpg.Connection, limit: int, claim_seconds: float) -> list[asyncpg.Record]:
    """Due deliveries, each reserved for `claim_seconds` for this process (SKIP LOCKED: processes share them)."""
    return list(await conn.fetch(_CLAIM_SQL, limit, claim_seconds))


def backoff(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt after `attempts` failed ones: doubling, with equal jitter."""
    ceiling = min(cap, base * 2 ** (attempts - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def next_status(outcome: Outcome, max_attempts: int) -> str:
    if outcome.ok:
        return "delivered"
    if outcome.cancel:
        return "cancelled"
    return "failed" if outcome.attempts >= max_attempts else "pending"


async def record(conn: asyncpg.Connection, outcomes: list[Outcome], *, max_attempts: int, base: float,
                 cap: float) -> list[tuple[Outcome, str]]:
    """Writes attempt outcomes; returns (outcome, new status) for those still holding their claim."""
    if not outcomes:
        return []
    statuses = [next_status(o, max_attempts) for o in outcomes]
    done = {r["delivery_id"] for r in await conn.fetch(
        _OUTCOME_SQL, [o.delivery_id for o in outcomes], [o.attempts for o in outcomes], statuses,
        [o.http_status for o in outcomes], [(o.error or None) and o.error[:ERROR_MAX] for o in outcomes],
        [backoff(o.attempts, base, cap) for o in outcomes])}
    return [(o, s) for o, s in zip(outcomes, statuses, strict=True) if o.delivery_id in done]


async def prune(conn: asyncpg.Connection, cutoff: datetime, limit: int) -> int:
    """Deletes up to `limit` finished delivery rows created before `cutoff`."""
    done = await conn.execute(_PRUNE_SQL, cutoff, limit)
    return int(done.split()[-1])
