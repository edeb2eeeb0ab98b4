from typing import Literal

ScheduleOutStatus = Literal["active", "cancelled", "completed", "paused"]

SCHEDULE_OUT_STATUS_VALUES: set[ScheduleOutStatus] = {
    "active",
    "cancelled",
    "completed",
    "paused",
}


def check_schedule_out_status(value: str) -> ScheduleOutStatus:
    if value in SCHEDULE_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SCHEDULE_OUT_STATUS_VALUES!r}")
