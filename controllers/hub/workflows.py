"""Workflows: the list, one definition drawn as a graph (nodes, ports, connections), and validation."""

from __future__ import annotations

import json
from uuid import UUID

from quart import request

from controllers.deps import services
from controllers.hub.blueprint import bp
from controllers.hub.schedules import row_view
from controllers.hub.web import form, is_htmx, principal, render
from services.hub import queries
from services.hub.graph import layout
from services.workflows import check_definition

READ = "workflows:read"  # the scope of GET /api/v1/workflows, which these pages mirror
PAGE_SIZE = 50
SCHEDULES_SHOWN = 20


@bp.get("/workflows")
async def workflows():
    p = principal(READ)
    cursor = request.args.get("cursor") or None
    rows, next_cursor = await services().workflows.list(p, PAGE_SIZE, cursor)
    return await render("hub/workflows.html", rows=rows, next_cursor=next_cursor, cursor=cursor)


async def _workflow_context(workflow_id: UUID) -> dict:
    p = principal(READ)
    row = await services().workflows.get_row(p, workflow_id)
    schedules, more = await queries.schedule_page(services().dal, p, queries.ScheduleFilters(workflow_id=workflow_id),
                                                  limit=SCHEDULES_SHOWN, cursor=None)
    return {"wf": row, "graph": layout(row["definition"]), "schedules": [row_view(s) for s in schedules],
            "more_schedules": more is not None,
            "definition_text": json.dumps(row["definition"], indent=2, sort_keys=True)}


@bp.get("/workflows/<uuid:workflow_id>")
async def workflow(workflow_id: UUID):
    return await render("hub/workflow.html", **await _workflow_context(workflow_id))


@bp.post("/workflows/<uuid:workflow_id>/validate")
async def workflow_validate(workflow_id: UUID):
    """Checks the stored definition (POST /api/v1/workflows/{id}/validate's check); nothing is saved."""
    await form()
    context = await _workflow_context(workflow_id)
    problems = check_definition(context["wf"]["definition"])
    if is_htmx():
        return await render("hub/_verdict.html", problems=problems, checked=True)
    return await render("hub/workflow.html", problems=problems, checked=True, **context)
