"""The event outbox: one call, inside the transaction that makes a change, records the event it causes.

Kinds: execution.failed, execution.timeout, execution.missed, execution.abandoned, schedule.auto_paused,
approval.requested, fixit.completed. Delivery (notification targets, retries, the delivery log) reads
`event_outbox` in `seq` order; writing here never waits for any of it, and a rolled-back change leaves no event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import asyncpg

KINDS = ("execution.failed", "execution.timeout", "execution.missed", "execution.abandoned", "schedule.auto_paused",
         "approval.requested", "fixit.completed")


async def emit(conn: asyncpg.Connection, events: Iterable[tuple[int, str, dict[str, Any]]]) -> int:
    """Appends (community_id, kind, payload) events; call inside the transaction of the change."""
    rows = [(uuid.uuid4(), c, k, p) for c, k, p in events]
    if not rows:
        return 0
    for _, _, kind, _ in rows:
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
    await conn.execute(
        "INSERT INTO event_outbox (event_id, community_id, kind, payload)"
        " SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::jsonb[])",
        [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows])
    return len(rows)


def execution_event(row: Mapping[str, Any]) -> tuple[int, str, dict[str, Any]] | None:
    """The event an execution row in a notable end state causes (failed, timeout, missed, abandoned), if any."""
    if row["status"] not in ("failed", "timeout", "missed", "abandoned"):
        return None
    payload = {k: _plain(row[k]) for k in ("execution_id", "schedule_id", "workflow_id", "status", "trigger",
                                          "attempt", "scheduled_for", "error", "error_code")}
    return row["community_id"], f"execution.{row['status']}", payload


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# --- routing to notification targets (services/notifications reads the outbox through these) -----------------

_UNROUTED_SQL = """
SELECT event_id, community_id, kind FROM event_outbox
WHERE notified_at IS NULL
ORDER BY seq
LIMIT $1
FOR UPDATE SKIP LOCKED
"""

_PRUNE_SQL = """
DELETE FROM event_outbox WHERE event_id IN (
    SELECT o.event_id FROM event_outbox o
    WHERE o.created_at < $1 AND o.notified_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM notification_deliveries d
                      WHERE d.event_id = o.event_id AND d.status IN ('pending', 'sending'))
    ORDER BY o.created_at
    LIMIT $2)
"""


async def take_unrouted(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Events not yet routed to notification targets, oldest first, locked until the caller's transaction ends
    (SKIP LOCKED: processes share them). The caller marks them with `mark_routed` in the same transaction."""
    return list(await conn.fetch(_UNROUTED_SQL, limit))


async def mark_routed(conn: asyncpg.Connection, event_ids: list[uuid.UUID]) -> None:
    if event_ids:
        await conn.execute("UPDATE event_outbox SET notified_at = now() WHERE event_id = ANY($1::uuid[])", event_ids)


async def prune(conn: asyncpg.Connection, cutoff: datetime, limit: int) -> int:
    """Deletes up to `limit` routed events older than `cutoff` whose deliveries are all finished."""
    done = await conn.execute(_PRUNE_SQL, cutoff, limit)
    return int(done.split()[-1])
