"""Hub sessions: table-backed, expiring, one community and the scopes granted at sign-in.

The cookie carries a random token; the table keys the session by its SHA-256, so the stored rows cannot be
replayed as cookies. Each session has its own CSRF token (synchronizer pattern), sent back by every form and
htmx request. One-time sign-in links (`python app.py hub-link`) are rows too: redeeming one marks it used in
the same statement that checks it, so two clicks cannot both sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.auth import Principal
from services.dal import AsyncDAL

log = logging.getLogger("chime.hub")

AUTH_KINDS = ("jwt", "client", "link")
PRUNE_BATCH = 1000


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class HubSession:
    principal: Principal
    csrf_token: str
    auth_kind: str
    expires_at: datetime

    def csrf_ok(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(sent.encode(), self.csrf_token.encode())

    def can(self, scope: str) -> bool:
        return scope in self.principal.scopes


class HubSessions:
    def __init__(self, dal: AsyncDAL, ttl_seconds: float) -> None:
        self.dal = dal
        self.ttl = timedelta(seconds=ttl_seconds)

    async def start(self, principal: Principal, kind: str, *, not_after: datetime | None = None,
                    now: datetime | None = None) -> tuple[str, HubSession]:
        """A new session for `principal`; ends at the session TTL or `not_after` (the credential's own expiry),
        whichever comes first. Returns the cookie value and the session."""
        if kind not in AUTH_KINDS:
            raise ValueError(f"unknown sign-in kind {kind!r}")
        now = now or utcnow()
        expires = now + self.ttl if not_after is None else min(now + self.ttl, not_after)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        async with self.dal.transaction() as conn:
            # Expired sessions and links go as new sessions start: the tables stay as small as what is live.
            await conn.execute(
                "DELETE FROM hub_sessions WHERE token_hash IN (SELECT token_hash FROM hub_sessions"
                " WHERE expires_at < $1 LIMIT $2)", now, PRUNE_BATCH)
            await conn.execute(
                "DELETE FROM hub_links WHERE token_hash IN (SELECT token_hash FROM hub_links"
                " WHERE expires_at < $1 LIMIT $2)", now, PRUNE_BATCH)
            await conn.execute(
                "INSERT INTO hub_sessions (token_hash, community_id, subject, scopes, csrf_token, auth_kind,"
                " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                _digest(token), principal.community_id, principal.user_id, sorted(principal.scopes), csrf, kind,
                now, expires)
        log.info("hub session started", extra={"event_type": "auth", "action": "hub_sign_in", "result": kind,
                                               "community_id": principal.community_id})
        return token, HubSession(principal, csrf, kind, expires)

    async def load(self, token: str | None) -> HubSession | None:
        """The live session behind a cookie value, or None (unknown, expired, or no cookie)."""
        if not token or len(token) > 256:
            return None
        row = await self.dal.fetchrow(
            "SELECT * FROM hub_sessions WHERE token_hash = $1 AND expires_at > now()", _digest(token))
        if row is None:
            return None
        principal = Principal(user_id=row["subject"], community_id=row["community_id"], scopes=frozenset(row["scopes"]))
        return HubSession(principal, row["csrf_token"], row["auth_kind"], row["expires_at"])

    async def end(self, token: str | None) -> None:
        if token:
            await self.dal.execute("DELETE FROM hub_sessions WHERE token_hash = $1", _digest(token))

    async def create_link(self, principal: Principal, ttl_seconds: float) -> str:
        """A one-time sign-in link token for `principal`, valid for `ttl_seconds`."""
        token = secrets.token_urlsafe(32)
        await self.dal.execute(
            "INSERT INTO hub_links (token_hash, community_id, subject, scopes, expires_at)"
            " VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
            _digest(token), principal.community_id, principal.user_id, sorted(principal.scopes), float(ttl_seconds))
        return token

    async def link_is_live(self, token: str) -> bool:
        if not token or len(token) > 256:
            return False
        return bool(await self.dal.fetchval(
            "SELECT 1 FROM hub_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()",
            _digest(token)))

    async def redeem_link(self, token: str) -> tuple[str, HubSession] | None:
        """Uses a link once: the session it starts, or None when it is unknown, used or expired."""
        if not token or len(token) > 256:
            return None
        row = await self.dal.fetchrow(
            "UPDATE hub_links SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()"
            " RETURNING community_id, subject, scopes", _digest(token))
        if row is None:
            return None
        principal = Principal(user_id=row["subject"], community_id=row["community_id"], scopes=frozenset(row["scopes"]))
        return await self.start(principal, "link")
