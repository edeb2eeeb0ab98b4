"""RRULE (RFC 5545) evaluation with dateutil, in the schedule's zone, within a step budget.

dateutil works on naive local wall times; this module turns them into
instants (RFC 5545: a repeated wall fires on its first pass, a nonexistent
one is read with the offset from before the gap).

Two things keep every evaluation short:

* COUNT is turned into the equivalent UNTIL: the wall time of the COUNT-th
  occurrence, computed once per (rule, DTSTART) and cached. It is worked out
  arithmetically for rules without BY* parts and found by a walk otherwise.
  Evaluation can then start at the period containing ``after`` instead of
  walking from DTSTART on every call.
* Every evaluation has a step budget. dateutil runs inside a copy of its
  ``rrule._iter`` whose helpers are swapped for counting ones, so that the
  work of periods without a match (which yield nothing) is counted as well as
  the occurrences. A rule whose evaluation could exceed the budget is refused
  by ``validate_rrule``; an evaluation that still runs out raises
  ``OverBudget``, which callers turn into a TimingError. It never ends as
  "no more fires", which would complete the schedule.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as _dt
import functools
import heapq
import math
import re
import threading
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
    USEC,
    UTC_NAMES,
    ScheduleSpec,
    TimingError,
    err,
    floor_ts,
    require_aware,
    require_in_range,
)
from services.timing.zones import next_transition, offset_at, zone

# Work is counted in ticks of about 0.1 us of CPU on the 2-core reference machine (python-dateutil
# 4.0.0, CPython 3.11): a DAILY period that yields a fire costs ~65 ticks, an empty YEARLY period
# ~450. Measured cost per tick stays within 0.04-0.18 us over very different rules
# (bench/rrule_calibration.py), so 100,000 ticks keep one evaluation around 10 ms and under
# 20 ms, well below 50 ms.
RRULE_STEP_BUDGET = 100_000
# WEEKLY and coarser rules step through few periods a year, so their search window can be as
# long as cron's; DAILY and finer ones look RRULE_HORIZON_YEARS ahead.
RRULE_COARSE_HORIZON_YEARS = 50
_MAX_LENGTH = 1000  # characters
_GAP_SAMPLE = 1000  # fires sampled by rrule_min_gap

_PERIOD = 20  # one dateutil period: its day set and the bookkeeping around it
_DAY = 1  # one day of a period checked against the BY* parts, plus 1 per 10 values in those lists
_YIELD = 15  # dateutil builds and yields one occurrence
_SKIP = 3  # ... which lies before the search start
_FIRE = 30  # ... which becomes an instant (two zoneinfo lookups)
_JSTEP = 3  # one step of the inner SECONDLY/MINUTELY search for a valid time of day
_JLOOP = 5  # starting that search
_MOD_STEP = 1  # one step of dateutil's __mod_distance (BYSECOND/BYMINUTE/BYHOUR jumps)
_TIME = 3  # one time of day in a per-period time set
_SECOND = 10  # the one-entry time set of a SECONDLY period
_NEW_YEAR = 60  # dateutil rebuilding its masks for another year
_MONTH_STEP = 12  # dateutil carrying a day past the end of a month (one calendar.monthrange call)
_SETPOS = 10  # one BYSETPOS value in one period (a list of the period's days, often an IndexError)
_MAX_TIMESET = 4000  # times of day per day; the set is built before any counting starts

_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
     "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST"}
)
_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
_FIXED_STEPS = {
    "WEEKLY": timedelta(weeks=1),
    "DAILY": timedelta(days=1),
    "HOURLY": timedelta(hours=1),
    "MINUTELY": timedelta(minutes=1),
    "SECONDLY": timedelta(seconds=1),
}
_UNIT_SECONDS = {"YEARLY": 366 * DAY, "MONTHLY": 31 * DAY, "WEEKLY": 7 * DAY, "DAILY": DAY, "HOURLY": 3600,
                 "MINUTELY": 60, "SECONDLY": 1}
# INTERVAL up to about 100 years: dateutil moves a far-away day into range month by month.
_MAX_INTERVAL = {"YEARLY": 100, "MONTHLY": 1200, "WEEKLY": 5200, "DAILY": 36_500, "HOURLY": 876_000,
                 "MINUTELY": 52_560_000, "SECONDLY": 999_999_999}
_DAY_PARTS = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY")
_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() also accepts "²"
_NTH_DAY = re.compile(r"[+-]?[0-9]+[A-Z]{2}")
_UNTIL_RE = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})(?:T([0-9]{2})([0-9]{2})([0-9]{2})(Z?))?$")
_TOO_COMPLEX = ("use UNTIL instead of a large COUNT, a coarser FREQ (e.g. MINUTELY with BYSECOND rather "
                "than SECONDLY with BYHOUR) or fewer BY* values")


class OverBudget(Exception):
    """An evaluation ran out of its step budget. Public callers raise ``too_complex()`` instead."""


def too_complex(detail: str = "one evaluation runs out of its step budget") -> TimingError:
    return err("rrule", f"is too complex: {detail}; {_TOO_COMPLEX}", "rrule_too_complex")


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def rrule_parts(text: str) -> tuple[tuple[str, str], ...]:
    """Split and check an RRULE. Returns ((NAME, VALUE), ...) in upper case."""
    if not isinstance(text, str) or not text.strip():
        raise err("rrule", "is empty", "invalid_rrule")
    if len(text) > _MAX_LENGTH:
        raise err("rrule", f"is too long ({len(text)} characters; at most {_MAX_LENGTH})", "invalid_rrule")
    for pos, ch in enumerate(text):
        if not (" " <= ch <= "~" or ch in "\t\r\n"):
            item = text[text.rfind(";", 0, pos) + 1:].split(";", 1)[0].strip()
            raise err("rrule", f"has {ch!r} (U+{ord(ch):04X}) in '{item}': only printable ASCII characters "
                      "are allowed", "invalid_rrule")
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
        if name not in _PARTS:
            raise err("rrule", f"unknown part '{name}'", "invalid_rrule")
        if name in parts:
            raise err("rrule", f"part '{name}' given twice", "invalid_rrule")
        parts[name] = value
    freq = parts.get("FREQ")
    if freq not in _FREQS:
        raise err("rrule", f"FREQ must be one of {', '.join(_FREQS)}", "invalid_rrule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise err("rrule", "COUNT and UNTIL must not both be given (RFC 5545)", "invalid_rrule")
    for name in ("INTERVAL", "COUNT"):
        if name in parts and not (_NUMBER.fullmatch(parts[name]) and int(parts[name]) >= 1):
            raise err("rrule", f"{name} must be a positive integer of at most 9 digits", "invalid_rrule")
    if int(parts.get("INTERVAL", "1")) > _MAX_INTERVAL[freq]:
        raise err("rrule", f"INTERVAL must be at most {_MAX_INTERVAL[freq]} for FREQ={freq} (about 100 years)",
                  "invalid_rrule")
    for name, value in parts.items():
        _check_values(name, value)
    if "UNTIL" in parts and not _UNTIL_RE.match(parts["UNTIL"]):
        raise err("rrule", f"invalid UNTIL '{parts['UNTIL']}' (expected YYYYMMDD or YYYYMMDDTHHMMSS[Z])",
                  "invalid_rrule")
    return tuple(parts.items())


# RFC 5545 ranges of the BY* lists: (low, high, whether negative values count from the end). dateutil
# does not check all of them itself (BYMONTH=13 fails deep inside an iteration).
_BY_RANGES = {"BYMONTH": (1, 12, False), "BYMONTHDAY": (1, 31, True), "BYYEARDAY": (1, 366, True),
              "BYWEEKNO": (1, 53, True), "BYHOUR": (0, 23, False), "BYMINUTE": (0, 59, False),
              "BYSECOND": (0, 59, False), "BYSETPOS": (1, 366, True)}
_BY_VALUE = re.compile(r"[+-]?[0-9]{1,3}")
_BYDAY_VALUE = re.compile(r"(?:([+-]?)([0-9]{1,2}))?(MO|TU|WE|TH|FR|SA|SU)")


def _check_values(name: str, value: str) -> None:
    if name == "WKST":
        if _BYDAY_VALUE.fullmatch(value) is None or value[0] in "+-0123456789":
            raise err("rrule", f"WKST has invalid value '{value}' (MO..SU)", "invalid_rrule")
        return
    if name not in _BY_RANGES and name != "BYDAY":
        return
    for item in value.split(","):
        if name == "BYDAY":
            m = _BYDAY_VALUE.fullmatch(item)
            ok = m is not None and (m.group(2) is None or 1 <= int(m.group(2)) <= 53)
            rule = "[+/-][1-53]MO..SU"
        else:
            lo, hi, signed = _BY_RANGES[name]
            ok = _BY_VALUE.fullmatch(item) is not None and (
                lo <= abs(int(item)) <= hi if signed else item[0] != "-" and lo <= int(item) <= hi)
            rule = f"{'+/-' if signed else ''}{lo}-{hi}"
        if not ok:
            raise err("rrule", f"{name} has invalid value '{item}' (must be {rule})", "invalid_rrule")


def _until_local(value: str, tz: ZoneInfo) -> datetime:
    """UNTIL as a local wall time, which dateutil needs next to our naive local DTSTART."""
    y, mo, d, h, mi, s, z = _UNTIL_RE.match(value).groups()  # type: ignore[union-attr]
    try:
        if h is None:  # DATE form: the whole day counts
            return datetime(int(y), int(mo), int(d), 23, 59, 59)
        until = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))
        return until.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None) if z else until
    except (ValueError, OverflowError):
        raise err("rrule", f"invalid UNTIL '{value}'", "invalid_rrule") from None


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What evaluation needs from an RRULE's text, per (text, zone)."""

    parts: tuple[tuple[str, str], ...]
    freq: str
    interval: int
    count: int | None
    until: datetime | None  # local wall time
    base_text: str  # normalised, without COUNT and UNTIL
    horizon_years: int  # how far ahead a search looks before it answers "no more fires"
    jstep: int  # ticks per step of dateutil's inner time-of-day search
    estimate: int  # ticks one evaluation can take at most, by the rule's shape (see _estimate)


