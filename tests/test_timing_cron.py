"""Cron syntax beyond the basics: ASCII-only input, L / # / W / LW, steps larger than a field's range,
how the day items combine, their DST behaviour and their descriptions. Calendar: 2026-01-01 is a Thursday."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

import pytest
from croniter import croniter

from services.timing import CRON_HORIZON_YEARS, TimingError, describe, next_fire_time, next_fire_times, validate_spec
from tests.timing_helpers import BERLIN, NY, Z, assert_error, cron, fires, reference

# ---------------------------------------------------------------- ASCII only


@pytest.mark.parametrize(
    "expr",
    [
        "² * * * *",  # superscript two: str.isdigit() is True, int() raises
        "0 ٣ * * *",  # Arabic-Indic three: int() would read it as 3
        "*/５ * * * *",  # fullwidth five in a step
        "0 9 * * MON\u00a0",  # no-break space
        "0\u20039 * * *",  # em space between fields
        "0 9 * * 1\x00",
        "0 9 * * 1\x1c",  # str.split() treats U+001C as whitespace
        "0 9 ⁎ * *",
        "0 9 * * ＭＯＮ",
    ],
)
def test_cron_accepts_ascii_only(expr: str) -> None:
    err = assert_error(cron(expr), "cron_expression", "invalid_cron")
    assert "ASCII" in err.message or "character" in err.message
    with pytest.raises(TimingError):
        next_fire_time(cron(expr), Z(2026, 1, 1))
    with pytest.raises(TimingError):
        describe(cron(expr))


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("0 " + "9" * 5000 + " * * *", "too long"),  # int() would refuse more than 4300 digits
        ("0 " + "0" * 30 + "9 * * *", "hour field"),
        ("*/" + "1" * 40 + " * * * *", "minute field"),
        ("0 0 * * " + ",".join(["1"] * 600), "too long"),
    ],
)
def test_cron_long_numbers_and_expressions_are_refused(expr: str, fragment: str) -> None:
    assert_error(cron(expr), "cron_expression", "invalid_cron", fragment)


# ---------------------------------------------------------------- L, #, W, LW by hand


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("0 9 * * 1#2", [Z(2026, 1, 12, 9), Z(2026, 2, 9, 9), Z(2026, 3, 9, 9)]),  # second Monday
        ("0 9 * * MON#4", [Z(2026, 1, 26, 9), Z(2026, 2, 23, 9), Z(2026, 3, 23, 9)]),
        ("0 0 * * 5#5", [Z(2026, 1, 30), Z(2026, 5, 29), Z(2026, 7, 31)]),  # only months with a fifth Friday
        ("0 18 * * 5L", [Z(2026, 1, 30, 18), Z(2026, 2, 27, 18), Z(2026, 3, 27, 18)]),  # last Friday
        ("0 18 * * FRIL", [Z(2026, 1, 30, 18), Z(2026, 2, 27, 18), Z(2026, 3, 27, 18)]),
        ("0 0 * * 0L", [Z(2026, 1, 25), Z(2026, 2, 22), Z(2026, 3, 29)]),  # last Sunday
        ("0 0 * * 7L", [Z(2026, 1, 25), Z(2026, 2, 22), Z(2026, 3, 29)]),
        ("0 0 * * sunl", [Z(2026, 1, 25), Z(2026, 2, 22), Z(2026, 3, 29)]),
        # Last weekday: Jan 31 and Feb 28 are Saturdays, Mar 31 a Tuesday, May 31 a Sunday.
        ("0 9 LW * *", [Z(2026, 1, 30, 9), Z(2026, 2, 27, 9), Z(2026, 3, 31, 9), Z(2026, 4, 30, 9),
                        Z(2026, 5, 29, 9)]),
        # Nearest weekday to the 15th: Feb 15 and Mar 15 are Sundays, Aug 15 a Saturday.
        ("0 9 15W 1,2,3,8 *", [Z(2026, 1, 15, 9), Z(2026, 2, 16, 9), Z(2026, 3, 16, 9), Z(2026, 8, 14, 9)]),
        # 1W never crosses into the previous month: Aug 1 2026 is a Saturday -> Monday Aug 3.
        ("0 9 1W 8,11 *", [Z(2026, 8, 3, 9), Z(2026, 11, 2, 9), Z(2027, 8, 2, 9)]),
        # 31W: months without a 31st do not fire; May 31 2026 is a Sunday and the last day -> Friday 29.
        ("0 9 31W * *", [Z(2026, 1, 30, 9), Z(2026, 3, 31, 9), Z(2026, 5, 29, 9), Z(2026, 7, 31, 9)]),
        ("0 9 1,LW * *", [Z(2026, 1, 1, 9), Z(2026, 1, 30, 9), Z(2026, 2, 1, 9), Z(2026, 2, 27, 9)]),
        ("0 9 * * 1#2,5L", [Z(2026, 1, 12, 9), Z(2026, 1, 30, 9), Z(2026, 2, 9, 9), Z(2026, 2, 27, 9)]),
    ],
)
def test_special_day_items(expr: str, expected: list[datetime]) -> None:
    validate_spec(cron(expr))
    assert fires(cron(expr), Z(2026, 1, 1), len(expected)) == expected


def test_how_day_items_combine() -> None:
    # Both day fields restricted (neither starts with "*"): a day matches if either does (Vixie OR),
    # special items included. Here: the weekday nearest the 15th, or the last Friday.
    assert fires(cron("0 9 15W * 5L"), Z(2026, 1, 1), 4) == [
        Z(2026, 1, 15, 9), Z(2026, 1, 30, 9), Z(2026, 2, 16, 9), Z(2026, 2, 27, 9),
    ]
    assert fires(cron("0 9 LW * 1#1"), Z(2026, 1, 1), 4) == [
        Z(2026, 1, 5, 9), Z(2026, 1, 30, 9), Z(2026, 2, 2, 9), Z(2026, 2, 27, 9),
    ]
    # A "*"-prefixed field makes both fields required (Vixie AND): odd days that are a second Monday.
    assert fires(cron("0 9 */2 * 1#2"), Z(2026, 1, 1), 3) == [Z(2026, 2, 9, 9), Z(2026, 3, 9, 9), Z(2026, 4, 13, 9)]
    assert fires(cron("0 9 LW * */1"), Z(2026, 1, 1), 2) == [Z(2026, 1, 30, 9), Z(2026, 2, 27, 9)]


# ---------------------------------------------------------------- against an independent day model, 2026-2029


def _cron_weekday(d: date) -> int:
    return (d.weekday() + 1) % 7  # Sunday = 0


def _last_weekday_of_month(d: date) -> bool:
    n = calendar.monthrange(d.year, d.month)[1]
    return d.weekday() < 5 and all(date(d.year, d.month, k).weekday() >= 5 for k in range(d.day + 1, n + 1))


def _nearest_weekday(d: date, day: int) -> bool:
    n = calendar.monthrange(d.year, d.month)[1]
    if day > n:
        return False
    candidates = [k for k in range(1, n + 1) if date(d.year, d.month, k).weekday() < 5]
    # nearest weekday inside the month; on a tie (never happens for a weekend day) the earlier one
    best = min(candidates, key=lambda k: (abs(k - day), k))
    return d.day == best


DAY_MODELS = [
    ("0 6 * * 3#3", lambda d: _cron_weekday(d) == 3 and (d.day - 1) // 7 == 2),
    ("0 6 * * 6#5", lambda d: _cron_weekday(d) == 6 and (d.day - 1) // 7 == 4),
    ("0 6 * * 2L", lambda d: _cron_weekday(d) == 2 and d.day + 7 > calendar.monthrange(d.year, d.month)[1]),
    ("0 6 LW * *", _last_weekday_of_month),
    ("0 6 1W * *", lambda d: _nearest_weekday(d, 1)),
    ("0 6 16W * *", lambda d: _nearest_weekday(d, 16)),
    ("0 6 30W * *", lambda d: _nearest_weekday(d, 30)),
    ("0 6 L * 0#1", lambda d: d.day == calendar.monthrange(d.year, d.month)[1]
     or (_cron_weekday(d) == 0 and d.day <= 7)),
    ("0 6 10-12 * 4L", lambda d: 10 <= d.day <= 12 or (_cron_weekday(d) == 4
                                                       and d.day + 7 > calendar.monthrange(d.year, d.month)[1])),
    ("0 6 */100 * *", lambda d: d.day == 1),
    ("0 6 * * */8", lambda d: _cron_weekday(d) == 0),
]


@pytest.mark.parametrize(("expr", "model"), DAY_MODELS, ids=[m[0] for m in DAY_MODELS])
def test_day_items_match_an_independent_model(expr: str, model) -> None:
    days = [date(2026, 1, 1) + timedelta(days=k) for k in range(4 * 366)]
    expected = [datetime(d.year, d.month, d.day, 6, tzinfo=UTC) for d in days if model(d)]
    assert next_fire_times(cron(expr), Z(2025, 12, 31, 23), len(expected)) == expected


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("0 9 * * 1#2", "0 9 * * 1#2"),
        ("0 9 * * SAT#5", "0 9 * * 6#5"),
        ("0 18 * * 5L", "0 18 * * L5"),
        ("0 18 * * 0L", "0 18 * * L0"),
        ("0 9 15W * *", "0 9 15W * *"),
        ("0 9 1W * *", "0 9 1W * *"),
        ("0 0 */100 * *", "0 0 */100 * *"),
        ("*/90 * * * *", "*/90 * * * *"),
        ("0 */25 * * *", "0 */25 * * *"),
        ("0 0 1 */13 *", "0 0 1 */13 *"),
    ],
)
def test_cross_check_against_croniter_in_utc(ours: str, theirs: str) -> None:
    start = Z(2026, 1, 10, 1, 2, 3)
    it = croniter(theirs, start)
    expected = [it.get_next(datetime) for _ in range(40)]
    assert next_fire_times(cron(ours), start, 40) == expected


def test_steps_larger_than_the_range() -> None:
    assert fires(cron("*/90 * * * *"), Z(2026, 1, 1, 0, 1), 3) == [Z(2026, 1, 1, 1), Z(2026, 1, 1, 2), Z(2026, 1, 1, 3)]
    assert fires(cron("5/90 * * * *"), Z(2026, 1, 1), 2) == [Z(2026, 1, 1, 0, 5), Z(2026, 1, 1, 1, 5)]
    assert fires(cron("0 0 */100 * *"), Z(2026, 1, 1), 2) == [Z(2026, 2, 1), Z(2026, 3, 1)]
    assert fires(cron("*/61 * * * * *"), Z(2026, 1, 1, 0, 0, 1), 2) == [Z(2026, 1, 1, 0, 1), Z(2026, 1, 1, 0, 2)]
    assert fires(cron("0 0 1 1-6/12 *"), Z(2026, 1, 1), 2) == [Z(2027, 1, 1), Z(2028, 1, 1)]


def test_sparse_special_days_are_found_across_the_horizon() -> None:
    # A fifth Monday in February needs a leap year whose February starts on a Monday: 2044, 2072, then
    # 2112 (2100 is no leap year), a 40-year gap that the search horizon must cover.
    assert CRON_HORIZON_YEARS >= 40
    spec = cron("0 0 * 2 1#5")
    validate_spec(spec)
    assert fires(spec, Z(2026, 1, 1), 3) == [Z(2044, 2, 29), Z(2072, 2, 29), Z(2112, 2, 29)]
    assert next_fire_time(spec, Z(2072, 3, 1)) == Z(2112, 2, 29)


def test_horizon_covers_the_longest_gap_of_any_day_pattern() -> None:
    # Day items depend only on (weekday of the 1st, month length); the longest wait for a given pair is
    # the horizon every cron needs (February of a leap year starting on a given weekday: 40 years).
    worst = 0
    for month in range(1, 13):
        seen: dict[tuple[int, int], int] = {}
        for year in range(1800, 9900):
            key = (date(year, month, 1).weekday(), calendar.monthrange(year, month)[1])
            if key in seen:
                worst = max(worst, year - seen[key])
            seen[key] = year
    assert worst <= CRON_HORIZON_YEARS


@pytest.mark.parametrize("expr", ["0 0 30W 2 *", "0 0 31W 4,6,9,11 *", "0 0 30,31W 2 *"])
def test_never_firing_special_days(expr: str) -> None:
    assert_error(cron(expr), "cron_expression", "cron_never_fires")


@pytest.mark.parametrize(
    ("expr", "fragments"),
    [
        ("0 0 * * L", ["day-of-week field 'L'"]),
        ("0 0 * * 8L", ["day-of-week field '8L'", "out of range"]),
        ("0 0 * * 1#0", ["day-of-week field '1#0'", "1-5"]),
        ("0 0 * * 1#6", ["day-of-week field '1#6'", "1-5"]),
        ("0 0 * * MON#", ["day-of-week field 'MON#'"]),
        ("0 0 * * #2", ["day-of-week field '#2'"]),
        ("0 0 * * 1#2#3", ["day-of-week field '1#2#3'"]),
        ("0 0 * * 1-2#2", ["day-of-week field '1-2#2'"]),
        ("0 0 * * 5L/2", ["day-of-week field '5L/2'"]),
        ("0 0 W * *", ["day-of-month field 'W'"]),
        ("0 0 0W * *", ["day-of-month field '0W'", "out of range"]),
        ("0 0 32W * *", ["day-of-month field '32W'", "out of range"]),
        ("0 0 LW/2 * *", ["day-of-month field 'LW/2'"]),
        ("0 0 1-5W * *", ["day-of-month field '1-5W'"]),
        ("0 0 * * 1W", ["day-of-week field '1W'"]),
        ("0 0 5L * *", ["day-of-month field '5L'"]),
        ("0 0 1#2 * *", ["day-of-month field '1#2'"]),
        ("0 1#2 * * *", ["hour field '1#2'"]),
        ("*/0 * * * *", ["minute field '*/0'", "step"]),
    ],
)
def test_malformed_special_items_name_the_field(expr: str, fragments: list[str]) -> None:
    assert_error(cron(expr), "cron_expression", "invalid_cron", *fragments)


# ---------------------------------------------------------------- DST with the new items

# 2026: New York springs forward on Sunday Mar 8 (the second Sunday) and falls back on Sunday Nov 1 (the
# first Sunday); Berlin springs forward on Mar 29 and falls back on Oct 25 (the last Sundays).


def test_fixed_time_special_days_follow_the_debian_rules() -> None:
    # 02:30 does not exist on the second Sunday of March: the job runs once, at the jump (03:00 EDT).
    assert fires(cron("30 2 * * 0#2", NY), Z(2026, 2, 1), 3) == [
        Z(2026, 2, 8, 7, 30), Z(2026, 3, 8, 7), Z(2026, 4, 12, 6, 30),
    ]
    # 01:30 happens twice on the first Sunday of November: only the first pass runs.
    assert fires(cron("30 1 * * 0#1", NY), Z(2026, 10, 1), 2) == [Z(2026, 10, 4, 5, 30), Z(2026, 11, 1, 5, 30)]
    assert fires(cron("30 2 * * 0L", BERLIN), Z(2026, 3, 1), 2) == [Z(2026, 3, 29, 1), Z(2026, 4, 26, 0, 30)]
    assert fires(cron("30 2 * * 7L", BERLIN), Z(2026, 10, 1), 2) == [Z(2026, 10, 25, 0, 30), Z(2026, 11, 29, 1, 30)]
    # LW and W on change days: Friday Oct 30 is NY's last weekday; nothing special happens on a weekday.
    assert fires(cron("30 1 LW 10 *", NY), Z(2026, 10, 1), 1) == [Z(2026, 10, 30, 5, 30)]


def test_wildcard_special_days_run_on_elapsed_time() -> None:
    # Minute "*/30" makes it a wildcard job: both passes of 02:xx on Berlin's fall-back Sunday run.
    assert fires(cron("*/30 2 * * 0L", BERLIN), Z(2026, 10, 24), 4) == [
        Z(2026, 10, 25, 0), Z(2026, 10, 25, 0, 30), Z(2026, 10, 25, 1), Z(2026, 10, 25, 1, 30),
    ]
    # ... and 02:xx does not exist at all on the spring-forward Sunday.
    assert next_fire_time(cron("*/30 2 * * 0#2", NY), Z(2026, 3, 1)) == Z(2026, 4, 12, 6)


@pytest.mark.parametrize(
    ("expr", "wildcard", "match"),
    [
        ("30 2 * * 0#2", False, lambda d: (d.hour, d.minute) == (2, 30) and d.isoweekday() == 7 and 8 <= d.day <= 14),
        ("*/20 1 * * 0#1", True, lambda d: d.hour == 1 and d.minute % 20 == 0 and d.isoweekday() == 7 and d.day <= 7),
        ("15 2 * * 0L", False, lambda d: (d.hour, d.minute) == (2, 15) and d.isoweekday() == 7 and d.day >= 22
         and (d + timedelta(days=7)).month != d.month),
        ("45 1 LW,1W * *", False, lambda d: (d.hour, d.minute) == (1, 45) and d.isoweekday() < 6
         and (d.day <= 3 and all(date(d.year, d.month, k).isoweekday() > 5 for k in range(1, d.day))
              or all(date(d.year, d.month, k).isoweekday() > 5
                     for k in range(d.day + 1, calendar.monthrange(d.year, d.month)[1] + 1)))),
    ],
)
@pytest.mark.parametrize("tz_name", [NY, BERLIN])
def test_special_days_match_the_minute_by_minute_model(tz_name: str, expr: str, wildcard: bool, match) -> None:
    spec = cron(expr, tz_name)
    for first_day in (Z(2026, 3, 6), Z(2026, 3, 27), Z(2026, 10, 23), Z(2026, 10, 30)):
        start, end = first_day, first_day + timedelta(days=4)
        expected = reference(tz_name, wildcard, match, start, end)
        got = [f for f in next_fire_times(spec, start, len(expected) + 5) if f < end]
        assert got == expected, (tz_name, expr, first_day)


# ---------------------------------------------------------------- six fields: seconds do not change the DST rule


def test_six_field_fixed_time_gets_the_dst_fix_up() -> None:
    # Minute and hour decide fixed-time vs wildcard, as in Debian cron; a seconds field does not.
    assert fires(cron("0 30 2 * * *", NY), Z(2026, 3, 7), 3) == [
        Z(2026, 3, 7, 7, 30), Z(2026, 3, 8, 7), Z(2026, 3, 9, 6, 30),
    ]
    # A skipped wall with seconds runs at the jump itself (07:00:00Z), once.
    assert fires(cron("15 30 2 * * *", NY), Z(2026, 3, 7, 12), 2) == [Z(2026, 3, 8, 7), Z(2026, 3, 9, 6, 30, 15)]
    # Several seconds inside the skipped minute coalesce into that one fire.
    assert fires(cron("*/20 30 2 * * *", NY), Z(2026, 3, 7, 12), 2) == [Z(2026, 3, 8, 7), Z(2026, 3, 9, 6, 30)]
    # Repeated 01:30 on Nov 1: first pass only, as for the five-field form.
    assert fires(cron("0 30 1 * * *", NY), Z(2026, 10, 31), 3) == [
        Z(2026, 10, 31, 5, 30), Z(2026, 11, 1, 5, 30), Z(2026, 11, 2, 6, 30),
    ]
    # A wildcard minute with seconds runs on elapsed time through the fall-back.
    assert fires(cron("0 */30 1 * * *", NY), Z(2026, 11, 1), 4) == [
        Z(2026, 11, 1, 5), Z(2026, 11, 1, 5, 30), Z(2026, 11, 1, 6), Z(2026, 11, 1, 6, 30),
    ]


# ---------------------------------------------------------------- descriptions


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        ("0 9 * * 1#2", "At 09:00 on the second Monday of the month"),
        ("0 18 * * 5L", "At 18:00 on the last Friday of the month"),
        ("0 9 LW * *", "At 09:00 on the last weekday of the month"),
        ("0 9 15W * *", "At 09:00 on the weekday nearest day 15 of the month"),
        ("0 9 * * MON#4", "At 09:00 on the fourth Monday of the month"),
        ("0 0 * * 7L", "At 00:00 on the last Sunday of the month"),
        ("0 9 * * 5#5", "At 09:00 on the fifth Friday of the month"),
        ("0 9 * * 1#2,5L", "At 09:00 on the second Monday and the last Friday of the month"),
        ("0 9 1W,LW * *", "At 09:00 on the weekday nearest day 1 and the last weekday of the month"),
        ("0 9 15W * 5L", "At 09:00 on the weekday nearest day 15 of the month or on the last Friday of the month"),
        ("0 9 * 1 1#2", "At 09:00 on the second Monday of the month, only in January"),
        ("0 9 1,LW * *", "At 09:00, on day 1 and the last weekday of the month"),
        ("0 9 13 * 1#2", "At 09:00, on day 13 of the month or on the second Monday of the month"),
        ("*/90 * * * *", "Every hour"),
        ("5/90 * * * *", "At minute 5 past every hour"),
        ("0 0 */100 * *", "At 00:00, on day 1 of the month"),
        ("*/1 * * * *", "Every minute"),
    ],
)
def test_describe_special_items(expr: str, text: str) -> None:
    assert describe(cron(expr)) == text


def test_names_in_stepped_ranges_are_normalised_for_describe() -> None:
    assert describe(cron("0 9 * * MON-FRI/2")) == describe(cron("0 9 * * 1-5/2"))
    assert describe(cron("0 9 1 JAN-DEC/3 *")) == describe(cron("0 9 1 1-12/3 *"))
