"""Approval endpoints: issue a single-use token for runs or a fix-it, and decide with one."""

from __future__ import annotations

from quart import Blueprint
from quart_schema import tag, validate_request, validate_response

from controllers.deps import caller, requires, services
from services.openapi import error_responses
from services.ops_schemas import ApprovalTokenOut, ApproveIn, ApproveOut, TokenGenerateIn

bp = Blueprint("approvals", __name__, url_prefix="/api/v1/scheduler/approve")


@bp.post("/token/generate")
@requires("approvals:write")
@tag(["operations"])
@error_responses(404, 409)
@validate_request(TokenGenerateIn)
@validate_response(ApprovalTokenOut, 201)
async def generate_approval_token(data: TokenGenerateIn):
    out = await services().approvals.generate(caller(), data.execution_ids, data.fixit_id)
    return out, 201


@bp.post("")
@requires("approvals:write")
@tag(["operations"])
@error_responses(404, 409, 410, 429)
@validate_request(ApproveIn)
@validate_response(ApproveOut)
async def approve(data: ApproveIn):
    """Approves or denies what the token was issued for. A token that decides nothing answers in the error
    envelope plus these fields, `status` saying why: 404 invalid_token (unknown, or another community's),
    409 already_used, 410 expired; 429 after too many wrong tokens from one caller."""
    return await services().approvals.decide(caller(), data.token, data.action, data.execution_id,
                                             data.notes)
