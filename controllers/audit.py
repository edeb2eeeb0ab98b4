"""The audit trail of the caller's community, newest first."""

from __future__ import annotations

from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_response

from controllers.deps import caller, requires, services
from services import audit
from services.ops_schemas import AuditList, AuditQuery

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")


@bp.get("")
@requires("ops:read")
@tag(["operations"])
@validate_querystring(AuditQuery)
@validate_response(AuditList)
async def list_audit_events(query_args: AuditQuery):
    q = query_args
    rows, cursor = await audit.list_events(services().dal, caller(), actor=q.actor, action=q.action,
                                           target_id=q.target_id, since=q.since, until=q.until, limit=q.limit,
                                           cursor=q.cursor, order=q.order)
    return {"items": [dict(r) for r in rows], "next_cursor": cursor}