def _values(parts: dict[str, str], name: str) -> list[str]:
    return parts[name].split(",") if name in parts else []


@functools.lru_cache(maxsize=1024)
def rule_info(text: str, tzname: str) -> RuleInfo:
    parts_t = rrule_parts(text)
    parts = dict(parts_t)
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    until = _until_local(parts["UNTIL"], zone(tzname)) if "UNTIL" in parts else None
    base = ";".join(f"{n}={v}" for n, v in parts_t if n not in ("COUNT", "UNTIL"))
    coarse = freq in ("YEARLY", "MONTHLY", "WEEKLY")
    # A period longer than a year (FREQ=YEARLY;INTERVAL=12) widens the window by its length.
    period_years = interval * _UNIT_SECONDS[freq] // (365 * DAY)
    horizon = (RRULE_COARSE_HORIZON_YEARS if coarse else RRULE_HORIZON_YEARS) + period_years
    # With BYSECOND (SECONDLY) or BYMINUTE (MINUTELY) each inner step runs __mod_distance, up to 60 steps.
    jumps = {"SECONDLY": "BYSECOND", "MINUTELY": "BYMINUTE"}.get(freq)
    jstep = _JSTEP + (_MOD_STEP * 60 if jumps in parts else 0)
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    if freq in ("YEARLY", "MONTHLY", "WEEKLY", "DAILY"):
        times = math.prod(max(len(_values(parts, p)), 1) for p in ("BYHOUR", "BYMINUTE", "BYSECOND"))
        if times > _MAX_TIMESET:  # dateutil would build them all before the first step is counted
            raise too_complex(f"{times:,} times of day per day (at most {_MAX_TIMESET:,})")
    return RuleInfo(parts_t, freq, interval, count, until, base, horizon, jstep,
                    _estimate(parts, freq, interval, horizon, jstep))


