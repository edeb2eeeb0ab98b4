"""Event endpoints: accept events (each starts the matching event schedules' runs) and list them."""

from __future__ import annotations

from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_request, validate_response

from controllers.deps import caller, requires, services
from controllers.idempotent import idempotent
from services.event_schemas import EventAccepted, EventBatchIn, EventBatchOut, EventIn, EventList, EventQuery

bp = Blueprint("events", __name__, url_prefix="/api/v1/events")


@bp.post("")
@idempotent()
@requires("events:write")
@tag(["events"])
@validate_request(EventIn)
@validate_response(EventAccepted, 202)
async def post_event(data: EventIn):
    """Accepts an event and starts one run per matching event schedule (type exact or prefix `*`, filter holds).
    The same `event_id` delivered again answers the first delivery's result and starts nothing."""
    events = services().events.validate([data])
    return (await services().events.accept(caller(), events))[0], 202


@bp.post("/batch")
@idempotent()
@requires("events:write")
@tag(["events"])
@validate_request(EventBatchIn)
@validate_response(EventBatchOut, 202)
async def post_events(data: EventBatchIn):
    """Up to 100 events in one transaction, each answered as `POST /api/v1/events` would."""
    events = services().events.validate(data.events, prefix="events")
    return {"items": await services().events.accept(caller(), events)}, 202


@bp.get("")
@requires("executions:read")
@tag(["events"])
@validate_querystring(EventQuery)
@validate_response(EventList)
async def list_events(query_args: EventQuery):
    """The community's received events, newest first (kept EVENT_RETENTION_DAYS)."""
    q = query_args
    items, cursor = await services().events.list(caller(), event_type=q.type, since=q.since, until=q.until,
                                                 limit=q.limit, cursor=q.cursor)
    return {"items": items, "next_cursor": cursor}
