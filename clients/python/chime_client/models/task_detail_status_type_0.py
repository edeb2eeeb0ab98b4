from typing import Literal

TaskDetailStatusType0 = Literal[
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

TASK_DETAIL_STATUS_TYPE_0_VALUES: set[TaskDetailStatusType0] = {
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


def check_task_detail_status_type_0(value: str) -> TaskDetailStatusType0:
    if value in TASK_DETAIL_STATUS_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TASK_DETAIL_STATUS_TYPE_0_VALUES!r}")