# --------------------------------------------------------------------------
# Cost estimate
# --------------------------------------------------------------------------


def _longest_gap(allowed: set[int], size: int) -> int:
    """Longest circular run of values in range(size) that are not in ``allowed``."""
    if not allowed:
        return size
    ordered = sorted(allowed)
    gaps = [b - a - 1 for a, b in zip(ordered, ordered[1:] + [ordered[0] + size], strict=True)]
    return max(gaps)


def _int_values(parts: dict[str, str], name: str) -> set[int]:
    try:
        return {int(v) for v in _values(parts, name)}
    except ValueError:
        return set()  # dateutil reports it when the rule is built


def _inner_steps(parts: dict[str, str], freq: str, interval: int) -> int:
    """Most steps dateutil's inner SECONDLY/MINUTELY loop takes to reach the next valid time of day.

    That loop advances INTERVAL seconds (minutes) at a time until the hour
    and minute (hour) are allowed, so its length follows from the longest run
    of disallowed minutes (hours) in a day.
    """
    if freq == "SECONDLY" and ("BYHOUR" in parts or "BYMINUTE" in parts):
        hours = _int_values(parts, "BYHOUR") or set(range(24))
        minutes = _int_values(parts, "BYMINUTE") or set(range(60))
        run, unit, rate = _longest_gap({h * 60 + m for h in hours for m in minutes}, 1440), 60, 86_400
        sub = len(_values(parts, "BYSECOND"))
    elif freq == "MINUTELY" and "BYHOUR" in parts:
        run, unit, rate = _longest_gap(_int_values(parts, "BYHOUR"), 24), 60, 1440
        sub = len(_values(parts, "BYMINUTE"))
    else:
        return 1
    # With BY{SECOND,MINUTE} each step lands on the next allowed value; else it moves INTERVAL units.
    steps = (run + 1) * sub + 1 if sub else -(-(run + 1) * unit // interval) + 1
    return min(steps, rate // math.gcd(interval, rate))


@functools.lru_cache(maxsize=256)
def _empty_day_run(day_parts: str) -> int | None:
    """Longest run of days that the day-level BY* parts exclude, from two sample years; None if longer."""
    rule = _du_rrule.rrulestr(f"FREQ=DAILY;{day_parts}", dtstart=datetime(2001, 1, 1))
    days = [d.toordinal() for d in _iter_plain(rule, 2002)]
    if len(days) < 2:
        return None
    start, end = datetime(2001, 1, 1).toordinal(), datetime(2003, 1, 1).toordinal()
    longest = max(b - a - 1 for a, b in zip(days, days[1:], strict=False))
    if days[0] - start > longest or end - 1 - days[-1] > longest:
        return None  # an edge run may continue outside the sample
    return longest


def _estimate(parts: dict[str, str], freq: str, interval: int, horizon: int, jstep: int) -> int:
    """Ticks one evaluation can take at most: two periods (the one containing ``after``, walked in full,
    and the one with the next match) plus the periods without a match in between."""
    n_h, n_m, n_s = (len(_values(parts, p)) for p in ("BYHOUR", "BYMINUTE", "BYSECOND"))
    dayset = {"YEARLY": 366, "MONTHLY": 31, "WEEKLY": 7}.get(freq, 1)
    times = {"HOURLY": max(n_m, 1) * max(n_s, 1), "MINUTELY": max(n_s, 1), "SECONDLY": 1}.get(
        freq, max(n_h, 1) * max(n_m, 1) * max(n_s, 1))
    if freq in ("YEARLY", "MONTHLY", "WEEKLY") and any(p in parts for p in _DAY_PARTS):
        days = dayset
        months, mdays = len(_values(parts, "BYMONTH")), len(_values(parts, "BYMONTHDAY"))
        per_year = freq == "YEARLY"
        if months and per_year:
            days = min(days, 31 * months)
        if mdays:
            days = min(days, mdays * (12 if per_year else 1))
        if "BYYEARDAY" in parts:
            days = min(days, len(_values(parts, "BYYEARDAY")))
        if "BYWEEKNO" in parts:
            days = min(days, 7 * len(_values(parts, "BYWEEKNO")))
        if "BYDAY" in parts:
            byday = _values(parts, "BYDAY")
            nth = sum(1 for d in byday if _NTH_DAY.fullmatch(d)) if freq != "WEEKLY" else 0
            plain = len(byday) - nth
            days = min(days, plain * {"YEARLY": 53, "MONTHLY": 5, "WEEKLY": 1}[freq] + nth * (12 if per_year else 1))
    elif freq == "YEARLY" and "BYMONTH" in parts:
        days = len(_values(parts, "BYMONTH"))  # DTSTART's day of each month
    else:
        days = 1  # DTSTART's day
    occurrences = days * times
    setpos = len(_values(parts, "BYSETPOS"))
    if setpos:
        occurrences = min(occurrences, setpos)
    inner = _inner_steps(parts, freq, interval) * jstep + (_JLOOP if freq in ("MINUTELY", "SECONDLY") else 0)
    day = _day_ticks(len(_values(parts, "BYMONTH")) or 1, len(_values(parts, "BYDAY")),
                     len(_values(parts, "BYMONTHDAY")) or 1, len(_values(parts, "BYYEARDAY")))
    empty = _PERIOD + dayset * day + setpos * (_SETPOS + dayset * 2 // 5) + {
        "YEARLY": _NEW_YEAR, "MONTHLY": _NEW_YEAR // 12,
        "HOURLY": (times + 1) * _TIME + (24 * _MOD_STEP if "BYHOUR" in parts else 0),
        "MINUTELY": (times + 1) * _TIME, "SECONDLY": _SECOND}.get(freq, 0)
    if freq not in ("YEARLY", "MONTHLY"):  # a step of INTERVAL days (hours, ...) is carried month by month
        empty += interval * _UNIT_SECONDS[freq] // (28 * DAY) * _MONTH_STEP
    period = empty + occurrences * (_YIELD + _SKIP) + _FIRE + inner
    # Periods without a match between the two: how many follows from the longest run of days that the
    # day-level parts exclude (sampled), or, when that run is long or unknown, from the whole window.
    # MINUTELY and SECONDLY also pay the inner search from the end of each excluded day.
    run = None
    if any(p in parts for p in _DAY_PARTS):
        try:
            run = _empty_day_run(";".join(f"{p}={parts[p]}" for p in (*_DAY_PARTS, "WKST") if p in parts))
        except _DATEUTIL_ERRORS:
            run = 0  # invalid: the rule fails when built
    elif freq not in ("YEARLY", "MONTHLY", "WEEKLY"):
        run = 0  # every day has a match
    window_days = horizon * 366
    if freq in ("YEARLY", "MONTHLY", "WEEKLY"):
        shortest = {"YEARLY": 365, "MONTHLY": 28, "WEEKLY": 7}[freq]
        scanned = window_days // (interval * shortest) + 1 if run is None else run // shortest + 2
        scan = scanned * empty
    else:
        days = window_days if run is None else run + 1
        if freq == "DAILY":
            scan = (days // interval + 1) * empty
        else:
            scan = 0 if run == 0 else days * (empty + inner)
    return _NEW_YEAR + 2 * period + scan  # dateutil builds its year masks once at the start of every call


# --------------------------------------------------------------------------
# dateutil under a budget
# --------------------------------------------------------------------------


def _day_ticks(month: int, weekday: int, monthday: int, yearday: int) -> int:
    """Ticks to check one day of a period: dateutil tests membership in the BY* tuples one by one."""
    return _DAY + (2 if yearday else 0) + (month + weekday + monthday + 2 * yearday) // 10


# What dateutil raises for a rule it cannot build or iterate.
_DATEUTIL_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError)


@functools.lru_cache(maxsize=2048)
def build_rrule(local_text: str, dtstart: datetime) -> _du_rrule.rrule:
    try:
        rule = _du_rrule.rrulestr(local_text, dtstart=dtstart)
    except _DATEUTIL_ERRORS as exc:
        raise err("rrule", f"invalid RRULE: {exc}", "invalid_rrule") from None
    if not isinstance(rule, _du_rrule.rrule):
        raise err("rrule", "must be a single RRULE", "invalid_rrule")
    rule._chime_day = _day_ticks(len(rule._bymonth or ()), len(rule._byweekday or ()),  # type: ignore[attr-defined]
                                 len(rule._bymonthday) + len(rule._bynmonthday), len(rule._byyearday or ()))
    return rule


class Budget:
    """Ticks left for one evaluation."""

    __slots__ = ("left", "jstep")

    def __init__(self, ticks: int = RRULE_STEP_BUDGET, jstep: int = _JSTEP) -> None:
        self.left = ticks
        self.jstep = jstep


# The budget of the evaluation that is currently inside dateutil. Each driver sets it right
# before every next() on a dateutil iterator, so interleaved evaluations do not mix.
_active = threading.local()


def _charge(ticks: int) -> None:
    budget = _active.budget
    budget.left -= ticks
    if budget.left < 0:
        raise OverBudget


_Info = _du_rrule._iterinfo


class _CountingInfo(_Info):
    """dateutil's per-iteration helper, charging each period, year and time set to the budget.

    No ``__slots__ = ()`` here: the base class initialises whatever ``self.__slots__`` lists.
    The base methods are called directly rather than through super(): this runs once per period.
    """

    def _period(self, res: tuple[list, int, int]) -> tuple[list, int, int]:
        days = res[2] - res[1]
        rule = self.rrule
        setpos = rule._bysetpos
        budget = _active.budget
        budget.left -= _PERIOD + days * rule._chime_day + (len(setpos) * (_SETPOS + days * 2 // 5) if setpos else 0)
        if budget.left < 0:
            raise OverBudget
        return res

    def rebuild(self, year: int, month: int) -> None:
        if year != self.lastyear:
            _charge(_NEW_YEAR)
        _Info.rebuild(self, year, month)

    def ydayset(self, year: int, month: int, day: int) -> tuple[list, int, int]:
        return self._period(_Info.ydayset(self, year, month, day))

    def mdayset(self, year: int, month: int, day: int) -> tuple[list, int, int]:
        return self._period(_Info.mdayset(self, year, month, day))

    def wdayset(self, year: int, month: int, day: int) -> tuple[list, int, int]:
        return self._period(_Info.wdayset(self, year, month, day))

    def ddayset(self, year: int, month: int, day: int) -> tuple[list, int, int]:
        return self._period(_Info.ddayset(self, year, month, day))

    def htimeset(self, hour: int, minute: int, second: int) -> list:
        res = _Info.htimeset(self, hour, minute, second)
        _charge((len(res) + 1) * _TIME + (24 * _MOD_STEP if self.rrule._byhour else 0))
        return res

    def mtimeset(self, hour: int, minute: int, second: int) -> list:
        res = _Info.mtimeset(self, hour, minute, second)
        _charge((len(res) + 1) * _TIME)
        return res

    def stimeset(self, hour: int, minute: int, second: int) -> tuple:
        _charge(_SECOND)
        return _Info.stimeset(self, hour, minute, second)


class _CountingCalendar:
    """Stands in for ``calendar`` in rrule._iter, which only calls monthrange, once per month that a
    large INTERVAL carries the day across (FREQ=MINUTELY;INTERVAL=1000000 crosses ~23 a period)."""

    @staticmethod
    def monthrange(year: int, month: int) -> tuple[int, int]:
        _charge(_MONTH_STEP)
        return _calendar.monthrange(year, month)


def _counting_range(*args: int) -> Iterator[int]:
    """``range`` for the inner SECONDLY/MINUTELY loops of rrule._iter (its only uses of range)."""
    budget = _active.budget
    step = budget.jstep
    budget.left -= _JLOOP
    for j in range(*args):
        budget.left -= step
        if budget.left < 0:
            raise OverBudget
        yield j


class _YearCap:
    """Stands in for the ``datetime`` module inside a copy of dateutil's ``rrule._iter``.

    A rule whose BY* parts never match (BYMONTH=2;BYMONTHDAY=30) makes
    dateutil loop over every period up to datetime.MAXYEAR without yielding.
    Running the same code with a smaller MAXYEAR bounds that loop.
    """

    __slots__ = ("MAXYEAR",)
    date = _dt.date
    datetime = _dt.datetime

    def __init__(self, max_year: int) -> None:
        self.MAXYEAR = max_year


def _copy_iter(max_year: int, counting: bool) -> Callable[[_du_rrule.rrule], Iterator[datetime]] | None:
    fn = getattr(_du_rrule.rrule, "_iter", None)
    code = getattr(fn, "__code__", None)
    if code is None or not {"MAXYEAR", "_iterinfo", "range", "calendar"} <= set(code.co_names):
        return None  # dateutil internals changed: see test_dateutil_runs_under_the_budget
    glb = dict(vars(_du_rrule))
    glb["datetime"] = _YearCap(max_year)
    if counting:
        glb["_iterinfo"] = _CountingInfo
        glb["range"] = _counting_range
        glb["calendar"] = _CountingCalendar
    return types.FunctionType(code, glb, fn.__name__, fn.__defaults__, fn.__closure__)


@functools.lru_cache(maxsize=64)
def _capped_iter_fn(max_year: int) -> Callable[[_du_rrule.rrule], Iterator[datetime]] | None:
    return _copy_iter(max_year, counting=True)


@functools.lru_cache(maxsize=8)
def _plain_iter_fn(max_year: int) -> Callable[[_du_rrule.rrule], Iterator[datetime]] | None:
    return _copy_iter(max_year, counting=False)


def _iter_plain(rule: _du_rrule.rrule, max_year: int) -> Iterator[datetime]:
    fn = _plain_iter_fn(min(max_year, 9990))
    return fn(rule) if fn is not None else iter(rule)


def _dateutil_iter(rule: _du_rrule.rrule, max_year: int) -> Iterator[datetime]:
    fn = _capped_iter_fn(min(max_year, 9990))
    return fn(rule) if fn is not None else iter(rule)


def _step(it: Iterator[datetime], budget: Budget) -> datetime | None:
    """The next wall time from a dateutil iterator, charged to ``budget``; None at the end."""
    _active.budget = budget
    try:
        wall = next(it)
    except StopIteration:
        return None
    except _DATEUTIL_ERRORS as exc:  # e.g. "Invalid combination of interval and byhour resulting in empty rule"
        raise err("rrule", f"invalid RRULE: {exc}", "invalid_rrule") from None
    budget.left -= _YIELD
    if budget.left < 0:
        raise OverBudget
    return wall


def iter_walls(rule: _du_rrule.rrule, max_year: int, budget: Budget) -> Iterator[datetime]:
    """dateutil's wall times up to ``max_year``, each charged to ``budget``; OverBudget when it runs out."""
    it = _dateutil_iter(rule, max_year)
    while (wall := _step(it, budget)) is not None:
        yield wall


# --------------------------------------------------------------------------
# COUNT as UNTIL
# --------------------------------------------------------------------------


def _add_months(wall: datetime, months: int) -> datetime | None:
    total = wall.month - 1 + months
    year = wall.year + total // 12
    return wall.replace(year=year, month=total % 12 + 1) if year <= 9990 else None


@functools.lru_cache(maxsize=4096)
def count_end(info: RuleInfo, dtstart: datetime) -> datetime | None:
    """Wall time of the COUNT-th occurrence, or None if the rule does not reach it before year 9990.

    Without BY* parts the occurrences are DTSTART + k * INTERVAL periods on
    the wall clock (dateutil steps wall time, and so does every rule here),
    so the last one is computed. MONTHLY and YEARLY rules qualify only when
    every period has DTSTART's day. Other rules are walked once, within the
    budget; the result is cached, so later calls start near ``after``.
    """
    count = info.count
    assert count is not None
    steps = (count - 1) * info.interval
    plain = not any(n.startswith("BY") for n, _ in info.parts)
    try:
        if plain and info.freq in _FIXED_STEPS:
            return dtstart + steps * _FIXED_STEPS[info.freq]
        if plain and info.freq == "MONTHLY" and dtstart.day <= 28:
            return _add_months(dtstart, steps)
        if plain and info.freq == "YEARLY" and (dtstart.month, dtstart.day) != (2, 29):
            return _add_months(dtstart, 12 * steps)
    except OverflowError:
        return None
    budget = Budget(RRULE_STEP_BUDGET, info.jstep)
    seen = 0
    try:
        for wall in iter_walls(build_rrule(info.base_text, dtstart), 9990, budget):
            seen += 1
            if seen == count:
                return wall
    except OverBudget:
        raise too_complex(f"finding occurrence number {count} (COUNT) runs out of the step budget") from None
    return None


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def _shifted_dtstart(info: RuleInfo, dtstart: datetime, target: datetime) -> datetime:
    """Latest DTSTART <= ``target`` that is a whole number of rule periods after ``dtstart``.

    dateutil always iterates from DTSTART, so a years-old daily rule would
    step through every past day on each call. Moving DTSTART forward by whole
    INTERVAL periods keeps the same phase and the same defaults taken from
    DTSTART (weekday, day of month, time), so occurrences >= the new DTSTART
    do not change. COUNT counts from the real DTSTART, which is why it is
    turned into UNTIL first.
    """
    if target <= dtstart:
        return dtstart
    interval, freq = info.interval, info.freq
    if freq in _FIXED_STEPS:
        step = _FIXED_STEPS[freq] * interval
        return dtstart + ((target - dtstart) // step) * step
    step_months = (12 if freq == "YEARLY" else 1) * interval
    k = ((target.year - dtstart.year) * 12 + target.month - dtstart.month) // step_months
    # With day-level parts DTSTART's day (and for YEARLY its month) is no default, so the period can
    # start on its first day; without them, DTSTART's day must exist in the month it moves to.
    first_day = any(name in ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY") for name, _ in info.parts)
    for _ in range(64):  # e.g. DTSTART on Feb 29 or the 31st: walk back to a valid period
        if k <= 0:
            break
        total = dtstart.month - 1 + k * step_months
        try:
            if first_day:
                moved = dtstart.replace(year=dtstart.year + total // 12, month=1 if freq == "YEARLY" else
                                        total % 12 + 1, day=1)
            else:
                moved = dtstart.replace(year=dtstart.year + total // 12, month=total % 12 + 1)
        except ValueError:
            k -= 1
            continue
        if moved <= target:
            return moved
        k -= 1
    return dtstart


def rrule_dtstart(spec: ScheduleSpec) -> datetime:
    base = spec.start_at or spec.anchor
    if base is None:
        raise err("anchor", "start_at or anchor is required as the RRULE DTSTART", "invalid_rrule")
    field = "start_at" if spec.start_at else "anchor"
    require_aware(base, field)
    require_in_range(base, field)  # dateutil needs room around DTSTART
    return _local_wall(base, spec.timezone)


@functools.lru_cache(maxsize=4096)
def _local_wall(base: datetime, tzname: str) -> datetime:
    return base.astimezone(zone(tzname)).replace(tzinfo=None, microsecond=0)


def _until(info: RuleInfo, dtstart: datetime) -> datetime | None:
    """The local UNTIL, with COUNT turned into UNTIL."""
    return info.until if info.count is None else count_end(info, dtstart)


@functools.lru_cache(maxsize=2048)
def _rule_from(base_text: str, dtstart: datetime, start: datetime, until: datetime | None) -> _du_rrule.rrule:
    """The rule at ``dtstart``, moved to ``start`` (whole periods later) and cut at ``until``.

    rrule.replace keeps the BY* sets built for ``dtstart`` (which phase an
    INTERVAL can reach) and rebuilds DTSTART's defaults, like parsing the
    text again at ``start``, at a tenth of the cost: a SECONDLY rule moves
    DTSTART on every call.
    """
    base = build_rrule(base_text, dtstart)
    if start == dtstart and until is None:
        return base
    try:
        rule = base.replace(dtstart=start, until=until)
    except _DATEUTIL_ERRORS as exc:
        raise err("rrule", f"invalid RRULE: {exc}", "invalid_rrule") from None
    rule._chime_day = base._chime_day  # type: ignore[attr-defined]
    return rule


def rrule_instants(spec: ScheduleSpec, after: int, budget: Budget | None = None) -> Iterator[int]:
    """Fire instants strictly after ``after``, increasing and unique; OverBudget if the budget runs out.

    Wall times become instants with fold=0 (RFC 5545): a repeated wall time
    fires on its first pass. A nonexistent one is read with the offset from
    before the gap, so it can land after later, valid wall times. Those
    instants wait in a heap until the walls catch up.
    """
    tzname = spec.timezone
    tz = zone(tzname)
    info = rule_info(spec.rrule or "", tzname)
    dtstart = rrule_dtstart(spec)
    until = _until(info, dtstart)
    if budget is None:
        budget = Budget(RRULE_STEP_BUDGET, info.jstep)
    after = max(after, MIN_TS)
    if after >= MAX_TS:
        return
    lo = after + offset_at(tzname, after)
    if tzname not in UTC_NAMES:  # a coming fall-back repeats walls earlier than `lo`
        tr = next_transition(tzname, after, after + DAY)
        if tr is not None and tr[2] < tr[1]:
            lo = min(lo, tr[0] + tr[2])
    target = EPOCH_NAIVE + timedelta(seconds=lo)
    if until is not None and until < target:
        return
    max_year = target.year + info.horizon_years
    if until is not None:
        max_year = min(max_year, until.year)
    it = _dateutil_iter(_rule_from(info.base_text, dtstart, _shifted_dtstart(info, dtstart, target), until), max_year)
    pending: list[int] = []
    last = after
    state = _active
    while True:  # _step(), inlined: this loop is the scheduler's per-claim cost for rrules
        state.budget = budget
        try:
            wall = next(it)
        except StopIteration:
            break
        except _DATEUTIL_ERRORS as exc:
            raise err("rrule", f"invalid RRULE: {exc}", "invalid_rrule") from None
        if wall < target:
            budget.left -= _YIELD + _SKIP
            continue
        budget.left -= _YIELD + _FIRE
        if budget.left < 0:
            raise OverBudget
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


def validate_rrule(spec: ScheduleSpec) -> None:
    """Raise TimingError unless the rule parses, fires and fits the step budget."""
    dtstart = rrule_dtstart(spec)
    info = rule_info(spec.rrule or "", spec.timezone)
    if info.estimate > RRULE_STEP_BUDGET:
        raise too_complex(f"one evaluation can take about {info.estimate / 10_000:,.0f} ms of CPU "
                          f"(the limit is {RRULE_STEP_BUDGET / 10_000:.0f} ms)")
    until = _until(info, dtstart)
    max_year = dtstart.year + info.horizon_years
    if until is not None:
        max_year = min(max_year, until.year)
    try:
        rule = _rule_from(info.base_text, dtstart, dtstart, until)
        first = next(iter_walls(rule, max_year, Budget(RRULE_STEP_BUDGET, info.jstep)), None)
    except OverBudget:
        raise too_complex() from None
    if first is None:
        raise err("rrule", f"produces no occurrence within {info.horizon_years} years of DTSTART",
                  "rrule_never_fires")


def rrule_min_gap(spec: ScheduleSpec) -> float | None:
    """Shortest gap among the first 1000 fires from DTSTART, or among as many as one budget allows."""
    rrule_dtstart(spec)  # raises if there is no DTSTART
    base = spec.start_at or spec.anchor
    end = floor_ts(spec.end_at) if spec.end_at is not None else None
    fires: list[int] = []
    try:
        for ts in rrule_instants(spec, floor_ts(base - USEC)):  # type: ignore[operator]
            if end is not None and ts > end or len(fires) >= _GAP_SAMPLE:
                break
            fires.append(ts)
    except OverBudget:
        pass
    gaps = [b - a for a, b in zip(fires, fires[1:], strict=False)]
    return float(min(gaps)) if gaps else None
