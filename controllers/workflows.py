"""Workflows registry endpoints, definition validation and manual runs."""

from __future__ import annotations

from uuid import UUID

from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_request, validate_response

from controllers.deps import caller, if_match, optional_body, requires, services, with_etag
from controllers.idempotent import idempotent
from services.openapi import error_responses
from services.schemas import (
    DefinitionCheck,
    DefinitionVerdict,
    ExecuteIn,
    ExecuteOut,
    WorkflowIn,
    WorkflowList,
    WorkflowListQuery,
    WorkflowOut,
    WorkflowRemoved,
)
from services.workflows import check_definition, require_valid, workflow_out

bp = Blueprint("workflows", __name__, url_prefix="/api/v1/workflows")


@bp.post("")
@idempotent(created=("workflows", "workflow_id"))
@requires("workflows:write")
@tag(["workflows"])
@validate_request(WorkflowIn)
@validate_response(WorkflowOut, 201)
async def create_workflow(data: WorkflowIn):
    row = await services().workflows.create(caller(), data)
    return with_etag(workflow_out(row), row["version"], 201)


@bp.get("")
@requires("workflows:read")
@tag(["workflows"])
@validate_querystring(WorkflowListQuery)
@validate_response(WorkflowList)
async def list_workflows(query_args: WorkflowListQuery):
    q = query_args
    rows, cursor = await services().workflows.list(caller(), q.limit, q.cursor, order=q.order,
                                                   created_by=q.created_by, name=q.name)
    return {"items": [workflow_out(r) for r in rows], "next_cursor": cursor}


@bp.get("/<uuid:workflow_id>")
@requires("workflows:read")
@tag(["workflows"])
@validate_response(WorkflowOut)
async def get_workflow(workflow_id: UUID):
    row = await services().workflows.get_row(caller(), workflow_id)
    return with_etag(workflow_out(row), row["version"])


@bp.put("/<uuid:workflow_id>")
@requires("workflows:write")
@tag(["workflows"])
@error_responses(412)
@validate_request(WorkflowIn)
@validate_response(WorkflowOut)
async def replace_workflow(workflow_id: UUID, data: WorkflowIn):
    row = await services().workflows.replace(caller(), workflow_id, data, if_match())
    return with_etag(workflow_out(row), row["version"])


@bp.delete("/<uuid:workflow_id>")
@requires("workflows:write")
@tag(["workflows"])
@error_responses(409)
@validate_response(WorkflowRemoved)
async def delete_workflow(workflow_id: UUID):
    await services().workflows.delete(caller(), workflow_id, if_match())
    return {"status": "removed", "workflow_id": str(workflow_id)}


@bp.post("/<uuid:workflow_id>/validate")
@requires("workflows:read")
@tag(["workflows"])
@optional_body(DefinitionCheck)
@validate_response(DefinitionVerdict)
async def validate_workflow(workflow_id: UUID, data: DefinitionCheck):
    """Checks the stored definition, or the one in the body, without saving anything."""
    row = await services().workflows.get_row(caller(), workflow_id)
    definition = data.definition if data.definition is not None else row["definition"]
    require_valid(definition)
    return {"valid": True, "problems": check_definition(definition)}


@bp.post("/<uuid:workflow_id>/execute")
@idempotent()
@requires("executions:write")
@tag(["workflows", "executions"])
@error_responses(409)
@optional_body(ExecuteIn)
@validate_response(ExecuteOut, 202)
async def execute_workflow(workflow_id: UUID, data: ExecuteIn):
    execution_id, status, warnings = await services().executions.start_manual(
        caller(), workflow_id, data.context_data or {}, data.dry_run, data.mock_outputs)
    return {"execution_id": execution_id, "workflow_id": workflow_id, "status": status,
            "dry_run": data.dry_run, "dry_run_warnings": warnings}, 202
