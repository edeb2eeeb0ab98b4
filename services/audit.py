"""The audit trail: one append-only row per API write, recorded inside the transaction of that write.

Services call `record` as part of their own transaction, so a write that rolls back leaves no event and an
event that cannot be written rolls the write back. Nothing here updates or deletes a row (the table refuses
UPDATE; the leader's pruner deletes rows past AUDIT_RETENTION_DAYS). Secrets never reach the table: any field
whose name says secret, token, password, authorization or api key is stored as "***", at any depth (a
header in a workflow definition, a key in context_data).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from services.auth import Principal
from services.dal import AsyncDAL
from services.logs import request_id_var
from services.pagination import Order, by_order, decode_cursor, page

MASK = "***"
_SECRET_WORDS = ("secret", "token", "password", "authorization", "api_key", "apikey")
# Bookkeeping that changes with every write and says nothing a reader needs.
_IGNORED = frozenset({"updated_at", "seq"})
# A value larger than this (a big workflow definition) is stored as its size and digest, not in full.
MAX_VALUE_BYTES = 8192

_INSERT_SQL = """
INSERT INTO audit_events (event_id, at, actor, community_id, action, target_type, target_id, request_id, changes)
VALUES ($1, COALESCE($2, clock_timestamp()), $3, $4, $5, $6, $7, $8, $9)
"""

_LIST_SQL = """
SELECT * FROM audit_events
WHERE community_id = $1
  AND ($2::text IS NULL OR actor = $2) AND ($3::text IS NULL OR action = $3)
  AND ($4::text IS NULL OR target_id = $4)
  AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
  AND {after}
ORDER BY {order_by}
LIMIT $8
"""
_LIST = by_order(_LIST_SQL, "seq", "$7")


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def plain(value: Any) -> Any:
    """A JSON-ready copy: times as ISO 8601, UUIDs as strings, nested values converted too."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value


def masked(value: Any) -> Any:
    """`value` with every secret-named member (at any depth) replaced by "***"."""
    if isinstance(value, dict):
        return {k: (MASK if v is not None else None) if is_secret(k) else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def _bounded(value: Any) -> Any:
    text = json.dumps(value, sort_keys=True)
    if len(text) <= MAX_VALUE_BYTES:
        return value
    return {"omitted_bytes": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for every field that differs.

    With both sides given, only fields present in both are compared (a row read with joined columns is compared
    with the table's own row); a create (no before) or delete (no after) lists every field of the other side.
    """
    old, new = dict(before or {}), dict(after or {})
    if before is not None and after is not None:
        names = [k for k in new if k in old]
    else:
        names = list(new or old)
    out: dict[str, list[Any]] = {}
    for name in names:
        if name in _IGNORED:
            continue
        a, b = plain(old.get(name)), plain(new.get(name))
        if a == b:
            continue
        if is_secret(name):
            a, b = (MASK if a is not None else None), (MASK if b is not None else None)
        out[name] = [_bounded(masked(a)), _bounded(masked(b))]
    return out


async def record(conn: asyncpg.Connection, principal: Principal, action: str, target_type: str,
                 target_id: Any, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *,
                 at: datetime | None = None) -> uuid.UUID:
    """Appends one event in the caller's transaction; `action` is `<target_type>.<verb>`, e.g. schedule.pause."""
    event_id = uuid.uuid4()
    await conn.execute(_INSERT_SQL, event_id, at, principal.user_id, principal.community_id, action, target_type,
                       None if target_id is None else str(target_id), request_id_var.get(),
                       changes(before, after))
    return event_id


async def list_events(dal: AsyncDAL, principal: Principal, *, actor: str | None = None, action: str | None = None,
                      target_id: str | None = None, since: datetime | None = None, until: datetime | None = None,
                      limit: int = 50, cursor: str | None = None,
                      order: Order = "desc") -> tuple[list[asyncpg.Record], str | None]:
    """The caller's community's events, newest first unless `order=asc`; the cursor continues past the last
    `seq` returned, in the same direction.

    Planned for the values at hand: a cached generic plan cannot drop the unused `$n IS NULL OR ...` filters,
    so it could not use the actor / action / object indexes (migration 0014) and read the whole trail."""
    seq = decode_cursor(cursor, order)
    async with dal.connection() as conn, conn.transaction(readonly=True):
        await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        rows = await conn.fetch(_LIST[order], principal.community_id, actor, action, target_id, since, until, seq,
                                limit + 1)
    return page(list(rows), limit, order)
