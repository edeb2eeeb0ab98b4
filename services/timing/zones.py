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


# Offsets are probed every PROBE_STEP seconds. Two transitions closer than that which cancel out would
# be missed; the closest such pair in tzdata is 3.99 days apart (Africa/Freetown, 1939), the next ones
# ~7 days (Asia/Gaza, 2040s), and tests/test_timing_zones.py checks the installed tzdata.
PROBE_STEP = 2 * DAY


# (instants, transitions, offset at the year's start, whether that offset held PROBE_STEP before it)
YearTransitions = tuple[tuple[int, ...], tuple[Transition, ...], int, bool]
_years: dict[tuple[str, int], YearTransitions] = {}  # a dict, not lru_cache: segment_if_probed looks in it
_YEARS_KEPT = 4096


def year_transitions(tzname: str, year: int) -> YearTransitions:
    """Offset transitions inside UTC year ``year`` (see YearTransitions).

    Probes the offset every PROBE_STEP and bisects each change to the second:
    about 220 zoneinfo calls, once per (zone, year).
    """
    found = _years.get((tzname, year))
    if found is None:
        found = _probe_year(tzname, year)
        if len(_years) >= _YEARS_KEPT:
            del _years[next(iter(_years))]  # the oldest
        _years[(tzname, year)] = found
    return found


def clear_caches() -> None:
    _years.clear()
    zone.cache_clear()


def _probe_year(tzname: str, year: int) -> YearTransitions:
    tz = zone(tzname)
    t = (date(year, 1, 1).toordinal() - EPOCH_ORD) * DAY - 1
    last = (date(year + 1, 1, 1).toordinal() - EPOCH_ORD) * DAY - 1
    off = first = utc_offset(tz, t)
    found: list[Transition] = []
    while t < last:
        t2 = min(t + PROBE_STEP, last)
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
    start = (date(year, 1, 1).toordinal() - EPOCH_ORD) * DAY
    return tuple(tr[0] for tr in found), tuple(found), first, utc_offset(tz, start - PROBE_STEP) == first


def segment_if_probed(tzname: str, ts: int) -> tuple[int | None, int, int] | None:
    """segment(), if the year of ``ts`` has been probed already; else None (and nothing is probed)."""
    year = utc_year(ts)
    found = _years.get((tzname, year))
    return None if found is None else _segment_in(tzname, ts, year, found)


def segment(tzname: str, ts: int) -> tuple[int | None, int, int]:
    """(start instant or None, offset before start, offset) of the offset segment containing ``ts``.

    None as the start means "long before ``ts``": callers only use the start
    when it lies within a day or two of ``ts``.
    """
    year = utc_year(ts)
    return _segment_in(tzname, ts, year, year_transitions(tzname, year))


def _segment_in(tzname: str, ts: int, year: int, found: YearTransitions) -> tuple[int | None, int, int]:
    times, trans, first, quiet_new_year = found
    i = bisect.bisect_right(times, ts)
    if i:
        return trans[i - 1]
    # No transition yet this year. A repeated hour can straddle New Year, so
    # last year's final transition matters if it is recent; the offset
    # PROBE_STEP before New Year tells without probing all of last year.
    if quiet_new_year:
        return None, first, first
    prev = year_transitions(tzname, year - 1)[1]
    if prev:
        return prev[-1]
    return None, first, first


def next_transition(tzname: str, ts: int, limit: int) -> Transition | None:
    """First transition strictly after ``ts`` and at or before ``limit``."""
    year, last_year = utc_year(ts), utc_year(limit)
    while year <= last_year:
        times, trans, _, _ = year_transitions(tzname, year)
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
    try:
        return dt.astimezone(zone(timezone))
    except OverflowError:  # within a day of datetime's limits; fires never are (see base.MAX_DT)
        raise err("datetime", f"{dt.isoformat()} has no local time in {timezone}", "datetime_out_of_range") from None
