"""A run: status, the step timeline, step inputs and outputs (as the engine recorded them: secrets masked),
the error and its node, the retry chain, and a cancel button while it is live."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from quart import redirect, request, url_for

from controllers.deps import services
from controllers.hub.blueprint import bp
from controllers.hub.web import form, is_htmx, principal, render, utcnow
from services.errors import ApiError, NotFound
from services.hub import queries

# The scopes of GET /api/v1/executions/{id} and POST /api/v1/executions/{id}/cancel, which these pages mirror.
READ, WRITE = "executions:read", "executions:write"
LIVE = ("pending", "running")


def _pretty(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def timeline(run: Any, steps: list[Any]) -> dict[str, Any]:
    """Each step as a bar: its start and length as fractions of the run's span (0..1)."""
    now = utcnow()
    starts = [s["started_at"] for s in steps]
    t0 = min([run["started_at"], *starts] if run["started_at"] else starts, default=None)
    ends = [s["finished_at"] or now for s in steps] + ([run["finished_at"]] if run["finished_at"] else [])
    t1 = max(ends, default=t0)
    span = max((t1 - t0).total_seconds(), 0.001) if t0 and t1 else 0.001
    bars = []
    for s in steps:
        start = (s["started_at"] - t0).total_seconds() if t0 else 0.0
        end = ((s["finished_at"] or now) - t0).total_seconds() if t0 else 0.0
        bars.append({**dict(s), "offset_ms": round(start * 1000), "x": start / span,
                     "w": max((end - start) / span, 0.004), "input_text": _pretty(s["input"]),
                     "output_text": _pretty(s["output"])})
    return {"bars": bars, "span_ms": round(span * 1000)}


@bp.get("/runs/<uuid:execution_id>")
async def run(execution_id: UUID):
    p = principal(READ)
    row, steps = await services().executions.get(p, execution_id)
    schedule = None
    if row["schedule_id"] is not None:
        try:
            schedule = await services().schedules.get_row(p, row["schedule_id"])
        except NotFound:
            schedule = None  # deleted since: the run stays readable
    context = {"run": row, "timeline": timeline(row, list(steps)), "schedule": schedule, "live": row["status"] in LIVE,
               "chain": await queries.retry_chain(services().dal, p, execution_id),
               "output_text": _pretty(row["output"]), "zone": schedule["timezone"] if schedule else "UTC",
               "error": request.args.get("error"), "flash": "Cancel requested." if request.args.get("done") else None}
    if is_htmx() and request.headers.get("HX-Target") == "run-live":
        return await render("hub/_run_body.html", **context)
    try:
        context["workflow_label"] = await queries.workflow_name(services().dal, p, row["workflow_id"])
    except NotFound:
        context["workflow_label"] = None
    return await render("hub/run.html", **context)


@bp.post("/runs/<uuid:execution_id>/cancel")
async def run_cancel(execution_id: UUID):
    p = principal(WRITE)
    await form()
    try:
        await services().executions.cancel(p, execution_id)
    except ApiError as exc:
        if exc.status != 409:
            raise
        return redirect(url_for("hub.run", execution_id=execution_id, error=exc.message), 303)
    return redirect(url_for("hub.run", execution_id=execution_id, done="cancel"), 303)
