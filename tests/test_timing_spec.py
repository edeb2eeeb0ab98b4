"""services.timing.spec and services.timing.rules: specs from rows, first fires, jitter, config checks."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest

from services.errors import ValidationFailed
from services.schemas import ScheduleConfig
from services.timing import (
    SPEC_FIELDS,
    ScheduleSpec,
    due_at,
    first_fire,
    jitter_offset,
    next_fire_time,
    spec_from,
    spec_from_row,
)
from services.timing.rules import check_config
from tests.timing_helpers import Z

NOW = Z(2026, 6, 1, 12)
SID = UUID("6f1c2a4e-9b7d-4c1e-8a3f-2d5b7e9c1a0f")


def one_time(at: datetime, **kw: object) -> ScheduleSpec:
    return ScheduleSpec("one_time", scheduled_time=at, **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------- one_time inside [start_at, end_at]


@pytest.mark.parametrize(
    ("at", "window", "fires"),
    [
        (Z(2026, 7, 1), {}, True),
        (Z(2026, 7, 1), {"start_at": Z(2026, 7, 1)}, True),  # both ends count
        (Z(2026, 7, 1), {"end_at": Z(2026, 7, 1)}, True),
        (Z(2026, 7, 1), {"start_at": Z(2026, 7, 1, 0, 0, 1)}, False),
        (Z(2026, 7, 1), {"end_at": Z(2026, 6, 30, 23, 59, 59)}, False),
        (Z(2026, 7, 1), {"start_at": Z(2026, 6, 1), "end_at": Z(2026, 8, 1)}, True),
        (Z(2026, 7, 1), {"start_at": Z(2026, 8, 1), "end_at": Z(2026, 9, 1)}, False),
    ],
)
def test_one_time_fires_only_inside_its_window(at: datetime, window: dict, fires: bool) -> None:
    spec = one_time(at, **window)
    assert first_fire(spec, NOW) == (at if fires else None)
    assert next_fire_time(spec, NOW) == (at if fires else None)


def test_one_time_catch_up_still_applies_inside_the_window() -> None:
    # A one_time a few minutes in the past (within grace; check_config refuses older ones) fires as a catch-up...
    past = NOW - timedelta(minutes=5)
    assert first_fire(one_time(past), NOW) == past
    assert first_fire(one_time(past, start_at=past - timedelta(hours=1)), NOW) == past
    # ... but not when the window excludes it.
    assert first_fire(one_time(past, start_at=past + timedelta(seconds=1)), NOW) is None
    assert first_fire(one_time(past, end_at=past - timedelta(seconds=1)), NOW) is None


# ---------------------------------------------------------------- jitter: stored next_due_at values must not move


@pytest.mark.parametrize(
    ("when", "jitter", "offset"),
    [
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), 30, timedelta(seconds=6, microseconds=259000)),
        (datetime(2026, 3, 8, 7, 0, 0, 250000, tzinfo=UTC), 3600, timedelta(seconds=2474, microseconds=554000)),
        # the same instant written in another offset hashes the same
        (datetime(2026, 3, 8, 2, 0, tzinfo=timezone(timedelta(hours=-5))), 30,
         timedelta(seconds=6, microseconds=259000)),
        (datetime(2030, 1, 1, tzinfo=UTC), 2_147_483_647, timedelta(days=15840, seconds=26682, microseconds=672000)),
        (datetime(2030, 1, 1, tzinfo=UTC), 0, timedelta(0)),
    ],
)
def test_jitter_values_are_unchanged(when: datetime, jitter: int, offset: timedelta) -> None:
    assert jitter_offset(SID, when, jitter) == offset
    assert due_at(SID, when, jitter) == when + offset
    assert due_at(SID, None, jitter) is None


def test_spec_from_row() -> None:
    assert SPEC_FIELDS == ("schedule_type", "timezone", "cron_expression", "interval_seconds", "scheduled_time",
                           "rrule", "start_at", "end_at", "event_type")
    row = {"schedule_type": "cron", "timezone": "Europe/Berlin", "cron_expression": "0 9 * * *", "rrule": None,
           "anchor_at": Z(2026, 1, 1), "start_at": None, "name": "ignored"}
    assert spec_from_row(row) == ScheduleSpec("cron", "Europe/Berlin", cron_expression="0 9 * * *",
                                              anchor=Z(2026, 1, 1))
    assert spec_from({"schedule_type": "interval", "interval_seconds": 5}, Z(2026, 1, 1)).anchor == Z(2026, 1, 1)


# ---------------------------------------------------------------- check_config


def config(**kw: object) -> ScheduleConfig:
    return ScheduleConfig.model_validate(kw)


def refused(cfg: ScheduleConfig) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        check_config(cfg, NOW, NOW)
    return info.value


@pytest.mark.parametrize(
    ("window", "bound"),
    [({"start_at": Z(2026, 8, 1)}, "start_at"), ({"end_at": Z(2026, 6, 15)}, "end_at"),
     ({"start_at": Z(2026, 5, 1), "end_at": Z(2026, 6, 30)}, "end_at")],
)
def test_one_time_outside_its_window_never_fires(window: dict, bound: str) -> None:
    exc = refused(config(schedule_type="one_time", scheduled_time=Z(2026, 7, 1), **window))
    assert exc.code == "never_fires"
    assert exc.details[0]["field"] == "schedule_config.scheduled_time"
    assert f"schedule_config.{bound}" in exc.message


def test_one_time_grace() -> None:
    recent = NOW - timedelta(minutes=10)
    assert check_config(config(schedule_type="one_time", scheduled_time=recent), NOW, NOW).scheduled_time == recent
    exc = refused(config(schedule_type="one_time", scheduled_time=recent, grace_period_seconds=300))
    assert exc.code == "scheduled_time_in_past"
    exc = refused(config(schedule_type="one_time", scheduled_time=recent, start_at=recent + timedelta(minutes=1)))
    assert exc.code == "never_fires"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("jitter_seconds", 2_147_483_648, "invalid_jitter"),
        ("grace_period_seconds", 10**15, "invalid_grace_period"),  # timedelta(seconds=10**15) overflows
        ("max_executions", 2_147_483_648, "invalid_max_executions"),
        ("interval_seconds", 99_999_999_999, "invalid_interval"),
    ],
)
def test_integer_columns_are_bounded(field: str, value: int, code: str) -> None:
    # The request schema refuses these first (tests/test_hostile_input.py); check_config holds on its own too.
    with pytest.raises(ValueError):
        config(**{"schedule_type": "interval", "interval_seconds": 60, field: value})
    defaults = config(schedule_type="interval", interval_seconds=60).model_dump()
    exc = refused(ScheduleConfig.model_construct(**{**defaults, field: value}))
    assert (exc.code, exc.details[0]["field"]) == (code, f"schedule_config.{field}")


def test_validate_jitter_bounds() -> None:
    from services.timing import TimingError, validate_jitter

    spec = one_time(Z(2030, 1, 1))
    validate_jitter(spec, 2_147_483_647)  # fires once: any jitter keeps the order
    for bad in (-1, 2_147_483_648):
        with pytest.raises(TimingError) as info:
            validate_jitter(spec, bad)
        assert info.value.code == "invalid_jitter"


def test_timing_errors_name_the_config_field() -> None:
    exc = refused(config(schedule_type="cron", cron_expression="² * * * *"))
    assert (exc.code, exc.details[0]["field"]) == ("invalid_cron", "schedule_config.cron_expression")
    exc = refused(config(schedule_type="rrule", rrule="FREQ=SECONDLY;BYHOUR=3"))
    assert (exc.code, exc.details[0]["field"]) == ("rrule_too_complex", "schedule_config.rrule")
    exc = refused(config(schedule_type="one_time", scheduled_time=datetime(9999, 1, 1, tzinfo=UTC)))
    assert (exc.code, exc.details[0]["field"]) == ("datetime_out_of_range", "schedule_config.scheduled_time")


def test_the_package_depends_on_no_other_service() -> None:
    # services.timing is imported by the scheduler, the claim and the API; it must not import them back.
    code = ("import sys, services.timing, services.timing.rules; print(sorted(m for m in sys.modules"
            " if m.startswith('services.') and not m.startswith('services.timing')))")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['services.errors', 'services.schemas']"
