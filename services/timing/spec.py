"""Bridges stored schedules and the timing functions: specs, first fires and deterministic jitter."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.timing.base import ScheduleSpec
from services.timing.fires import next_fire_time

SPEC_FIELDS = ("schedule_type", "timezone", "cron_expression", "interval_seconds", "scheduled_time",
               "rrule", "start_at", "end_at", "event_type")


def spec_from(values: Mapping[str, Any], anchor: datetime) -> ScheduleSpec:
    """`values` is a schedule_config dict or a workflow_schedules row."""
    return ScheduleSpec(**{f: values.get(f) for f in SPEC_FIELDS if values.get(f) is not None}, anchor=anchor)


def spec_from_row(row: Mapping[str, Any]) -> ScheduleSpec:
    return spec_from(row, row["anchor_at"])


def first_fire(spec: ScheduleSpec, now: datetime) -> datetime | None:
    """The fire a new or changed schedule starts with: the next one after ``now``.

    A one_time slightly in the past still fires, as a catch-up (check_config
    refuses one further back than grace_period_seconds), but like every fire
    only inside [start_at, end_at].
    """
    if spec.schedule_type == "one_time":
        at = spec.scheduled_time
        if at is None or (spec.start_at is not None and at < spec.start_at) or (
                spec.end_at is not None and at > spec.end_at):
            return None
        return at
    return next_fire_time(spec, now)


def jitter_offset(schedule_id: UUID, scheduled_for: datetime, jitter_seconds: int) -> timedelta:
    """Same delay for the same (schedule, fire) in every process, spread over [0, jitter]."""
    if not jitter_seconds:
        return timedelta(0)
    digest = hashlib.blake2b(f"{schedule_id}|{scheduled_for.timestamp()}".encode(), digest_size=8).digest()
    fraction = int.from_bytes(digest, "big") / float(1 << 64)
    return timedelta(milliseconds=round(fraction * jitter_seconds * 1000))


def due_at(schedule_id: UUID, scheduled_for: datetime | None, jitter_seconds: int) -> datetime | None:
    if scheduled_for is None:
        return None
    return scheduled_for + jitter_offset(schedule_id, scheduled_for, jitter_seconds)
