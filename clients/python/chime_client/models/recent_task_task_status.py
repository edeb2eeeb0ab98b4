from typing import Literal

RecentTaskTaskStatus = Literal["cancelled", "completed", "failed", "in_progress", "pending"]

RECENT_TASK_TASK_STATUS_VALUES: set[RecentTaskTaskStatus] = {
    "cancelled",
    "completed",
    "failed",
    "in_progress",
    "pending",
}


def check_recent_task_task_status(value: str) -> RecentTaskTaskStatus:
    if value in RECENT_TASK_TASK_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RECENT_TASK_TASK_STATUS_VALUES!r}")
