"""Approval tokens: 32 random bytes (URL-safe), stored only as their SHA-256, bound to a community and to the
runs (or the fix-it) they decide, spent by the first decision.

Issuing a token emits `approval.requested` (through the outbox, in the issuing transaction) with a link that
carries the token: the notification is the one place the token travels to the approver. Fires of a workflow
that requires approval get a token each, issued in the claim's transaction; such a token has no expiry of its
own and lives as long as its run awaits approval (the run expires after APPROVAL_TTL_SECONDS).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services import outbox

TOKEN_BYTES = 32
APPROVE_PATH = "/api/v1/scheduler/approve"
SCHEDULER = "scheduler"  # created_by of tokens issued with gated fires

_INSERT_SQL = """
INSERT INTO approval_tokens (approval_id, token_hash, community_id, execution_ids, fixit_id, created_by, created_at,
                             expires_at)
SELECT v.id, v.hash, v.community, v.runs::uuid[], v.fixit, v.creator, v.created, v.expires
FROM unnest($1::uuid[], $2::bytea[], $3::bigint[], $4::text[], $5::uuid[], $6::text[], $7::timestamptz[],
            $8::timestamptz[]) AS v(id, hash, community, runs, fixit, creator, created, expires)
"""


@dataclass
class Issued:
    approval_id: UUID
    token: str
    expires_at: datetime | None


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def link(token: str) -> str:
    """Where an approver takes the token (relative: the hub or the notifier puts its own host in front)."""
    return f"{APPROVE_PATH}?token={token}"


async def _insert(conn: asyncpg.Connection, items: list[tuple[int, list[UUID], UUID | None, str, datetime,
                                                            datetime | None, dict[str, Any]]]) -> list[Issued]:
    """items: (community_id, execution_ids, fixit_id, created_by, now, expires_at, extra event payload)."""
    issued = [Issued(uuid.uuid4(), new_token(), item[5]) for item in items]
    if not issued:
        return issued
    # uuid[] per row cannot be unnested from a 2-D array of uneven length: pass each as its text form.
    await conn.execute(
        _INSERT_SQL, [i.approval_id for i in issued], [digest(i.token) for i in issued], [it[0] for it in items],
        ["{" + ",".join(str(e) for e in it[1]) + "}" for it in items], [it[2] for it in items],
        [it[3] for it in items], [it[4] for it in items], [it[5] for it in items])
    await outbox.emit(conn, [(it[0], "approval.requested", {
        "approval_id": str(i.approval_id), "execution_ids": [str(e) for e in it[1]],
        "fixit_id": str(it[2]) if it[2] else None, "requested_by": it[3],
        "expires_at": i.expires_at.isoformat() if i.expires_at else None, "token_link": link(i.token), **it[6]})
        for i, it in zip(issued, items, strict=True)])
    return issued


async def issue(conn: asyncpg.Connection, *, community_id: int, created_by: str, now: datetime,
                expires_at: datetime, execution_ids: Iterable[UUID] = (), fixit_id: UUID | None = None) -> Issued:
    """One token for these runs, or for this fix-it (call inside the transaction that asks for the decision)."""
    return (await _insert(conn, [(community_id, list(execution_ids), fixit_id, created_by, now, expires_at, {})]))[0]


async def issue_for_runs(conn: asyncpg.Connection, rows: Iterable[Any], inserted: set[UUID], now: datetime) -> int:
    """A token per approval-gated run just inserted (firing.NewExecution rows; the others are ignored)."""
    items = [(r.community_id, [r.execution_id], None, SCHEDULER, now, None, {
        "schedule_id": str(r.schedule_id) if r.schedule_id else None, "workflow_id": str(r.workflow_id),
        "scheduled_for": r.scheduled_for.isoformat(), "trigger": r.trigger})
        for r in rows if r.status == "awaiting_approval" and r.execution_id in inserted]
    return len(await _insert(conn, items))


async def find(conn: asyncpg.Connection, token: str) -> asyncpg.Record | None:
    """The token's row, locked until the transaction ends (so two decisions with it cannot both pass)."""
    return await conn.fetchrow("SELECT * FROM approval_tokens WHERE token_hash = $1 FOR UPDATE", digest(token))


async def spend(conn: asyncpg.Connection, approval_id: UUID, by: str, decision: str, now: datetime) -> None:
    await conn.execute("UPDATE approval_tokens SET used_at = $2, used_by = $3, decision = $4"
                       " WHERE approval_id = $1 AND used_at IS NULL", approval_id, now, by, decision)
