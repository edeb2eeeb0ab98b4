"""Operations: the situation report."""

from __future__ import annotations

from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_response

from controllers.deps import caller, requires, services
from services.openapi import error_responses
from services.schemas import Sitrep, SitrepQuery
from services.sitrep import parse_window

bp = Blueprint("ops", __name__, url_prefix="/api/v1/scheduler")


@bp.get("/sitrep")
@requires("ops:read")
@tag(["operations"])
@error_responses(503)
@validate_querystring(SitrepQuery)
@validate_response(Sitrep)
async def sitrep(query_args: SitrepQuery):
    """The community's scheduler, runs and fires over `window`, computed from the database on each call; 503
    with the reason when the database cannot be read."""
    principal = caller()
    return await services().sitrep.report(principal, parse_window(query_args.window), query_args.recent)
