from typing import Literal

ScheduleOutScheduleType = Literal["cron", "event", "interval", "one_time", "rrule"]

SCHEDULE_OUT_SCHEDULE_TYPE_VALUES: set[ScheduleOutScheduleType] = {
    "cron",
    "event",
    "interval",
    "one_time",
    "rrule",
}


def check_schedule_out_schedule_type(value: str) -> ScheduleOutScheduleType:
    if value in SCHEDULE_OUT_SCHEDULE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SCHEDULE_OUT_SCHEDULE_TYPE_VALUES!r}")
