"""Semantic checks on a schedule_config beyond its shape; each failure names the field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from services.errors import ValidationFailed
from services.schemas import ScheduleConfig
from services.timing import ScheduleSpec, TimingError, first_fire, spec_from, validate_jitter, validate_spec
from services.timing.base import INT4_MAX

CONTEXT_MAX_BYTES = 64 * 1024
# Integer columns other than interval_seconds (validate_spec bounds that one), with their error codes.
INT4_FIELDS = {"max_executions": "invalid_max_executions", "jitter_seconds": "invalid_jitter",
               "grace_period_seconds": "invalid_grace_period"}
# Which timing field each schedule_type needs; the others are refused rather than ignored.
TYPE_FIELDS = {
    "cron": "cron_expression",
    "interval": "interval_seconds",
    "one_time": "scheduled_time",
    "rrule": "rrule",
    "event": "event_type",
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


def _failed(exc: TimingError, prefix: str) -> ValidationFailed:
    return ValidationFailed(f"{prefix}.{exc.field}", exc.message.removeprefix(f"{exc.field}: "), code=exc.code)


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
    if cfg.schedule_type == "event" or cfg.event_filter is not None:
        _check_event_fields(cfg, prefix)
    if cfg.interval_seconds is not None and cfg.interval_seconds < 1:
        raise ValidationFailed(f"{prefix}.interval_seconds", "must be at least 1 second", code="invalid_interval")
    if cfg.max_executions is not None and cfg.max_executions < 1:
        raise ValidationFailed(f"{prefix}.max_executions", "must be at least 1", code="invalid_max_executions")
    # Integer columns; past this, timedelta(seconds=grace) and friends overflow before the insert fails.
    for name, code in INT4_FIELDS.items():
        if (getattr(cfg, name) or 0) > INT4_MAX:
            raise ValidationFailed(f"{prefix}.{name}", f"must be at most {INT4_MAX}", code=code)
    if cfg.start_at and cfg.end_at and cfg.end_at <= cfg.start_at:
        raise ValidationFailed(f"{prefix}.end_at", "must be after start_at", code="invalid_window")
    spec = spec_from(values, cfg.start_at or anchor)
    try:
        validate_spec(spec)
    except TimingError as exc:
        raise _failed(exc, prefix) from None
    if cfg.schedule_type == "one_time" and cfg.scheduled_time is not None:
        at = cfg.scheduled_time
        if at < now - timedelta(seconds=cfg.grace_period_seconds):
            raise ValidationFailed(f"{prefix}.scheduled_time",
                                   f"is more than grace_period_seconds ({cfg.grace_period_seconds}) in the past",
                                   code="scheduled_time_in_past")
        # A one_time fires at scheduled_time only inside [start_at, end_at].
        for bound, side, outside in (("start_at", "before", cfg.start_at and at < cfg.start_at),
                                     ("end_at", "after", cfg.end_at and at > cfg.end_at)):
            if outside:
                raise ValidationFailed(f"{prefix}.scheduled_time", f"is {side} {prefix}.{bound} "
                                       f"({getattr(cfg, bound).isoformat()}), so the schedule never fires",
                                       code="never_fires")
    if cfg.schedule_type == "event":
        return spec  # no clock: nothing fires by time, so there is no first fire to require
    try:
        validate_jitter(spec, cfg.jitter_seconds)
        first = first_fire(spec, now)
    except TimingError as exc:
        raise _failed(exc, prefix) from None
    if first is None:
        raise ValidationFailed(f"{prefix}.end_at" if cfg.end_at else prefix, "leaves no future fire time",
                               code="never_fires")
    return spec


def _check_event_fields(cfg: ScheduleConfig, prefix: str) -> None:
    """Event schedules: no jitter (nothing is timed); a filter only on them (its condition_if tree is checked by
    services.events.check_event_filter: this package imports no engine)."""
    if cfg.schedule_type != "event":
        raise ValidationFailed(f"{prefix}.event_filter", f"does not apply to schedule_type '{cfg.schedule_type}'",
                               code="field_not_allowed")
    if cfg.jitter_seconds:
        raise ValidationFailed(f"{prefix}.jitter_seconds", "does not apply to schedule_type 'event'",
                               code="field_not_allowed")
