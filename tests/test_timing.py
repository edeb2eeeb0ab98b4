"""Tests for services.timing. Expected instants are worked out by hand and written as UTC literals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from bench.timing_bench import run as run_benchmark
from services.timing import (
    ScheduleSpec,
    TimingError,
    describe,
    min_gap_seconds,
    next_fire_time,
    next_fire_times,
    to_local,
    validate_jitter,
    validate_spec,
)
from tests.timing_helpers import BERLIN, LORD_HOWE, NY, Z, assert_error, cron, fires, reference

# ---------------------------------------------------------------- DST: New York
# 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z)


def test_ny_fixed_job_in_skipped_hour_fires_once_at_jump() -> None:
    assert fires(cron("30 2 * * *", NY), Z(2026, 3, 7), 3) == [
        Z(2026, 3, 7, 7, 30),  # 02:30 EST
        Z(2026, 3, 8, 7, 0),  # 02:30 does not exist -> 03:00 EDT
        Z(2026, 3, 9, 6, 30),  # 02:30 EDT
    ]


def test_ny_fixed_job_at_gap_start_and_coalescing() -> None:
    assert next_fire_time(cron("0 2 * * *", NY), Z(2026, 3, 8)) == Z(2026, 3, 8, 7, 0)
    # 02:00, 02:30 (skipped) and 03:00 (real) all land on 07:00Z: one fire.
    assert fires(cron("0,30 2,3 * * *", NY), Z(2026, 3, 8, 5), 3) == [
        Z(2026, 3, 8, 7, 0),
        Z(2026, 3, 8, 7, 30),  # 03:30 EDT
        Z(2026, 3, 9, 6, 0),  # 02:00 EDT next day
    ]


def test_ny_fixed_job_in_repeated_hour_fires_first_occurrence_only() -> None:
    assert fires(cron("30 1 * * *", NY), Z(2026, 10, 31), 3) == [
        Z(2026, 10, 31, 5, 30),
        Z(2026, 11, 1, 5, 30),  # 01:30 EDT; 01:30 EST (06:30Z) is skipped
        Z(2026, 11, 2, 6, 30),  # 01:30 EST
    ]
    # Asked during the second pass (01:10 EST), the job is already done for the day.
    assert next_fire_time(cron("30 1 * * *", NY), Z(2026, 11, 1, 6, 10)) == Z(2026, 11, 2, 6, 30)


def test_ny_wildcard_job_runs_on_elapsed_time_through_fall_back() -> None:
    assert fires(cron("*/30 * * * *", NY), Z(2026, 11, 1, 4, 40), 5) == [
        Z(2026, 11, 1, 5, 0),  # 01:00 EDT
        Z(2026, 11, 1, 5, 30),  # 01:30 EDT
        Z(2026, 11, 1, 6, 0),  # 01:00 EST
        Z(2026, 11, 1, 6, 30),  # 01:30 EST
        Z(2026, 11, 1, 7, 0),  # 02:00 EST
    ]
    # Hour fixed but minute wildcard: still a wildcard job, so both passes of 01:xx run.
    assert fires(cron("*/30 1 * * *", NY), Z(2026, 11, 1), 5) == [
        Z(2026, 11, 1, 5, 0),
        Z(2026, 11, 1, 5, 30),
        Z(2026, 11, 1, 6, 0),
        Z(2026, 11, 1, 6, 30),
        Z(2026, 11, 2, 6, 0),
    ]


def test_ny_wildcard_job_skips_missing_wall_times_in_spring() -> None:
    assert fires(cron("*/30 * * * *", NY), Z(2026, 3, 8, 5, 40), 4) == [
        Z(2026, 3, 8, 6, 0),  # 01:00 EST
        Z(2026, 3, 8, 6, 30),  # 01:30 EST
        Z(2026, 3, 8, 7, 0),  # 03:00 EDT
        Z(2026, 3, 8, 7, 30),
    ]
    # "*/30 2 * * *" has no 02:xx on 2026-03-08 at all.
    assert next_fire_time(cron("*/30 2 * * *", NY), Z(2026, 3, 8)) == Z(2026, 3, 9, 6, 0)


def test_ny_daily_job_across_both_change_days() -> None:
    spec = cron("0 9 * * *", NY)
    assert fires(spec, Z(2026, 3, 7), 3) == [Z(2026, 3, 7, 14), Z(2026, 3, 8, 13), Z(2026, 3, 9, 13)]
    assert fires(spec, Z(2026, 10, 31), 3) == [Z(2026, 10, 31, 13), Z(2026, 11, 1, 14), Z(2026, 11, 2, 14)]


# ---------------------------------------------------------------- DST: Berlin
# 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z)


def test_berlin_fixed_job_spring_and_fall() -> None:
    spec = cron("30 2 * * *", BERLIN)
    assert fires(spec, Z(2026, 3, 28), 3) == [Z(2026, 3, 28, 1, 30), Z(2026, 3, 29, 1, 0), Z(2026, 3, 30, 0, 30)]
    assert fires(spec, Z(2026, 10, 24), 3) == [Z(2026, 10, 24, 0, 30), Z(2026, 10, 25, 0, 30), Z(2026, 10, 26, 1, 30)]


def test_berlin_wildcard_job_spring_and_fall() -> None:
    spec = cron("*/30 * * * *", BERLIN)
    assert fires(spec, Z(2026, 3, 29, 0, 10), 3) == [
        Z(2026, 3, 29, 0, 30),  # 01:30 CET
        Z(2026, 3, 29, 1, 0),  # 03:00 CEST
        Z(2026, 3, 29, 1, 30),
    ]
    assert fires(spec, Z(2026, 10, 25, 0, 10), 4) == [
        Z(2026, 10, 25, 0, 30),  # 02:30 CEST
        Z(2026, 10, 25, 1, 0),  # 02:00 CET
        Z(2026, 10, 25, 1, 30),  # 02:30 CET
        Z(2026, 10, 25, 2, 0),  # 03:00 CET
    ]


def test_berlin_daily_job_across_change_days() -> None:
    spec = cron("0 9 * * *", BERLIN)
    assert fires(spec, Z(2026, 3, 28), 3) == [Z(2026, 3, 28, 8), Z(2026, 3, 29, 7), Z(2026, 3, 30, 7)]
    assert fires(spec, Z(2026, 10, 24), 3) == [Z(2026, 10, 24, 7), Z(2026, 10, 25, 8), Z(2026, 10, 26, 8)]


# ---------------------------------------------------------------- DST: Lord Howe (30-minute shifts)
# 2026-04-05 02:00 +11 -> 01:30 +10:30 (2026-04-04 15:00Z)
# 2026-10-04 02:00 +10:30 -> 02:30 +11 (2026-10-03 15:30Z)


def test_lord_howe_fixed_job_in_repeated_half_hour() -> None:
    assert fires(cron("45 1 * * *", LORD_HOWE), Z(2026, 4, 3), 3) == [
        Z(2026, 4, 3, 14, 45),  # Apr 4 01:45 +11
        Z(2026, 4, 4, 14, 45),  # Apr 5 01:45 +11 (first pass); 15:15Z second pass skipped
        Z(2026, 4, 5, 15, 15),  # Apr 6 01:45 +10:30
    ]


def test_lord_howe_fixed_job_in_skipped_half_hour() -> None:
    assert fires(cron("15 2 * * *", LORD_HOWE), Z(2026, 10, 2), 3) == [
        Z(2026, 10, 2, 15, 45),  # Oct 3 02:15 +10:30
        Z(2026, 10, 3, 15, 30),  # Oct 4 02:15 missing -> 02:30 +11
        Z(2026, 10, 4, 15, 15),  # Oct 5 02:15 +11
    ]


def test_lord_howe_wildcard_job_through_both_changes() -> None:
    spec = cron("*/15 * * * *", LORD_HOWE)
    assert fires(spec, Z(2026, 4, 4, 14, 40), 4) == [
        Z(2026, 4, 4, 14, 45),  # 01:45 +11
        Z(2026, 4, 4, 15, 0),  # 01:30 +10:30 (again)
        Z(2026, 4, 4, 15, 15),  # 01:45 +10:30 (again)
        Z(2026, 4, 4, 15, 30),  # 02:00 +10:30
    ]
    assert fires(spec, Z(2026, 10, 3, 15, 10), 3) == [
        Z(2026, 10, 3, 15, 15),  # 01:45 +10:30
        Z(2026, 10, 3, 15, 30),  # 02:30 +11 (02:00 and 02:15 do not exist)
        Z(2026, 10, 3, 15, 45),
    ]


def test_lord_howe_daily_job_across_change_days() -> None:
    spec = cron("0 9 * * *", LORD_HOWE)
    assert fires(spec, Z(2026, 4, 3), 3) == [Z(2026, 4, 3, 22), Z(2026, 4, 4, 22, 30), Z(2026, 4, 5, 22, 30)]
    assert fires(spec, Z(2026, 10, 2), 3) == [Z(2026, 10, 2, 22, 30), Z(2026, 10, 3, 22), Z(2026, 10, 4, 22)]


# ---------------------------------------------------------------- DST: brute-force model over whole years


@pytest.mark.parametrize("tz_name", [NY, BERLIN, LORD_HOWE])
@pytest.mark.parametrize(
    ("expr", "wildcard", "match"),
    [
        ("*/20 * * * *", True, lambda d: d.minute % 20 == 0),
        ("15 * * * *", True, lambda d: d.minute == 15),
        ("*/10 1,2 * * *", True, lambda d: d.minute % 10 == 0 and d.hour in (1, 2)),
        ("30 2 * * *", False, lambda d: d.minute == 30 and d.hour == 2),
        ("0,15,45 1,2,3 * * *", False, lambda d: d.minute in (0, 15, 45) and d.hour in (1, 2, 3)),
        ("0 0 * * *", False, lambda d: d.minute == 0 and d.hour == 0),
    ],
)
def test_matches_minute_by_minute_model_around_transitions(tz_name: str, expr: str, wildcard: bool, match) -> None:
    spec = cron(expr, tz_name)
    for first_day in (Z(2026, 3, 7), Z(2026, 3, 28), Z(2026, 4, 3), Z(2026, 10, 2), Z(2026, 10, 24), Z(2026, 10, 31)):
        start, end = first_day, first_day + timedelta(days=3)
        expected = reference(tz_name, wildcard, match, start, end)
        got = [f for f in next_fire_times(spec, start, len(expected) + 5) if f < end]
        assert got == expected, (tz_name, expr, first_day)


@pytest.mark.parametrize("tz_name", [NY, BERLIN, LORD_HOWE])
def test_fixed_daily_job_fires_exactly_once_per_local_day_all_year(tz_name: str) -> None:
    tz = ZoneInfo(tz_name)
    year_start = datetime(2026, 1, 1, tzinfo=tz)
    got = next_fire_times(cron("30 2 * * *", tz_name), year_start, 400)
    in_2026 = [f for f in got if f.astimezone(tz).year == 2026]
    assert len(in_2026) == 365
    assert len({f.astimezone(tz).date() for f in in_2026}) == 365


@pytest.mark.parametrize("tz_name", [NY, BERLIN])
def test_hourly_wildcard_job_fires_every_real_hour_all_year(tz_name: str) -> None:
    got = next_fire_times(cron("0 * * * *", tz_name), Z(2025, 12, 31, 23, 59), 8760)
    assert got[0] == Z(2026, 1, 1) and got[-1] == Z(2026, 12, 31, 23)
    assert {b - a for a, b in itertools.pairwise(got)} == {timedelta(hours=1)}


# ---------------------------------------------------------------- cron features (UTC)
# Calendar: 2026-01-01 is a Thursday.


def test_names_case_insensitive() -> None:
    assert fires(cron("0 12 * jan,JUL Mon"), Z(2026, 1, 1), 5) == [
        Z(2026, 1, 5, 12), Z(2026, 1, 12, 12), Z(2026, 1, 19, 12), Z(2026, 1, 26, 12), Z(2026, 7, 6, 12),
    ]
    assert fires(cron("0 0 * * sat-sun"), Z(2026, 1, 1), 3) == [Z(2026, 1, 3), Z(2026, 1, 4), Z(2026, 1, 10)]


def test_ranges_steps_lists() -> None:
    assert fires(cron("0 9 * * 1-5"), Z(2026, 1, 2, 10), 3) == [Z(2026, 1, 5, 9), Z(2026, 1, 6, 9), Z(2026, 1, 7, 9)]
    assert fires(cron("*/15 * * * *"), Z(2026, 1, 1, 0, 7), 4) == [
        Z(2026, 1, 1, 0, 15), Z(2026, 1, 1, 0, 30), Z(2026, 1, 1, 0, 45), Z(2026, 1, 1, 1, 0),
    ]
    assert fires(cron("10-50/20 * * * *"), Z(2026, 1, 1), 4) == [
        Z(2026, 1, 1, 0, 10), Z(2026, 1, 1, 0, 30), Z(2026, 1, 1, 0, 50), Z(2026, 1, 1, 1, 10),
    ]
    assert fires(cron("0 1,5,10 * * *"), Z(2026, 1, 1, 2), 4) == [
        Z(2026, 1, 1, 5), Z(2026, 1, 1, 10), Z(2026, 1, 2, 1), Z(2026, 1, 2, 5),
    ]
    assert fires(cron("0 0 1 */4 *"), Z(2026, 1, 1), 3) == [Z(2026, 5, 1), Z(2026, 9, 1), Z(2027, 1, 1)]


def test_last_day_of_month() -> None:
    assert fires(cron("0 0 L * *"), Z(2026, 1, 15), 4) == [
        Z(2026, 1, 31), Z(2026, 2, 28), Z(2026, 3, 31), Z(2026, 4, 30),
    ]
    assert fires(cron("0 0 L 2 *"), Z(2026, 3, 1), 2) == [Z(2027, 2, 28), Z(2028, 2, 29)]
    assert fires(cron("0 0 15,L * *"), Z(2026, 2, 1), 3) == [Z(2026, 2, 15), Z(2026, 2, 28), Z(2026, 3, 15)]


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("@yearly", [Z(2027, 1, 1), Z(2028, 1, 1)]),
        ("@annually", [Z(2027, 1, 1), Z(2028, 1, 1)]),
        ("@monthly", [Z(2026, 2, 1), Z(2026, 3, 1)]),
        ("@weekly", [Z(2026, 1, 4), Z(2026, 1, 11)]),  # Sundays
        ("@daily", [Z(2026, 1, 2), Z(2026, 1, 3)]),
        ("@midnight", [Z(2026, 1, 2), Z(2026, 1, 3)]),
        ("@HOURLY", [Z(2026, 1, 1, 1), Z(2026, 1, 1, 2)]),
    ],
)
def test_macros(macro: str, expected: list[datetime]) -> None:
    assert fires(cron(macro), Z(2026, 1, 1), 2) == expected


def test_sunday_is_0_and_7() -> None:
    expected = [Z(2026, 1, 4), Z(2026, 1, 11), Z(2026, 1, 18)]
    for expr in ("0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "0 0 * * 6-7"):
        got = fires(cron(expr), Z(2026, 1, 3, 1), 3)
        assert got == expected or expr == "0 0 * * 6-7", expr
    assert fires(cron("0 0 * * 6-7"), Z(2026, 1, 1), 3) == [Z(2026, 1, 3), Z(2026, 1, 4), Z(2026, 1, 10)]


def test_dom_dow_or_when_both_restricted_and_when_single() -> None:
    # Friday OR the 13th (2026-01-13 is a Tuesday, 2026-02-13 a Friday)
    assert fires(cron("0 0 13 * 5"), Z(2026, 1, 1), 8) == [
        Z(2026, 1, 2), Z(2026, 1, 9), Z(2026, 1, 13), Z(2026, 1, 16), Z(2026, 1, 23), Z(2026, 1, 30),
        Z(2026, 2, 6), Z(2026, 2, 13),
    ]
    assert fires(cron("0 0 * * 5"), Z(2026, 1, 9), 2) == [Z(2026, 1, 16), Z(2026, 1, 23)]  # only Fridays
    assert fires(cron("0 0 13 * *"), Z(2026, 1, 1), 2) == [Z(2026, 1, 13), Z(2026, 2, 13)]  # only 13ths
    # A "*"-prefixed day-of-month field is DOM_STAR in Vixie cron, so the day fields are ANDed:
    # days 1, 11, 21 or 31 that are Fridays.
    assert fires(cron("0 0 */10 * 5"), Z(2026, 1, 1), 3) == [Z(2026, 5, 1), Z(2026, 7, 31), Z(2026, 8, 21)]


def test_six_field_cron_with_leading_seconds() -> None:
    assert fires(cron("*/20 * * * * *"), Z(2026, 1, 1, 0, 0, 5), 3) == [
        Z(2026, 1, 1, 0, 0, 20), Z(2026, 1, 1, 0, 0, 40), Z(2026, 1, 1, 0, 1, 0),
    ]
    assert fires(cron("30 0 9 * * MON"), Z(2026, 1, 1), 2) == [Z(2026, 1, 5, 9, 0, 30), Z(2026, 1, 12, 9, 0, 30)]


def test_feb_29_fires_only_in_leap_years() -> None:
    spec = cron("0 0 29 2 *")
    validate_spec(spec)
    assert fires(spec, Z(2026, 1, 1), 3) == [Z(2028, 2, 29), Z(2032, 2, 29), Z(2036, 2, 29)]
    assert next_fire_time(spec, Z(2096, 3, 1)) == Z(2104, 2, 29)  # 2100 is not a leap year


def test_strictly_after_with_subsecond_after() -> None:
    spec = cron("0 9 * * *")
    assert next_fire_time(spec, Z(2026, 1, 1, 9)) == Z(2026, 1, 2, 9)
    assert next_fire_time(spec, datetime(2026, 1, 1, 9, 0, 0, 500, tzinfo=UTC)) == Z(2026, 1, 2, 9)
    assert next_fire_time(spec, datetime(2026, 1, 1, 8, 59, 59, 999999, tzinfo=UTC)) == Z(2026, 1, 1, 9)
    # `after` in any zone, result always UTC
    assert next_fire_time(spec, datetime(2026, 1, 1, 9, tzinfo=ZoneInfo(BERLIN))) == Z(2026, 1, 1, 9)  # 08:00Z


def test_never_firing_cron_returns_none_without_looping() -> None:
    assert next_fire_time(cron("0 0 30 2 *"), Z(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("expr", "extra"),
    [
        ("*/5 * * * *", {}),
        ("0 9 * * 1-5", {}),
        ("15,45 */2 * * *", {}),
        ("0 0 1,15 * *", {}),
        ("30 4 1 * 0", {}),
        ("0 12 * JAN,JUL MON", {}),
        ("0 0 L * *", {}),
        ("10-50/20 3 * * *", {}),
        ("0 0 29 2 *", {}),
        ("@weekly", {}),
        ("@monthly", {}),
        ("0 0 * * 7", {}),
        ("5 4 13 * FRI", {}),
        ("0 0 */10 * 5", {"implement_cron_bug": True}),  # croniter's Vixie-compatible mode
        ("*/20 * * * * *", {"second_at_beginning": True}),
        ("7 30 8 * * 1,3,5", {"second_at_beginning": True}),
    ],
)
def test_cross_check_against_croniter_in_utc(expr: str, extra: dict[str, bool]) -> None:
    start = Z(2026, 1, 10, 1, 2, 3)
    it = croniter(expr, start, **extra)
    expected = [it.get_next(datetime) for _ in range(50)]
    assert next_fire_times(cron(expr), start, 50) == expected


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("expr", "fragments"),
    [
        ("0 25 * * *", ["hour field '25' is out of range 0-23"]),
        ("60 * * * *", ["minute field '60' is out of range 0-59"]),
        ("0 0 32 * *", ["day-of-month field '32' is out of range 1-31"]),
        ("0 0 0 * *", ["day-of-month field '0'"]),
        ("0 0 * 13 *", ["month field '13' is out of range 1-12"]),
        ("0 0 * * 8", ["day-of-week field '8' is out of range 0-7"]),
        ("61 0 0 * * *", ["second field '61' is out of range 0-59"]),
        ("0 0,25 * * *", ["hour field '0,25'", "'25' out of range 0-23"]),
        ("0 0 * JANX *", ["month field 'JANX'", "'JANX'"]),
        ("0 0 * * FOO", ["day-of-week field 'FOO'"]),
        ("0 0 * * MON#6", ["day-of-week field 'MON#6'"]),
        ("*/0 * * * *", ["minute field '*/0'", "step"]),
        ("*/x * * * *", ["minute field '*/x'", "step"]),
        ("30-10 * * * *", ["minute field '30-10'", "backwards"]),
        ("1,,2 * * * *", ["minute field '1,,2'", "empty"]),
        ("0 L * * *", ["hour field 'L'"]),
        ("0 0 LW/2 * *", ["day-of-month field 'LW/2'"]),
        ("-5 * * * *", ["minute field '-5'"]),
        ("* * * *", ["expected 5 fields", "got 4"]),
        ("* * * * * * *", ["got 7"]),
        ("@reboot", ["unknown macro '@reboot'"]),
        ("   ", ["is empty"]),
    ],
)
def test_invalid_cron_names_the_field(expr: str, fragments: list[str]) -> None:
    err = assert_error(cron(expr), "cron_expression", "invalid_cron", *fragments)
    assert "never" not in err.message


@pytest.mark.parametrize("expr", ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 2,4,6,9,11 *", "0 0 30,31 FEB *"])
def test_never_firing_cron(expr: str) -> None:
    assert_error(cron(expr), "cron_expression", "cron_never_fires", "never fires")


def test_valid_specs_pass() -> None:
    validate_spec(cron("0 9 * * 1-5", BERLIN))
    validate_spec(cron("0 0 31 1,4 *"))  # April never has a 31st, January does
    validate_spec(ScheduleSpec("interval", interval_seconds=1, anchor=Z(2026, 1, 1)))
    validate_spec(ScheduleSpec("interval", interval_seconds=60, start_at=Z(2026, 1, 1)))
    validate_spec(ScheduleSpec("one_time", scheduled_time=Z(2026, 12, 1)))
    validate_spec(ScheduleSpec("rrule", BERLIN, rrule="RRULE:FREQ=DAILY", anchor=Z(2026, 1, 1)))


@pytest.mark.parametrize(
    "tz_name", ["Mars/Olympus", "utc", "", "Europe", "../etc/passwd", "/etc/localtime", "localtime"]
)
def test_unknown_timezone(tz_name: str) -> None:
    assert_error(cron("0 9 * * *", tz_name), "timezone", "unknown_timezone")
    with pytest.raises(TimingError):
        next_fire_time(cron("0 9 * * *", tz_name), Z(2026, 1, 1))


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("FREQ=DAILY;FOO=1", "unknown part 'FOO'"),
        ("BYDAY=MO", "FREQ"),
        ("FREQ=FORTNIGHTLY", "FREQ"),
        ("FREQ=WEEKLY;BYDAY=XX", "invalid"),
        ("FREQ=DAILY;BYHOUR=25", "invalid"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z", "COUNT and UNTIL"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ("FREQ=DAILY;COUNT=-1", "COUNT"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL"),
        ("FREQ=DAILY;;", "malformed"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "single RRULE"),
        ("", "empty"),
    ],
)
def test_bad_rrule(rule: str, fragment: str) -> None:
    assert_error(ScheduleSpec("rrule", rrule=rule, anchor=Z(2026, 1, 1)), "rrule", "invalid_rrule", fragment)


def test_rrule_that_never_fires_is_rejected_and_bounded() -> None:
    spec = ScheduleSpec("rrule", rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", anchor=Z(2026, 1, 1))
    assert_error(spec, "rrule", "rrule_never_fires")
    assert next_fire_time(spec, Z(2026, 1, 1)) is None  # returns (bounded search) instead of spinning


def test_rrule_needs_a_dtstart() -> None:
    assert_error(ScheduleSpec("rrule", rrule="FREQ=DAILY"), "anchor", "invalid_rrule")


@pytest.mark.parametrize("end", [Z(2026, 1, 1), Z(2025, 12, 31)])
def test_end_at_must_follow_start_at(end: datetime) -> None:
    spec = cron("0 9 * * *", start_at=Z(2026, 1, 1), end_at=end)
    assert_error(spec, "end_at", "invalid_window")


@pytest.mark.parametrize("interval", [0, -5, None, True, 1.5])
def test_interval_must_be_positive_int(interval: object) -> None:
    spec = ScheduleSpec("interval", interval_seconds=interval, anchor=Z(2026, 1, 1))  # type: ignore[arg-type]
    assert_error(spec, "interval_seconds", "invalid_interval")


def test_other_validation_errors() -> None:
    assert_error(ScheduleSpec("interval", interval_seconds=10), "anchor", "invalid_interval")
    assert_error(ScheduleSpec("weekly"), "schedule_type", "invalid_schedule")
    assert_error(ScheduleSpec("one_time"), "scheduled_time", "invalid_schedule")
    assert_error(ScheduleSpec("one_time", scheduled_time=datetime(2026, 1, 1)), "scheduled_time", "invalid_schedule",
                 "timezone-aware")
    assert_error(cron("0 9 * * *", start_at=datetime(2026, 1, 1)), "start_at", "invalid_schedule")
    assert_error(ScheduleSpec("cron"), "cron_expression", "invalid_cron")
    with pytest.raises(TimingError) as info:
        next_fire_time(cron("0 9 * * *"), datetime(2026, 1, 1))
    assert info.value.field == "after"


# ---------------------------------------------------------------- interval, bounds, one_time


def test_interval_anchor_arithmetic_without_drift() -> None:
    anchor = Z(2026, 1, 1, 0, 0, 7)
    spec = ScheduleSpec("interval", BERLIN, interval_seconds=3600, anchor=anchor)
    assert next_fire_time(spec, Z(2026, 6, 15, 12, 34, 56)) == Z(2026, 6, 15, 13, 0, 7)
    assert next_fire_time(spec, Z(2026, 1, 1)) == anchor  # k = 0
    assert next_fire_time(spec, anchor) == Z(2026, 1, 1, 1, 0, 7)  # strictly after
    # Ten years of hourly steps later the phase still has not moved.
    assert next_fire_time(spec, Z(2036, 1, 1)) == Z(2036, 1, 1, 0, 0, 7)
    # Elapsed-time arithmetic: the time-zone DST change does not matter.
    assert fires(spec, Z(2026, 3, 29, 0, 30), 3) == [
        Z(2026, 3, 29, 1, 0, 7), Z(2026, 3, 29, 2, 0, 7), Z(2026, 3, 29, 3, 0, 7),
    ]
    odd = ScheduleSpec("interval", interval_seconds=7, anchor=datetime(2026, 1, 1, 0, 0, 0, 250_000, tzinfo=UTC))
    # k = 12343 steps of 7 s = 86401 s after the anchor
    assert next_fire_time(odd, Z(2026, 1, 2)) == datetime(2026, 1, 2, 0, 0, 1, 250_000, tzinfo=UTC)


def test_interval_anchor_defaults_to_start_at_and_respects_end_at() -> None:
    spec = ScheduleSpec("interval", interval_seconds=30, start_at=Z(2026, 1, 1, 0, 0, 10),
                        end_at=Z(2026, 1, 1, 0, 1, 10))
    assert fires(spec, Z(2025, 12, 31), 10) == [
        Z(2026, 1, 1, 0, 0, 10), Z(2026, 1, 1, 0, 0, 40), Z(2026, 1, 1, 0, 1, 10),
    ]
    assert next_fire_time(spec, Z(2026, 1, 1, 0, 1, 10)) is None


def test_start_at_and_end_at_bound_cron() -> None:
    spec = cron("0 9 * * *", NY, start_at=Z(2026, 1, 5, 14), end_at=Z(2026, 1, 7, 14))
    assert fires(spec, Z(2026, 1, 1), 10) == [Z(2026, 1, 5, 14), Z(2026, 1, 6, 14), Z(2026, 1, 7, 14)]
    assert next_fire_time(spec, Z(2026, 1, 7, 14)) is None
    later = cron("0 9 * * *", NY, start_at=Z(2026, 1, 5, 14, 0, 1))
    assert next_fire_time(later, Z(2026, 1, 1)) == Z(2026, 1, 6, 14)


def test_one_time() -> None:
    at = datetime(2026, 12, 1, 9, tzinfo=ZoneInfo(BERLIN))
    spec = ScheduleSpec("one_time", BERLIN, scheduled_time=at)
    got = next_fire_time(spec, Z(2026, 1, 1))
    assert got == Z(2026, 12, 1, 8) and got.tzinfo is UTC
    assert next_fire_times(spec, Z(2026, 1, 1), 5) == [Z(2026, 12, 1, 8)]
    assert next_fire_time(spec, Z(2026, 12, 1, 8)) is None
    assert next_fire_time(ScheduleSpec("one_time", scheduled_time=at, end_at=Z(2026, 11, 1)), Z(2026, 1, 1)) is None


# ---------------------------------------------------------------- rrule


WEEKLY_MO_WE = "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0"


def test_rrule_weekly_berlin_keeps_local_time_across_dst() -> None:
    spec = ScheduleSpec("rrule", BERLIN, rrule=WEEKLY_MO_WE, anchor=Z(2026, 3, 1))
    assert fires(spec, Z(2026, 3, 16), 6) == [
        Z(2026, 3, 16, 8), Z(2026, 3, 18, 8), Z(2026, 3, 23, 8), Z(2026, 3, 25, 8),  # 09:00 CET
        Z(2026, 3, 30, 7), Z(2026, 4, 1, 7),  # 09:00 CEST
    ]
    assert fires(spec, Z(2026, 10, 20), 3) == [Z(2026, 10, 21, 7), Z(2026, 10, 26, 8), Z(2026, 10, 28, 8)]
    prefixed = ScheduleSpec("rrule", BERLIN, rrule="RRULE:" + WEEKLY_MO_WE.lower(), anchor=Z(2026, 3, 1))
    assert fires(prefixed, Z(2026, 3, 16), 6) == fires(spec, Z(2026, 3, 16), 6)


def test_rrule_with_old_dtstart_interval_phase_and_count() -> None:
    # Every 2 weeks from Monday 2024-01-01 10:00 UTC. 2026-01-05 is 105 weeks later: off-phase.
    biweekly = ScheduleSpec("rrule", rrule="FREQ=WEEKLY;INTERVAL=2", anchor=Z(2024, 1, 1, 10))
    assert fires(biweekly, Z(2026, 1, 1), 3) == [Z(2026, 1, 12, 10), Z(2026, 1, 26, 10), Z(2026, 2, 9, 10)]
    count = ScheduleSpec("rrule", rrule="FREQ=DAILY;COUNT=3", start_at=Z(2026, 1, 1, 6))
    assert fires(count, Z(2025, 1, 1), 10) == [Z(2026, 1, 1, 6), Z(2026, 1, 2, 6), Z(2026, 1, 3, 6)]
    until = ScheduleSpec("rrule", NY, rrule="FREQ=DAILY;UNTIL=20260103T140000Z", start_at=Z(2026, 1, 1, 14))
    assert fires(until, Z(2025, 1, 1), 10) == [Z(2026, 1, 1, 14), Z(2026, 1, 2, 14), Z(2026, 1, 3, 14)]
    # A DATE-valued UNTIL covers that whole local day.
    until_date = ScheduleSpec("rrule", BERLIN, rrule="FREQ=DAILY;UNTIL=20260102", start_at=Z(2026, 1, 1, 8))
    assert fires(until_date, Z(2025, 1, 1), 10) == [Z(2026, 1, 1, 8), Z(2026, 1, 2, 8)]
    monthly_31 = ScheduleSpec("rrule", rrule="FREQ=MONTHLY", anchor=Z(2025, 1, 31, 12))
    assert fires(monthly_31, Z(2026, 1, 1), 3) == [Z(2026, 1, 31, 12), Z(2026, 3, 31, 12), Z(2026, 5, 31, 12)]


def test_rrule_nonexistent_and_repeated_wall_times() -> None:
    spec = ScheduleSpec("rrule", NY, rrule="FREQ=DAILY;BYHOUR=2;BYMINUTE=30", anchor=Z(2026, 1, 1))
    # 02:30 does not exist on 2026-03-08: read with the offset before the gap (EST) -> 07:30Z = 03:30 EDT.
    assert fires(spec, Z(2026, 3, 7), 3) == [Z(2026, 3, 7, 7, 30), Z(2026, 3, 8, 7, 30), Z(2026, 3, 9, 6, 30)]
    repeated = ScheduleSpec("rrule", NY, rrule="FREQ=DAILY;BYHOUR=1;BYMINUTE=30", anchor=Z(2026, 1, 1))
    assert fires(repeated, Z(2026, 10, 31), 3) == [Z(2026, 10, 31, 5, 30), Z(2026, 11, 1, 5, 30), Z(2026, 11, 2, 6, 30)]
    # Every 20 minutes through the gap: the instants of the skipped 02:xx walls are the same as 03:xx EDT.
    minutely = ScheduleSpec("rrule", NY, rrule="FREQ=MINUTELY;INTERVAL=20", anchor=Z(2026, 3, 1))
    assert fires(minutely, Z(2026, 3, 8, 6, 30), 6) == [
        Z(2026, 3, 8, 6, 40), Z(2026, 3, 8, 7, 0), Z(2026, 3, 8, 7, 20), Z(2026, 3, 8, 7, 40),
        Z(2026, 3, 8, 8, 0), Z(2026, 3, 8, 8, 20),
    ]


# ---------------------------------------------------------------- describe, min gap, helpers


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (cron("0 9 * * 1-5"), "At 09:00, Monday through Friday"),
        (cron("0 9 * * MON-FRI", BERLIN), "At 09:00, Monday through Friday (Europe/Berlin)"),
        (cron("* * * * *"), "Every minute"),
        (cron("*/5 * * * *"), "Every 5 minutes"),
        (cron("15 * * * *"), "At minute 15 past every hour"),
        (cron("@hourly"), "Every hour"),
        (cron("0 9,17 * * *"), "At 09:00 and 17:00"),
        (cron("0 0 L * *"), "At 00:00, on the last day of the month"),
        (cron("0 0 13 * 5"), "At 00:00, on day 13 of the month or on Friday"),
        (cron("0 12 1 JAN *"), "At 12:00, on day 1 of the month, only in January"),
        (cron("*/10 * * * * *"), "Every 10 seconds"),
        (cron("30 8 * * 6,0"), "At 08:30, only on Saturday and Sunday"),
        (ScheduleSpec("interval", interval_seconds=30, anchor=Z(2026, 1, 1)), "Every 30 seconds"),
        (ScheduleSpec("interval", interval_seconds=60, anchor=Z(2026, 1, 1)), "Every minute"),
        (ScheduleSpec("interval", interval_seconds=7200, anchor=Z(2026, 1, 1)), "Every 2 hours"),
        (ScheduleSpec("one_time", BERLIN, scheduled_time=Z(2026, 12, 1, 8)),
         "Once at 2026-12-01 09:00 (Europe/Berlin)"),
        (ScheduleSpec("rrule", BERLIN, rrule=WEEKLY_MO_WE, anchor=Z(2026, 1, 1)),
         "Weekly on Monday, Wednesday at 09:00 (Europe/Berlin)"),
        (ScheduleSpec("rrule", rrule="FREQ=MONTHLY;BYDAY=1MO;BYHOUR=8;BYMINUTE=30", anchor=Z(2026, 1, 1)),
         "Monthly on the first Monday at 08:30"),
        (ScheduleSpec("rrule", rrule="FREQ=YEARLY;BYWEEKNO=20", anchor=Z(2026, 1, 1)),
         "RRULE: FREQ=YEARLY;BYWEEKNO=20"),
    ],
)
def test_describe(spec: ScheduleSpec, text: str) -> None:
    assert describe(spec) == text


def test_min_gap_seconds() -> None:
    assert min_gap_seconds(ScheduleSpec("interval", interval_seconds=45, anchor=Z(2026, 1, 1))) == 45.0
    assert min_gap_seconds(cron("*/15 * * * *")) == 900.0
    assert min_gap_seconds(cron("0,50 * * * *")) == 600.0  # 00:50 -> 01:00
    assert min_gap_seconds(cron("0 9,17 * * *")) == 8 * 3600.0
    assert min_gap_seconds(cron("0 9 * * 1-5")) == 86400.0
    assert min_gap_seconds(cron("0 0 1 * *")) == 28 * 86400.0  # Feb 1 -> Mar 1
    assert min_gap_seconds(cron("*/10 * * * * *")) == 10.0
    assert min_gap_seconds(cron("0 23 * * 1,2")) == 86400.0
    assert min_gap_seconds(ScheduleSpec("one_time", scheduled_time=Z(2026, 1, 1))) is None
    rrule_spec = ScheduleSpec("rrule", BERLIN, rrule=WEEKLY_MO_WE, anchor=Z(2026, 1, 1))
    assert min_gap_seconds(rrule_spec) == 2 * 86400.0


def test_validate_jitter() -> None:
    spec = cron("*/5 * * * *")
    validate_jitter(spec, 0)
    validate_jitter(spec, 299)
    with pytest.raises(TimingError) as info:
        validate_jitter(spec, 300)
    assert (info.value.field, info.value.code) == ("jitter_seconds", "jitter_too_large")
    validate_jitter(ScheduleSpec("one_time", scheduled_time=Z(2026, 1, 1)), 10_000)


def test_to_local() -> None:
    local = to_local(Z(2026, 7, 1, 12), BERLIN)
    assert (local.hour, local.utcoffset()) == (14, timedelta(hours=2))
    assert local == Z(2026, 7, 1, 12)


def test_benchmark_helper_runs() -> None:
    # Only checks that the helper runs. Timings are not asserted (bench/timing_bench.py prints them).
    results = run_benchmark(n=50)
    assert results and all(v > 0 for v in results.values())
