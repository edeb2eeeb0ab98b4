"""API clients (bot modules): management, the client-credentials exchange, and the revocation check.

A client is an id (a UUID) and a secret (secrets.token_urlsafe(32): 256 random bits) shown once at creation;
the table keeps only the secret's SHA-256, compared in constant time. A slow password hash buys nothing for a
256-bit random value: nobody can guess it from the digest.

Its tokens are ordinary JWTs (`services.auth.mint_token`, verified by `services.auth.verify_token` like any
other) with `sub = client:<id>` and a `cid` claim. Revocation: `LiveClients` answers "is this client still
live?" from PostgreSQL and remembers the answer for REVOCATION_CACHE_SECONDS per process, so a revoked
client's tokens fail within that many seconds everywhere (and at the latest when they expire).

Wrong secrets are counted per client and minute in `client_auth_failures`, shared by every process, under the
counter row's lock (concurrent guesses queue); at CLIENT_AUTH_MAX_FAILURES in the current minute the endpoint
answers 429 (with Retry-After) without looking at the secret, so a brute force gets 10 guesses a minute against
2**256, however many it sends at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from config import Settings
from services import audit
from services.auth import SCOPES, Principal, mint_token
from services.dal import AsyncDAL
from services.errors import ApiError, NotFound, Unauthorized, ValidationFailed
from services.pagination import decode_cursor, page

log = logging.getLogger("chime.clients")
SUBJECT_PREFIX = "client:"
_OUT_FIELDS = ("client_id", "community_id", "name", "scopes", "created_by", "updated_by", "created_at",
               "updated_at", "revoked_at")


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def client_out(row: asyncpg.Record) -> dict[str, Any]:
    out = {k: row[k] for k in _OUT_FIELDS}
    out["scopes"] = sorted(out["scopes"])
    out["status"] = "revoked" if row["revoked_at"] is not None else "active"
    return out


def check_scopes(scopes: list[str], field: str = "scopes") -> list[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationFailed(field, f"unknown scope {unknown[0]!r}; known: {' '.join(SCOPES)}",
                               code="unknown_scope")
    return sorted(set(scopes))



# This minute's counter for a client, created at 0 and locked until the transaction ends.
_HOLD_FAILURES_SQL = """
INSERT INTO client_auth_failures (client_id, window_start, failures) VALUES ($1, $2, 0)
ON CONFLICT (client_id, window_start) DO UPDATE SET failures = client_auth_failures.failures
RETURNING failures
"""

_COUNT_FAILURE_SQL = ("UPDATE client_auth_failures SET failures = failures + 1"
                      " WHERE client_id = $1 AND window_start = $2")

# Earlier minutes no longer limit anything: each exchange clears its client's, so the table holds a row per client.
_FORGET_OLDER_SQL = "DELETE FROM client_auth_failures WHERE client_id = $1 AND window_start < $2"

class OAuthError(ApiError):
    """An RFC 6749 §5.2 error: `error` is the RFC's code (also the project's `code`), `error_description` says
    why. invalid_client is 401 with a Basic challenge (RFC 6749 §5.2 asks for one when Basic was used)."""

    def __init__(self, error: str, description: str, status: int = 400,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error, code=error, status=status, headers=headers,
                         extra={"error_description": description})


def invalid_client(description: str = "client authentication failed") -> OAuthError:
    return OAuthError("invalid_client", description, 401, {"WWW-Authenticate": 'Basic realm="chime"'})


class LiveClients:
    """Per-process cache of "client X is not revoked", trusted for `ttl` seconds (0: ask every time)."""

    MAX_ENTRIES = 10_000

    def __init__(self, dal: AsyncDAL, ttl: float) -> None:
        self.dal, self.ttl = dal, ttl
        self._seen: dict[str, tuple[float, bool]] = {}

    async def is_live(self, client_id: str, community_id: int) -> bool:
        now = time.monotonic()
        cached = self._seen.get(client_id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        try:
            key = UUID(client_id)
        except ValueError:
            return False
        live = await self.dal.fetchval(
            "SELECT revoked_at IS NULL FROM api_clients WHERE client_id = $1 AND community_id = $2",
            key, community_id)
        if self.ttl > 0:
            if len(self._seen) >= self.MAX_ENTRIES:
                self._seen.clear()  # bounded: a few seconds of extra queries beat unbounded memory
            self._seen[client_id] = (now, bool(live))
        return bool(live)

    async def require(self, principal: Principal) -> None:
        if principal.client_id is not None and not await self.is_live(principal.client_id, principal.community_id):
            raise Unauthorized("the token's API client was revoked")


class ClientService:
    def __init__(self, dal: AsyncDAL, settings: Settings) -> None:
        self.dal, self.settings = dal, settings
        self.live = LiveClients(dal, settings.revocation_cache_seconds)

    # --- management (scope admin) ---

    async def create(self, principal: Principal, name: str, scopes: list[str]) -> tuple[asyncpg.Record, str]:
        granted = check_scopes(scopes)
        secret = secrets.token_urlsafe(32)
        async with self.dal.transaction() as conn:
            row = await conn.fetchrow(
                "INSERT INTO api_clients (client_id, community_id, name, scopes, secret_hash, created_by, updated_by)"
                " VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
                uuid4(), principal.community_id, name, granted, hash_secret(secret), principal.user_id)
            await audit.record(conn, principal, "client.create", "client", row["client_id"], None, client_out(row))
        log.info("api client created", extra={"event_type": "clients", "action": "create", "result": "ok",
                                              "data": {"client_id": str(row["client_id"])}})
        return row, secret

    async def list(self, principal: Principal, limit: int, cursor: str | None) -> tuple[list, str | None]:
        rows = await self.dal.fetch(
            "SELECT * FROM api_clients WHERE community_id = $1 AND revoked_at IS NULL"
            " AND ($2::bigint IS NULL OR seq > $2) ORDER BY seq LIMIT $3",
            principal.community_id, decode_cursor(cursor), limit + 1)
        return page(list(rows), limit)

    async def get_row(self, principal: Principal, client_id: UUID) -> asyncpg.Record:
        row = await self.dal.fetchrow("SELECT * FROM api_clients WHERE client_id = $1 AND community_id = $2"
                                      " AND revoked_at IS NULL", client_id, principal.community_id)
        if row is None:
            raise NotFound(f"API client {client_id} not found", code="client_not_found")
        return row

    async def patch(self, principal: Principal, client_id: UUID, name: str | None,
                    scopes: list[str] | None) -> asyncpg.Record:
        """New scopes apply to tokens issued from now on; tokens already issued keep theirs until they expire
        (at most CLIENT_TOKEN_TTL_SECONDS). Revoke the client to cut them off at once."""
        granted = check_scopes(scopes) if scopes is not None else None
        async with self.dal.transaction() as conn:
            before = await conn.fetchrow("SELECT * FROM api_clients WHERE client_id = $1 AND community_id = $2"
                                         " AND revoked_at IS NULL FOR UPDATE", client_id, principal.community_id)
            if before is None:
                raise NotFound(f"API client {client_id} not found", code="client_not_found")
            row = await conn.fetchrow(
                "UPDATE api_clients SET name = COALESCE($2, name), scopes = COALESCE($3, scopes), updated_by = $4,"
                " updated_at = now() WHERE client_id = $1 RETURNING *", client_id, name, granted, principal.user_id)
            await audit.record(conn, principal, "client.update", "client", client_id, client_out(before),
                               client_out(row))
        return row

    async def revoke(self, principal: Principal, client_id: UUID) -> asyncpg.Record:
        """Sets revoked_at. Its tokens fail within REVOCATION_CACHE_SECONDS; it cannot get new ones. A revoked
        client is gone from the management API (404, not listed, as after a delete); its row stays, so tokens
        already issued are refused and the audit trail keeps naming it."""
        async with self.dal.transaction() as conn:
            before = await conn.fetchrow("SELECT * FROM api_clients WHERE client_id = $1 AND community_id = $2"
                                         " AND revoked_at IS NULL FOR UPDATE", client_id, principal.community_id)
            if before is None:
                raise NotFound(f"API client {client_id} not found", code="client_not_found")
            row = await conn.fetchrow("UPDATE api_clients SET revoked_at = now(), updated_by = $2, updated_at = now()"
                                      " WHERE client_id = $1 RETURNING *", client_id, principal.user_id)
            await audit.record(conn, principal, "client.revoke", "client", client_id, client_out(before),
                               client_out(row))
        log.info("api client revoked", extra={"event_type": "clients", "action": "revoke", "result": "ok",
                                              "data": {"client_id": str(client_id)}})
        return row

    # --- client credentials ---

    async def authenticate(self, raw_id: str, secret: str) -> asyncpg.Record:
        """The live client with this id and secret, or invalid_client (401) / too_many_failures (429)."""
        try:
            client_id = UUID(raw_id)
        except ValueError:
            raise invalid_client() from None
        row = await self.dal.fetchrow("SELECT * FROM api_clients WHERE client_id = $1", client_id)
        if row is None:
            hash_secret(secret)  # about the same work as for a known id
            raise invalid_client()
        window = datetime.now(UTC).replace(second=0, microsecond=0)
        limit = self.settings.client_auth_max_failures
        async with self.dal.transaction() as conn:
            # Locks this minute's counter row (as services/approvals/attempts.hold does): concurrent guesses for
            # one client queue here, and each sees the failures of those before it, so no burst gets past `limit`.
            failures = await conn.fetchval(_HOLD_FAILURES_SQL, client_id, window)
            await conn.execute(_FORGET_OLDER_SQL, client_id, window)
            right = failures < limit and hmac.compare_digest(hash_secret(secret), bytes(row["secret_hash"]))
            if failures < limit and not right:
                await conn.execute(_COUNT_FAILURE_SQL, client_id, window)
        # Raised after the commit: a refused guess still leaves its count behind.
        if failures >= limit:
            retry = (window + timedelta(minutes=1) - datetime.now(UTC)).total_seconds()
            raise TooManyFailures(retry, limit)
        if not right:
            log.info("client authentication failed", extra={"event_type": "auth", "action": "client_credentials",
                                                            "result": "invalid_client",
                                                            "data": {"client_id": str(client_id)}})
            raise invalid_client()
        if row["revoked_at"] is not None:
            raise invalid_client("the client was revoked")
        return row

    def issue_token(self, row: asyncpg.Record, requested: str | None) -> dict[str, Any]:
        """A token with the client's scopes, or the subset `requested` names (RFC 6749 §3.3)."""
        granted = set(row["scopes"])
        if requested is not None and requested.strip():
            asked = set(requested.split())
            if not asked <= granted:
                extra = sorted(asked - granted)[0]
                raise OAuthError("invalid_scope", f"the client is not granted {extra[:100]!r}")
            granted = asked
        scope = " ".join(sorted(granted))
        ttl = self.settings.client_token_ttl_seconds
        key = self.settings.jwt_private_key if self.settings.jwt_algorithm[:2] in ("RS", "ES") else None
        try:
            token = mint_token(self.settings, community_id=row["community_id"], scope=scope,
                               subject=SUBJECT_PREFIX + str(row["client_id"]), ttl_seconds=ttl, private_key=key,
                               extra={"cid": str(row["client_id"])})
        except ValueError:
            raise ApiError("this server cannot sign tokens: set JWT_PRIVATE_KEY (or JWT_PRIVATE_KEY_FILE) for "
                           f"{self.settings.jwt_algorithm}", code="token_signing_unavailable", status=503) from None
        log.info("client token issued", extra={"event_type": "auth", "action": "client_credentials", "result": "ok",
                                               "data": {"client_id": str(row["client_id"]), "scope": scope}})
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "scope": scope}

    async def principal_for(self, raw_id: str, secret: str) -> Principal:
        """For the hub's sign-in: the client's community and scopes, as its token would carry them."""
        row = await self.authenticate(raw_id, secret)
        return Principal(user_id=SUBJECT_PREFIX + str(row["client_id"]), community_id=row["community_id"],
                         scopes=frozenset(row["scopes"]), client_id=str(row["client_id"]))


class TooManyFailures(ApiError):
    status = 429

    def __init__(self, retry_after: float, limit: int) -> None:
        seconds = max(1, int(-(-retry_after // 1)))
        super().__init__("too_many_failures", code="too_many_failures",
                         headers={"Retry-After": str(seconds)},
                         extra={"error_description": f"more than {limit} wrong secrets for this client in a minute;"
                                                     f" retry after {seconds} s"})
