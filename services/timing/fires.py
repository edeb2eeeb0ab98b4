"""Fire times of a spec: validation and evaluation, dispatched by schedule_type.

The scheduler's hot path and the preview endpoint both call this module, so
it is pure (no I/O, no DB) and caches everything it parses.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from services.timing.base import (
    INT4_MAX,
    MAX_DT,
    MAX_TS,
    SCHEDULE_TYPES,
    USEC,
    ScheduleSpec,
    check_interval,
    err,
    floor_ts,
    require_aware,
    require_in_range,
)
from services.timing.cron import cron_can_fire, cron_min_gap, cron_next_ts, parse_cron
from services.timing.rrule import OverBudget, rrule_instants, rrule_min_gap, too_complex, validate_rrule
from services.timing.zones import zone


def validate_spec(spec: ScheduleSpec) -> None:
    """Raise TimingError with the first problem in ``spec``, else return None."""
    if spec.schedule_type not in SCHEDULE_TYPES:
        raise err("schedule_type", f"unknown schedule type {spec.schedule_type!r} "
                   f"(expected one of {', '.join(SCHEDULE_TYPES)})")
    zone(spec.timezone)
    for field in ("scheduled_time", "start_at", "end_at", "anchor"):
        value = getattr(spec, field)
        if value is not None:
            require_aware(value, field)
            # An end past MAX_DT is the common "never" idiom (9999-12-31): no fire reaches it anyway.
            if not (field == "end_at" and value >= MAX_DT):
                require_in_range(value, field)
    if spec.start_at is not None and spec.end_at is not None and spec.end_at <= spec.start_at:
        raise err("end_at", "must be later than start_at", "invalid_window")
    kind = spec.schedule_type
    if kind == "cron":
        if not spec.cron_expression:
            raise err("cron_expression", "is required for cron schedules", "invalid_cron")
        if not cron_can_fire(parse_cron(spec.cron_expression)):
            raise err("cron_expression", f"'{spec.cron_expression}' never fires (no calendar day matches)",
                       "cron_never_fires")
    elif kind == "interval":
        check_interval(spec.interval_seconds)
        if spec.anchor is None and spec.start_at is None:
            raise err("anchor", "anchor or start_at is required for interval schedules", "invalid_interval")
    elif kind == "one_time":
        if spec.scheduled_time is None:
            raise err("scheduled_time", "is required for one_time schedules")
    elif kind == "event":
        if not spec.event_type:
            raise err("event_type", "is required for event schedules", "missing_field")
    else:
        validate_rrule(spec)


def _lower_bound(spec: ScheduleSpec, after: datetime) -> datetime:
    """Exclusive lower bound: fires are > after and >= start_at."""
    require_aware(after, "after")
    if spec.start_at is not None and spec.start_at > after:
        return spec.start_at - USEC
    return after


def _iter_fires(spec: ScheduleSpec, after: datetime) -> Iterator[datetime]:
    lower = _lower_bound(spec, after)
    end = spec.end_at
    kind = spec.schedule_type
    if kind == "cron":
        c = parse_cron(spec.cron_expression or "")
        tzname = spec.timezone
        zone(tzname)
        ts = floor_ts(lower)
        end_ts = floor_ts(end) if end is not None else None
        while True:
            nxt = cron_next_ts(c, tzname, ts)
            if nxt is None or (end_ts is not None and nxt > end_ts):
                return
            yield datetime.fromtimestamp(nxt, UTC)
            ts = nxt
    elif kind == "interval":
        step = timedelta(seconds=check_interval(spec.interval_seconds))
        anchor = spec.anchor or spec.start_at
        if anchor is None:
            raise err("anchor", "anchor or start_at is required for interval schedules", "invalid_interval")
        # Pure arithmetic from the anchor: no drift, DST does not matter.
        k = 0 if lower < anchor else (lower - anchor) // step + 1
        try:
            while True:
                fire = anchor + k * step
                if (end is not None and fire > end) or fire >= MAX_DT:
                    return
                yield fire.astimezone(UTC)
                k += 1
        except OverflowError:
            return
    elif kind == "one_time":
        st = spec.scheduled_time
        if st is None:
            raise err("scheduled_time", "is required for one_time schedules")
        require_aware(st, "scheduled_time")
        if st > lower and (end is None or st <= end):
            yield st.astimezone(UTC)
    elif kind == "event":
        return  # no clock: an event schedule never has a next fire time
    elif kind == "rrule":
        end_ts = floor_ts(end) if end is not None else None
        for ts in rrule_instants(spec, floor_ts(lower)):
            if (end_ts is not None and ts > end_ts) or ts >= MAX_TS:
                return
            yield datetime.fromtimestamp(ts, UTC)
    else:
        raise err("schedule_type", f"unknown schedule type {kind!r}")


def next_fire_time(spec: ScheduleSpec, after: datetime) -> datetime | None:
    """First fire instant strictly after ``after`` (aware UTC), or None if there are no more fires.

    Raises TimingError for an invalid spec, and for an rrule whose evaluation
    runs out of its step budget (code rrule_too_complex): "unknown" is never
    reported as "no more fires".
    """
    try:
        return next(_iter_fires(spec, after), None)
    except OverBudget:
        raise too_complex() from None


def next_fire_times(spec: ScheduleSpec, after: datetime, count: int) -> list[datetime]:
    """Up to ``count`` consecutive fire instants after ``after``, strictly increasing, in UTC.

    One step budget covers the whole call: if an rrule runs out of it after
    some fires, those are returned (fewer than ``count``); if before the
    first, TimingError as for next_fire_time.
    """
    if count <= 0:
        return []
    out: list[datetime] = []
    try:
        for fire in _iter_fires(spec, after):
            out.append(fire)
            if len(out) >= count:
                break
    except OverBudget:
        if not out:
            raise too_complex() from None
    return out


def min_gap_seconds(spec: ScheduleSpec) -> float | None:
    """Shortest gap between consecutive fires in seconds. None if the schedule fires at most once.

    Cron: worked out from the fields on the wall clock. rrule: the shortest
    gap among the first 1000 fires from DTSTART (fewer if the step budget
    runs out first).
    """
    kind = spec.schedule_type
    if kind == "interval":
        return float(spec.interval_seconds) if spec.interval_seconds else None
    if kind == "cron":
        return cron_min_gap(parse_cron(spec.cron_expression or ""))
    if kind == "rrule":
        return rrule_min_gap(spec)
    return None


def validate_jitter(spec: ScheduleSpec, jitter_seconds: float | None) -> None:
    """Reject jitter that could reorder fires, i.e. jitter >= the shortest gap."""
    if not jitter_seconds:
        return
    if not 0 <= jitter_seconds <= INT4_MAX:
        raise err("jitter_seconds", f"must be between 0 and {INT4_MAX}", "invalid_jitter")
    gap = min_gap_seconds(spec)
    if gap is not None and jitter_seconds >= gap:
        raise err("jitter_seconds", f"must be smaller than the shortest gap between fires ({gap:g} s)",
                   "jitter_too_large")
