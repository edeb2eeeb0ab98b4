"""RRULE (RFC 5545) evaluation with dateutil, in the schedule's zone.

dateutil works on naive local wall times; this module turns them into
instants (RFC 5545: a repeated wall fires on its first pass, a nonexistent
one is read with the offset from before the gap).
"""

from __future__ import annotations

import datetime as _dt
import functools
import heapq
import re
import types
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as _du_rrule

from services.timing.base import (
    DAY,
    EPOCH_NAIVE,
    MAX_TS,
    MIN_TS,
    RRULE_HORIZON_YEARS,
    SEC,
    UTC_NAMES,
    ScheduleSpec,
    err,
    require_aware,
)
from services.timing.zones import next_transition, offset_at, zone

RRULE_MAX_STEPS = 200_000  # occurrences looked at per rrule search
_RRULE_GAP_SAMPLE = 1000  # fires sampled by min_gap_seconds for rrules
_RRULE_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
     "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST"}
)
_RRULE_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
_RRULE_FIXED_STEPS = {
    "WEEKLY": timedelta(weeks=1),
    "DAILY": timedelta(days=1),
    "HOURLY": timedelta(hours=1),
    "MINUTELY": timedelta(minutes=1),
    "SECONDLY": timedelta(seconds=1),
}
_UNTIL_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$")


@functools.lru_cache(maxsize=1024)
def rrule_parts(text: str) -> tuple[tuple[str, str], ...]:
    """Split and check an RRULE. Returns ((NAME, VALUE), ...) in upper case."""
    if not isinstance(text, str) or not text.strip():
        raise err("rrule", "is empty", "invalid_rrule")
    body = text.strip()
    if body[:6].upper() == "RRULE:":
        body = body[6:]
    if "\n" in body or "\r" in body or ":" in body:
        raise err("rrule", "must be a single RRULE (DTSTART comes from start_at/anchor)", "invalid_rrule")
    parts: dict[str, str] = {}
    for item in body.split(";"):
        name, sep, value = item.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not name or not value:
            raise err("rrule", f"malformed part '{item}' (expected NAME=VALUE)", "invalid_rrule")
        if name not in _RRULE_PARTS:
            raise err("rrule", f"unknown part '{name}'", "invalid_rrule")
        if name in parts:
            raise err("rrule", f"part '{name}' given twice", "invalid_rrule")
        parts[name] = value
    if parts.get("FREQ") not in _RRULE_FREQS:
        raise err("rrule", f"FREQ must be one of {', '.join(_RRULE_FREQS)}", "invalid_rrule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise err("rrule", "COUNT and UNTIL must not both be given (RFC 5545)", "invalid_rrule")
    for name in ("INTERVAL", "COUNT"):
        if name in parts and not (parts[name].isdigit() and int(parts[name]) >= 1):
            raise err("rrule", f"{name} must be a positive integer", "invalid_rrule")
    if "UNTIL" in parts and not _UNTIL_RE.match(parts["UNTIL"]):
        raise err("rrule", f"invalid UNTIL '{parts['UNTIL']}' (expected YYYYMMDD or YYYYMMDDTHHMMSS[Z])",
                   "invalid_rrule")
    return tuple(parts.items())


def _until_local(value: str, tz: ZoneInfo) -> str:
    """UNTIL as a local wall time, which dateutil needs next to our naive local DTSTART."""
    y, mo, d, h, mi, s, z = _UNTIL_RE.match(value).groups()  # type: ignore[union-attr]
    try:
        if h is None:  # DATE form: the whole day counts
            until = datetime(int(y), int(mo), int(d), 23, 59, 59)
        else:
            until = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))
            if z:
                until = until.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise err("rrule", f"invalid UNTIL '{value}'", "invalid_rrule") from None
    return until.strftime("%Y%m%dT%H%M%S")


@functools.lru_cache(maxsize=1024)
def rrule_local_text(text: str, tzname: str) -> str:
    """The RRULE text dateutil gets: normalised, with UNTIL as local wall time."""
    tz = zone(tzname)
    return ";".join(f"{n}={_until_local(v, tz) if n == 'UNTIL' else v}" for n, v in rrule_parts(text))


