"""Fire-time computation for Chime schedules: cron, interval, one_time and rrule.

The one door: other code imports these names from ``services.timing`` (and
``check_config``/``check_context`` from ``services.timing.rules``). The
modules behind it each do one job:

    base       shared constants, TimingError, ScheduleSpec
    zones      UTC-offset transitions
    cron       cron parsing and DST-aware matching
    rrule      RFC 5545 evaluation with a step budget
    fires      validate_spec and next fire times, by schedule type
    describe   human-readable text
    spec       specs from stored rows, first fire, deterministic jitter
    rules      semantic checks of a schedule_config (imports services.schemas)
"""

from services.timing.base import CRON_HORIZON_YEARS, RRULE_HORIZON_YEARS, ScheduleSpec, TimingError
from services.timing.describe import describe
from services.timing.fires import (
    min_gap_seconds,
    next_fire_time,
    next_fire_times,
    validate_jitter,
    validate_spec,
)
from services.timing.spec import SPEC_FIELDS, due_at, first_fire, jitter_offset, spec_from, spec_from_row
from services.timing.zones import to_local

__all__ = [
    "CRON_HORIZON_YEARS",
    "RRULE_HORIZON_YEARS",
    "SPEC_FIELDS",
    "ScheduleSpec",
    "TimingError",
    "describe",
    "due_at",
    "first_fire",
    "jitter_offset",
    "min_gap_seconds",
    "next_fire_time",
    "next_fire_times",
    "spec_from",
    "spec_from_row",
    "to_local",
    "validate_jitter",
    "validate_spec",
]
