"""Liveness, readiness and the original module's health document."""

from __future__ import annotations

from quart import Blueprint
from quart_schema import tag, validate_response

from controllers.deps import services
from services.schemas import Health, Probe

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@tag(["health"])
@validate_response(Probe)
async def healthz():
    # Liveness never touches the database: a slow database must not get the process killed.
    return {"status": "ok", "reasons": []}


@bp.get("/readyz")
@tag(["health"])
@validate_response(Probe, 200)
@validate_response(Probe, 503)
async def readyz():
    reasons = await services().readiness_problems()
    if reasons:
        return {"status": "unavailable", "reasons": reasons}, 503
    return {"status": "ready", "reasons": []}


@bp.get("/api/v1/health")
@tag(["health"])
@validate_response(Health)
async def health():
    return await services().health()
