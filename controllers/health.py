"""Liveness, readiness and the original module's health document, each also under the common probe paths
orchestrators are often configured with (/health/live, /health/ready, /health): same answers."""

from __future__ import annotations

from typing import Any

from quart import Blueprint
from quart_schema import tag, validate_response

from controllers.deps import services
from services.schemas import Health, Probe

bp = Blueprint("health", __name__)


async def _live() -> dict[str, Any]:
    # Liveness never touches the database: a slow database must not get the process killed.
    return {"status": "ok", "reasons": []}


async def _ready() -> tuple[dict[str, Any], int]:
    reasons = await services().readiness_problems()
    if reasons:
        return {"status": "unavailable", "reasons": reasons}, 503
    return {"status": "ready", "reasons": []}, 200


@bp.get("/healthz")
@tag(["health"])
@validate_response(Probe)
async def healthz():
    return await _live()


@bp.get("/health/live")
@tag(["health"])
@validate_response(Probe)
async def health_live():
    """The same answer as /healthz."""
    return await _live()


@bp.get("/readyz")
@tag(["health"])
@validate_response(Probe, 200)
@validate_response(Probe, 503)
async def readyz():
    return await _ready()


@bp.get("/health/ready")
@tag(["health"])
@validate_response(Probe, 200)
@validate_response(Probe, 503)
async def health_ready():
    """The same answer as /readyz."""
    return await _ready()


@bp.get("/api/v1/health")
@tag(["health"])
@validate_response(Health)
async def health():
    return await services().health()


@bp.get("/health")
@tag(["health"])
@validate_response(Health)
async def health_alias():
    """The same answer as /api/v1/health."""
    return await services().health()
