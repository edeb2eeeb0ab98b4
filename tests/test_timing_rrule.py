"""RRULE: COUNT is evaluated from the last fire, not from DTSTART, and every evaluation has a step budget.

A rule whose evaluation could exceed the budget is refused by validate_spec (rrule_too_complex); one that
still exceeds it at run time raises TimingError (the scheduler pauses the schedule) instead of returning
None, which would complete the schedule early."""

from __future__ import annotations

import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du_rrule

from services.timing import (
    ScheduleSpec,
    TimingError,
    min_gap_seconds,
    next_fire_time,
    next_fire_times,
    validate_jitter,
    validate_spec,
)
from tests.timing_helpers import BERLIN, Z, assert_error, fires


def rr(rule: str, tz: str = "UTC", start: datetime = Z(2026, 1, 1, 9), **kw: object) -> ScheduleSpec:
    return ScheduleSpec("rrule", tz, rrule=rule, start_at=start, **kw)  # type: ignore[arg-type]


def cpu_per_call(fn, calls: int = 5) -> float:
    """Mean CPU seconds per call (process time: other processes on the machine do not count)."""
    fn()  # warm caches
    t0 = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - t0) / calls


def expected_instants(rule: str, tz: str, start: datetime) -> list[datetime]:
    """Every occurrence, straight from dateutil, read in ``tz`` (the wall times used here all exist once)."""
    zone = ZoneInfo(tz)
    walls = du_rrule.rrulestr(rule, dtstart=start.astimezone(zone).replace(tzinfo=None))
    return [w.replace(tzinfo=zone).astimezone(UTC) for w in walls]


# ---------------------------------------------------------------- COUNT: same fires, evaluated from the last one


COUNT_RULES = [
    ("FREQ=DAILY;COUNT=40", "UTC"),  # fixed step: the last occurrence is computed
    ("FREQ=HOURLY;INTERVAL=7;COUNT=300", "UTC"),
    ("FREQ=MINUTELY;INTERVAL=90;COUNT=500", "UTC"),
    ("FREQ=SECONDLY;INTERVAL=3601;COUNT=1000", "UTC"),
    ("FREQ=WEEKLY;INTERVAL=2;COUNT=20", BERLIN),
    ("FREQ=MONTHLY;COUNT=30", BERLIN),
    ("FREQ=YEARLY;COUNT=5", BERLIN),
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=50", BERLIN),  # BY parts: the last occurrence is found by a walk
    ("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9,17;BYMINUTE=15;COUNT=25", BERLIN),
    ("FREQ=DAILY;BYMONTH=2,8;COUNT=100", "UTC"),
    ("FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=31;COUNT=7", "UTC"),
]


