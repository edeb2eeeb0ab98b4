from typing import Literal

ScheduleConfigScheduleType = Literal["cron", "event", "interval", "one_time", "rrule"]

SCHEDULE_CONFIG_SCHEDULE_TYPE_VALUES: set[ScheduleConfigScheduleType] = {
    "cron",
    "event",
    "interval",
    "one_time",
    "rrule",
}


def check_schedule_config_schedule_type(value: str) -> ScheduleConfigScheduleType:
    if value in SCHEDULE_CONFIG_SCHEDULE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SCHEDULE_CONFIG_SCHEDULE_TYPE_VALUES!r}")
