"""Schedule endpoints: parse, authorize, call ScheduleService, shape the response."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_request, validate_response

from controllers.deps import caller, if_match, optional_body, requires, services, with_etag
from controllers.idempotent import idempotent
from services.errors import ValidationFailed
from services.openapi import error_responses
from services.schedules import schedule_out, utcnow
from services.schemas import (
    ExecutionList,
    NextRunsQuery,
    PauseIn,
    PreviewOut,
    PreviewRequest,
    Removed,
    RunNowIn,
    RunNowOut,
    ScheduleCreate,
    ScheduleExecutionsQuery,
    ScheduleList,
    ScheduleListQuery,
    ScheduleOut,
    SchedulePatch,
    ScheduleReplace,
    SnoozeIn,
    WorkflowSchedules,
)

bp = Blueprint("schedules", __name__, url_prefix="/api/v1/schedules")


@bp.post("")
@idempotent(created=("schedules", "schedule_id"))
@requires("schedules:write")
@tag(["schedules"])
@validate_request(ScheduleCreate)
@validate_response(ScheduleOut, 201)
@error_responses(404)
async def create_schedule(data: ScheduleCreate):
    row = await services().schedules.create(caller(), data)
    return with_etag(schedule_out(row), row["version"], 201)


@bp.get("")
@requires("schedules:read")
@tag(["schedules"])
@validate_querystring(ScheduleListQuery)
@validate_response(ScheduleList)
async def list_schedules(query_args: ScheduleListQuery):
    rows, cursor = await services().schedules.list(
        caller(), workflow_id=query_args.workflow_id, status=query_args.status,
        schedule_type=query_args.schedule_type, limit=query_args.limit, cursor=query_args.cursor,
        order=query_args.order, created_by=query_args.created_by, name=query_args.name,
    )
    return {"items": [schedule_out(r) for r in rows], "next_cursor": cursor}


@bp.post("/preview")
@requires("schedules:read")
@tag(["schedules"])
@validate_request(PreviewRequest)
@validate_response(PreviewOut)
async def preview_schedule(data: PreviewRequest):
    return services().schedules.preview(data.schedule_config, data.after, data.count)


@bp.get("/workflow/<uuid:workflow_id>")
@requires("schedules:read")
@tag(["schedules"])
@validate_response(WorkflowSchedules)
async def schedules_for_workflow(workflow_id: UUID):
    rows = await services().schedules.list_for_workflow(caller(), workflow_id)
    return {"workflow_id": workflow_id, "schedules": [schedule_out(r) for r in rows], "count": len(rows)}


@bp.get("/<uuid:schedule_id>")
@requires("schedules:read")
@tag(["schedules"])
@validate_response(ScheduleOut)
async def get_schedule(schedule_id: UUID):
    row = await services().schedules.get_row(caller(), schedule_id)
    return with_etag(schedule_out(row), row["version"])


@bp.put("/<uuid:schedule_id>")
@requires("schedules:write")
@tag(["schedules"])
@error_responses(404, 409, 412)
@validate_request(ScheduleReplace)
@validate_response(ScheduleOut)
async def replace_schedule(schedule_id: UUID, data: ScheduleReplace):
    row = await services().schedules.replace(caller(), schedule_id, data, if_match())
    return with_etag(schedule_out(row), row["version"])


@bp.patch("/<uuid:schedule_id>")
@requires("schedules:write")
@tag(["schedules"])
@error_responses(409, 412)
@validate_request(SchedulePatch)
@validate_response(ScheduleOut)
async def patch_schedule(schedule_id: UUID, data: SchedulePatch):
    row = await services().schedules.patch(caller(), schedule_id, data, if_match())
    return with_etag(schedule_out(row), row["version"])


@bp.delete("/<uuid:schedule_id>")
@requires("schedules:write")
@tag(["schedules"])
@validate_response(Removed)
async def delete_schedule(schedule_id: UUID):
    await services().schedules.delete(caller(), schedule_id, if_match())
    return {"status": "removed", "schedule_id": schedule_id}


@bp.get("/<uuid:schedule_id>/next-runs")
@requires("schedules:read")
@tag(["schedules"])
@validate_querystring(NextRunsQuery)
@validate_response(PreviewOut)
async def next_runs(schedule_id: UUID, query_args: NextRunsQuery):
    return await services().schedules.next_runs(caller(), schedule_id, query_args.count,
                                                query_args.after)


@bp.get("/<uuid:schedule_id>/executions")
@requires("schedules:read")
@tag(["schedules", "executions"])
@validate_querystring(ScheduleExecutionsQuery)
@validate_response(ExecutionList)
async def schedule_executions(schedule_id: UUID, query_args: ScheduleExecutionsQuery):
    principal = caller()
    q = query_args
    await services().schedules.get_row(principal, schedule_id)
    rows, cursor = await services().executions.list(
        principal, schedule_id=schedule_id, workflow_id=q.workflow_id, status=q.status, trigger=q.trigger,
        since=q.since, until=q.until, limit=q.limit, cursor=q.cursor, order=q.order)
    return {"items": [dict(r) for r in rows], "next_cursor": cursor}


@bp.post("/<uuid:schedule_id>/pause")
@requires("schedules:write")
@tag(["schedules", "lifecycle"])
@error_responses(409)
@optional_body(PauseIn)
@validate_response(ScheduleOut)
async def pause_schedule(schedule_id: UUID, data: PauseIn):
    row = await services().schedules.pause(caller(), schedule_id, data.note, if_match())
    return with_etag(schedule_out(row), row["version"])


@bp.post("/<uuid:schedule_id>/resume")
@requires("schedules:write")
@tag(["schedules", "lifecycle"])
@error_responses(409)
@validate_response(ScheduleOut)
async def resume_schedule(schedule_id: UUID):
    row = await services().schedules.resume(caller(), schedule_id, if_match())
    return with_etag(schedule_out(row), row["version"])


@bp.post("/<uuid:schedule_id>/snooze")
@requires("schedules:write")
@tag(["schedules", "lifecycle"])
@error_responses(409)
@optional_body(SnoozeIn, documented_optional=False)
@validate_response(ScheduleOut)
async def snooze_schedule(schedule_id: UUID, data: SnoozeIn):
    if (data.until is None) == (data.seconds is None):
        raise ValidationFailed("until", "give exactly one of 'until' or 'seconds'", code="invalid_snooze")
    until = data.until or utcnow() + timedelta(seconds=data.seconds or 0)
    row = await services().schedules.snooze(caller(), schedule_id, until, if_match())
    return with_etag(schedule_out(row), row["version"])


@bp.post("/<uuid:schedule_id>/run-now")
@idempotent()
@requires("schedules:write")
@tag(["schedules", "lifecycle"])
@error_responses(409)
@optional_body(RunNowIn)
@validate_response(RunNowOut, 202)
async def run_schedule_now(schedule_id: UUID, data: RunNowIn):
    execution_id, status = await services().schedules.run_now(caller(), schedule_id, data.force,
                                                                    if_match())
    return {"execution_id": execution_id, "status": status, "schedule_id": schedule_id}, 202


@bp.post("/<uuid:schedule_id>/cancel")
@requires("schedules:write")
@tag(["schedules", "lifecycle"])
@error_responses(409)
@validate_response(ScheduleOut)
async def cancel_schedule(schedule_id: UUID):
    row = await services().schedules.cancel(caller(), schedule_id, if_match())
    return with_etag(schedule_out(row), row["version"])
