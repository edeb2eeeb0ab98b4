"""Schedules pages: the list (filters, run strips, lifecycle buttons updating rows in place), one schedule
(configuration, next runs, history, chart), the new/edit form and its live preview.

Every change is a ScheduleService call with the session's principal, exactly as the API makes it.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from datetime import timedelta
from typing import Any
from uuid import UUID

from markupsafe import Markup, escape
from pydantic import ValidationError
from quart import redirect, request, url_for

from controllers.deps import services
from controllers.hub.blueprint import bp
from controllers.hub.forms import (
    DEFAULTS,
    LABELS,
    FormErrors,
    add_api_error,
    add_validation_errors,
    body_from_values,
    values_from_form,
    values_from_row,
)
from controllers.hub.web import View, form, is_htmx, principal, render, safe_next, utcnow, views
from services.errors import ApiError, ValidationFailed
from services.hub import queries
from services.hub.timetext import local, mark_clock_changes, relative
from services.schedules import schedule_out
from services.schemas import ScheduleConfig, ScheduleCreate, ScheduleReplace
from services.timing import to_local

READ, WRITE = "schedules:read", "schedules:write"
PAGE_SIZE = 50
HISTORY_SIZE = 25
NEXT_RUNS = 10
PREVIEW_RUNS = 5
STATUSES = ("active", "paused", "completed", "cancelled")
TYPES = ("cron", "interval", "one_time", "rrule")
SNOOZE_CHOICES = ((900, "15 minutes"), (3600, "1 hour"), (4 * 3600, "4 hours"), (86400, "1 day"),
                  (7 * 86400, "1 week"))
MAX_SNOOZE = 366 * 86400
ZONES = sorted(zoneinfo.available_timezones() - {"localtime"})


def strip_html(runs: list[dict[str, Any]], label: str) -> Markup:
    """The last runs as coloured ticks, built here rather than in Jinja: 20 ticks x 50 rows per page."""
    if not runs:
        return Markup('<span class="muted">no runs yet</span>')
    ticks = "".join(f'<span class="tick st-{escape(r["status"])}" title="{escape(r["status"])} · '
                    f'{r["at"].strftime("%Y-%m-%d %H:%M:%S")} UTC"></span>' for r in runs)
    return Markup(f'<span class="strip" role="img" aria-label="{escape(label)}">{ticks}</span>')


def row_view(row: Any) -> View:
    """A schedule as the pages show it: the API's shape plus local/relative next run and the run strip."""
    out = View(schedule_out(row))
    now = utcnow()
    out["next_local"] = local(out["next_execution_at"], out["timezone"])
    out["next_relative"] = relative(out["next_execution_at"], now)
    out["workflow_name"] = row.get("workflow_name") if hasattr(row, "get") else None
    keys = row.keys()
    statuses = (row["run_statuses"] or []) if "run_statuses" in keys else []
    times = (row["run_times"] or []) if "run_times" in keys else []
    out["runs"] = runs = [{"status": st, "at": at} for st, at in zip(statuses, times, strict=True)]
    counts = Counter(r["status"] for r in runs)
    out["strip_label"] = f"Last {len(runs)} runs: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    out["strip"] = strip_html(runs, out["strip_label"])
    out["url"] = url_for("hub.schedule", schedule_id=out["schedule_id"])
    return out


def _filters() -> queries.ScheduleFilters:
    args = request.args
    status, kind = args.get("status") or None, args.get("type") or None
    if status is not None and status not in STATUSES:
        raise ValidationFailed("status", f"must be one of {', '.join(STATUSES)}")
    if kind is not None and kind not in TYPES:
        raise ValidationFailed("type", f"must be one of {', '.join(TYPES)}")
    workflow = args.get("workflow") or None
    try:
        workflow_id = UUID(workflow) if workflow else None
    except ValueError:
        raise ValidationFailed("workflow", "must be a workflow id") from None
    search = (args.get("q") or "").strip()[:200] or None
    created_by = (args.get("created_by") or "").strip()[:200] or None
    return queries.ScheduleFilters(search=search, status=status, schedule_type=kind, workflow_id=workflow_id,
                                   created_by=created_by, order=args.get("order") or "newest")


@bp.get("/schedules")
async def schedules():
    p = principal(READ)
    dal = services().dal
    filters = _filters()
    cursor = request.args.get("cursor") or None
    rows, next_cursor = await queries.schedule_page(dal, p, filters, limit=PAGE_SIZE, cursor=cursor)
    context = {"rows": [row_view(r) for r in rows], "next_cursor": next_cursor, "filters": filters,
               "cursor": cursor, "snooze_choices": SNOOZE_CHOICES, "statuses": STATUSES, "types": TYPES,
               "page_flash": DONE.get(request.args.get("done") or ""), "page_run": request.args.get("run")}
    if is_htmx() and request.headers.get("HX-Target") == "schedule-results":
        return await render("hub/_schedule_results.html", **context)
    counts = await queries.count_schedules(dal, p)
    return await render("hub/schedules.html", counts=counts, workflows=await queries.workflow_options(dal, p),
                        creators=await queries.creators(dal, p), **context)


