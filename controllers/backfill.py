"""Backfill: run a schedule's past fires in a range, each at most once."""

from __future__ import annotations

from uuid import UUID

from quart import Blueprint
from quart_schema import tag, validate_request, validate_response

from controllers.deps import caller, requires, services
from services.openapi import error_responses
from services.ops_schemas import BackfillIn, BackfillOut

bp = Blueprint("backfill", __name__, url_prefix="/api/v1/schedules")


@bp.post("/<uuid:schedule_id>/backfill")
@requires("schedules:write")
@tag(["schedules", "operations"])
@error_responses(409)
@validate_request(BackfillIn)
@validate_response(BackfillOut, 200)
@validate_response(BackfillOut, 202)
async def backfill_schedule(schedule_id: UUID, data: BackfillIn):
    """Queues the fires the schedule would have run in [start, end) that have no execution yet (at most 1,000;
    202), or lists them (dry_run; 200)."""
    out = await services().backfill.backfill(caller(), schedule_id, data.start, data.end,
                                             data.dry_run)
    return out, 200 if data.dry_run else 202
