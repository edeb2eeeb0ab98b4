"""Helpers shared by the timing tests: UTC literals, spec builders, checks and a slow DST reference model."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.timing import ScheduleSpec, TimingError, next_fire_time, next_fire_times, validate_spec

NY = "America/New_York"
BERLIN = "Europe/Berlin"
LORD_HOWE = "Australia/Lord_Howe"


def Z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def cron(expr: str, tz: str = "UTC", **kw: object) -> ScheduleSpec:
    return ScheduleSpec("cron", tz, cron_expression=expr, **kw)  # type: ignore[arg-type]


def fires(spec: ScheduleSpec, after: datetime, n: int) -> list[datetime]:
    out = next_fire_times(spec, after, n)
    assert all(f.tzinfo is UTC for f in out)
    assert all(a < b for a, b in itertools.pairwise(out)), "fires must be strictly increasing"
    assert out == chain(spec, after, n), "next_fire_times must agree with chained next_fire_time"
    return out


def chain(spec: ScheduleSpec, after: datetime, n: int) -> list[datetime]:
    out: list[datetime] = []
    while len(out) < n and (nxt := next_fire_time(spec, after)) is not None:
        out.append(nxt)
        after = nxt
    return out


def assert_error(spec: ScheduleSpec, field: str, code: str, *fragments: str) -> TimingError:
    with pytest.raises(TimingError) as info:
        validate_spec(spec)
    err = info.value
    assert (err.field, err.code) == (field, code), err.message
    assert err.message.startswith(f"{field}: ")
    assert str(err) == err.message
    for fragment in fragments:
        assert fragment in err.message
    return err


def reference(tz_name: str, wildcard: bool, match, start: datetime, end: datetime) -> list[datetime]:
    """Slow model of the Debian rules using only zoneinfo, stepping one minute at a time."""
    tz = ZoneInfo(tz_name)
    out: set[datetime] = set()
    if wildcard:  # every real minute whose local wall time matches
        t = start + timedelta(minutes=1)
        while t < end:
            if match(t.astimezone(tz)):
                out.add(t)
            t += timedelta(minutes=1)
        return sorted(out)
    wall = start.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    stop = end.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    while wall < stop:
        if match(wall):
            inst = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0: first pass
            if inst.astimezone(tz).replace(tzinfo=None) != wall:  # skipped: fire at the jump
                # fold=1 reads the wall with the new offset, which gives an instant just before the jump.
                jump = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
                old_offset = jump.astimezone(tz).utcoffset()
                while jump.astimezone(tz).utcoffset() == old_offset:
                    jump += timedelta(minutes=1)
                inst = jump
            if start < inst < end:
                out.add(inst)
        wall += timedelta(minutes=1)
    return sorted(out)
