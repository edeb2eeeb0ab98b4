"""Any input: validate_spec, a 100-fire preview and describe each return or raise TimingError, quickly.

Wall-clock bounds are generous (other engineers share the 2 cores); CPU time (time.process_time, which
other processes do not inflate) is checked more tightly for the most expensive inputs, with cold caches.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

import services.timing as timing
from services.timing import ScheduleSpec, TimingError, describe, next_fire_time, next_fire_times, validate_spec
from tests.timing_helpers import Z

INT4_MAX = 2_147_483_647
MINUTES = ",".join(map(str, range(60)))
HOURS = ",".join(map(str, range(24)))


def S(kind: str, tz: str = "UTC", **kw: object) -> ScheduleSpec:
    kw.setdefault("anchor", Z(2026, 1, 1))
    return ScheduleSpec(kind, tz, **kw)  # type: ignore[arg-type]


HOSTILE: list[tuple[str, ScheduleSpec, datetime]] = [
    # cron: sparse days in DST zones, far years, odd zones, long expressions
    ("leap-day cron, New York", S("cron", "America/New_York", cron_expression="0 0 29 2 *"), Z(2026, 1, 1)),
    ("fifth Monday of February, Lord Howe", S("cron", "Australia/Lord_Howe", cron_expression="30 2 * 2 1#5"),
     Z(2026, 1, 1)),
    ("never fires", S("cron", cron_expression="0 0 30 2 *"), Z(2026, 1, 1)),
    ("never fires with W", S("cron", "Asia/Gaza", cron_expression="0 0 30W 2 *"), Z(2026, 1, 1)),
    ("every second across fall-back", S("cron", "America/New_York", cron_expression="* * * * * *"),
     Z(2026, 11, 1, 5, 59, 30)),
    ("Gaza, transitions a week apart", S("cron", "Asia/Gaza", cron_expression="*/7 * * * *"), Z(2040, 9, 1)),
    ("Apia skipped a whole day", S("cron", "Pacific/Apia", cron_expression="0 0 * * *"), Z(2011, 12, 28)),
    ("Troll, two-hour jumps", S("cron", "Antarctica/Troll", cron_expression="30 1,2 * * *"), Z(2026, 3, 28)),
    ("Dublin, negative DST", S("cron", "Europe/Dublin", cron_expression="30 1 * * 0L"), Z(2026, 1, 1)),
    ("Casablanca, Ramadan", S("cron", "Africa/Casablanca", cron_expression="15 2 * * *"), Z(2026, 2, 1)),
    ("Kiritimati at the end of time", S("cron", "Pacific/Kiritimati", cron_expression="59 23 31 12 *"),
     Z(9899, 6, 1)),
    ("Chatham, +12:45", S("cron", "Pacific/Chatham", cron_expression="45 2 LW * *"), Z(2026, 1, 1)),
    ("after the end of time", S("cron", "America/New_York", cron_expression="0 9 * * *"),
     datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
    ("after year 1", S("cron", "America/New_York", cron_expression="0 9 29 2 1#5"), datetime(1, 1, 1, tzinfo=UTC)),
    ("start in year 9000", S("cron", "Europe/Berlin", cron_expression="0 0 29 2 *", start_at=Z(9000, 1, 1)),
     Z(2026, 1, 1)),
    ("500 characters of lists", S("cron", cron_expression=" ".join([MINUTES, "*/1", "1-31", "*", "0-7"])[:499]),
     Z(2026, 1, 1)),
    ("huge step", S("cron", cron_expression="*/999999999 * * * *"), Z(2026, 1, 1)),
    ("long number", S("cron", cron_expression="0 " + "9" * 600 + " * * *"), Z(2026, 1, 1)),
    ("non-ASCII", S("cron", cron_expression="0 ٩ * * *"), Z(2026, 1, 1)),
    # rrule: COUNT, budget, sparse and far
    ("COUNT 999,999,999", S("rrule", rrule="FREQ=SECONDLY;COUNT=999999999"), Z(2050, 1, 1)),
    ("COUNT a million years", S("rrule", rrule="FREQ=YEARLY;COUNT=1000000"), Z(2026, 1, 1)),
    ("COUNT too long to walk", S("rrule", rrule="FREQ=DAILY;BYHOUR=1,2;COUNT=900000000"), Z(2026, 1, 1)),
    ("every second of Jan 1", S("rrule", rrule=f"FREQ=YEARLY;BYHOUR={HOURS};BYMINUTE={MINUTES};BYSECOND={MINUTES}"),
     Z(2026, 6, 1)),
    ("hourly set of 3600", S("rrule", rrule=f"FREQ=HOURLY;BYMINUTE={MINUTES};BYSECOND={MINUTES}"), Z(2026, 6, 1)),
    ("seconds at 3 am", S("rrule", "America/New_York", rrule="FREQ=SECONDLY;BYHOUR=3"), Z(2026, 3, 8)),
    ("seconds on Feb 29 at 3 am", S("rrule", rrule="FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=3"), Z(2026, 1, 1)),
    ("Feb 29 Mondays, daily", S("rrule", rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"), Z(2026, 1, 1)),
    ("yearly set positions", S("rrule", rrule="FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS="
                               + ",".join(str(i) for i in range(-150, 150) if i)), Z(2026, 1, 1)),
    ("year days", S("rrule", rrule="FREQ=YEARLY;BYYEARDAY=" + ",".join(map(str, range(-300, -1)))), Z(2026, 1, 1)),
    ("week 53 Mondays in January", S("rrule", rrule="FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO;BYMONTH=1"), Z(2026, 1, 1)),
    ("interval of a century", S("rrule", rrule="FREQ=YEARLY;INTERVAL=100"), Z(2026, 1, 1)),
    ("interval of 31 years in seconds", S("rrule", rrule="FREQ=SECONDLY;INTERVAL=999999999"), Z(2026, 1, 1)),
    ("interval of 10^9 days", S("rrule", rrule="FREQ=DAILY;INTERVAL=1000000000"), Z(2026, 1, 1)),
    ("minutely in the last hour of time", S("rrule", "Pacific/Kiritimati", rrule="FREQ=MINUTELY;UNTIL=99991231",
                                            start_at=Z(9899, 12, 31, 9)), Z(9899, 12, 31, 9)),
    ("rrule from year 1", S("rrule", rrule="FREQ=WEEKLY", anchor=datetime(1, 1, 1, tzinfo=UTC)), Z(2026, 1, 1)),
    ("rrule from year 1, -10", S("rrule", "Pacific/Honolulu", rrule="FREQ=WEEKLY",
                                 anchor=datetime(1, 1, 1, tzinfo=UTC)), Z(2026, 1, 1)),
    ("rrule non-ASCII", S("rrule", rrule="FREQ=DAILY;COUNT=²"), Z(2026, 1, 1)),
    ("rrule 1000 characters", S("rrule", rrule="FREQ=DAILY;BYSETPOS=" + ",".join(["-1"] * 327)), Z(2026, 1, 1)),
    # interval: the int4 column's range and datetime's
    ("interval 99999999999", S("interval", interval_seconds=99_999_999_999), Z(2026, 1, 1)),
    ("interval 10^18", S("interval", interval_seconds=10**18), Z(2026, 1, 1)),
    ("interval int4 max", S("interval", interval_seconds=INT4_MAX), Z(2026, 1, 1)),
    ("interval int4 max + 1", S("interval", interval_seconds=INT4_MAX + 1), Z(2026, 1, 1)),
    ("interval anchored at year 1", S("interval", interval_seconds=1, anchor=datetime(1, 1, 1, tzinfo=UTC)),
     datetime(9999, 12, 31, tzinfo=UTC)),
    ("interval anchored at the end", S("interval", interval_seconds=INT4_MAX,
                                       anchor=datetime(9999, 12, 31, tzinfo=UTC)), datetime(1, 1, 1, tzinfo=UTC)),
    # one_time at the edges of datetime, in zones that push it over
    ("one_time at the end of time, +14", S("one_time", "Pacific/Kiritimati",
                                            scheduled_time=datetime(9999, 12, 31, 23, 59, tzinfo=UTC)), Z(2026, 1, 1)),
    ("one_time in year 1, -10", S("one_time", "Pacific/Honolulu", scheduled_time=datetime(1, 1, 1, tzinfo=UTC)),
     datetime(1, 1, 1, tzinfo=UTC)),
    ("start_at year 1", S("cron", cron_expression="0 9 * * *", start_at=datetime(1, 1, 1, tzinfo=UTC)), Z(2026, 1, 1)),
    ("after with an odd offset", S("cron", "Asia/Kathmandu", cron_expression="45 5 * * *"),
     datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59)))),
    # zone names
    ("zone name of 10,000 characters", S("cron", "A" * 10_000, cron_expression="0 9 * * *"), Z(2026, 1, 1)),
    ("zone with NUL", S("cron", "Europe/Berlin\x00", cron_expression="0 9 * * *"), Z(2026, 1, 1)),
    ("zone path", S("cron", "../../../../etc/passwd", cron_expression="0 9 * * *"), Z(2026, 1, 1)),
    ("zone Factory", S("cron", "Factory", cron_expression="0 9 * * *"), Z(2026, 1, 1)),
]


def attempt(fn, *args):
    """Run one call: its result, or the TimingError it raised. Anything else fails the test."""
    try:
        return fn(*args)
    except TimingError as exc:
        return exc


@pytest.mark.parametrize(("label", "spec", "after"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_every_call_returns_or_raises_timing_error_quickly(label: str, spec: ScheduleSpec, after: datetime) -> None:
    for call in (lambda: validate_spec(spec), lambda: next_fire_times(spec, after, 100), lambda: describe(spec),
                 lambda: next_fire_time(spec, after), lambda: timing.min_gap_seconds(spec)):
        t0 = time.perf_counter()
        result = attempt(call)
        elapsed = time.perf_counter() - t0
        assert elapsed < 0.5, (label, elapsed, result)
        if isinstance(result, list):
            assert all(a < b for a, b in zip(result, result[1:], strict=False)), label
            assert all(f.tzinfo is UTC for f in result), label


def _clear_caches() -> None:
    timing.zones.clear_caches()
    for module in (timing.base, timing.zones, timing.cron, timing.rrule, timing.describe, timing.fires):
        for value in vars(module).values():
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()


WORST = [
    ("leap-day cron, New York", "cron", "America/New_York", {"cron_expression": "0 0 29 2 *"}),
    ("fifth Monday of February, Lord Howe", "cron", "Australia/Lord_Howe", {"cron_expression": "30 2 * 2 1#5"}),
    ("Gaza every 7 minutes", "cron", "Asia/Gaza", {"cron_expression": "*/7 * * * *"}),
    ("COUNT walked near the limit", "rrule", "Europe/Berlin",
     {"rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9,13;COUNT=2400"}),
    ("minutely Mondays 9 am", "rrule", "America/New_York", {"rrule": "FREQ=MINUTELY;BYDAY=MO;BYHOUR=9"}),
    ("seconds every 7 at 3:05", "rrule", "UTC", {"rrule": "FREQ=SECONDLY;INTERVAL=7;BYHOUR=3;BYMINUTE=5"}),
    ("daily leap days", "rrule", "Asia/Gaza", {"rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29"}),
    ("year days", "rrule", "UTC", {"rrule": "FREQ=YEARLY;BYYEARDAY=" + ",".join(map(str, range(-200, 0)))}),
    ("every second of Jan 1", "rrule", "UTC",
     {"rrule": f"FREQ=YEARLY;BYHOUR={HOURS};BYMINUTE={MINUTES};BYSECOND={MINUTES}"}),
]


@pytest.mark.parametrize(("label", "kind", "tz", "fields"), WORST, ids=[w[0] for w in WORST])
def test_cpu_time_of_the_worst_inputs(label: str, kind: str, tz: str, fields: dict) -> None:
    # validate_spec + a 100-fire preview + describe, the preview endpoint's work, from cold caches.
    spec = ScheduleSpec(kind, tz, start_at=Z(2026, 1, 1), **fields)
    after = Z(2026, 5, 4, 3, 4, 59)
    _clear_caches()
    t0 = time.process_time()
    outcome = attempt(lambda: (validate_spec(spec), next_fire_times(spec, after, 100), describe(spec)))
    cpu = time.process_time() - t0
    assert cpu < 0.05, (label, f"{cpu * 1000:.1f} ms", outcome)
    # ... and a single next_fire_time, the scheduler's per-claim call, once caches are warm.
    if not isinstance(outcome, TimingError):
        fires = outcome[1]
        t0 = time.process_time()
        for fire in fires[:20]:
            next_fire_time(spec, fire)
        assert (time.process_time() - t0) / max(len(fires[:20]), 1) < 0.02, label


# ---------------------------------------------------------------- bounds that used to escape as other errors


@pytest.mark.parametrize("seconds", [0, -1, INT4_MAX + 1, 99_999_999_999, 10**18])
def test_interval_is_bounded_by_the_int4_column(seconds: int) -> None:
    spec = S("interval", interval_seconds=seconds)
    with pytest.raises(TimingError) as info:
        validate_spec(spec)
    assert (info.value.field, info.value.code) == ("interval_seconds", "invalid_interval")
    assert "2147483647" in info.value.message or ">= 1" in info.value.message or "between" in info.value.message
    for call in (lambda: next_fire_time(spec, Z(2026, 1, 1)), lambda: describe(spec)):
        with pytest.raises(TimingError):
            call()


def test_largest_interval_works() -> None:
    spec = S("interval", interval_seconds=INT4_MAX)
    validate_spec(spec)
    assert next_fire_times(spec, Z(2026, 1, 1), 2) == [Z(2026, 1, 1) + timedelta(seconds=INT4_MAX),
                                                      Z(2026, 1, 1) + timedelta(seconds=2 * INT4_MAX)]
    assert describe(spec) == f"Every {INT4_MAX} seconds"


@pytest.mark.parametrize("field", ["scheduled_time", "start_at", "end_at", "anchor"])
@pytest.mark.parametrize("value", [datetime(1, 1, 1, tzinfo=UTC), datetime(1799, 12, 31, tzinfo=UTC),
                                   datetime(9900, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)])
def test_datetimes_outside_1800_to_9899_are_refused(field: str, value: datetime) -> None:
    kind = "one_time" if field == "scheduled_time" else "cron"
    fields = {"scheduled_time": Z(2030, 1, 1)} if kind == "one_time" else {"cron_expression": "0 9 * * *"}
    fields[field] = value
    if field == "end_at":
        fields.pop("start_at", None)
    spec = ScheduleSpec(kind, "Pacific/Kiritimati", **fields)  # type: ignore[arg-type]
    if field == "end_at" and value.year >= 9900:
        validate_spec(spec)  # the "never" idiom: an end no fire reaches
        assert next_fire_times(spec, Z(2030, 1, 1), 2)
        return
    with pytest.raises(TimingError) as info:
        validate_spec(spec)
    assert (info.value.field, info.value.code) == (field, "datetime_out_of_range")


def test_edge_datetimes_inside_the_range_describe_and_preview() -> None:
    late = ScheduleSpec("one_time", "Pacific/Kiritimati", scheduled_time=datetime(9899, 12, 31, 23, tzinfo=UTC))
    validate_spec(late)
    assert describe(late) == "Once at 9900-01-01 13:00 (Pacific/Kiritimati)"
    assert next_fire_times(late, Z(2026, 1, 1), 5) == [datetime(9899, 12, 31, 23, tzinfo=UTC)]
    assert timing.to_local(late.scheduled_time, "Pacific/Kiritimati").year == 9900
    early = ScheduleSpec("one_time", "Pacific/Honolulu", scheduled_time=datetime(1800, 1, 1, tzinfo=UTC))
    validate_spec(early)
    assert describe(early).startswith("Once at 1799-12-31")
    assert ZoneInfo("Pacific/Honolulu")  # zone exists on this machine


# ---------------------------------------------------------------- random expressions


def _cron_token(rng, field: int) -> str:
    names = {4: ["JAN", "feb", "Dec"], 5: ["MON", "sun", "FRI", "sat"]}.get(field, [])
    value = lambda: rng.choice([str(rng.randint(-1, 62)), *names, "", "L", "W", "x", "٣", "²", "0" * 12])  # noqa: E731
    shape = rng.randrange(12)
    if shape == 0:
        return "*"
    if shape == 1:
        return f"*/{rng.choice([str(rng.randint(0, 200)), '', 'x'])}"
    if shape == 2:
        return f"{value()}-{value()}"
    if shape == 3:
        return f"{value()}-{value()}/{rng.randint(0, 100)}"
    if shape == 4:
        return f"{value()}/{rng.randint(0, 100)}"
    if shape == 5:
        return f"{value()}L"
    if shape == 6:
        return f"{value()}#{rng.choice([str(rng.randint(-1, 7)), '', 'x'])}"
    if shape == 7:
        return f"{value()}W"
    if shape == 8:
        return rng.choice(["L", "LW", "?", "#", "/", "-", ",", "**"])
    return value()


def _random_cron(rng) -> str:
    fields = [",".join(_cron_token(rng, f) for _ in range(rng.randint(1, 3))) for f in range(6)]
    if rng.random() < 0.6:
        fields = fields[1:]
    return rng.choice([" ", "  ", "\t"]).join(fields)


def _random_rrule(rng) -> str:
    parts = [f"FREQ={rng.choice(['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY', 'X'])}"]
    pool = {
        "INTERVAL": lambda: str(rng.choice([0, 1, 2, 7, 100, 10**6])),
        "COUNT": lambda: str(rng.choice([0, 1, 5, 1000, 10**6])),
        "UNTIL": lambda: rng.choice(["20300101", "20300101T120000Z", "99991231", "2030", "18000101T000000"]),
        "BYMONTH": lambda: ",".join(str(rng.randint(0, 13)) for _ in range(rng.randint(1, 4))),
        "BYMONTHDAY": lambda: ",".join(str(rng.randint(-32, 32)) for _ in range(rng.randint(1, 4))),
        "BYYEARDAY": lambda: ",".join(str(rng.randint(-367, 367)) for _ in range(rng.randint(1, 4))),
        "BYWEEKNO": lambda: ",".join(str(rng.randint(-54, 54)) for _ in range(rng.randint(1, 3))),
        "BYDAY": lambda: ",".join(rng.choice(["", "1", "-1", "5", "+2", "53"]) + rng.choice(["MO", "SU", "XX"])
                                  for _ in range(rng.randint(1, 3))),
        "BYHOUR": lambda: ",".join(str(rng.randint(-1, 25)) for _ in range(rng.randint(1, 4))),
        "BYMINUTE": lambda: ",".join(str(rng.randint(-1, 61)) for _ in range(rng.randint(1, 4))),
        "BYSECOND": lambda: ",".join(str(rng.randint(-1, 61)) for _ in range(rng.randint(1, 4))),
        "BYSETPOS": lambda: ",".join(str(rng.randint(-400, 400)) for _ in range(rng.randint(1, 3))),
        "WKST": lambda: rng.choice(["MO", "SU", "XX"]),
    }
    for name in rng.sample(sorted(pool), rng.randint(0, 4)):
        parts.append(f"{name}={pool[name]()}")
    return ";".join(parts)


def test_random_expressions_only_ever_raise_timing_error() -> None:
    import random

    rng = random.Random(20260315)
    zones = ["UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Gaza", "Pacific/Apia"]
    t0 = time.process_time()
    for i in range(1500):
        tz = zones[i % len(zones)]
        if i % 3:
            spec = S("cron", tz, cron_expression=_random_cron(rng))
        else:
            start = Z(2026, 1, 1) + timedelta(hours=rng.randint(0, 9999))
            spec = S("rrule", tz, rrule=_random_rrule(rng), start_at=start)
        after = Z(2026, 3, 1) + timedelta(minutes=rng.randint(0, 10**6))
        for fn, args in ((validate_spec, (spec,)), (describe, (spec,)), (next_fire_times, (spec, after, 5))):
            started = time.perf_counter()
            try:
                fn(*args)
            except TimingError:
                pass
            except Exception as exc:  # noqa: BLE001 -- the point of the test
                pytest.fail(f"{spec!r}: {type(exc).__name__}: {exc}")
            assert time.perf_counter() - started < 0.5, spec
    assert time.process_time() - t0 < 60