@pytest.mark.parametrize(("rule", "tz"), COUNT_RULES, ids=[r[0] for r in COUNT_RULES])
def test_count_rules_fire_exactly_as_dateutil_counts(rule: str, tz: str) -> None:
    start = Z(2026, 1, 31, 9, 15)
    spec = rr(rule, tz, start)
    validate_spec(spec)
    expected = expected_instants(rule, tz, start)
    assert next_fire_times(spec, start - timedelta(days=1), len(expected) + 5) == expected
    # From any point: the next occurrence, and nothing after the last one.
    for i in sorted({0, 1, len(expected) // 2, len(expected) - 2, len(expected) - 1}):
        after = expected[i]
        assert next_fire_time(spec, after) == (expected[i + 1] if i + 1 < len(expected) else None), (rule, i)
        assert next_fire_time(spec, after - timedelta(seconds=1)) == after
    assert next_fire_times(spec, expected[-1], 3) == []


SHIFTED = [
    ("FREQ=MONTHLY;BYDAY=1MO,-1FR;BYHOUR=9,17", Z(2026, 1, 31, 12)),  # DTSTART on a 31st
    ("FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=-1;BYSETPOS=1", Z(2025, 10, 31, 6)),
    ("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO", Z(2024, 6, 15, 8)),  # week 1 can start in December
    ("FREQ=YEARLY;INTERVAL=3;BYMONTH=3,10;BYDAY=-1SU", Z(2028, 2, 29, 3)),
    ("FREQ=YEARLY;BYYEARDAY=1,-1,100", Z(2025, 12, 31, 23)),
    ("FREQ=MONTHLY", Z(2025, 1, 31, 7)),  # no day parts: only months with a 31st
    ("FREQ=YEARLY", Z(2024, 2, 29, 7)),  # every leap year
]


@pytest.mark.parametrize(("rule", "start"), SHIFTED, ids=[r[0] for r in SHIFTED])
def test_evaluation_from_a_shifted_dtstart_matches_dateutil(rule: str, start: datetime) -> None:
    # Each call moves DTSTART to the period containing `after`; the fires must not change. (One call
    # looks 50 years ahead for these frequencies, so the sample stays within that.)
    spec = rr(rule, "UTC", start)
    walls = du_rrule.rrulestr(rule, dtstart=start.replace(tzinfo=None))
    expected = [w.replace(tzinfo=UTC) for w in itertools.takewhile(lambda w: w.year < start.year + 45, walls)]
    expected = expected[:100]
    assert next_fire_times(spec, start - timedelta(seconds=1), len(expected)) == expected
    for i in range(0, len(expected) - 1, 3):
        assert next_fire_time(spec, expected[i]) == expected[i + 1]
        assert next_fire_time(spec, expected[i + 1] - timedelta(seconds=1)) == expected[i + 1]


def test_count_rule_is_not_walked_from_dtstart_on_every_call() -> None:
    # Was 0.8 s of CPU per call, and gave up after 200,000 occurrences: the scheduler then saw None and
    # completed the schedule with 100,000 fires still to go.
    start = Z(2026, 1, 1)
    spec = rr("FREQ=SECONDLY;COUNT=300000", start=start)
    validate_spec(spec)
    late = start + timedelta(seconds=250_000)
    assert next_fire_time(spec, late) == late + timedelta(seconds=1)
    last = start + timedelta(seconds=299_999)
    assert next_fire_time(spec, last - timedelta(seconds=1)) == last
    assert next_fire_time(spec, last) is None
    assert cpu_per_call(lambda: next_fire_time(spec, late)) < 0.005


def test_walked_count_is_computed_once() -> None:
    spec = rr("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,13;BYMINUTE=0;COUNT=3000")
    validate_spec(spec)
    expected = expected_instants(spec.rrule, "UTC", spec.start_at)
    assert len(expected) == 3000
    assert next_fire_time(spec, expected[2998]) == expected[2999]
    assert next_fire_time(spec, expected[2999]) is None
    # Later calls reuse the COUNT-th occurrence and start near `after`.
    assert cpu_per_call(lambda: next_fire_time(spec, expected[2500]), calls=20) < 0.002


def test_count_beyond_the_calendar_means_no_end() -> None:
    spec = rr("FREQ=YEARLY;COUNT=1000000")
    validate_spec(spec)
    assert next_fire_time(spec, Z(3000, 6, 1)) == Z(3001, 1, 1, 9)


def test_count_and_until_rules_respect_end_at() -> None:
    spec = rr("FREQ=DAILY;COUNT=10", end_at=Z(2026, 1, 3, 9))
    assert fires(spec, Z(2025, 12, 1), 10) == [Z(2026, 1, 1, 9), Z(2026, 1, 2, 9), Z(2026, 1, 3, 9)]


# ---------------------------------------------------------------- the step budget


TOO_COMPLEX = [
    # Every second of January 1st (YEARLY takes month and day from DTSTART): 86,400 steps per period.
    "FREQ=YEARLY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=" + ",".join(map(str, range(60)))
    + ";BYSECOND=" + ",".join(map(str, range(60))),
    # Every minute of every day, grouped by month: 44,640 steps per period.
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE="
    + ",".join(map(str, range(60))),
    # dateutil steps second by second through the 23 hours without a match: 82,800 steps a day.
    "FREQ=SECONDLY;BYHOUR=3",
    "FREQ=SECONDLY;BYDAY=MO;BYHOUR=9",
]


@pytest.mark.parametrize("rule", TOO_COMPLEX, ids=[r[:40] for r in TOO_COMPLEX])
def test_rules_over_the_budget_are_refused(rule: str) -> None:
    err = assert_error(rr(rule), "rrule", "rrule_too_complex")
    assert "coarser" in err.message or "FREQ" in err.message


def test_large_count_without_a_shortcut_is_refused_with_a_hint() -> None:
    err = assert_error(rr("FREQ=DAILY;BYHOUR=9,12,15,18;BYMINUTE=0,30;COUNT=200000"), "rrule", "rrule_too_complex")
    assert "COUNT" in err.message and "UNTIL" in err.message


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MINUTELY;BYDAY=MO;BYHOUR=9",
        "FREQ=SECONDLY;BYDAY=MO",
        "FREQ=SECONDLY;BYSECOND=0,30",
        "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,15,30,45",
        "FREQ=HOURLY;BYMINUTE=" + ",".join(map(str, range(60))),
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=YEARLY;BYMONTH=2;BYDAY=-1MO;BYSETPOS=-1",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=2000",
        "FREQ=SECONDLY;COUNT=999999999",
        "FREQ=SECONDLY;INTERVAL=7;BYHOUR=3;BYMINUTE=5",  # 12,343 steps from one day's match to the next
    ],
)
def test_ordinary_dense_or_sparse_rules_fit_the_budget(rule: str) -> None:
    spec = rr(rule)
    validate_spec(spec)
    after = Z(2026, 5, 17, 23, 59, 59)
    got = next_fire_times(spec, after, 100)
    assert got and got[0] > after
    assert cpu_per_call(lambda: next_fire_time(spec, after), calls=3) < 0.05


