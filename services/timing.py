"""Fire-time computation for Chime schedules: cron, interval, one_time and rrule.

The scheduler's hot path and the preview endpoint both call this module, so
it is pure (no I/O, no DB) and caches everything it parses.

Internally an instant is an int of POSIX seconds, and a local wall-clock time
is an int of "naive epoch seconds" (the wall clock read as if it were UTC).
Inside one UTC-offset segment, instant = wall - offset. Working in ints keeps
datetime arithmetic off the hot path.

Cron follows Vixie/Debian cron: Sunday is 0 or 7, and when both day fields are
restricted a day matches if either one matches. DST is handled as Debian cron
does (see ``_cron_next_ts``). zoneinfo has no public transition API, so UTC
offset transitions come from probing zoneinfo once per (zone, year), with the
result cached.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import functools
import heapq
import itertools
import re
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as _du_rrule

__all__ = [
    "CRON_HORIZON_YEARS",
    "RRULE_HORIZON_YEARS",
    "ScheduleSpec",
    "TimingError",
    "describe",
    "min_gap_seconds",
    "next_fire_time",
    "next_fire_times",
    "to_local",
    "validate_jitter",
    "validate_spec",
]

# Searches are bounded so that no spec can make the scheduler spin. 30 years
# covers the 28-year weekday/leap-year cycle: every cron that validate_spec
# accepts has a fire inside the window. The month-wise cron search is cheap.
# rrule needs dateutil to step through every period, which costs more, so its
# window is shorter.
CRON_HORIZON_YEARS = 30
RRULE_HORIZON_YEARS = 10
RRULE_MAX_STEPS = 200_000  # occurrences looked at per rrule search
_RRULE_GAP_SAMPLE = 1000  # fires sampled by min_gap_seconds for rrules

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_SEC = timedelta(seconds=1)
_USEC = timedelta(microseconds=1)
_DAY = 86_400
# Keep every probe well inside datetime's year range (1..9999).
_MIN_TS = (date(1800, 1, 1).toordinal() - _EPOCH_ORD) * _DAY
_MAX_TS = (date(9900, 1, 1).toordinal() - _EPOCH_ORD) * _DAY

_SCHEDULE_TYPES = ("cron", "interval", "one_time", "rrule")
# Zones that never change offset; they skip the transition machinery.
_UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu",
     "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0",
     "Greenwich", "Etc/Greenwich"}
)


class TimingError(ValueError):
    """Invalid schedule spec. The API layer reports ``field``, ``message`` and ``code`` as they are."""

    def __init__(self, field: str, message: str, code: str = "invalid_schedule") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code

    def __repr__(self) -> str:
        return f"TimingError(field={self.field!r}, message={self.message!r}, code={self.code!r})"


def _err(field: str, detail: str, code: str = "invalid_schedule") -> TimingError:
    return TimingError(field, f"{field}: {detail}", code)


@dataclass(frozen=True)
class ScheduleSpec:
    schedule_type: str  # "cron" | "interval" | "one_time" | "rrule"
    timezone: str = "UTC"  # IANA name
    cron_expression: str | None = None
    interval_seconds: int | None = None
    scheduled_time: datetime | None = None  # aware
    rrule: str | None = None  # RFC 5545 RRULE, with or without "RRULE:" prefix
    start_at: datetime | None = None  # aware; nothing fires before it
    end_at: datetime | None = None  # aware; nothing fires after it
    anchor: datetime | None = None  # aware; interval anchor, rrule DTSTART fallback


# --------------------------------------------------------------------------
# Time zones and UTC-offset transitions
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    # "localtime" resolves to whatever the host is set to, so the same
    # schedule would behave differently on different machines. Refuse it.
    if not isinstance(name, str) or not name or name == "localtime":
        raise _err("timezone", f"unknown time zone {name!r}", "unknown_timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _err("timezone", f"unknown time zone {name!r}", "unknown_timezone") from None


def _utc_offset(tz: ZoneInfo, ts: int) -> int:
    return datetime.fromtimestamp(ts, tz).utcoffset() // _SEC


def _utc_year(ts: int) -> int:
    return date.fromordinal(_EPOCH_ORD + ts // _DAY).year


Transition = tuple[int, int, int]  # (instant, offset before, offset after)


@functools.lru_cache(maxsize=4096)
def _year_transitions(tzname: str, year: int) -> tuple[tuple[int, ...], tuple[Transition, ...], int]:
    """Offset transitions inside UTC year ``year``: (instants, transitions, offset at year start).

    Probes the offset once per day and bisects each change to the second.
    That takes about 400 zoneinfo calls, once per (zone, year). Two changes
    in one day that cancel out would be missed; tzdata has none in the years
    that schedules use.
    """
    tz = _zone(tzname)
    t = (date(year, 1, 1).toordinal() - _EPOCH_ORD) * _DAY - 1
    last = (date(year + 1, 1, 1).toordinal() - _EPOCH_ORD) * _DAY - 1
    off = first = _utc_offset(tz, t)
    found: list[Transition] = []
    while t < last:
        t2 = min(t + _DAY, last)
        off2 = _utc_offset(tz, t2)
        while off2 != off:  # at least one transition in (t, t2]
            lo, hi = t, t2
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _utc_offset(tz, mid) == off:
                    lo = mid
                else:
                    hi = mid
            new = _utc_offset(tz, hi)
            found.append((hi, off, new))
            t, off = hi, new
        t = t2
    return tuple(tr[0] for tr in found), tuple(found), first


def _segment(tzname: str, ts: int) -> tuple[int | None, int, int]:
    """(start instant or None, offset before start, offset) of the offset segment containing ``ts``."""
    year = _utc_year(ts)
    times, trans, first = _year_transitions(tzname, year)
    i = bisect.bisect_right(times, ts)
    if i:
        return trans[i - 1]
    # No transition yet this year. Use last year's final one: a repeated
    # hour can straddle New Year.
    prev = _year_transitions(tzname, year - 1)[1]
    if prev:
        return prev[-1]
    return None, first, first


def _next_transition(tzname: str, ts: int, limit: int) -> Transition | None:
    """First transition strictly after ``ts`` and at or before ``limit``."""
    year, last_year = _utc_year(ts), _utc_year(limit)
    while year <= last_year:
        times, trans, _ = _year_transitions(tzname, year)
        i = bisect.bisect_right(times, ts)
        if i < len(times):
            return trans[i] if times[i] <= limit else None
        year += 1
    return None


def _offset_at(tzname: str, ts: int) -> int:
    return 0 if tzname in _UTC_NAMES else _segment(tzname, ts)[2]


# --------------------------------------------------------------------------
# Cron parsing
# --------------------------------------------------------------------------

# (name, low, high) for sec, min, hour, dom, month, dow. dow accepts 7 (= Sunday).
_CRON_FIELDS = (
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 0, 7),
)
_MONTH_NAMES = {n: i for i, n in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_DOW_NAMES = {n: i for i, n in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_FIELD_COUNT_MSG = (
    "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with a leading "
    "second field, got {n}"
)


@dataclass(frozen=True, slots=True)
class _Cron:
    """A parsed cron expression. Each field is a bitmask: bit v set means value v matches."""

    fields: tuple[str, ...]  # normalised text of sec, min, hour, dom, month, dow (names -> numbers)
    has_seconds: bool
    seconds: int
    minutes: int
    hours: int
    dom: int  # bits 1..31
    dom_last: bool  # "L": last day of the month
    months: int  # bits 1..12
    dow: int  # bits 0..6, Sunday = 0
    dom_star: bool  # field text starts with "*" (Vixie DOM_STAR)
    dow_star: bool
    wildcard: bool  # minute or hour starts with "*" (Vixie MIN_STAR/HR_STAR): DST rules differ
    first_sec: int
    first_min: int
    first_month: int
    dow_by_first: tuple[int, ...]  # [weekday of the 1st] -> mask of month days matching dow


def _lowest(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def _next_bit(mask: int, x: int) -> int:
    """Smallest set bit index >= x, or -1."""
    rest = mask >> x
    return x + (rest & -rest).bit_length() - 1 if rest else -1


def _parse_value(tok: str, idx: int, text: str) -> int:
    name, lo, hi = _CRON_FIELDS[idx]
    names = _MONTH_NAMES if idx == 4 else _DOW_NAMES if idx == 5 else None
    if tok.isdigit():
        value = int(tok)
    elif names is not None and tok.upper() in names:
        return names[tok.upper()]
    else:
        raise _err("cron_expression", f"{name} field '{text}' has invalid value '{tok}'", "invalid_cron")
    if not lo <= value <= hi:
        where = "is" if tok == text else f"has '{tok}'"
        raise _err("cron_expression", f"{name} field '{text}' {where} out of range {lo}-{hi}", "invalid_cron")
    return value


def _parse_field(text: str, idx: int) -> tuple[int, bool, str]:
    """Parse one cron field into (bitmask, has 'L', normalised text)."""
    name, lo, hi = _CRON_FIELDS[idx]
    mask, last, norm = 0, False, []
    for tok in text.split(","):
        if not tok:
            raise _err("cron_expression", f"{name} field '{text}' has an empty list item", "invalid_cron")
        if tok.upper() == "L":
            if idx != 3:
                raise _err("cron_expression", f"{name} field '{text}': 'L' is only allowed in day-of-month",
                           "invalid_cron")
            last = True
            norm.append("L")
            continue
        body, slash, step_txt = tok.partition("/")
        step = 1
        if slash:
            span = hi - lo + 1 if idx != 5 else 7
            if not step_txt.isdigit() or not 1 <= int(step_txt) <= span:
                raise _err("cron_expression", f"{name} field '{text}' has invalid step '{step_txt}' "
                           f"(must be 1-{span})", "invalid_cron")
            step = int(step_txt)
        if body == "*":
            a, b = lo, (6 if idx == 5 else hi)
            norm_body = "*"
        elif "-" in body:
            a_txt, _, b_txt = body.partition("-")
            a, b = _parse_value(a_txt, idx, text), _parse_value(b_txt, idx, text)
            if idx == 5 and b == 0 and a > 0:  # "FRI-SUN" -> 5-7
                b = 7
            if a > b:
                raise _err("cron_expression", f"{name} field '{text}' has backwards range '{body}'", "invalid_cron")
            norm_body = f"{a}-{b}"
        else:
            a = _parse_value(body, idx, text)
            b = (6 if idx == 5 else hi) if slash else a  # "5/15" means 5-max/15
            norm_body = str(a)
        for v in range(a, b + 1, step):
            mask |= 1 << v
        norm.append(f"{norm_body}/{step}" if slash else norm_body)
    if idx == 5 and mask & (1 << 7):  # Sunday is 0 or 7
        mask = (mask | 1) & 0x7F
    return mask, last, ",".join(norm)


@functools.lru_cache(maxsize=4096)
def _parse_cron(expr: str) -> _Cron:
    if not isinstance(expr, str) or not expr.strip():
        raise _err("cron_expression", "is empty", "invalid_cron")
    text = expr.strip()
    if text.startswith("@"):
        macro = _CRON_MACROS.get(text.lower())
        if macro is None:
            raise _err("cron_expression", f"unknown macro '{text}' (supported: "
                       f"{', '.join(_CRON_MACROS)})", "invalid_cron")
        text = macro
    parts = text.split()
    if len(parts) == 5:
        parts.insert(0, "0")
        has_seconds = False
    elif len(parts) == 6:
        has_seconds = True
    else:
        raise _err("cron_expression", _FIELD_COUNT_MSG.format(n=len(parts)), "invalid_cron")
    parsed = [_parse_field(p, i) for i, p in enumerate(parts)]
    (sec, _, f0), (mins, _, f1), (hours, _, f2), (dom, dom_last, f3), (months, _, f4), (dow, _, f5) = parsed
    dow_by_first = tuple(
        sum(1 << d for d in range(1, 32) if dow >> ((w0 + d - 1) % 7) & 1) for w0 in range(7)
    )
    return _Cron(
        fields=(f0, f1, f2, f3, f4, f5),
        has_seconds=has_seconds,
        seconds=sec,
        minutes=mins,
        hours=hours,
        dom=dom,
        dom_last=dom_last,
        months=months,
        dow=dow,
        dom_star=parts[3].startswith("*"),
        dow_star=parts[5].startswith("*"),
        wildcard=parts[1].startswith("*") or parts[2].startswith("*"),
        first_sec=_lowest(sec),
        first_min=_lowest(mins),
        first_month=_lowest(months),
        dow_by_first=dow_by_first,
    )


# --------------------------------------------------------------------------
# Cron matching on wall-clock time (field-wise search)
# --------------------------------------------------------------------------

_MDAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(y: int, m: int) -> int:
    if m == 2 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0):
        return 29
    return _MDAYS[m]


def _day_mask(c: _Cron, y: int, m: int) -> int:
    """Bitmask of matching days (bits 1..n) in month ``m`` of year ``y``."""
    n = _days_in_month(y, m)
    dom = c.dom | (1 << n if c.dom_last else 0)
    dow = c.dow_by_first[(date(y, m, 1).weekday() + 1) % 7]  # cron weekday of the 1st
    # Vixie: if either day field starts with "*", both must match; else either may.
    mask = dom & dow if (c.dom_star or c.dow_star) else dom | dow
    return mask & ((2 << n) - 2)


def _next_tod(c: _Cron, sod: int) -> int | None:
    """First matching second-of-day >= ``sod``, or None."""
    h, rem = divmod(sod, 3600)
    mi, s = divmod(rem, 60)
    hh = _next_bit(c.hours, h)
    if hh == h:
        mm = _next_bit(c.minutes, mi)
        if mm == mi:
            ss = _next_bit(c.seconds, s)
            if ss >= 0:
                return h * 3600 + mi * 60 + ss
            mm = _next_bit(c.minutes, mi + 1)
        if mm >= 0:
            return h * 3600 + mm * 60 + c.first_sec
        hh = _next_bit(c.hours, h + 1)
    if hh < 0:
        return None
    return hh * 3600 + c.first_min * 60 + c.first_sec


def _next_match(c: _Cron, wall: int, limit_ord: int) -> int | None:
    """First matching wall time >= ``wall`` on or before day ordinal ``limit_ord``.

    Jumps month -> day (bitmask) -> hour -> minute -> second, so a call costs
    a handful of integer operations per month scanned, however sparse the cron.
    """
    days, sod = divmod(wall, _DAY)
    if days + _EPOCH_ORD > limit_ord:
        return None
    d = date.fromordinal(days + _EPOCH_ORD)
    y, m, dd = d.year, d.month, d.day
    limit_year = date.fromordinal(limit_ord).year
    while True:
        start = (y, m, dd)
        while True:
            if c.months >> m & 1:
                rest = _day_mask(c, y, m) >> dd
                if rest:
                    dd += (rest & -rest).bit_length() - 1
                    break
            later = c.months >> (m + 1)
            if later:
                m += (later & -later).bit_length()
            else:
                y += 1
                m = c.first_month
                if y > limit_year:
                    return None
            dd = 1
        if (y, m, dd) != start:
            sod = 0
        ordinal = date(y, m, dd).toordinal()
        if ordinal > limit_ord:
            return None
        tod = _next_tod(c, sod)
        if tod is not None:
            return (ordinal - _EPOCH_ORD) * _DAY + tod
        dd += 1
        sod = 0


def _cron_next_ts(c: _Cron, tzname: str, after: int) -> int | None:
    """First fire instant strictly after ``after`` (POSIX seconds), Debian-cron DST rules.

    The zone's timeline is a chain of segments [T_i, T_i+1) with constant
    offset o_i. Within a segment, wall time w fires at w - o_i. At a
    transition the rules are:

    * wildcard jobs (minute or hour starts with "*") run on real time. Each
      segment covers walls [T_i + o_i, T_i+1 + o_i). Skipped walls never fire
      and repeated walls fire twice.
    * fixed-time jobs: segment i covers walls [T_i + o_i-1, T_i+1 + o_i), and
      these ranges tile the wall clock. A skipped wall fires once at T_i
      (max(w - o_i, T_i)). A repeated wall stays with the earlier segment, so
      it fires only on its first pass.
    """
    if after >= _MAX_TS:
        return None
    after = max(after, _MIN_TS)
    limit = min(after + CRON_HORIZON_YEARS * 366 * _DAY, _MAX_TS)
    limit_ord = _EPOCH_ORD + limit // _DAY + 2
    if tzname in _UTC_NAMES:
        w = _next_match(c, after + 1, limit_ord)
        return w if w is not None and w <= limit else None
    seg_start, before, off = _segment(tzname, after)
    lo = after + off + 1
    if not c.wildcard and seg_start is not None and before > off:
        lo = max(lo, seg_start + before)  # repeated walls already fired on their first pass
    w = _next_match(c, lo, limit_ord)
    pos = after
    while w is not None:
        cand = w - off
        if seg_start is not None and cand < seg_start:
            cand = seg_start  # fixed-time wall in a skipped interval: fire when the jump happens
        if cand > limit:
            return None
        tr = _next_transition(tzname, pos, cand)
        if tr is None:
            return cand
        # w lies beyond this segment. Move to the next one. A fixed-time job
        # keeps w, because the ranges tile the wall clock. A wildcard job
        # searches again from the new segment's first wall (after a fall-back
        # it is earlier than w).
        seg_start, before, off = tr
        pos = seg_start
        if c.wildcard and (off < before or w < seg_start + off):
            w = _next_match(c, seg_start + off, limit_ord)
    return None


def _cron_can_fire(c: _Cron) -> bool:
    # 2001-2028 holds every combination of weekday-of-Jan-1 and leap year,
    # so a day pattern that never matches in it never matches at all.
    return any(c.months >> m & 1 and _day_mask(c, y, m) for y in range(2001, 2029) for m in range(1, 13))


@functools.lru_cache(maxsize=1024)
def _cron_min_gap(c: _Cron) -> float | None:
    """Shortest gap between consecutive fires, from the fields, on the wall clock.

    DST can shorten single gaps for fixed-time jobs, e.g. a daily 02:30 job
    in New York fires 23.5 h apart on the spring-forward day.
    """
    secs = [v for v in range(60) if c.seconds >> v & 1]
    mins = [v for v in range(60) if c.minutes >> v & 1]
    hours = [v for v in range(24) if c.hours >> v & 1]

    def min_step(values: list[int]) -> int | None:
        return min((b - a for a, b in itertools.pairwise(values)), default=None)

    first_tod = hours[0] * 3600 + mins[0] * 60 + secs[0]
    last_tod = hours[-1] * 3600 + mins[-1] * 60 + secs[-1]
    gaps: list[int] = []
    if (step := min_step(secs)) is not None:
        gaps.append(step)
    if (step := min_step(mins)) is not None:
        gaps.append(step * 60 + secs[0] - secs[-1])
    if (step := min_step(hours)) is not None:
        gaps.append(step * 3600 + mins[0] * 60 + secs[0] - mins[-1] * 60 - secs[-1])
    prev_day: int | None = None
    day_step: int | None = None
    for y in range(2001, 2029):  # one full weekday/leap-year cycle
        for m in range(1, 13):
            if not c.months >> m & 1:
                continue
            mask = _day_mask(c, y, m)
            base = date(y, m, 1).toordinal() - 1
            while mask:
                low = mask & -mask
                day = base + low.bit_length() - 1
                if prev_day is not None and (day_step is None or day - prev_day < day_step):
                    day_step = day - prev_day
                prev_day = day
                mask ^= low
    if day_step is not None:
        gaps.append(day_step * _DAY + first_tod - last_tod)
    return float(min(gaps)) if gaps else None


# --------------------------------------------------------------------------
# RRULE
# --------------------------------------------------------------------------

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
def _rrule_parts(text: str) -> tuple[tuple[str, str], ...]:
    """Split and check an RRULE. Returns ((NAME, VALUE), ...) in upper case."""
    if not isinstance(text, str) or not text.strip():
        raise _err("rrule", "is empty", "invalid_rrule")
    body = text.strip()
    if body[:6].upper() == "RRULE:":
        body = body[6:]
    if "\n" in body or "\r" in body or ":" in body:
        raise _err("rrule", "must be a single RRULE (DTSTART comes from start_at/anchor)", "invalid_rrule")
    parts: dict[str, str] = {}
    for item in body.split(";"):
        name, sep, value = item.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not name or not value:
            raise _err("rrule", f"malformed part '{item}' (expected NAME=VALUE)", "invalid_rrule")
        if name not in _RRULE_PARTS:
            raise _err("rrule", f"unknown part '{name}'", "invalid_rrule")
        if name in parts:
            raise _err("rrule", f"part '{name}' given twice", "invalid_rrule")
        parts[name] = value
    if parts.get("FREQ") not in _RRULE_FREQS:
        raise _err("rrule", f"FREQ must be one of {', '.join(_RRULE_FREQS)}", "invalid_rrule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _err("rrule", "COUNT and UNTIL must not both be given (RFC 5545)", "invalid_rrule")
    for name in ("INTERVAL", "COUNT"):
        if name in parts and not (parts[name].isdigit() and int(parts[name]) >= 1):
            raise _err("rrule", f"{name} must be a positive integer", "invalid_rrule")
    if "UNTIL" in parts and not _UNTIL_RE.match(parts["UNTIL"]):
        raise _err("rrule", f"invalid UNTIL '{parts['UNTIL']}' (expected YYYYMMDD or YYYYMMDDTHHMMSS[Z])",
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
        raise _err("rrule", f"invalid UNTIL '{value}'", "invalid_rrule") from None
    return until.strftime("%Y%m%dT%H%M%S")


@functools.lru_cache(maxsize=1024)
def _rrule_local_text(text: str, tzname: str) -> str:
    """The RRULE text dateutil gets: normalised, with UNTIL as local wall time."""
    tz = _zone(tzname)
    return ";".join(f"{n}={_until_local(v, tz) if n == 'UNTIL' else v}" for n, v in _rrule_parts(text))


@functools.lru_cache(maxsize=2048)
def _build_rrule(local_text: str, dtstart: datetime) -> _du_rrule.rrule:
    try:
        rule = _du_rrule.rrulestr(local_text, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise _err("rrule", f"invalid RRULE: {exc}", "invalid_rrule") from None
    if not isinstance(rule, _du_rrule.rrule):
        raise _err("rrule", "must be a single RRULE", "invalid_rrule")
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


def _iter_rrule(rule: _du_rrule.rrule, max_year: int) -> Iterator[datetime]:
    fn = _capped_iter_fn(min(max_year, 9990))
    return fn(rule) if fn is not None else iter(rule)


def _rrule_dtstart(spec: ScheduleSpec) -> datetime:
    base = spec.start_at or spec.anchor
    if base is None:
        raise _err("anchor", "start_at or anchor is required as the RRULE DTSTART", "invalid_rrule")
    _require_aware(base, "start_at" if spec.start_at else "anchor")
    return base.astimezone(_zone(spec.timezone)).replace(tzinfo=None, microsecond=0)


def _rrule_instants(spec: ScheduleSpec, after: int) -> Iterator[int]:
    """Fire instants strictly after ``after``, increasing and unique.

    Wall times become instants with fold=0 (RFC 5545): a repeated wall time
    fires on its first pass. A nonexistent one is read with the offset from
    before the gap, so it can land after later, valid wall times. Those
    instants wait in a heap until the walls catch up.
    """
    tzname = spec.timezone
    tz = _zone(tzname)
    dtstart = _rrule_dtstart(spec)
    local_text = _rrule_local_text(spec.rrule or "", tzname)
    after = max(after, _MIN_TS)
    if after >= _MAX_TS:
        return
    lo = after + _offset_at(tzname, after)
    if tzname not in _UTC_NAMES:  # a coming fall-back repeats walls earlier than `lo`
        tr = _next_transition(tzname, after, after + _DAY)
        if tr is not None and tr[2] < tr[1]:
            lo = min(lo, tr[0] + tr[2])
    target = _EPOCH_NAIVE + timedelta(seconds=lo)
    parts = dict(_rrule_parts(spec.rrule or ""))
    rule = _build_rrule(local_text, _shifted_dtstart(parts, dtstart, target))
    pending: list[int] = []
    last = after
    for steps, wall in enumerate(_iter_rrule(rule, target.year + RRULE_HORIZON_YEARS)):
        if steps >= RRULE_MAX_STEPS:
            break
        if wall < target:
            continue
        local = wall.replace(tzinfo=tz)
        off0 = local.utcoffset() // _SEC
        inst = (wall - _EPOCH_NAIVE) // _SEC - off0
        if local.replace(fold=1).utcoffset() // _SEC > off0:  # nonexistent wall time
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


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def _require_aware(value: object, field: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise _err(field, "must be a timezone-aware datetime", "invalid_schedule")


def _floor_ts(dt: datetime) -> int:
    return (dt - _EPOCH) // _SEC


def validate_spec(spec: ScheduleSpec) -> None:
    """Raise TimingError with the first problem in ``spec``, else return None."""
    if spec.schedule_type not in _SCHEDULE_TYPES:
        raise _err("schedule_type", f"unknown schedule type {spec.schedule_type!r} "
                   f"(expected one of {', '.join(_SCHEDULE_TYPES)})")
    _zone(spec.timezone)
    for field in ("scheduled_time", "start_at", "end_at", "anchor"):
        value = getattr(spec, field)
        if value is not None:
            _require_aware(value, field)
    if spec.start_at is not None and spec.end_at is not None and spec.end_at <= spec.start_at:
        raise _err("end_at", "must be later than start_at", "invalid_window")
    kind = spec.schedule_type
    if kind == "cron":
        if not spec.cron_expression:
            raise _err("cron_expression", "is required for cron schedules", "invalid_cron")
        if not _cron_can_fire(_parse_cron(spec.cron_expression)):
            raise _err("cron_expression", f"'{spec.cron_expression}' never fires (no calendar day matches)",
                       "cron_never_fires")
    elif kind == "interval":
        iv = spec.interval_seconds
        if isinstance(iv, bool) or not isinstance(iv, int) or iv < 1:
            raise _err("interval_seconds", "must be an integer >= 1", "invalid_interval")
        if spec.anchor is None and spec.start_at is None:
            raise _err("anchor", "anchor or start_at is required for interval schedules", "invalid_interval")
    elif kind == "one_time":
        if spec.scheduled_time is None:
            raise _err("scheduled_time", "is required for one_time schedules")
    else:
        dtstart = _rrule_dtstart(spec)
        rule = _build_rrule(_rrule_local_text(spec.rrule or "", spec.timezone), dtstart)
        if next(_iter_rrule(rule, dtstart.year + RRULE_HORIZON_YEARS), None) is None:
            raise _err("rrule", f"produces no occurrence within {RRULE_HORIZON_YEARS} years of DTSTART",
                       "rrule_never_fires")


def _lower_bound(spec: ScheduleSpec, after: datetime) -> datetime:
    """Exclusive lower bound: fires are > after and >= start_at."""
    _require_aware(after, "after")
    if spec.start_at is not None:
        floor = spec.start_at - _USEC
        if floor > after:
            return floor
    return after


def _iter_fires(spec: ScheduleSpec, after: datetime) -> Iterator[datetime]:
    lower = _lower_bound(spec, after)
    end = spec.end_at
    kind = spec.schedule_type
    if kind == "cron":
        c = _parse_cron(spec.cron_expression or "")
        tzname = spec.timezone
        _zone(tzname)
        ts = _floor_ts(lower)
        end_ts = _floor_ts(end) if end is not None else None
        while True:
            nxt = _cron_next_ts(c, tzname, ts)
            if nxt is None or (end_ts is not None and nxt > end_ts):
                return
            yield datetime.fromtimestamp(nxt, UTC)
            ts = nxt
    elif kind == "interval":
        iv = spec.interval_seconds
        if isinstance(iv, bool) or not isinstance(iv, int) or iv < 1:
            raise _err("interval_seconds", "must be an integer >= 1", "invalid_interval")
        anchor = spec.anchor or spec.start_at
        if anchor is None:
            raise _err("anchor", "anchor or start_at is required for interval schedules", "invalid_interval")
        step = timedelta(seconds=iv)
        # Pure arithmetic from the anchor: no drift, DST does not matter.
        k = 0 if lower < anchor else (lower - anchor) // step + 1
        try:
            while True:
                fire = anchor + k * step
                if end is not None and fire > end:
                    return
                yield fire.astimezone(UTC)
                k += 1
        except OverflowError:
            return
    elif kind == "one_time":
        st = spec.scheduled_time
        if st is None:
            raise _err("scheduled_time", "is required for one_time schedules")
        _require_aware(st, "scheduled_time")
        if st > lower and (end is None or st <= end):
            yield st.astimezone(UTC)
    elif kind == "rrule":
        end_ts = _floor_ts(end) if end is not None else None
        for ts in _rrule_instants(spec, _floor_ts(lower)):
            if end_ts is not None and ts > end_ts:
                return
            yield datetime.fromtimestamp(ts, UTC)
    else:
        raise _err("schedule_type", f"unknown schedule type {kind!r}")


def next_fire_time(spec: ScheduleSpec, after: datetime) -> datetime | None:
    """First fire instant strictly after ``after`` (aware UTC), or None if there are no more fires."""
    return next(_iter_fires(spec, after), None)


def next_fire_times(spec: ScheduleSpec, after: datetime, count: int) -> list[datetime]:
    """Up to ``count`` consecutive fire instants after ``after``, strictly increasing, in UTC."""
    if count <= 0:
        return []
    return list(itertools.islice(_iter_fires(spec, after), count))


def min_gap_seconds(spec: ScheduleSpec) -> float | None:
    """Shortest gap between consecutive fires in seconds. None if the schedule fires at most once.

    Cron: worked out from the fields on the wall clock. rrule: the shortest
    gap among the first 1000 fires from DTSTART.
    """
    kind = spec.schedule_type
    if kind == "interval":
        return float(spec.interval_seconds) if spec.interval_seconds else None
    if kind == "cron":
        return _cron_min_gap(_parse_cron(spec.cron_expression or ""))
    if kind == "rrule":
        _rrule_dtstart(spec)  # raises if there is no DTSTART
        base = spec.start_at or spec.anchor
        fires = next_fire_times(spec, base - _USEC, _RRULE_GAP_SAMPLE)  # type: ignore[operator]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(fires)]
        return min(gaps) if gaps else None
    return None


def validate_jitter(spec: ScheduleSpec, jitter_seconds: float | None) -> None:
    """Reject jitter that could reorder fires, i.e. jitter >= the shortest gap."""
    if not jitter_seconds:
        return
    if jitter_seconds < 0:
        raise _err("jitter_seconds", "must be >= 0", "invalid_jitter")
    gap = min_gap_seconds(spec)
    if gap is not None and jitter_seconds >= gap:
        raise _err("jitter_seconds", f"must be smaller than the shortest gap between fires ({gap:g} s)",
                   "jitter_too_large")


def to_local(dt: datetime, timezone: str) -> datetime:
    """``dt`` as an aware datetime in ``timezone``, for previews."""
    _require_aware(dt, "datetime")
    return dt.astimezone(_zone(timezone))


# --------------------------------------------------------------------------
# describe()
# --------------------------------------------------------------------------

_DOW_FULL = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_FULL = ("", "January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
_RRULE_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
               "SA": "Saturday", "SU": "Sunday"}
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second-to-last"}


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _nums(text: str) -> list[int] | None:
    """Values of a field made only of plain numbers ("5" or "1,15"), else None."""
    items = text.split(",")
    return [int(t) for t in items] if all(t.isdigit() for t in items) else None


def _field_phrase(text: str, label: Callable[[int], str]) -> str:
    """Generic description of a cron field: "1 through 5", "every 15th", "1, 3 and 5"."""
    out = []
    for tok in text.split(","):
        if tok == "L":
            out.append("the last day")
            continue
        body, _, step = tok.partition("/")
        if body == "*":
            core = "every" if not step else f"every {_ordinal(int(step))}"
            out.append(core)
            continue
        if "-" in body:
            a, b = body.split("-")
            rng = f"{label(int(a))} through {label(int(b))}"
        else:
            rng = label(int(body))
        out.append(f"every {_ordinal(int(step))} from {rng}" if step else rng)
    return _join(out)


def _time_phrase(sec: str, minute: str, hour: str) -> str:
    hours, mins = _nums(hour), _nums(minute)
    if sec != "0":
        if minute == "*" and hour == "*":
            if sec == "*":
                return "Every second"
            if sec.startswith("*/"):
                return f"Every {sec[2:]} seconds"
            return f"At second {_field_phrase(sec, str)} past every minute"
        if sec.isdigit() and hours and mins and len(hours) * len(mins) <= 6:
            return "At " + _join([f"{h:02d}:{m:02d}:{int(sec):02d}" for h in hours for m in mins])
        head = ("Every second" if sec == "*" else f"Every {sec[2:]} seconds" if sec.startswith("*/")
                else f"At second {_field_phrase(sec, str)}")
        rest = _time_phrase("0", minute, hour)
        return f"{head}, {rest[0].lower()}{rest[1:]}"
    if hour == "*":
        if minute == "*":
            return "Every minute"
        if minute.startswith("*/"):
            return f"Every {minute[2:]} minutes"
        if minute == "0":
            return "Every hour"
        return f"At minute {_field_phrase(minute, str)} past every hour"
    if hours and mins and len(hours) * len(mins) <= 6:
        return "At " + _join([f"{h:02d}:{m:02d}" for h in hours for m in mins])
    if hour.startswith("*/") and mins is not None:
        if minute == "0":
            return f"Every {hour[2:]} hours"
        return f"At minute {_field_phrase(minute, str)} past every {hour[2:]} hours"
    if re.fullmatch(r"\d+-\d+", hour):
        a, b = (int(x) for x in hour.split("-"))
        span = f"between {a:02d}:00 and {b:02d}:59"
        if minute == "*":
            return f"Every minute, {span}"
        if minute.startswith("*/"):
            return f"Every {minute[2:]} minutes, {span}"
        if minute == "0":
            return f"Every hour from {a:02d}:00 through {b:02d}:00"
    if hours and len(hours) == 1:
        h = hours[0]
        if minute == "*":
            return f"Every minute between {h:02d}:00 and {h:02d}:59"
        if minute.startswith("*/"):
            return f"Every {minute[2:]} minutes between {h:02d}:00 and {h:02d}:59"
    hours_text = f"every {hour[2:]} hours" if re.fullmatch(r"\*/\d+", hour) else f"hour {_field_phrase(hour, str)}"
    if minute == "*":
        return f"Every minute during {hours_text}"
    if re.fullmatch(r"\*/\d+", minute):
        return f"Every {minute[2:]} minutes during {hours_text}"
    return f"At minute {_field_phrase(minute, str)} past {hours_text}"


def _describe_cron(c: _Cron) -> str:
    sec, minute, hour, dom, month, dow = c.fields
    pieces = [_time_phrase(sec, minute, hour)]

    def dow_label(v: int) -> str:
        return _DOW_FULL[v]

    def month_label(v: int) -> str:
        return _MONTH_FULL[v]

    dow_text = ""
    if dow != "*":
        if re.fullmatch(r"\d-\d", dow):
            dow_text = _field_phrase(dow, dow_label)
        else:
            dow_text = "only on " + _field_phrase(dow, dow_label)
    dom_text = ""
    if dom != "*":
        values = _nums(dom)
        if dom == "L":
            dom_text = "on the last day of the month"
        elif values is not None and len(values) == 1:
            dom_text = f"on day {values[0]} of the month"
        elif re.fullmatch(r"\*/\d+", dom):
            dom_text = f"on every {_ordinal(int(dom[2:]))} day of the month"
        else:
            dom_text = f"on days {_field_phrase(dom, str)} of the month"
    if dom_text and dow_text:
        joiner = " and " if (c.dom_star or c.dow_star) else " or "
        pieces.append(dom_text + joiner + dow_text.removeprefix("only "))
    elif dom_text or dow_text:
        pieces.append(dom_text or dow_text)
    if month != "*":
        phrase = _field_phrase(month, month_label)
        pieces.append(phrase if re.fullmatch(r"\d+-\d+", month) else f"only in {phrase}")
    return ", ".join(pieces)


def _describe_interval(seconds: int) -> str:
    unit, size = next((u, z) for u, z in (("day", 86_400), ("hour", 3600), ("minute", 60), ("second", 1))
                      if seconds % z == 0)
    n = seconds // size
    return f"Every {unit}" if n == 1 else f"Every {n} {unit}s"


def _describe_rrule(text: str, dtstart: datetime | None) -> str:
    parts = dict(_rrule_parts(text))
    normalised = ";".join(f"{n}={v}" for n, v in parts.items())
    fallback = f"RRULE: {normalised}"
    if set(parts) & {"BYSETPOS", "BYYEARDAY", "BYWEEKNO", "BYSECOND"}:
        return fallback
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    unit = {"YEARLY": "year", "MONTHLY": "month", "WEEKLY": "week", "DAILY": "day",
            "HOURLY": "hour", "MINUTELY": "minute", "SECONDLY": "second"}[freq]
    if interval == 1:
        head = {"HOURLY": "Hourly", "MINUTELY": "Every minute", "SECONDLY": "Every second"}.get(
            freq, freq.capitalize())
    else:
        head = f"Every {interval} {unit}s"
    out = [head]
    if "BYDAY" in parts:
        days = []
        for tok in parts["BYDAY"].split(","):
            m = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", tok)
            if m is None:
                return fallback
            n = int(m.group(1)) if m.group(1) else 0
            if n and n not in _ORDINALS:
                return fallback
            days.append(f"the {_ORDINALS[n]} {_RRULE_DAYS[m.group(2)]}" if n else _RRULE_DAYS[m.group(2)])
        out.append("on " + ", ".join(days))
    if "BYMONTHDAY" in parts:
        try:
            values = [int(v) for v in parts["BYMONTHDAY"].split(",")]
        except ValueError:
            return fallback
        labels = ["the last day" if v == -1 else str(v) for v in values]
        out.append(("on " if "BYDAY" not in parts else "and on ") + "day " + ", ".join(labels))
    if "BYMONTH" in parts:
        try:
            months = [_MONTH_FULL[int(v)] for v in parts["BYMONTH"].split(",")]
        except (ValueError, IndexError):
            return fallback
        out.append("in " + ", ".join(months))
    if freq in ("HOURLY", "MINUTELY", "SECONDLY"):
        if "BYHOUR" in parts:
            out.append(f"during hours {parts['BYHOUR'].replace(',', ', ')}")
        if "BYMINUTE" in parts and freq == "HOURLY":
            out.append(f"at minute {parts['BYMINUTE'].replace(',', ', ')}")
    else:
        try:
            hours = [int(v) for v in parts["BYHOUR"].split(",")] if "BYHOUR" in parts else (
                [dtstart.hour] if dtstart else [])
            mins = [int(v) for v in parts["BYMINUTE"].split(",")] if "BYMINUTE" in parts else (
                [dtstart.minute] if dtstart else [0])
        except ValueError:
            return fallback
        if hours and mins:
            out.append("at " + ", ".join(f"{h:02d}:{m:02d}" for h in hours for m in mins))
    text_out = " ".join(out)
    if "COUNT" in parts:
        text_out += f", {parts['COUNT']} times"
    if "UNTIL" in parts:
        u = parts["UNTIL"]
        text_out += f", until {u[0:4]}-{u[4:6]}-{u[6:8]}"
        if len(u) > 8:
            text_out += f" {u[9:11]}:{u[11:13]}" + (" UTC" if u.endswith("Z") else "")
    return text_out


def describe(spec: ScheduleSpec) -> str:
    """Human-readable summary, e.g. "At 09:00, Monday through Friday (Europe/Berlin)"."""
    kind = spec.schedule_type
    suffix = "" if spec.timezone in ("UTC", "Etc/UTC") else f" ({spec.timezone})"
    if kind == "cron":
        return _describe_cron(_parse_cron(spec.cron_expression or "")) + suffix
    if kind == "interval":
        iv = spec.interval_seconds
        if isinstance(iv, bool) or not isinstance(iv, int) or iv < 1:
            raise _err("interval_seconds", "must be an integer >= 1", "invalid_interval")
        return _describe_interval(iv)
    if kind == "one_time":
        st = spec.scheduled_time
        if st is None:
            raise _err("scheduled_time", "is required for one_time schedules")
        local = to_local(st, spec.timezone)
        fmt = "%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M"
        return f"Once at {local.strftime(fmt)} ({spec.timezone})"
    if kind == "rrule":
        base = spec.start_at or spec.anchor
        dtstart = base.astimezone(_zone(spec.timezone)) if base is not None else None
        return _describe_rrule(spec.rrule or "", dtstart) + suffix
    raise _err("schedule_type", f"unknown schedule type {kind!r}")


# --------------------------------------------------------------------------
# Micro-benchmark (python -m services.timing)
# --------------------------------------------------------------------------


def _benchmark(n: int = 20_000) -> dict[str, float]:
    """Mean microseconds per next_fire_time call for a few typical specs. Prints nothing and asserts nothing."""
    import time

    start = datetime(2026, 3, 1, tzinfo=UTC)
    specs = {
        "cron */5 UTC": ScheduleSpec("cron", cron_expression="*/5 * * * *"),
        "cron 0 9 * * 1-5 Berlin": ScheduleSpec("cron", "Europe/Berlin", cron_expression="0 9 * * 1-5"),
        "cron 30 2 * * * New_York": ScheduleSpec("cron", "America/New_York", cron_expression="30 2 * * *"),
        "cron 0 0 29 2 * UTC": ScheduleSpec("cron", cron_expression="0 0 29 2 *"),
        "interval 30s": ScheduleSpec("interval", interval_seconds=30, anchor=start),
        "rrule weekly Berlin": ScheduleSpec(
            "rrule", "Europe/Berlin", rrule="FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0",
            anchor=datetime(2024, 1, 1, tzinfo=UTC)),
    }
    results = {}
    for label, spec in specs.items():
        next_fire_time(spec, start)  # warm caches
        t0 = time.perf_counter()
        after = start
        for i in range(n):
            after = start + timedelta(seconds=i * 97)
            next_fire_time(spec, after)
        results[label] = (time.perf_counter() - t0) / n * 1e6
    return results


if __name__ == "__main__":
    for name, micros in _benchmark().items():
        print(f"{name:32s} {micros:7.2f} us/call")
