from typing import Literal

RecentTaskStatus = Literal[
    "abandoned",
    "awaiting_approval",
    "cancelled",
    "completed",
    "expired",
    "failed",
    "missed",
    "pending",
    "running",
    "skipped",
    "timeout",
]

RECENT_TASK_STATUS_VALUES: set[RecentTaskStatus] = {
    "abandoned",
    "awaiting_approval",
    "cancelled",
    "completed",
    "expired",
    "failed",
    "missed",
    "pending",
    "running",
    "skipped",
    "timeout",
}


def check_recent_task_status(value: str) -> RecentTaskStatus:
    if value in RECENT_TASK_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RECENT_TASK_STATUS_VALUES!r}")
