"""GET /metrics: Prometheus text format, no token (like the probes); not registered when METRICS=false."""

from __future__ import annotations

from quart import Blueprint, Response
from quart_schema import tag

from services import metrics
from services.openapi import text_response

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@tag(["health"])
@text_response(metrics.CONTENT_TYPE, "Prometheus text exposition: every worker's counters, histograms and gauges")
async def prometheus_metrics():
    return Response(metrics.render(), content_type=metrics.CONTENT_TYPE)
