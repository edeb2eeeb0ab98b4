"""The schedule form: its fields to an API body (the same pydantic models), and API errors back to fields.

Date-times are typed as wall times (`datetime-local`) in the schedule's time zone; the API's field paths
(`schedule_config.cron_expression`) map to the form's field names (`cron_expression`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from services.errors import ApiError
from services.schemas import TIMING_FIELDS
from services.timing import TimingError
from services.timing.zones import zone as lookup_zone

TIME_FIELDS = ("scheduled_time", "start_at", "end_at")
INT_FIELDS = ("interval_seconds", "max_executions", "jitter_seconds", "grace_period_seconds")
TEXT_FIELDS = ("cron_expression", "rrule", "timezone", "overlap_policy")
TOP_FIELDS = ("workflow_id", "name", "context_data")
FIELDS = ("name", "workflow_id", "schedule_type", *TEXT_FIELDS, *INT_FIELDS, *TIME_FIELDS, "context_data")
LABELS = {"name": "Name", "workflow_id": "Workflow", "schedule_type": "Type", "cron_expression": "Cron expression",
          "rrule": "RRULE", "timezone": "Time zone", "overlap_policy": "When a run is still going",
          "interval_seconds": "Every (seconds)", "max_executions": "At most (runs)", "jitter_seconds": "Jitter",
          "grace_period_seconds": "Grace period", "scheduled_time": "At", "start_at": "Start", "end_at": "End",
          "context_data": "Context"}
DEFAULTS = {"schedule_type": "cron", "timezone": "UTC", "overlap_policy": "skip", "jitter_seconds": "0",
            "grace_period_seconds": "900", "context_data": "{}"}


@dataclass
class FormErrors:
    fields: dict[str, str] = field(default_factory=dict)
    general: str | None = None

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.fields) or self.general is not None


def field_name(path: str | None) -> str | None:
    """`schedule_config.cron_expression` -> `cron_expression`; unknown paths -> None (a general error)."""
    if not path:
        return None
    last = path.split(".")[-1]
    if last in FIELDS:
        return last
    first = path.split(".")[0]
    return first if first in FIELDS else None


def values_from_form(data: MultiDict) -> dict[str, str]:
    return {name: (data.get(name) or "").strip() if name != "context_data" else (data.get(name) or "")
            for name in FIELDS}


def values_from_row(row: Any, to_local: Any) -> dict[str, str]:
    """The form's values for a stored schedule (times as wall times in its zone)."""
    values = {name: "" for name in FIELDS}
    for name in ("name", "schedule_type", "cron_expression", "rrule", "timezone", "overlap_policy"):
        values[name] = row[name] or ""
    values["workflow_id"] = str(row["workflow_id"])
    for name in INT_FIELDS:
        values[name] = "" if row[name] is None else str(row[name])
    for name in TIME_FIELDS:
        values[name] = to_local(row[name], row["timezone"]).strftime("%Y-%m-%dT%H:%M:%S") if row[name] else ""
    values["context_data"] = json.dumps(row["context_data"] or {}, indent=2)
    return values


def body_from_values(values: dict[str, str], errors: FormErrors) -> dict[str, Any]:
    """The API body these values stand for; type problems go to `errors` (the models check the rest)."""
    kind = values.get("schedule_type") or "cron"
    config: dict[str, Any] = {"schedule_type": kind}
    zone_name = values.get("timezone") or "UTC"
    config["timezone"] = zone_name
    tz = None
    try:
        tz = lookup_zone(zone_name)
    except TimingError as exc:
        errors.add("timezone", exc.message)
    if values.get("overlap_policy"):
        config["overlap_policy"] = values["overlap_policy"]
    timing = TIMING_FIELDS.get(kind)
    for name in ("cron_expression", "rrule"):
        if name == timing:
            config[name] = values.get(name, "")
    for name in INT_FIELDS:
        raw = values.get(name, "")
        if (name in TIMING_FIELDS.values() and name != timing) or raw == "":
            continue
        if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 12:
            errors.add(name, "must be a whole number")
            continue
        config[name] = int(raw)
    for name in TIME_FIELDS:
        raw = values.get(name, "")
        if (name in TIMING_FIELDS.values() and name != timing) or raw == "":
            continue
        try:
            wall = datetime.fromisoformat(raw)
        except ValueError:
            errors.add(name, "must be a date and time, e.g. 2030-01-01T09:00")
            continue
        if wall.tzinfo is None:
            if tz is None:
                continue
            wall = wall.replace(tzinfo=tz)  # fold=0: a repeated wall time means its first pass
        config[name] = wall.isoformat()
    body: dict[str, Any] = {"schedule_config": config}
    if values.get("workflow_id"):
        body["workflow_id"] = values["workflow_id"]
    else:
        errors.add("workflow_id", "choose a workflow")
    body["name"] = values.get("name") or None
    raw_context = (values.get("context_data") or "").strip()
    if raw_context:
        try:
            context = json.loads(raw_context)
        except ValueError as exc:
            errors.add("context_data", f"is not valid JSON: {exc}")
        else:
            if isinstance(context, dict):
                body["context_data"] = context
            else:
                errors.add("context_data", "must be a JSON object, e.g. {\"channel\": \"general\"}")
    return body


def add_validation_errors(errors: FormErrors, exc: ValidationError) -> None:
    for err in exc.errors():
        path = ".".join(str(p) for p in err.get("loc", ()))
        name = field_name(path)
        kind = err.get("type", "")
        message = "is required" if kind == "missing" else err.get("msg", "is invalid")
        if name is None:
            errors.general = errors.general or f"{path or 'form'}: {message}"
        else:
            errors.add(name, message.removeprefix("Value error, "))


def add_api_error(errors: FormErrors, exc: ApiError) -> None:
    """An ApiError from a service: each detail next to its field, the rest as the form's message."""
    placed = False
    for detail in exc.details or []:
        name = field_name(detail.get("field"))
        if name is not None:
            errors.add(name, detail.get("message", exc.message))
            placed = True
    if not placed:
        if exc.code == "workflow_not_found":
            errors.add("workflow_id", "no such workflow in this community")
        else:
            errors.general = exc.message
