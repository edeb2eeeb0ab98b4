"""Workflows registry: community-scoped CRUD, definitions checked by the engine before they are stored.
Every write is recorded in the audit trail in its own transaction (services.audit)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services import audit
from services.auth import Principal
from services.dal import AsyncDAL
from services.engine import definition_problems
from services.errors import ApiError, Conflict, NotFound, PreconditionFailed
from services.pagination import Order, decode_cursor, keyset, like_prefix, page
from services.schemas import WorkflowIn


def workflow_not_found(workflow_id: Any) -> NotFound:
    """The answer for a workflow the caller's community does not have (absent, or another community's)."""
    return NotFound(f"workflow {workflow_id} not found", code="workflow_not_found")


def workflow_out(row: asyncpg.Record) -> dict[str, Any]:
    out = dict(row)
    out["has_hmac_secret"] = bool(out.pop("hmac_secret", None))
    return out


def check_definition(definition: Any) -> list[dict[str, Any]]:
    return [p.to_dict() for p in definition_problems(definition)]


def require_valid(definition: Any) -> None:
    problems = check_definition(definition)
    if problems:
        first = problems[0]
        details = [{"field": f"definition.nodes.{p['node_id']}" if p["node_id"] else "definition",
                    "message": p["message"], "code": p["code"]} for p in problems]
        raise ApiError(first["message"], code=first["code"], details=details)


async def insert_workflow(conn: asyncpg.Connection, principal: Principal, body: WorkflowIn) -> asyncpg.Record:
    """Writes a workflow whose definition was checked (require_valid) and its audit event, in the caller's
    transaction (POST /workflows, and POST /schedules with an inline workflow)."""
    row = await conn.fetchrow(
        "INSERT INTO workflows (workflow_id, community_id, name, description, definition, status,"
        " retry_config, hmac_secret, requires_approval, created_by, updated_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING *",
        uuid4(), principal.community_id, body.name, body.description, body.definition, body.status,
        body.retry_config.model_dump() if body.retry_config else None, body.hmac_secret,
        body.requires_approval, principal.user_id,
    )
    await audit.record(conn, principal, "workflow.create", "workflow", row["workflow_id"], None, row)
    return row


class WorkflowService:
    def __init__(self, dal: AsyncDAL) -> None:
        self.dal = dal

    async def get_row(self, principal: Principal, workflow_id: UUID) -> asyncpg.Record:
        row = await self.dal.fetchrow(
            "SELECT * FROM workflows WHERE workflow_id = $1 AND community_id = $2", workflow_id, principal.community_id
        )
        if row is None:
            raise workflow_not_found(workflow_id)
        return row

    async def create(self, principal: Principal, body: WorkflowIn) -> asyncpg.Record:
        require_valid(body.definition)
        async with self.dal.transaction() as conn:
            return await insert_workflow(conn, principal, body)

    async def list(self, principal: Principal, limit: int, cursor: str | None, *, order: Order = "asc",
                   created_by: str | None = None, name: str | None = None) -> tuple[list, str | None]:
        after, order_by = keyset("seq", "$2", order)
        rows = await self.dal.fetch(
            f"SELECT * FROM workflows WHERE community_id = $1 AND {after}"
            " AND ($4::text IS NULL OR created_by = $4) AND ($5::text IS NULL OR name LIKE $5)"
            f" ORDER BY {order_by} LIMIT $3",
            principal.community_id, decode_cursor(cursor, order), limit + 1, created_by,
            like_prefix(name) if name else None,
        )
        return page(list(rows), limit, order)

    async def replace(self, principal: Principal, workflow_id: UUID, body: WorkflowIn,
                      if_match: int | None) -> asyncpg.Record:
        require_valid(body.definition)
        async with self.dal.transaction() as conn:
            before = await conn.fetchrow(
                "SELECT * FROM workflows WHERE workflow_id = $1 AND community_id = $2 FOR UPDATE",
                workflow_id, principal.community_id)
            if before is None:
                raise workflow_not_found(workflow_id)
            if if_match is not None and if_match != before["version"]:
                raise PreconditionFailed(f"workflow {workflow_id} has changed; If-Match {if_match} is stale")
            # hmac_secret is write-only: leaving it out keeps the stored one.
            row = await conn.fetchrow(
                "UPDATE workflows SET name = $2, description = $3, definition = $4, status = $5, updated_by = $6,"
                " retry_config = $7, hmac_secret = COALESCE($8, hmac_secret), requires_approval = $9,"
                " version = version + 1, updated_at = now() WHERE workflow_id = $1 RETURNING *",
                workflow_id, body.name, body.description, body.definition, body.status, principal.user_id,
                body.retry_config.model_dump() if body.retry_config else None, body.hmac_secret,
                body.requires_approval,
            )
            await audit.record(conn, principal, "workflow.update", "workflow", workflow_id, before, row)
            return row

    async def delete(self, principal: Principal, workflow_id: UUID, if_match: int | None = None) -> None:
        async with self.dal.transaction() as conn:
            row = await conn.fetchrow(
                "SELECT * FROM workflows WHERE workflow_id = $1 AND community_id = $2 FOR UPDATE",
                workflow_id, principal.community_id,
            )
            if row is None:
                raise workflow_not_found(workflow_id)
            if if_match is not None and if_match != row["version"]:
                raise PreconditionFailed(f"workflow {workflow_id} is at version {row['version']}, not {if_match}")
            live = await conn.fetchval(
                "SELECT count(*) FROM workflow_schedules WHERE workflow_id = $1 AND status IN ('active', 'paused')",
                workflow_id,
            )
            if live:
                raise Conflict(f"workflow {workflow_id} still has {live} active schedule(s); cancel them first",
                               code="workflow_in_use")
            await conn.execute("DELETE FROM workflows WHERE workflow_id = $1", workflow_id)
            await audit.record(conn, principal, "workflow.delete", "workflow", workflow_id, row, None)
