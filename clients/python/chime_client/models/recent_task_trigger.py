from typing import Literal

RecentTaskTrigger = Literal["backfill", "catchup", "event", "manual", "retry", "schedule"]

RECENT_TASK_TRIGGER_VALUES: set[RecentTaskTrigger] = {
    "backfill",
    "catchup",
    "event",
    "manual",
    "retry",
    "schedule",
}


def check_recent_task_trigger(value: str) -> RecentTaskTrigger:
    if value in RECENT_TASK_TRIGGER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RECENT_TASK_TRIGGER_VALUES!r}")