def test_runtime_budget_overrun_raises_instead_of_ending_the_schedule() -> None:
    # validate_spec refuses this rule; one stored earlier must not look finished at run time.
    spec = rr(TOO_COMPLEX[0])
    with pytest.raises(TimingError) as info:
        next_fire_time(spec, Z(2026, 12, 30))
    assert (info.value.field, info.value.code) == ("rrule", "rrule_too_complex")
    gappy = rr("FREQ=SECONDLY;BYHOUR=3;BYMINUTE=5", start=Z(2026, 1, 1, 3, 5))
    with pytest.raises(TimingError):
        next_fire_time(gappy, Z(2026, 1, 1, 3, 5, 59))  # the next match is a day of steps away
    # A preview that runs out part-way returns what it found.
    assert next_fire_times(gappy, Z(2026, 1, 1, 3, 4, 59), 100) == [
        Z(2026, 1, 1, 3, 5, s) for s in range(60)
    ]


def test_min_gap_of_an_expensive_rule_stays_bounded() -> None:
    spec = rr("FREQ=MINUTELY;BYDAY=MO;BYHOUR=9")
    assert min_gap_seconds(spec) == 60.0
    validate_jitter(spec, 59)


ESTIMATED = [
    ("FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0", BERLIN),
    ("FREQ=MINUTELY;BYDAY=MO;BYHOUR=9", "UTC"),
    ("FREQ=SECONDLY;INTERVAL=7;BYHOUR=3;BYMINUTE=5", "UTC"),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", "UTC"),
    ("FREQ=MONTHLY;BYDAY=1MO,-1FR;BYHOUR=9,17", "America/New_York"),
    ("FREQ=MONTHLY;BYMONTHDAY=31;BYHOUR=9", "UTC"),
    ("FREQ=YEARLY;BYYEARDAY=" + ",".join(map(str, range(-200, 0))), "UTC"),
    ("FREQ=HOURLY;BYDAY=MO;BYMINUTE=" + ",".join(map(str, range(60))) + ";BYSECOND=0,30", "UTC"),
    ("FREQ=YEARLY;BYMONTH=2;BYDAY=1MO;BYSETPOS=1", "UTC"),
]


@pytest.mark.parametrize(("rule", "tz"), ESTIMATED, ids=[r[0][:40] for r in ESTIMATED])
def test_the_estimate_bounds_the_work_of_any_call(rule: str, tz: str) -> None:
    # validate_spec compares the estimate with the budget, so a call must never do more work than it.
    from services.timing import rrule as timing_rrule
    from services.timing.base import floor_ts

    spec = rr(rule, tz, Z(2026, 1, 1))
    validate_spec(spec)
    estimate = timing_rrule.rule_info(rule, tz).estimate
    probes = [Z(2026, 1, 1) + k * timedelta(days=3, hours=13, minutes=17, seconds=29) for k in range(220)]
    probes += next_fire_times(spec, Z(2026, 1, 1), 60)  # right after a fire: the scheduler's calls
    for after in probes:
        budget = timing_rrule.Budget(10**9, timing_rrule.rule_info(rule, tz).jstep)
        next(timing_rrule.rrule_instants(spec, floor_ts(after), budget), None)
        assert 10**9 - budget.left <= estimate, (rule, after)


