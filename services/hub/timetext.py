"""Times as the hub shows them: in the schedule's zone, relative to now, and where the clocks change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.timing import TimingError, to_local

_UNITS = ((86400, "d"), (3600, "h"), (60, "min"), (1, "s"))


def relative(when: datetime | None, now: datetime) -> str:
    """"in 3 min", "2 h ago", "now" (the largest unit, rounded down; days past a week stay in days)."""
    if when is None:
        return ""
    seconds = (when - now).total_seconds()
    if abs(seconds) < 1:
        return "now"
    size = abs(seconds)
    for unit, label in _UNITS:
        if size >= unit:
            text = f"{int(size // unit)} {label}"
            break
    return f"in {text}" if seconds > 0 else f"{text} ago"


def local(when: datetime | None, zone: str) -> datetime | None:
    if when is None:
        return None
    try:
        return to_local(when, zone)
    except TimingError:  # a zone this tzdata no longer knows: still show the instant
        return when.astimezone(UTC)


def offset_text(when: datetime) -> str:
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def show(when: datetime | None, zone: str, *, seconds: bool = False) -> str:
    """"2026-03-29 09:00 CEST" in `zone`."""
    value = local(when, zone)
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def mark_clock_changes(runs: list[dict[str, Any]], zone: str, now: datetime) -> list[dict[str, Any]]:
    """Adds `change` to each run whose UTC offset differs from the run before it (the first run is compared with
    now): "clocks change: UTC+01:00 → UTC+02:00"."""
    before = local(now, zone)
    previous = before.utcoffset() if before else None
    out = []
    for run in runs:
        when = local(run["utc"], zone)
        offset = when.utcoffset() if when else None
        change = None
        if previous is not None and offset is not None and offset != previous:
            change = f"clocks change: {offset_text(before)} → {offset_text(when)}"
        out.append({**run, "local": when, "change": change})
        before, previous = when, offset
    return out
