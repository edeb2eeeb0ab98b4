"""Semantic checks on a schedule_config beyond its shape; each failure names the field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from services.errors import ValidationFailed
from services.schemas import ScheduleConfig
from services.timing import ScheduleSpec, TimingError, first_fire, spec_from, validate_jitter, validate_spec

CONTEXT_MAX_BYTES = 64 * 1024
# Which timing field each schedule_type needs; the others are refused rather than ignored.
TYPE_FIELDS = {
    "cron": "cron_expression",
    "interval": "interval_seconds",
    "one_time": "scheduled_time",
    "rrule": "rrule",
}


def check_context(context: Any, field: str = "context_data") -> dict[str, Any]:
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise ValidationFailed(field, "must be a JSON object", code="invalid_context")
    size = len(json.dumps(context).encode())
    if size > CONTEXT_MAX_BYTES:
        raise ValidationFailed(field, f"is {size} bytes; the limit is {CONTEXT_MAX_BYTES}", code="context_too_large")
    return context


def check_config(cfg: ScheduleConfig, anchor: datetime, now: datetime, prefix: str = "schedule_config") -> ScheduleSpec:
    """Returns the timing spec, or raises ValidationFailed before anything is written."""
    values = cfg.model_dump()
    needed = TYPE_FIELDS[cfg.schedule_type]
    if values.get(needed) is None:
        raise ValidationFailed(f"{prefix}.{needed}", f"is required for schedule_type '{cfg.schedule_type}'",
                               code="missing_field")
    for other in TYPE_FIELDS.values():
        if other != needed and values.get(other) is not None:
            raise ValidationFailed(f"{prefix}.{other}", f"does not apply to schedule_type '{cfg.schedule_type}'",
                                   code="field_not_allowed")
    if cfg.interval_seconds is not None and cfg.interval_seconds < 1:
        raise ValidationFailed(f"{prefix}.interval_seconds", "must be at least 1 second", code="invalid_interval")
    if cfg.max_executions is not None and cfg.max_executions < 1:
        raise ValidationFailed(f"{prefix}.max_executions", "must be at least 1", code="invalid_max_executions")
    if cfg.start_at and cfg.end_at and cfg.end_at <= cfg.start_at:
        raise ValidationFailed(f"{prefix}.end_at", "must be after start_at", code="invalid_window")
    spec = spec_from(values, cfg.start_at or anchor)
    try:
        validate_spec(spec)
    except TimingError as exc:
        raise ValidationFailed(f"{prefix}.{exc.field}", exc.message, code=exc.code) from None
    if cfg.schedule_type == "one_time" and cfg.scheduled_time is not None:
        if cfg.scheduled_time < now - timedelta(seconds=cfg.grace_period_seconds):
            raise ValidationFailed(f"{prefix}.scheduled_time",
                                   f"is more than grace_period_seconds ({cfg.grace_period_seconds}) in the past",
                                   code="scheduled_time_in_past")
    try:
        validate_jitter(spec, cfg.jitter_seconds)
    except TimingError as exc:
        raise ValidationFailed(f"{prefix}.{exc.field}", exc.message, code=exc.code) from None
    if first_fire(spec, now) is None:
        raise ValidationFailed(f"{prefix}.end_at" if cfg.end_at else prefix, "leaves no future fire time",
                               code="never_fires")
    return spec
