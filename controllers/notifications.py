"""Notification targets and their delivery logs."""

from __future__ import annotations

from uuid import UUID

from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_request, validate_response

from controllers.deps import caller, if_match, requires, services, with_etag
from services.notifications.targets import target_out
from services.openapi import error_responses
from services.schemas import (
    DeliveryList,
    DeliveryListQuery,
    NotificationTargetCreate,
    NotificationTargetList,
    NotificationTargetOut,
    NotificationTargetRemoved,
    NotificationTargetReplace,
    PageQuery,
)

bp = Blueprint("notifications", __name__, url_prefix="/api/v1/notification-targets")


@bp.post("")
@requires("ops:write")
@tag(["notifications"])
@validate_request(NotificationTargetCreate)
@validate_response(NotificationTargetOut, 201)
async def create_notification_target(data: NotificationTargetCreate):
    row = await services().notification_targets.create(caller(), data)
    return with_etag(target_out(row), row["version"], 201)


@bp.get("")
@requires("ops:read")
@tag(["notifications"])
@validate_querystring(PageQuery)
@validate_response(NotificationTargetList)
async def list_notification_targets(query_args: PageQuery):
    rows, cursor = await services().notification_targets.list(caller(), query_args.limit,
                                                               query_args.cursor, query_args.order)
    return {"items": [target_out(r) for r in rows], "next_cursor": cursor}


@bp.get("/<uuid:target_id>")
@requires("ops:read")
@tag(["notifications"])
@validate_response(NotificationTargetOut)
async def get_notification_target(target_id: UUID):
    row = await services().notification_targets.get_row(caller(), target_id)
    return with_etag(target_out(row), row["version"])


@bp.put("/<uuid:target_id>")
@requires("ops:write")
@tag(["notifications"])
@error_responses(412)
@validate_request(NotificationTargetReplace)
@validate_response(NotificationTargetOut)
async def replace_notification_target(target_id: UUID, data: NotificationTargetReplace):
    row = await services().notification_targets.replace(caller(), target_id, data, if_match())
    return with_etag(target_out(row), row["version"])


@bp.delete("/<uuid:target_id>")
@requires("ops:write")
@tag(["notifications"])
@error_responses(412)
@validate_response(NotificationTargetRemoved)
async def delete_notification_target(target_id: UUID):
    await services().notification_targets.delete(caller(), target_id, if_match())
    return {"status": "removed", "target_id": str(target_id)}


@bp.get("/<uuid:target_id>/deliveries")
@requires("ops:read")
@tag(["notifications"])
@validate_querystring(DeliveryListQuery)
@validate_response(DeliveryList)
async def list_notification_deliveries(target_id: UUID, query_args: DeliveryListQuery):
    """The delivery log: one row per event sent (or to be sent) to this target, with attempts and the last
    answer; `payload` is the event (null once the outbox pruned it)."""
    q = query_args
    rows, cursor = await services().notification_targets.deliveries(caller(), target_id, q.status,
                                                                    q.limit, q.cursor, q.order)
    return {"items": [dict(r) for r in rows], "next_cursor": cursor}
