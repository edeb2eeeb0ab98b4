"""Phase 2 pages: the overview (the situation report), approvals, fix-it and the audit trail.

The four pages are registered through the seam (controllers/hub/later.py calls the `*_context` builders here);
the changes they make are the routes below. Every change is the same service call the API makes with the
session's principal: ApprovalService (approve or deny: a single-use token issued and spent at once),
FixitService (dry-run or run). Viewing needs ops:read, deciding approvals:write, fix-its ops:write.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from quart import redirect, request, url_for

from controllers.deps import services
from controllers.hub.blueprint import bp
from controllers.hub.schedules import DONE as SCHEDULE_DONE
from controllers.hub.web import View, form, principal, render, safe_next, utcnow, views
from services import audit
from services.auth import Principal
from services.errors import ApiError, ValidationFailed
from services.fixit.plan import MODES
from services.fixit.plan import parse_window as parse_fixit_window
from services.hub import ops as queries
from services.sitrep import parse_window

OPS_READ, OPS_WRITE, APPROVE = "ops:read", "ops:write", "approvals:write"
SCHEDULES_WRITE = "schedules:write"
WINDOWS = (("1h", "Last hour"), ("6h", "Last 6 hours"), ("24h", "Last 24 hours"), ("7d", "Last 7 days"))
RECENT_RUNS = 15
PENDING_PAGE = 100
AUDIT_PAGE = 50
MODE_HELP = {
    "greedy": "every failed, timed-out, abandoned or missed run, all at once",
    "conservative": "transient failures only, never a schedule that keeps failing, one every 10 s",
    "balanced": "transient failures and failures of workflows changed since, one every 2 s",
}
KNOWN_ACTIONS = (
    "schedule.create", "schedule.update", "schedule.pause", "schedule.resume", "schedule.snooze", "schedule.cancel",
    "schedule.delete", "schedule.run_now", "schedule.backfill", "workflow.create", "workflow.update",
    "workflow.delete", "workflow.execute", "execution.cancel", "execution.approve", "execution.deny",
    "approval.token_generate", "fixit.create", "fixit.approve", "fixit.deny",
)
DECIDED = {"approved": "Approved.", "denied": "Denied."}


def _sep(url: str) -> str:
    return "&" if "?" in url else "?"


def _text_arg(name: str, limit: int) -> str | None:
    value = (request.args.get(name) or "").strip()
    if "\x00" in value:
        raise ValidationFailed(name, "contains a NUL character", code="nul_character")
    if len(value) > limit:
        raise ValidationFailed(name, f"must be at most {limit} characters")
    return value or None


# --- overview ---------------------------------------------------------------------------------------------------
def suggested(item: dict[str, Any], scopes: frozenset[str], back: str) -> list[dict[str, Any]]:
    """An immediate action's or watch item's suggested action as buttons or links, only those the session may
    use (the server refuses the others anyway)."""
    out: list[dict[str, Any]] = []
    sid, eid, wid = item.get("schedule_id"), item.get("execution_id"), item.get("workflow_id")
    kind = item["kind"]
    if kind == "schedule_auto_paused" and sid and SCHEDULES_WRITE in scopes:
        out.append({"post": url_for("hub.schedule_resume", schedule_id=sid), "label": "Resume schedule",
                    "next": back})
    if kind == "run_abandoned" and sid and SCHEDULES_WRITE in scopes:
        out.append({"post": url_for("hub.schedule_run_now", schedule_id=sid), "label": "Run the schedule now",
                    "next": back})
    if kind == "schedule_failing" and sid and OPS_WRITE in scopes:
        out.append({"href": url_for("hub.fixit", schedule=str(sid), mode="conservative"), "label": "Open fix-it"})
    if kind == "approval_expiring" and APPROVE in scopes:
        out.append({"href": url_for("hub.approvals"), "label": "Review approvals"})
    if kind == "workflow_failure_rate" and wid:
        out.append({"href": url_for("hub.workflow", workflow_id=wid), "label": "Open workflow"})
    if eid:
        out.append({"href": url_for("hub.run", execution_id=eid), "label": "Open run"})
    elif sid:
        out.append({"href": url_for("hub.schedule", schedule_id=sid), "label": "Open schedule"})
    return out


async def overview_context(p: Principal) -> dict[str, Any]:
    window = request.args.get("window") or "24h"
    if window not in dict(WINDOWS):
        raise ValidationFailed("window", f"must be one of {', '.join(w for w, _ in WINDOWS)}", code="invalid_window")
    seconds = parse_window(window)
    since = utcnow() - timedelta(seconds=seconds)
    # One after the other: at once they only contend for the same cores (measured: 50 ms together, 37 in turn).
    report = await services().sitrep.report(p, seconds, RECENT_RUNS)
    chart = await queries.lateness_series(services().dal, p, since, seconds)
    back = url_for("hub.overview", window=window)
    items = []
    for group, rows in (("action", report["immediate_actions"]), ("watch", report["watch_items"])):
        for n, row in enumerate(rows):
            items.append(View({**row, "group": group, "id": f"{group}-{n}",
                               "buttons": suggested(row, p.scopes, back)}))
    done = request.args.get("done") or ""
    return {"report": View(report), "task": View(report["task_metrics"]), "fire": View(report["fire_metrics"]),
            "coverage": View(report["coverage_metrics"]), "recent": views(report["recent_tasks"]),
            "actions": [i for i in items if i["group"] == "action"],
            "watch": [i for i in items if i["group"] == "watch"],
            "chart": chart, "window": window, "windows": WINDOWS, "window_label": dict(WINDOWS)[window],
            "flash": SCHEDULE_DONE.get(done), "error": request.args.get("error")}


# --- approvals --------------------------------------------------------------------------------------------------
async def approvals_context(p: Principal) -> dict[str, Any]:
    dal, ttl = services().dal, services().settings.approval_ttl_seconds
    (runs, total), fixits = await asyncio.gather(queries.pending_runs(dal, p, PENDING_PAGE),
                                                 queries.awaiting_fixits(dal, p))
    rows = [View({**dict(r), "expires_at": queries.expires_at(r["created_at"], ttl)}) for r in runs]
    fixit_rows = [View({**dict(f), "expires_at": queries.expires_at(f["initiated_at"], ttl)}) for f in fixits]
    return {"runs": rows, "total": total, "fixits": fixit_rows, "can_decide": APPROVE in p.scopes,
            "flash": DECIDED.get(request.args.get("done") or ""), "error": request.args.get("error")}


def _uuid(data: Any, name: str) -> UUID | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise ValidationFailed(name, "must be an id", code="invalid_id") from None


@bp.post("/approvals/decide")
async def approval_decide():
    """Approve or deny one run or one fix-it: a token is issued for exactly it and spent at once, so the decision
    and its audit entries are the API's (POST /scheduler/approve/token/generate, then /scheduler/approve)."""
    p = principal(APPROVE)
    data = await form()
    action = data.get("action")
    if action not in ("approve", "deny"):
        raise ValidationFailed("action", "must be approve or deny", code="invalid_action")
    execution_id, fixit_id = _uuid(data, "execution_id"), _uuid(data, "fixit_id")
    if (execution_id is None) == (fixit_id is None):
        raise ValidationFailed("execution_id", "give exactly one of execution_id or fixit_id",
                               code="invalid_approval_request")
    notes = (data.get("notes") or "").strip()[:1000] or None
    back = safe_next(data.get("next"), url_for("hub.approvals"))
    svc = services().approvals
    try:
        issued = await svc.generate(p, [execution_id] if execution_id else None, fixit_id)
        result = await svc.decide(p, issued["token"], action, None, notes)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        return redirect(back + _sep(back) + urlencode({"error": exc.message}), 303)
    message = {"done": result["status"]}
    if result.get("warnings"):
        message["error"] = "; ".join(result["warnings"])[:300]
    return redirect(back + _sep(back) + urlencode(message), 303)