@functools.lru_cache(maxsize=2048)
def build_rrule(local_text: str, dtstart: datetime) -> _du_rrule.rrule:
    try:
        rule = _du_rrule.rrulestr(local_text, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise err("rrule", f"invalid RRULE: {exc}", "invalid_rrule") from None
    if not isinstance(rule, _du_rrule.rrule):
        raise err("rrule", "must be a single RRULE", "invalid_rrule")
    return rule


def _shifted_dtstart(parts: dict[str, str], dtstart: datetime, target: datetime) -> datetime:
    """Latest DTSTART <= ``target`` that is a whole number of rule periods after ``dtstart``.

    dateutil always iterates from DTSTART, so a years-old daily rule would
    step through every past day on each call. Moving DTSTART forward by whole
    INTERVAL periods keeps the same phase and the same defaults taken from
    DTSTART (weekday, day of month, time), so occurrences >= the new DTSTART
    do not change. COUNT counts from the real DTSTART, so COUNT rules are
    never shifted.
    """
    if "COUNT" in parts or target <= dtstart:
        return dtstart
    interval = int(parts.get("INTERVAL", "1"))
    freq = parts["FREQ"]
    if freq in _RRULE_FIXED_STEPS:
        step = _RRULE_FIXED_STEPS[freq] * interval
        return dtstart + ((target - dtstart) // step) * step
    step_months = (12 if freq == "YEARLY" else 1) * interval
    k = ((target.year - dtstart.year) * 12 + target.month - dtstart.month) // step_months
    for _ in range(64):  # e.g. DTSTART on Feb 29 or the 31st: walk back to a valid period
        if k <= 0:
            break
        total = dtstart.month - 1 + k * step_months
        try:
            moved = dtstart.replace(year=dtstart.year + total // 12, month=total % 12 + 1)
        except ValueError:
            k -= 1
            continue
        if moved <= target:
            return moved
        k -= 1
    return dtstart


class _YearCap:
    """Stands in for the ``datetime`` module inside a copy of dateutil's ``rrule._iter``.

    A rule whose BY* parts never match (BYMONTH=2;BYMONTHDAY=30) makes
    dateutil loop over every period up to datetime.MAXYEAR without yielding,
    which takes seconds for DAILY or finer rules. Running the same code with
    a smaller MAXYEAR bounds that loop.
    """

    __slots__ = ("MAXYEAR",)
    date = _dt.date
    datetime = _dt.datetime

    def __init__(self, max_year: int) -> None:
        self.MAXYEAR = max_year


@functools.lru_cache(maxsize=64)
def _capped_iter_fn(max_year: int) -> Callable[[_du_rrule.rrule], Iterator[datetime]] | None:
    fn = getattr(_du_rrule.rrule, "_iter", None)
    code = getattr(fn, "__code__", None)
    if code is None or "MAXYEAR" not in code.co_names:
        return None  # dateutil internals changed: fall back to plain iteration
    glb = dict(vars(_du_rrule))
    glb["datetime"] = _YearCap(max_year)
    return types.FunctionType(code, glb, fn.__name__, fn.__defaults__, fn.__closure__)


def iter_rrule(rule: _du_rrule.rrule, max_year: int) -> Iterator[datetime]:
    fn = _capped_iter_fn(min(max_year, 9990))
    return fn(rule) if fn is not None else iter(rule)


def rrule_dtstart(spec: ScheduleSpec) -> datetime:
    base = spec.start_at or spec.anchor
    if base is None:
        raise err("anchor", "start_at or anchor is required as the RRULE DTSTART", "invalid_rrule")
    require_aware(base, "start_at" if spec.start_at else "anchor")
    return base.astimezone(zone(spec.timezone)).replace(tzinfo=None, microsecond=0)


def rrule_instants(spec: ScheduleSpec, after: int) -> Iterator[int]:
    """Fire instants strictly after ``after``, increasing and unique.

    Wall times become instants with fold=0 (RFC 5545): a repeated wall time
    fires on its first pass. A nonexistent one is read with the offset from
    before the gap, so it can land after later, valid wall times. Those
    instants wait in a heap until the walls catch up.
    """
    tzname = spec.timezone
    tz = zone(tzname)
    dtstart = rrule_dtstart(spec)
    local_text = rrule_local_text(spec.rrule or "", tzname)
    after = max(after, MIN_TS)
    if after >= MAX_TS:
        return
    lo = after + offset_at(tzname, after)
    if tzname not in UTC_NAMES:  # a coming fall-back repeats walls earlier than `lo`
        tr = next_transition(tzname, after, after + DAY)
        if tr is not None and tr[2] < tr[1]:
            lo = min(lo, tr[0] + tr[2])
    target = EPOCH_NAIVE + timedelta(seconds=lo)
    parts = dict(rrule_parts(spec.rrule or ""))
    rule = build_rrule(local_text, _shifted_dtstart(parts, dtstart, target))
    pending: list[int] = []
    last = after
    for steps, wall in enumerate(iter_rrule(rule, target.year + RRULE_HORIZON_YEARS)):
        if steps >= RRULE_MAX_STEPS:
            break
        if wall < target:
            continue
        local = wall.replace(tzinfo=tz)
        off0 = local.utcoffset() // SEC
        inst = (wall - EPOCH_NAIVE) // SEC - off0
        if local.replace(fold=1).utcoffset() // SEC > off0:  # nonexistent wall time
            if inst > last:
                heapq.heappush(pending, inst)
            continue
        while pending and pending[0] <= inst:
            p = heapq.heappop(pending)
            if p > last:
                last = p
                yield p
        if inst > last:
            last = inst
            yield inst
    while pending:
        p = heapq.heappop(pending)
        if p > last:
            last = p
            yield p

