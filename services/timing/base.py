"""What every timing module shares: constants, TimingError and ScheduleSpec.

Internally an instant is an int of POSIX seconds, and a local wall-clock time
is an int of "naive epoch seconds" (the wall clock read as if it were UTC).
Inside one UTC-offset segment, instant = wall - offset. Working in ints keeps
datetime arithmetic off the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# Searches are bounded so that no spec can make the scheduler spin. Which days
# of a month a cron picks depends only on the weekday of the 1st and the
# month's length; the longest wait for a given pair is 40 years (a leap
# February starting on a given weekday, e.g. "0 0 * 2 1#5"), so every cron
# that validate_spec accepts has a fire inside a 50-year window. The
# month-wise cron search is cheap. rrule needs dateutil to step through every
# period, which costs more, so its window is shorter.
CRON_HORIZON_YEARS = 50
RRULE_HORIZON_YEARS = 10

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_NAIVE = datetime(1970, 1, 1)
EPOCH_ORD = date(1970, 1, 1).toordinal()
SEC = timedelta(seconds=1)
USEC = timedelta(microseconds=1)
DAY = 86_400
# Keep every probe well inside datetime's year range (1..9999): a spec's datetimes must lie in
# [MIN_DT, MAX_DT), and no fire is computed at or after MAX_DT, so that any zone's local time of
# any fire (offsets are under 24 h) is still a datetime.
MIN_TS = (date(1800, 1, 1).toordinal() - EPOCH_ORD) * DAY
MAX_TS = (date(9900, 1, 1).toordinal() - EPOCH_ORD) * DAY
MIN_DT = datetime(1800, 1, 1, tzinfo=UTC)
MAX_DT = datetime(9900, 1, 1, tzinfo=UTC)
INT4_MAX = 2_147_483_647  # interval_seconds is an integer column

# "event" schedules have no clock: they fire when a matching event arrives (services/events.py), never by time.
SCHEDULE_TYPES = ("cron", "interval", "one_time", "rrule", "event")
# Zones that never change offset; they skip the transition machinery.
UTC_NAMES = frozenset(
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


def err(field: str, detail: str, code: str = "invalid_schedule") -> TimingError:
    return TimingError(field, f"{field}: {detail}", code)


@dataclass(frozen=True)
class ScheduleSpec:
    schedule_type: str  # "cron" | "interval" | "one_time" | "rrule" | "event"
    timezone: str = "UTC"  # IANA name
    cron_expression: str | None = None
    interval_seconds: int | None = None
    scheduled_time: datetime | None = None  # aware
    rrule: str | None = None  # RFC 5545 RRULE, with or without "RRULE:" prefix
    start_at: datetime | None = None  # aware; nothing fires before it
    end_at: datetime | None = None  # aware; nothing fires after it
    anchor: datetime | None = None  # aware; interval anchor, rrule DTSTART fallback
    event_type: str | None = None  # event schedules: the type answered (exact, or a prefix ending in '*')


def require_aware(value: object, field: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise err(field, "must be a timezone-aware datetime", "invalid_schedule")


def require_in_range(value: datetime, field: str) -> None:
    """``value`` (aware) must lie in [MIN_DT, MAX_DT)."""
    if not MIN_DT <= value < MAX_DT:
        raise err(field, f"must be from {MIN_DT:%Y-%m-%d} up to (not including) {MAX_DT:%Y-%m-%d} UTC",
                  "datetime_out_of_range")


def check_interval(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INT4_MAX:
        raise err("interval_seconds", f"must be an integer between 1 and {INT4_MAX} (about 68 years)",
                  "invalid_interval")
    return value


def floor_ts(dt: datetime) -> int:
    return (dt - EPOCH) // SEC
