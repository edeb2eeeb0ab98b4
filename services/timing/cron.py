"""Cron: parsing and the next matching instant under Debian cron's DST rules.

Cron follows Vixie/Debian cron: Sunday is 0 or 7, any positive step, and when
both day fields are restricted a day matches if either one matches (if either
starts with "*", both must). The Quartz/cronie day items L, LW, nW (day of
month) and nL, n#k (day of week) are list items under the same rule. DST is
handled as Debian cron does (see ``cron_next_ts``).
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from datetime import date

from services.timing.base import CRON_HORIZON_YEARS, DAY, EPOCH_ORD, MAX_TS, MIN_TS, UTC_NAMES, TimingError, err
from services.timing.zones import (
    PROBE_STEP,
    next_transition,
    segment,
    segment_if_probed,
    utc_offset,
    zone,
)

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


_MAX_LENGTH = 500  # characters; a 60-item list with steps fits several times over
_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() also accepts "²" and "٣"

# Day items beyond plain values, as (kind, weekday or day, week number) tuples:
#   day-of-month  ("L", 0, 0) last day, ("LW", 0, 0) last weekday, ("W", n, 0) weekday nearest day n
#   day-of-week   ("last", v, 0) last weekday v of the month, ("#", v, k) k-th weekday v of the month
DayItem = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Cron:
    """A parsed cron expression. Each field is a bitmask: bit v set means value v matches."""

    fields: tuple[str, ...]  # normalised text of sec, min, hour, dom, month, dow (names -> numbers)
    has_seconds: bool
    seconds: int
    minutes: int
    hours: int
    months: int  # bits 1..12
    dom_star: bool  # field text starts with "*" (Vixie DOM_STAR)
    dow_star: bool
    wildcard: bool  # minute or hour starts with "*" (Vixie MIN_STAR/HR_STAR): DST rules differ
    first_sec: int
    first_min: int
    first_month: int
    # Which days of a month match depends only on the weekday of its 1st and its length, so all 28
    # cases are worked out here: day_masks[weekday of the 1st (Sunday = 0) * 4 + days in month - 28].
    day_masks: tuple[int, ...]


def _lowest(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def _next_bit(mask: int, x: int) -> int:
    """Smallest set bit index >= x, or -1."""
    rest = mask >> x
    return x + (rest & -rest).bit_length() - 1 if rest else -1


def _bad(idx: int, text: str, detail: str) -> TimingError:
    return err("cron_expression", f"{_CRON_FIELDS[idx][0]} field '{text}' {detail}", "invalid_cron")


def _parse_value(tok: str, idx: int, text: str) -> int:
    name, lo, hi = _CRON_FIELDS[idx]
    names = _MONTH_NAMES if idx == 4 else _DOW_NAMES if idx == 5 else None
    if _NUMBER.fullmatch(tok):
        value = int(tok)
    elif names is not None and tok.upper() in names:
        return names[tok.upper()]
    else:
        raise _bad(idx, text, f"has invalid value '{tok}'")
    if not lo <= value <= hi:
        raise _bad(idx, text, f"{'is' if tok == text else f'has {tok!r}'} out of range {lo}-{hi}")
    return value


def _parse_special(tok: str, idx: int, text: str) -> tuple[DayItem, str] | None:
    """A day item that is not a plain value ("L", "LW", "15W", "5L", "1#2"), with its normalised text."""
    up = tok.upper()
    if idx == 3:
        if up in ("L", "LW"):
            return (up, 0, 0), up
        if up.endswith("W"):
            day_txt = up[:-1]
            if not _NUMBER.fullmatch(day_txt):
                raise _bad(idx, text, f"has invalid value '{tok}' ('W' follows a single day, e.g. 15W)")
            day = int(day_txt)
            if not 1 <= day <= 31:
                raise _bad(idx, text, f"has 'W' day '{day_txt}' out of range 1-31")
            return ("W", day, 0), f"{day}W"
        return None
    if idx == 5:
        if "#" in up:
            day_txt, _, week_txt = up.partition("#")
            weekday = _parse_value(day_txt, idx, text) % 7
            if not (_NUMBER.fullmatch(week_txt) and 1 <= int(week_txt) <= 5):
                raise _bad(idx, text, f"has invalid week '{week_txt}' after '#' (must be 1-5)")
            return ("#", weekday, int(week_txt)), f"{weekday}#{int(week_txt)}"
        if up == "L":
            raise _bad(idx, text, "has 'L' without a weekday (e.g. 5L for the last Friday)")
        if up.endswith("L"):
            weekday = _parse_value(up[:-1], idx, text) % 7
            return ("last", weekday, 0), f"{weekday}L"
        return None
    if up == "L":
        raise _bad(idx, text, "has 'L', which is only allowed in day-of-month and day-of-week")
    return None


def _parse_field(text: str, idx: int) -> tuple[int, tuple[DayItem, ...], str]:
    """Parse one cron field into (bitmask of plain values, special day items, normalised text)."""
    name, lo, hi = _CRON_FIELDS[idx]
    top = 6 if idx == 5 else hi  # "*" in day-of-week is 0-6; 7 is Sunday's other name
    mask, specials, norm = 0, [], []
    for tok in text.split(","):
        if not tok:
            raise _bad(idx, text, "has an empty list item")
        special = _parse_special(tok, idx, text)
        if special is not None:
            specials.append(special[0])
            norm.append(special[1])
            continue
        body, slash, step_txt = tok.partition("/")
        step = 1
        if slash:
            # Any positive step, as in Vixie cron: a step beyond the range leaves just the first value.
            if not _NUMBER.fullmatch(step_txt) or int(step_txt) < 1:
                raise _bad(idx, text, f"has invalid step '{step_txt}' (must be a positive integer)")
            step = int(step_txt)
        if body == "*":
            a, b = lo, top
        elif "-" in body:
            a_txt, _, b_txt = body.partition("-")
            a, b = _parse_value(a_txt, idx, text), _parse_value(b_txt, idx, text)
            if idx == 5 and b == 0 and a > 0:  # "FRI-SUN" -> 5-7
                b = 7
            if a > b:
                raise _bad(idx, text, f"has backwards range '{body}'")
        else:
            a = _parse_value(body, idx, text)
            b = top if slash else a  # "5/15" means 5-max/15
        values = range(a, b + 1, step)
        for v in values:
            mask |= 1 << v
        if len(values) == 1:
            norm.append(str(a))
        elif not slash or step == 1:
            norm.append("*" if body == "*" else f"{a}-{b}")
        else:
            norm.append(f"{'*' if body == '*' else f'{a}-{b}' if '-' in body else a}/{step}")
    if idx == 5 and mask & (1 << 7):  # Sunday is 0 or 7
        mask = (mask | 1) & 0x7F
    return mask, tuple(specials), ",".join(norm)


def _special_days(items: tuple[DayItem, ...], first: int, n: int) -> int:
    """Bitmask of the days that special items pick in a month of ``n`` days whose 1st is weekday ``first``."""
    mask = 0
    last_wd = (first + n - 1) % 7  # weekday of the last day, Sunday = 0
    for kind, v, k in items:
        if kind == "L":
            mask |= 1 << n
        elif kind == "LW":
            mask |= 1 << (n - (1 if last_wd == 6 else 2 if last_wd == 0 else 0))
        elif kind == "W":
            if v <= n:
                wd = (first + v - 1) % 7
                if wd == 6:  # Saturday: the Friday before, unless that leaves the month
                    mask |= 1 << (v - 1 if v > 1 else v + 2)
                elif wd == 0:  # Sunday: the Monday after, unless that leaves the month
                    mask |= 1 << (v + 1 if v < n else v - 2)
                else:
                    mask |= 1 << v
        elif kind == "#":
            day = 1 + (v - first) % 7 + 7 * (k - 1)
            if day <= n:
                mask |= 1 << day
        else:  # "last": the last weekday v
            mask |= 1 << (n - (last_wd - v) % 7)
    return mask


def _day_masks(dom: int, dom_items: tuple[DayItem, ...], dow: int, dow_items: tuple[DayItem, ...],
               both: bool) -> tuple[int, ...]:
    out = []
    for first in range(7):
        for n in (28, 29, 30, 31):
            days = (2 << n) - 2
            dom_days = dom | _special_days(dom_items, first, n)
            dow_days = sum(1 << d for d in range(1, n + 1) if dow >> ((first + d - 1) % 7) & 1)
            dow_days |= _special_days(dow_items, first, n)
            # Vixie: if either day field starts with "*", both must match; else either may.
            out.append((dom_days & dow_days if both else dom_days | dow_days) & days)
    return tuple(out)


def _check_text(expr: str) -> str:
    if len(expr) > _MAX_LENGTH:
        raise err("cron_expression", f"is too long ({len(expr)} characters; at most {_MAX_LENGTH})", "invalid_cron")
    text = expr.strip(" \t\r\n")
    for pos, ch in enumerate(text):
        if not (" " <= ch <= "~" or ch == "\t"):
            raise err("cron_expression", f"has {ch!r} (U+{ord(ch):04X}) at position {pos + 1}: only printable "
                      "ASCII characters are allowed", "invalid_cron")
    return text


@functools.lru_cache(maxsize=4096)
def parse_cron(expr: str) -> Cron:
    if not isinstance(expr, str) or not expr.strip():
        raise err("cron_expression", "is empty", "invalid_cron")
    text = _check_text(expr)
    if text.startswith("@"):
        macro = _CRON_MACROS.get(text.lower())
        if macro is None:
            raise err("cron_expression", f"unknown macro '{text}' (supported: "
                      f"{', '.join(_CRON_MACROS)})", "invalid_cron")
        text = macro
    parts = text.split()
    if len(parts) == 5:
        parts.insert(0, "0")
        has_seconds = False
    elif len(parts) == 6:
        has_seconds = True
    else:
        raise err("cron_expression", _FIELD_COUNT_MSG.format(n=len(parts)), "invalid_cron")
    parsed = [_parse_field(p, i) for i, p in enumerate(parts)]
    (sec, _, f0), (mins, _, f1), (hours, _, f2), (dom, dom_items, f3), (months, _, f4), (dow, dow_items, f5) = parsed
    dom_star, dow_star = parts[3].startswith("*"), parts[5].startswith("*")
    return Cron(
        fields=(f0, f1, f2, f3, f4, f5),
        has_seconds=has_seconds,
        seconds=sec,
        minutes=mins,
        hours=hours,
        months=months,
        dom_star=dom_star,
        dow_star=dow_star,
        wildcard=parts[1].startswith("*") or parts[2].startswith("*"),
        first_sec=_lowest(sec),
        first_min=_lowest(mins),
        first_month=_lowest(months),
        day_masks=_day_masks(dom, dom_items, dow, dow_items, dom_star or dow_star),
    )


# --------------------------------------------------------------------------
# Cron matching on wall-clock time (field-wise search)
# --------------------------------------------------------------------------

_MDAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(y: int, m: int) -> int:
    if m == 2 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0):
        return 29
    return _MDAYS[m]


def _day_mask(c: Cron, y: int, m: int) -> int:
    """Bitmask of matching days (bits 1..n) in month ``m`` of year ``y``."""
    return c.day_masks[(date(y, m, 1).weekday() + 1) % 7 * 4 + _days_in_month(y, m) - 28]


def _next_tod(c: Cron, sod: int) -> int | None:
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


def _next_match(c: Cron, wall: int, limit_ord: int) -> int | None:
    """First matching wall time >= ``wall`` on or before day ordinal ``limit_ord``.

    Jumps month -> day (bitmask) -> hour -> minute -> second, so a call costs
    a handful of integer operations per month scanned, however sparse the cron.
    """
    days, sod = divmod(wall, DAY)
    if days + EPOCH_ORD > limit_ord:
        return None
    d = date.fromordinal(days + EPOCH_ORD)
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
            return (ordinal - EPOCH_ORD) * DAY + tod
        dd += 1
        sod = 0


_SKIP_AHEAD = 8 * DAY


def cron_next_ts(c: Cron, tzname: str, after: int) -> int | None:
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
    if after >= MAX_TS:
        return None
    after = max(after, MIN_TS)
    limit = min(after + CRON_HORIZON_YEARS * 366 * DAY, MAX_TS)
    if tzname in UTC_NAMES:
        w = _next_match(c, after + 1, EPOCH_ORD + limit // DAY + 2)
        return w if w is not None and w <= limit else None
    return _zoned_next_ts(c, tzname, after, limit)


def _zoned_next_ts(c: Cron, tzname: str, after: int, limit: int) -> int | None:
    """cron_next_ts outside UTC: segment by segment (see cron_next_ts), with a shortcut to far matches.

    The shortcut: if no offset change happens within PROBE_STEP either side of
    ``after``, no earlier wall can come round again (that needs a fall-back)
    and none was left over from one, so the first matching wall w >= after +
    offset fires first, and not before w - 24 h (offsets are under a day).
    From w - 25 h, when the offset does not change up to w's instant either,
    that instant is the fire. Without it a leap-day job would walk, and
    probe, every year's transitions in between.
    """
    limit_ord = EPOCH_ORD + limit // DAY + 2
    seg = segment_if_probed(tzname, after)  # a job that fires often finds its year probed already
    off = seg[2] if seg is not None else utc_offset(zone(tzname), after)
    lo = after + off + 1
    w = _next_match(c, lo, limit_ord)
    if w is not None and w - lo > _SKIP_AHEAD:
        tz = zone(tzname)
        if utc_offset(tz, after - PROBE_STEP) == off == utc_offset(tz, after + PROBE_STEP):
            start = w - 25 * 3600
            off = utc_offset(tz, start)
            cand = w - off
            if cand - start <= PROBE_STEP and utc_offset(tz, cand) == off:
                return cand if cand <= limit else None
            return _zoned_next_ts(c, tzname, start, limit)
    seg_start, before, off = seg if seg is not None else segment(tzname, after)
    if not c.wildcard and seg_start is not None and before > off and seg_start + before > lo:
        lo = seg_start + before  # repeated walls already fired on their first pass
        w = _next_match(c, lo, limit_ord)
    pos = after
    while w is not None:
        cand = w - off
        if seg_start is not None and cand < seg_start:
            cand = seg_start  # fixed-time wall in a skipped interval: fire when the jump happens
        if cand > limit:
            return None
        tr = next_transition(tzname, pos, cand)
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


def cron_can_fire(c: Cron) -> bool:
    # 2001-2028 holds every combination of weekday-of-Jan-1 and leap year,
    # so a day pattern that never matches in it never matches at all.
    return any(c.months >> m & 1 and _day_mask(c, y, m) for y in range(2001, 2029) for m in range(1, 13))


@functools.lru_cache(maxsize=1024)
def cron_min_gap(c: Cron) -> float | None:
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
        gaps.append(day_step * DAY + first_tod - last_tod)
    return float(min(gaps)) if gaps else None

