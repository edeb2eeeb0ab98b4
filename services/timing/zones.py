"""Time zones and their UTC-offset transitions.

zoneinfo has no public transition API, so transitions come from probing
zoneinfo once per (zone, year), with the result cached.
"""

from __future__ import annotations

import bisect
import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.timing.base import DAY, EPOCH_ORD, SEC, UTC_NAMES, err, require_aware


@functools.lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    # "localtime" resolves to whatever the host is set to, so the same
    # schedule would behave differently on different machines. Refuse it.
    if not isinstance(name, str) or not name or name == "localtime":
        raise err("timezone", f"unknown time zone {name!r}", "unknown_timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise err("timezone", f"unknown time zone {name!r}", "unknown_timezone") from None


def utc_offset(tz: ZoneInfo, ts: int) -> int:
    return datetime.fromtimestamp(ts, tz).utcoffset() // SEC


def utc_year(ts: int) -> int:
    return date.fromordinal(EPOCH_ORD + ts // DAY).year


Transition = tuple[int, int, int]  # (instant, offset before, offset after)


@functools.lru_cache(maxsize=4096)
def year_transitions(tzname: str, year: int) -> tuple[tuple[int, ...], tuple[Transition, ...], int]:
    """Offset transitions inside UTC year ``year``: (instants, transitions, offset at year start).

    Probes the offset once per day and bisects each change to the second.
    That takes about 400 zoneinfo calls, once per (zone, year). Two changes
    in one day that cancel out would be missed; tzdata has none in the years
    that schedules use.
    """
    tz = zone(tzname)
    t = (date(year, 1, 1).toordinal() - EPOCH_ORD) * DAY - 1
    last = (date(year + 1, 1, 1).toordinal() - EPOCH_ORD) * DAY - 1
    off = first = utc_offset(tz, t)
    found: list[Transition] = []
    while t < last:
        t2 = min(t + DAY, last)
        off2 = utc_offset(tz, t2)
        while off2 != off:  # at least one transition in (t, t2]
            lo, hi = t, t2
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if utc_offset(tz, mid) == off:
                    lo = mid
                else:
                    hi = mid
            new = utc_offset(tz, hi)
            found.append((hi, off, new))
            t, off = hi, new
        t = t2
    return tuple(tr[0] for tr in found), tuple(found), first


def segment(tzname: str, ts: int) -> tuple[int | None, int, int]:
    """(start instant or None, offset before start, offset) of the offset segment containing ``ts``."""
    year = utc_year(ts)
    times, trans, first = year_transitions(tzname, year)
    i = bisect.bisect_right(times, ts)
    if i:
        return trans[i - 1]
    # No transition yet this year. Use last year's final one: a repeated
    # hour can straddle New Year.
    prev = year_transitions(tzname, year - 1)[1]
    if prev:
        return prev[-1]
    return None, first, first


def next_transition(tzname: str, ts: int, limit: int) -> Transition | None:
    """First transition strictly after ``ts`` and at or before ``limit``."""
    year, last_year = utc_year(ts), utc_year(limit)
    while year <= last_year:
        times, trans, _ = year_transitions(tzname, year)
        i = bisect.bisect_right(times, ts)
        if i < len(times):
            return trans[i] if times[i] <= limit else None
        year += 1
    return None


def offset_at(tzname: str, ts: int) -> int:
    return 0 if tzname in UTC_NAMES else segment(tzname, ts)[2]


def to_local(dt: datetime, timezone: str) -> datetime:
    """``dt`` as an aware datetime in ``timezone``, for previews."""
    require_aware(dt, "datetime")
    return dt.astimezone(zone(timezone))
