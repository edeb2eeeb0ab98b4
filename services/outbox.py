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
