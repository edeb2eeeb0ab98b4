"""Channel names and NOTIFY payloads: the one place that knows how processes tell each other about changes.

Every NOTIFY is sent inside the transaction that made the change, so it is delivered at commit or not at all.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

CHANGES = "chime_schedule_changes"  # "<schedule_id or slot> <due epoch seconds>": wake up for a due instant
CANCEL = "chime_cancel"  # "<execution_id>": stop this run wherever it runs
QUEUE = "chime_queue"  # "": unowned pending work (buffered fires, retries) may be takeable


def _changed_payload(schedule_id: str, due: str) -> str:
    """The CHANGES payload as SQL over two expressions: the one format both senders use."""
    return (f"{schedule_id}::text || CASE WHEN {due} IS NULL THEN ''"
            f" ELSE ' ' || extract(epoch FROM {due})::text END")


async def schedule_changed(conn: asyncpg.Connection, schedule_id: UUID, due: datetime | None) -> None:
    # The due instant lets each process add a wake-up without a query.
    await conn.execute(f"SELECT pg_notify($1, {_changed_payload('$2::uuid', '$3::timestamptz')})",
                       CHANGES, schedule_id, due)


def schedule_changed_sql(channel_param: str, row: str) -> str:
    """The same NOTIFY as `schedule_changed`, as an SQL expression over `row`'s schedule_id and next_due_at, for a
    statement that writes the row and announces it in one round trip."""
    return f"pg_notify({channel_param}, {_changed_payload(f'{row}.schedule_id', f'{row}.next_due_at')})"


async def due_elsewhere(conn: asyncpg.Connection, dues: list[datetime]) -> None:
    """Wake-ups for instants this process claimed for another's slot (CHANGES without a schedule id): that
    process wakes for them, so a schedule taken over once goes back to its slot's owner (docs/design.md,
    "Wake-up slots")."""
    payload = _changed_payload("'slot'", "d")
    await conn.execute(f"SELECT pg_notify($1, {payload}) FROM unnest($2::timestamptz[]) d", CHANGES, dues)


async def cancel_requested(conn: asyncpg.Connection, execution_ids: list[UUID]) -> None:
    if execution_ids:
        await conn.execute("SELECT pg_notify($1, x::text) FROM unnest($2::uuid[]) AS x", CANCEL, execution_ids)


async def queue_ready(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_notify($1, '')", QUEUE)


def parse_change(payload: str) -> float | None:
    """The due instant (epoch seconds) of a CHANGES payload, or None when it carries none."""
    _, _, due = payload.partition(" ")
    try:
        return float(due) if due else None
    except ValueError:
        return None