# --- fix-it -----------------------------------------------------------------------------------------------------
def _fixit_values(source: Any) -> dict[str, str]:
    return {"mode": source.get("mode") or "conservative", "window": source.get("window") or "24h",
            "max_retries": source.get("max_retries") or "3", "limit": source.get("limit") or "100",
            "schedule": source.get("schedule") or ""}


async def fixit_context(p: Principal, values: dict[str, str] | None = None, error: str | None = None) -> dict[str, Any]:
    values = values or _fixit_values(request.args)
    recent = views(await queries.recent_fixits(services().dal, p))
    return {"values": values, "modes": MODES, "mode_help": MODE_HELP, "recent": recent,
            "can_run": OPS_WRITE in p.scopes, "error": error}


def _bounded_int(values: dict[str, str], name: str, low: int, high: int) -> int:
    raw = values[name]
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5) or not low <= int(raw) <= high:
        raise ValidationFailed(name, f"must be a whole number from {low} to {high}")
    return int(raw)


@bp.post("/fix-it")
async def fixit_create():
    """Dry-run (the plan, nothing changed) or run a fix-it; either way its page shows the plan and counts."""
    p = principal(OPS_WRITE)
    data = await form()
    values = _fixit_values(data)
    dry_run = data.get("dry_run") != "no"  # only the plan page's "Run the fix-it" button changes anything
    try:
        if values["mode"] not in MODES:
            raise ValidationFailed("mode", f"must be one of {', '.join(MODES)}")
        parse_fixit_window(values["window"])
        max_retries = _bounded_int(values, "max_retries", 0, 10)
        limit = _bounded_int(values, "limit", 1, 1000)
        schedule = _uuid(values, "schedule")
        out = await services().fixits.create(
            p, mode=values["mode"], max_retries=max_retries, auto_approve=data.get("auto_approve") == "yes",
            dry_run=dry_run, window=values["window"], schedule_ids=[schedule] if schedule else None, limit=limit)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        return await render("hub/later/fixit.html", exc.status, **await fixit_context(p, values, exc.message))
    return redirect(url_for("hub.fixit_view", fixit_id=out["execution_id"]), 303)


