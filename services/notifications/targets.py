"""Notification targets: where a community's events go (a signed webhook, or a chat message via the router)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services.auth import Principal
from services.dal import AsyncDAL
from services.engine.outbound import normalize_hosts, precheck_url
from services.engine.types import NodeError
from services.errors import NotFound, PreconditionFailed, ValidationFailed
from services.pagination import Order, by_order, decode_cursor, keyset, page
from services.schemas import CHAT_FIELDS, NotificationTargetCreate, NotificationTargetReplace

_DELIVERIES_SQL = """
SELECT d.delivery_id, d.seq, d.event_id, d.target_id, d.event_kind, d.status, d.attempts, d.last_status,
       d.last_error, d.created_at, d.updated_at, d.delivered_at, o.payload,
       CASE WHEN d.status IN ('pending', 'sending') THEN d.next_attempt_at END AS next_attempt_at
FROM notification_deliveries d
LEFT JOIN event_outbox o ON o.event_id = d.event_id
WHERE d.target_id = $1 AND ($2::text IS NULL OR d.status = $2) AND {after}
ORDER BY {order_by}
LIMIT $4
"""
_DELIVERIES = by_order(_DELIVERIES_SQL, "d.seq", "$3")


def target_out(row: asyncpg.Record) -> dict[str, Any]:
    out = dict(row)
    out["has_secret"] = bool(out.pop("secret", None))
    return out


def check_target(body: NotificationTargetCreate | NotificationTargetReplace, allowed_hosts: frozenset[str],
                 stored_secret: str | None = None) -> None:
    """What the kinds need beyond the schema: a webhook has a public (or allowed) http(s) URL and a secret,
    a chat target an entity and no URL or secret. Hostnames are checked again, resolved, at each delivery."""
    if body.kind == "webhook":
        for name in CHAT_FIELDS:
            if getattr(body, name) is not None:
                raise ValidationFailed(name, "is only for chat targets", code="invalid_target")
        if body.url is None:
            raise ValidationFailed("url", "is required for a webhook target", code="missing_field")
        if body.secret is None and stored_secret is None:
            raise ValidationFailed("secret", "is required for a webhook target (it signs every delivery)",
                                   code="missing_field")
        try:
            precheck_url(body.url, allowed_hosts)
        except NodeError as exc:
            code = exc.code if exc.code == "ssrf_refused" else "invalid_url"
            raise ValidationFailed("url", exc.message, code=code) from None
    else:
        for name in ("url", "secret"):
            if getattr(body, name) is not None:
                raise ValidationFailed(name, "is only for webhook targets", code="invalid_target")
        if body.entity_id is None:
            raise ValidationFailed("entity_id", "is required for a chat target", code="missing_field")


class NotificationTargetService:
    def __init__(self, dal: AsyncDAL, allowed_hosts: frozenset[str]) -> None:
        self.dal = dal
        self.allowed_hosts = normalize_hosts(allowed_hosts)

    async def get_row(self, principal: Principal, target_id: UUID) -> asyncpg.Record:
        row = await self.dal.fetchrow("SELECT * FROM notification_targets WHERE target_id = $1 AND community_id = $2",
                                      target_id, principal.community_id)
        if row is None:
            raise NotFound(f"notification target {target_id} not found", code="notification_target_not_found")
        return row

    async def create(self, principal: Principal, body: NotificationTargetCreate) -> asyncpg.Record:
        check_target(body, self.allowed_hosts)
        return await self.dal.fetchrow(
            "INSERT INTO notification_targets (target_id, community_id, name, kind, url, secret, entity_id, platform,"
            " channel, events, enabled, created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
            " $11, $12, $12) RETURNING *",
            uuid4(), principal.community_id, body.name, body.kind, body.url, body.secret, body.entity_id,
            body.platform, body.channel, list(body.events), body.enabled, principal.user_id)

    async def list(self, principal: Principal, limit: int, cursor: str | None,
                   order: Order = "asc") -> tuple[list, str | None]:
        after, order_by = keyset("seq", "$2", order)
        rows = await self.dal.fetch(
            f"SELECT * FROM notification_targets WHERE community_id = $1 AND {after}"
            f" ORDER BY {order_by} LIMIT $3", principal.community_id, decode_cursor(cursor, order), limit + 1)
        return page(list(rows), limit, order)

    async def replace(self, principal: Principal, target_id: UUID, body: NotificationTargetReplace,
                      if_match: int | None) -> asyncpg.Record:
        async with self.dal.transaction() as conn:
            row = await conn.fetchrow("SELECT * FROM notification_targets WHERE target_id = $1 AND community_id = $2"
                                      " FOR UPDATE", target_id, principal.community_id)
            if row is None:
                raise NotFound(f"notification target {target_id} not found", code="notification_target_not_found")
            _check_version(row, if_match)
            # The secret is write-only: a webhook PUT without one keeps the stored one; a chat target has none.
            stored = row["secret"] if body.kind == "webhook" else None
            check_target(body, self.allowed_hosts, stored_secret=stored)
            return await conn.fetchrow(
                "UPDATE notification_targets SET name = $2, kind = $3, url = $4, secret = COALESCE($5, $6),"
                " entity_id = $7, platform = $8, channel = $9, events = $10, enabled = $11, updated_by = $12,"
                " updated_at = now(), version = version + 1 WHERE target_id = $1 RETURNING *",
                target_id, body.name, body.kind, body.url, body.secret, stored, body.entity_id, body.platform,
                body.channel, list(body.events), body.enabled, principal.user_id)

    async def delete(self, principal: Principal, target_id: UUID, if_match: int | None) -> None:
        """Its delivery log goes with it; deliveries in flight finish, and their outcome is dropped."""
        async with self.dal.transaction() as conn:
            row = await conn.fetchrow("SELECT target_id, version FROM notification_targets"
                                      " WHERE target_id = $1 AND community_id = $2 FOR UPDATE",
                                      target_id, principal.community_id)
            if row is None:
                raise NotFound(f"notification target {target_id} not found", code="notification_target_not_found")
            _check_version(row, if_match)
            await conn.execute("DELETE FROM notification_targets WHERE target_id = $1", target_id)

    async def deliveries(self, principal: Principal, target_id: UUID, status: str | None, limit: int,
                         cursor: str | None, order: Order = "asc") -> tuple[list, str | None]:
        await self.get_row(principal, target_id)
        rows = await self.dal.fetch(_DELIVERIES[order], target_id, status, decode_cursor(cursor, order), limit + 1)
        return page(list(rows), limit, order)


def _check_version(row: asyncpg.Record, if_match: int | None) -> None:
    if if_match is not None and if_match != row["version"]:
        raise PreconditionFailed(f"notification target {row['target_id']} is at version {row['version']},"
                                 f" not {if_match}")