async def _one_row(p: Any, schedule_id: UUID) -> dict[str, Any]:
    rows, _ = await queries.schedule_page(services().dal, p, queries.ScheduleFilters(), limit=1, cursor=None,
                                          only=schedule_id)
    if not rows:
        await services().schedules.get_row(p, schedule_id)  # raises the 404
    return row_view(rows[0])


async def _action(schedule_id: UUID, action: str):
    p = principal(WRITE)
    data = await form()
    svc = services().schedules
    flash, error, error_status, run_id = None, None, 200, None
    needs_confirm = action in ("cancel", "delete") and data.get("confirm") != "yes"
    if needs_confirm:
        row = await svc.get_row(p, schedule_id)
        return await render("hub/confirm.html", schedule=schedule_out(row), action=action,
                            back=safe_next(data.get("next"), url_for("hub.schedule", schedule_id=schedule_id)))
    try:
        if action == "pause":
            await svc.pause(p, schedule_id, (data.get("note") or "").strip()[:1000] or None)
            flash = "Paused."
        elif action == "resume":
            await svc.resume(p, schedule_id)
            flash = "Resumed."
        elif action == "snooze":
            raw = data.get("seconds") or ""
            if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_SNOOZE:
                raise ValidationFailed("seconds", f"must be a number of seconds from 1 to {MAX_SNOOZE}",
                                       code="invalid_snooze")
            await svc.snooze(p, schedule_id, utcnow() + timedelta(seconds=int(raw)))
            flash = "Snoozed."
        elif action == "run-now":
            run_id, status = await svc.run_now(p, schedule_id, data.get("force") == "yes")
            flash = f"Run {'started' if status in ('pending', 'running') else 'recorded as ' + status}."
        elif action == "cancel":
            await svc.cancel(p, schedule_id)
            flash = "Cancelled: it will not fire again."
        elif action == "delete":
            await svc.delete(p, schedule_id)
            if is_htmx():
                return await render("hub/_deleted_row.html", schedule_id=schedule_id)
            return redirect(url_for("hub.schedules"), 303)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        error, error_status = exc.message, exc.status
    if is_htmx() and data.get("view") == "row":
        return await render("hub/_schedule_row.html", s=await _one_row(p, schedule_id), flash=flash, error=error,
                            run_id=run_id, snooze_choices=SNOOZE_CHOICES, focus_row=True)
    target = safe_next(data.get("next"), url_for("hub.schedule", schedule_id=schedule_id))
    if error:
        return await schedule_page(schedule_id, error=error, status=error_status)
    sep = "&" if "?" in target else "?"
    suffix = f"{sep}done={action}" + (f"&run={run_id}" if run_id else "")
    return redirect(target + suffix, 303)


def _register_actions() -> None:
    for action in ("pause", "resume", "snooze", "run-now", "cancel", "delete"):
        async def view(schedule_id: UUID, _action_name: str = action):
            return await _action(schedule_id, _action_name)

        view.__name__ = f"schedule_{action.replace('-', '_')}"
        bp.add_url_rule(f"/schedules/<uuid:schedule_id>/{action}", view.__name__, view, methods=["POST"])


_register_actions()

DONE = {"pause": "Paused.", "resume": "Resumed.", "snooze": "Snoozed.", "run-now": "Run started.",
        "cancel": "Cancelled: it will not fire again."}


async def schedule_page(schedule_id: UUID, *, error: str | None = None, status: int = 200):
    p = principal(READ)
    svc, dal = services().schedules, services().dal
    out = await _one_row(p, schedule_id)
    now = utcnow()
    runs, runs_error = [], None
    try:
        runs = mark_clock_changes((await svc.next_runs(p, schedule_id, NEXT_RUNS, None))["next_runs"],
                                  out["timezone"], now)
    except ApiError as exc:
        runs_error = exc.message
    cursor = request.args.get("cursor") or None
    history, history_next = await queries.history_page(dal, p, schedule_id, limit=HISTORY_SIZE, cursor=cursor)
    chart = await queries.chart_series(dal, p, schedule_id)
    workflow = await services().workflows.get_row(p, out["workflow_id"])
    done = request.args.get("done")
    return await render("hub/schedule.html", status, s=out, runs=runs, runs_error=runs_error, history=views(history),
                        history_next=history_next, cursor=cursor, chart=chart, workflow=workflow,
                        flash=DONE.get(done or ""), run_id=request.args.get("run"), error=error,
                        snooze_choices=SNOOZE_CHOICES)


