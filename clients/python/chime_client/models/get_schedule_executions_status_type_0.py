from typing import Literal

GetScheduleExecutionsStatusType0 = Literal[
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

GET_SCHEDULE_EXECUTIONS_STATUS_TYPE_0_VALUES: set[GetScheduleExecutionsStatusType0] = {
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


def check_get_schedule_executions_status_type_0(value: str) -> GetScheduleExecutionsStatusType0:
    if value in GET_SCHEDULE_EXECUTIONS_STATUS_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_SCHEDULE_EXECUTIONS_STATUS_TYPE_0_VALUES!r}")