@bp.get("/fix-it/<uuid:fixit_id>")
async def fixit_view(fixit_id: UUID):
    """A fix-it's plan and counts; while it runs, htmx polls this page and swaps in its live part."""
    p = principal(OPS_READ)
    out = await services().fixits.get(p, fixit_id)
    tasks = out["affected_tasks"]
    schedule_names, workflow_names = await queries.names(
        services().dal, p, [t["schedule_id"] for t in tasks if t["schedule_id"]], [t["workflow_id"] for t in tasks])
    rows = [View({**t, "schedule_name": schedule_names.get(t["schedule_id"]),
                  "workflow_name": workflow_names.get(t["workflow_id"])}) for t in tasks]
    params = await queries.fixit_params(services().dal, p, fixit_id)
    schedule_ids = params.get("schedule_ids") or []
    rerun = {"mode": out["mode"], "window": out["window"], "max_retries": str(out["max_retries"]),
             "limit": str(params.get("limit", 100)), "schedule": schedule_ids[0] if len(schedule_ids) == 1 else ""}
    return await render("hub/fixit_view.html", f=View(out), tasks=rows, rerun=rerun,
                        can_run=OPS_WRITE in p.scopes, can_decide=APPROVE in p.scopes,
                        live=out["status"] == "running", flash=DECIDED.get(request.args.get("done") or ""),
                        error=request.args.get("error"))


# --- audit ------------------------------------------------------------------------------------------------------
def _moment(name: str) -> datetime | None:
    """ISO 8601 with an offset, or the browser's date-time field (no offset: read as UTC, as the label says)."""
    raw = _text_arg(name, 40)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(name, "must be a date and time, e.g. 2026-11-22T09:00 (UTC) or with an offset",
                               code="invalid_timestamp") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _changes(changes: dict[str, list[Any]]) -> list[tuple[str, str, str]]:
    def short(value: Any) -> str:
        text = "—" if value is None else str(value)
        return text if len(text) <= 80 else text[:79] + "…"

    return [(name, short(pair[0]), short(pair[1])) for name, pair in sorted(changes.items())]


async def audit_context(p: Principal) -> dict[str, Any]:
    filters = {"actor": _text_arg("actor", 200), "action": _text_arg("action", 100),
               "target_id": _text_arg("target_id", 200)}
    since, until = _moment("since"), _moment("until")
    cursor = _text_arg("cursor", 200)
    rows, next_cursor = await audit.list_events(services().dal, p, since=since, until=until, limit=AUDIT_PAGE,
                                                cursor=cursor, **filters)
    events = [View({**dict(r), "change_list": _changes(r["changes"] or {})}) for r in rows]
    query = {k: v for k, v in {**filters, "since": request.args.get("since") or None,
                               "until": request.args.get("until") or None}.items() if v}
    return {"events": events, "filters": {k: request.args.get(k, "") for k in (*filters, "since", "until")},
            "next_url": url_for("hub.audit", **query, cursor=next_cursor) if next_cursor else None,
            "first_url": url_for("hub.audit", **query) if cursor else None, "actions": KNOWN_ACTIONS,
            "filtered": bool(query)}
