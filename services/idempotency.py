"""Idempotency-Key: a retried POST answers the first response instead of doing the work again.

PostgreSQL holds every guarantee (no memory): one row per (community, key), written `in_progress` in its own
transaction before the work starts. The INSERT that wins the primary key runs the request; every other request
with the key polls the row until the winner stores its response (`completed`), then replays it. Rules:

* same key, same request (SHA-256 of method, path with query, canonical JSON body) within KEY_TTL → the
  stored status, body and headers (ETag, Location), with `Idempotent-Replayed: true`; nothing runs again;
* same key, different request → 422 `idempotency_key_reused`;
* a replayed create whose object was deleted since → 409 `idempotency_key_resource_gone` (controllers/idempotent.py);
* only 2xx answers are stored: an error answer (4xx or 5xx, raised or returned) wrote nothing, so the key is
  released (row deleted) and a corrected retry runs;
* a winner that died leaves its row `in_progress`; past `locked_until` (LOCK_SECONDS) the next request takes
  the row over. A waiter gives up after WAIT_SECONDS with 409 `idempotency_key_in_progress` and Retry-After;
* keys are per community; the maintenance pruner deletes rows older than KEY_TTL, and an expired row is
  taken over as if absent.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from services.dal import AsyncDAL
from services.errors import ApiError, Conflict

log = logging.getLogger("chime.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEY_TTL = timedelta(hours=24)
LOCK_SECONDS = 60.0      # longer than any request may take (bodies are bounded, runs are asynchronous)
WAIT_SECONDS = 30.0      # how long a duplicate waits for the winner's answer before a 409
REPLAYED_HEADERS = ("ETag", "Location", "Content-Type")

_CLAIM_SQL = """
INSERT INTO idempotency_keys (community_id, idem_key, request_hash, attempt, subject, locked_until)
VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
ON CONFLICT (community_id, idem_key) DO UPDATE
   SET request_hash = EXCLUDED.request_hash, attempt = EXCLUDED.attempt, subject = EXCLUDED.subject,
       status = 'in_progress', created_at = now(), locked_until = EXCLUDED.locked_until,
       response_status = NULL, response_headers = NULL, response_body = NULL, completed_at = NULL
 WHERE idempotency_keys.created_at < now() - make_interval(secs => $7)
    OR (idempotency_keys.status = 'in_progress' AND idempotency_keys.locked_until < now())
RETURNING attempt
"""


@dataclass(frozen=True)
class Stored:
    status: int
    headers: dict[str, str]
    body: bytes


def check_key(raw: str) -> str:
    """Printable ASCII, 1 to 255 characters (RFC draft: a string; Stripe: up to 255), else 400."""
    if not 0 < len(raw) <= MAX_KEY_LENGTH or not all(0x20 <= ord(c) < 0x7F for c in raw):
        raise ApiError(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
                       code="invalid_idempotency_key")
    return raw


def request_hash(method: str, path: str, body: Any) -> bytes:
    """The request's identity: key order and whitespace in the body do not matter, values do."""
    canonical = "" if body is None else json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).digest()


class IdempotencyKeys:
    def __init__(self, dal: AsyncDAL, *, lock_seconds: float = LOCK_SECONDS, wait_seconds: float = WAIT_SECONDS,
                 ttl: timedelta = KEY_TTL) -> None:
        self.dal = dal
        self.lock_seconds = lock_seconds
        self.wait_seconds = wait_seconds
        self.ttl = ttl

    async def begin(self, community_id: int, key: str, digest: bytes, subject: str | None) -> UUID | Stored:
        """The attempt token when this request is the one to run, or the stored response to replay.
        Waits (polling, no connection held) while another request with the key runs."""
        deadline = time.monotonic() + self.wait_seconds
        pause = 0.02
        while True:
            attempt = uuid4()
            won = await self.dal.fetchval(_CLAIM_SQL, community_id, key, digest, attempt, subject,
                                          self.lock_seconds, self.ttl.total_seconds())
            if won is not None:
                return attempt
            row = await self.dal.fetchrow(
                "SELECT request_hash, status, response_status, response_headers, response_body"
                " FROM idempotency_keys WHERE community_id = $1 AND idem_key = $2", community_id, key)
            if row is None:
                continue  # released (the winner failed) or pruned between the two statements: claim again
            if bytes(row["request_hash"]) != digest:
                raise ApiError(f"{HEADER} was already used with a different request (method, path or body)",
                               code="idempotency_key_reused", status=422)
            if row["status"] == "completed":
                return Stored(row["response_status"], dict(row["response_headers"] or {}),
                              bytes(row["response_body"]))
            if time.monotonic() >= deadline:
                raise Conflict(f"a request with this {HEADER} is still in progress; retry later",
                               code="idempotency_key_in_progress", headers={"Retry-After": "1"})
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.25)

    async def complete(self, community_id: int, key: str, attempt: UUID, response: Stored) -> None:
        await self.dal.execute(
            "UPDATE idempotency_keys SET status = 'completed', response_status = $4, response_headers = $5,"
            " response_body = $6, completed_at = now()"
            " WHERE community_id = $1 AND idem_key = $2 AND attempt = $3",
            community_id, key, attempt, response.status, response.headers, response.body)

    async def release(self, community_id: int, key: str, attempt: UUID) -> None:
        """The request failed: the key is free again (only this attempt's row, never a later owner's)."""
        await self.dal.execute("DELETE FROM idempotency_keys WHERE community_id = $1 AND idem_key = $2"
                               " AND attempt = $3", community_id, key, attempt)


async def prune(dal: AsyncDAL, ttl: timedelta, batch: int) -> int:
    """Deletes up to `batch` keys older than `ttl`; returns how many."""
    done = await dal.execute(
        "DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys"
        " WHERE created_at < now() - make_interval(secs => $1) LIMIT $2)", ttl.total_seconds(), batch)
    return int(done.split()[-1])