@bp.get("/schedules/<uuid:schedule_id>")
async def schedule(schedule_id: UUID):
    return await schedule_page(schedule_id)


@bp.get("/schedules/<uuid:schedule_id>/history")
async def schedule_history(schedule_id: UUID):
    """The history table alone (htmx polls the first page, so new runs appear without a reload)."""
    p = principal(READ)
    row = await services().schedules.get_row(p, schedule_id)
    cursor = request.args.get("cursor") or None
    history, history_next = await queries.history_page(services().dal, p, schedule_id, limit=HISTORY_SIZE,
                                                       cursor=cursor)
    return await render("hub/_history.html", s=View(schedule_out(row)), history=views(history),
                        history_next=history_next,
                        cursor=cursor)


# --- new / edit ------------------------------------------------------------------------------------------------
async def _form_page(values: dict[str, str], *, errors: FormErrors | None = None, schedule: Any = None,
                     status: int = 200, preview: dict | None = None):
    p = principal(WRITE)
    workflows = await queries.workflow_options(services().dal, p)
    return await render("hub/schedule_form.html", status, values=values, errors=errors or FormErrors(),
                        schedule=schedule, workflows=workflows, zones=ZONES, types=TYPES, preview=preview,
                        labels=LABELS)


@bp.get("/schedules/new")
async def schedule_new():
    values = {**{k: "" for k in values_from_form(request.args)}, **DEFAULTS}
    values["workflow_id"] = request.args.get("workflow_id", "")
    return await _form_page(values)


@bp.post("/schedules/new")
async def schedule_create():
    p = principal(WRITE)
    values = values_from_form(await form())
    errors = FormErrors()
    body = body_from_values(values, errors)
    if not errors:
        try:
            row = await services().schedules.create(p, ScheduleCreate.model_validate(body))
            return redirect(url_for("hub.schedule", schedule_id=row["schedule_id"]), 303)
        except ValidationError as exc:
            add_validation_errors(errors, exc)
        except ApiError as exc:
            if exc.status in (401, 403):
                raise
            add_api_error(errors, exc)
    return await _form_page(values, errors=errors, status=400)


@bp.get("/schedules/<uuid:schedule_id>/edit")
async def schedule_edit(schedule_id: UUID):
    p = principal(WRITE)
    row = await services().schedules.get_row(p, schedule_id)
    values = values_from_row(row, to_local)
    return await _form_page(values, schedule=schedule_out(row))


@bp.post("/schedules/<uuid:schedule_id>/edit")
async def schedule_update(schedule_id: UUID):
    p = principal(WRITE)
    data = await form()
    row = await services().schedules.get_row(p, schedule_id)
    values = values_from_form(data)
    errors = FormErrors()
    body = body_from_values(values, errors)
    version = data.get("version") or ""
    if not errors:
        try:
            replace = ScheduleReplace.model_validate(body)
            if_match = int(version) if version.isascii() and version.isdigit() and len(version) <= 10 else None
            await services().schedules.replace(p, schedule_id, replace, if_match)
            return redirect(url_for("hub.schedule", schedule_id=schedule_id), 303)
        except ValidationError as exc:
            add_validation_errors(errors, exc)
        except ApiError as exc:
            if exc.status in (401, 403) or exc.code == "schedule_not_found":
                raise
            if exc.status == 412:
                errors.general = "Someone changed this schedule since you opened it. Reload to see their change."
            else:
                add_api_error(errors, exc)
    return await _form_page(values, errors=errors, schedule=schedule_out(row), status=400)


@bp.post("/preview")
async def schedule_preview():
    """The form's description and next runs as you type (ScheduleService.preview, as POST /schedules/preview)."""
    principal(READ)
    values = values_from_form(await form())
    errors = FormErrors()
    body = body_from_values(values, errors)
    errors.fields.pop("workflow_id", None)  # not needed for a preview
    preview: dict[str, Any] = {}
    if not errors:
        try:
            cfg = ScheduleConfig.model_validate(body["schedule_config"])
            result = services().schedules.preview(cfg, None, PREVIEW_RUNS)
            preview = {"description": result["description"],
                       "runs": mark_clock_changes(result["next_runs"], cfg.timezone, utcnow())}
        except ValidationError as exc:
            add_validation_errors(errors, exc)
        except ApiError as exc:
            add_api_error(errors, exc)
    return await render("hub/_preview.html", preview=preview, perrors=errors, zone=values.get("timezone") or "UTC",
                        labels=LABELS)
