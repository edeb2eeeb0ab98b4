"""Workflows registry: community-scoped CRUD."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services.auth import Principal
from services.dal import AsyncDAL
from services.errors import Conflict, NotFound, PreconditionFailed
from services.pagination import decode_cursor, page
from services.schemas import WorkflowIn


class WorkflowService:
    def __init__(self, dal: AsyncDAL, validate_definition: Any = None) -> None:
        self.dal = dal
        # The engine supplies a validator; the registry only stores what passes it.
        self.validate_definition = validate_definition

    async def get_row(self, principal: Principal, workflow_id: UUID) -> asyncpg.Record:
        row = await self.dal.fetchrow(
            "SELECT * FROM workflows WHERE workflow_id = $1 AND community_id = $2", workflow_id, principal.community_id
        )
        if row is None:
            raise NotFound(f"workflow {workflow_id} not found", code="workflow_not_found")
        return row

    async def create(self, principal: Principal, body: WorkflowIn) -> asyncpg.Record:
        if self.validate_definition:
            self.validate_definition(body.definition)
        return await self.dal.fetchrow(
            "INSERT INTO workflows (workflow_id, community_id, name, description, definition, status,"
            " created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *",
            uuid4(), principal.community_id, body.name, body.description, body.definition, body.status,
            principal.user_id,
        )

    async def list(self, principal: Principal, limit: int, cursor: str | None) -> tuple[list, str | None]:
        after = decode_cursor(cursor)
        rows = await self.dal.fetch(
            "SELECT * FROM workflows WHERE community_id = $1"
            " AND ($2::timestamptz IS NULL OR (created_at, workflow_id) > ($2, $3))"
            " ORDER BY created_at, workflow_id LIMIT $4",
            principal.community_id, after and after[0], after and after[1], limit + 1,
        )
        return page(list(rows), limit, "workflow_id")

    async def replace(self, principal: Principal, workflow_id: UUID, body: WorkflowIn,
                      if_match: int | None) -> asyncpg.Record:
        if self.validate_definition:
            self.validate_definition(body.definition)
        row = await self.dal.fetchrow(
            "UPDATE workflows SET name = $3, description = $4, definition = $5, status = $6, updated_by = $7,"
            " version = version + 1, updated_at = now()"
            " WHERE workflow_id = $1 AND community_id = $2 AND ($8::int IS NULL OR version = $8) RETURNING *",
            workflow_id, principal.community_id, body.name, body.description, body.definition, body.status,
            principal.user_id, if_match,
        )
        if row is None:
            await self.get_row(principal, workflow_id)
            raise PreconditionFailed(f"workflow {workflow_id} has changed; If-Match {if_match} is stale")
        return row

    async def delete(self, principal: Principal, workflow_id: UUID) -> None:
        async with self.dal.transaction() as conn:
            row = await conn.fetchrow(
                "SELECT workflow_id FROM workflows WHERE workflow_id = $1 AND community_id = $2 FOR UPDATE",
                workflow_id, principal.community_id,
            )
            if row is None:
                raise NotFound(f"workflow {workflow_id} not found", code="workflow_not_found")
            live = await conn.fetchval(
                "SELECT count(*) FROM workflow_schedules WHERE workflow_id = $1 AND status IN ('active', 'paused')",
                workflow_id,
            )
            if live:
                raise Conflict(f"workflow {workflow_id} still has {live} active schedule(s); cancel them first",
                               code="workflow_in_use")
            await conn.execute("DELETE FROM workflows WHERE workflow_id = $1", workflow_id)
