"""Execution history endpoints and cancellation."""

from __future__ import annotations

from uuid import UUID

from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_response

from controllers.deps import caller, requires, services
from services.openapi import error_responses
from services.schemas import ExecutionList, ExecutionListQuery, ExecutionOut

bp = Blueprint("executions", __name__, url_prefix="/api/v1/executions")


@bp.get("")
@requires("executions:read")
@tag(["executions"])
@validate_querystring(ExecutionListQuery)
@validate_response(ExecutionList)
async def list_executions(query_args: ExecutionListQuery):
    q = query_args
    rows, cursor = await services().executions.list(
        caller(), schedule_id=q.schedule_id, workflow_id=q.workflow_id, status=q.status,
        trigger=q.trigger, since=q.since, until=q.until, limit=q.limit, cursor=q.cursor, order=q.order)
    return {"items": [dict(r) for r in rows], "next_cursor": cursor}


@bp.get("/<uuid:execution_id>")
@requires("executions:read")
@tag(["executions"])
@validate_response(ExecutionOut)
async def get_execution(execution_id: UUID):
    row, steps = await services().executions.get(caller(), execution_id)
    return {**dict(row), "steps": [dict(s) for s in steps]}


@bp.post("/<uuid:execution_id>/cancel")
@requires("executions:write")
@tag(["executions"])
@error_responses(409)
@validate_response(ExecutionOut, 202)
async def cancel_execution(execution_id: UUID):
    row = await services().executions.cancel(caller(), execution_id)
    return dict(row), 202