def test_dateutil_runs_under_the_budget() -> None:
    # The budget relies on running a copy of dateutil's rrule._iter with counting helpers. A dateutil
    # upgrade that changes those internals must fail here rather than silently lose the bound.
    from services.timing import rrule as timing_rrule

    assert timing_rrule._capped_iter_fn(2100) is not None
    never = timing_rrule.build_rrule("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", datetime(2026, 1, 1))
    with pytest.raises(timing_rrule.OverBudget):  # periods without a match are counted too
        list(timing_rrule.iter_walls(never, 2100, timing_rrule.Budget(10_000)))
    gappy = timing_rrule.build_rrule("FREQ=SECONDLY;BYHOUR=3", datetime(2026, 1, 1, 4))
    with pytest.raises(timing_rrule.OverBudget):  # and so are the inner time-of-day steps
        next(timing_rrule.iter_walls(gappy, 2100, timing_rrule.Budget(10_000)))
    # ... and the month-by-month carry of a large INTERVAL (~23 months per step here, 60 ms for 930 steps)
    far = timing_rrule.build_rrule("FREQ=MINUTELY;INTERVAL=1000000;BYHOUR=23,2", datetime(2026, 1, 1))
    with pytest.raises(timing_rrule.OverBudget):
        list(itertools.islice(timing_rrule.iter_walls(far, 9990, timing_rrule.Budget(100_000)), 1000))


# ---------------------------------------------------------------- malformed numbers and sizes


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("FREQ=DAILY;COUNT=²", "COUNT"),  # was a 500: "²".isdigit() is True, int() raises
        ("FREQ=DAILY;INTERVAL=٣", "INTERVAL"),
        ("FREQ=DAILY;COUNT=" + "9" * 5000, "too long"),
        ("FREQ=DAILY;COUNT=" + "9" * 12, "COUNT"),
        ("FREQ=DAILY;INTERVAL=1000000000", "INTERVAL"),  # dateutil would step month by month for ages
        ("FREQ=YEARLY;INTERVAL=101", "INTERVAL"),
        ("FREQ=DAILY;BYHOUR=９", "ASCII"),
        ("FREQ=DAILY\u00a0", "ASCII"),
        ("FREQ=DAILY;BYHOUR=9\x00", "ASCII"),
        ("FREQ=DAILY;BYSETPOS=" + ",".join(["1"] * 600), "too long"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH"),  # dateutil accepts it and fails with IndexError later
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO"),
        ("FREQ=HOURLY;BYHOUR=-1", "BYHOUR"),
        ("FREQ=YEARLY;BYDAY=54MO", "BYDAY"),
        ("FREQ=WEEKLY;WKST=1MO", "WKST"),
        ("FREQ=YEARLY;BYSETPOS=400", "BYSETPOS"),
    ],
)
def test_bad_numbers_and_sizes(rule: str, fragment: str) -> None:
    assert_error(rr(rule), "rrule", "invalid_rrule", fragment)


# ---------------------------------------------------------------- through the scheduler


@pytest.fixture
async def dal(database_url):
    from services.dal import AsyncDAL
    from tests.conftest import reset_database

    await reset_database(database_url)
    d = AsyncDAL(database_url, min_size=1, max_size=2)
    await d.connect()
    yield d
    await d.close()


async def _claim_one(dal, rule: str, start: datetime, nominal: datetime):
    from services.firing import Owner
    from services.schedule_state import claim_due

    workflow_id, schedule_id = uuid.uuid4(), uuid.uuid4()
    await dal.execute("INSERT INTO workflows (workflow_id, community_id, name) VALUES ($1, 1, 'w')", workflow_id)
    # Inserted directly, as a schedule stored before validate_spec knew about the budget would be.
    await dal.execute(
        "INSERT INTO workflow_schedules (schedule_id, workflow_id, community_id, schedule_type, rrule, start_at,"
        " anchor_at, next_execution_at, next_due_at) VALUES ($1, $2, 1, 'rrule', $3, $4, $4, $5, $5)",
        schedule_id, workflow_id, rule, start, nominal)
    async with dal.transaction() as conn:
        await claim_due(conn, nominal + timedelta(milliseconds=10), 10, Owner("t", 1), catchup_after=60)
    return await dal.fetchrow("SELECT status, paused_note, next_execution_at FROM workflow_schedules"
                              " WHERE schedule_id = $1", schedule_id)


async def test_scheduler_keeps_a_long_count_rule_going(dal) -> None:
    # Was completed here: the walk from DTSTART gave up after 200,000 occurrences and returned None.
    start = Z(2026, 1, 1)
    row = await _claim_one(dal, "FREQ=SECONDLY;COUNT=300000", start, start + timedelta(seconds=250_000))
    assert row["status"] == "active", dict(row)
    assert row["next_execution_at"] == start + timedelta(seconds=250_001)


async def test_scheduler_pauses_a_schedule_whose_rule_overruns_the_budget(dal) -> None:
    row = await _claim_one(dal, TOO_COMPLEX[0], Z(2026, 1, 1), Z(2026, 1, 1, 12))
    assert row["status"] == "paused", dict(row)  # neither completed nor computed at length
    assert "too complex" in row["paused_note"]
