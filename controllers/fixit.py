"""Fix-it endpoints: plan and run retries of a window's failed runs; read a stored fix-it."""

from __future__ import annotations

from uuid import UUID

from quart import Blueprint
from quart_schema import tag, validate_request, validate_response

from controllers.deps import caller, requires, services
from controllers.idempotent import idempotent
from services.openapi import error_responses
from services.ops_schemas import FixitIn, FixitOut

bp = Blueprint("fixit", __name__, url_prefix="/api/v1/scheduler/fix-it")


@bp.post("")
@idempotent(secret_fields=("approval_token",))
@requires("ops:write")
@tag(["operations"])
@error_responses(404, 409, 429)
@validate_request(FixitIn)
@validate_response(FixitOut, 200)
@validate_response(FixitOut, 202)
async def create_fixit(data: FixitIn):
    """Retries failed, timed-out, abandoned and missed runs of the window by mode. 200: dry_run or completed;
    202: running, or awaiting_approval (the answer carries the approval token)."""
    out = await services().fixits.create(
        caller(), mode=data.mode, max_retries=data.max_retries, auto_approve=data.auto_approve,
        dry_run=data.dry_run, window=data.window, schedule_ids=data.schedule_ids, limit=data.limit)
    return out, 202 if out["status"] in ("running", "awaiting_approval") else 200


@bp.get("/<uuid:fixit_id>")
@requires("ops:read")
@tag(["operations"])
@validate_response(FixitOut)
async def get_fixit(fixit_id: UUID):
    return await services().fixits.get(caller(), fixit_id)
