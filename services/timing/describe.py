"""Human-readable descriptions of schedule specs."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from services.timing.base import ScheduleSpec, check_interval, err
from services.timing.cron import Cron, parse_cron
from services.timing.rrule import rrule_parts
from services.timing.zones import to_local

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


def _dow_label(v: int) -> str:
    return _DOW_FULL[v]


def _month_label(v: int) -> str:
    return _MONTH_FULL[v]


def _dom_text(dom: str) -> tuple[str, bool]:
    """Day-of-month phrase, and whether it consists only of the W/LW items (see _describe_cron)."""
    if dom == "*":
        return "", False
    items = dom.split(",")
    labels = [("the last day" if t == "L" else "the last weekday" if t == "LW"
               else f"the weekday nearest day {t[:-1]}") for t in items if t[-1] in "LW"]
    plain = ",".join(t for t in items if t[-1] not in "LW")
    if not labels:
        values = _nums(dom)
        if values is not None and len(values) == 1:
            return f"on day {values[0]} of the month", False
        if re.fullmatch(r"\*/\d+", dom):
            return f"on every {_ordinal(int(dom[2:]))} day of the month", False
        return f"on days {_field_phrase(dom, str)} of the month", False
    if plain:
        values = _nums(plain)
        labels.insert(0, f"day {values[0]}" if values and len(values) == 1 else f"days {_field_phrase(plain, str)}")
    return f"on {_join(labels)} of the month", not plain and "L" not in items


def _dow_text(dow: str) -> tuple[str, bool]:
    """Day-of-week phrase, and whether it consists only of the nL / n#k items (see _describe_cron)."""
    if dow == "*":
        return "", False
    items = dow.split(",")
    labels = [(f"the last {_DOW_FULL[int(t[:-1])]}" if t.endswith("L")
               else f"the {_ORDINALS[int(t[2:])]} {_DOW_FULL[int(t[0])]}") for t in items if t[-1] == "L" or "#" in t]
    plain = ",".join(t for t in items if t[-1] != "L" and "#" not in t)
    if not labels:
        if re.fullmatch(r"\d-\d", dow):
            return _field_phrase(dow, _dow_label), False
        return "only on " + _field_phrase(dow, _dow_label), False
    if plain:
        labels.insert(0, _field_phrase(plain, _dow_label))
    return f"on {_join(labels)} of the month", not plain


def _describe_cron(c: Cron) -> str:
    sec, minute, hour, dom, month, dow = c.fields
    text = _time_phrase(sec, minute, hour)
    dom_text, dom_new = _dom_text(dom)
    dow_text, dow_new = _dow_text(dow)
    if dom_text and dow_text:
        joiner = " and " if (c.dom_star or c.dow_star) else " or "
        day, new_style = dom_text + joiner + dow_text.removeprefix("only "), dom_new and dow_new
    else:
        day, new_style = dom_text or dow_text, dom_new or dow_new
    if day:
        # Phrases for the L/W/# items read as one sentence with the time ("At 09:00 on the second Monday
        # of the month"); the older phrases keep their comma, which stored descriptions already show.
        text += (" " if new_style else ", ") + day
    if month != "*":
        phrase = _field_phrase(month, _month_label)
        text += ", " + (phrase if re.fullmatch(r"\d+-\d+", month) else f"only in {phrase}")
    return text


def _describe_interval(seconds: int) -> str:
    unit, size = next((u, z) for u, z in (("day", 86_400), ("hour", 3600), ("minute", 60), ("second", 1))
                      if seconds % z == 0)
    n = seconds // size
    return f"Every {unit}" if n == 1 else f"Every {n} {unit}s"


def _describe_rrule(text: str, dtstart: datetime | None) -> str:
    parts = dict(rrule_parts(text))
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
        return _describe_cron(parse_cron(spec.cron_expression or "")) + suffix
    if kind == "interval":
        return _describe_interval(check_interval(spec.interval_seconds))
    if kind == "one_time":
        st = spec.scheduled_time
        if st is None:
            raise err("scheduled_time", "is required for one_time schedules")
        local = to_local(st, spec.timezone)
        fmt = "%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M"
        return f"Once at {local.strftime(fmt)} ({spec.timezone})"
    if kind == "rrule":
        base = spec.start_at or spec.anchor
        dtstart = to_local(base, spec.timezone) if base is not None else None
        return _describe_rrule(spec.rrule or "", dtstart) + suffix
    if kind == "event":
        return f"On event {spec.event_type}"
    raise err("schedule_type", f"unknown schedule type {kind!r}")

