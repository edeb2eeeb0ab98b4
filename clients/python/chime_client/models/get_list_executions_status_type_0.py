from typing import Literal

GetListExecutionsStatusType0 = Literal[
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

GET_LIST_EXECUTIONS_STATUS_TYPE_0_VALUES: set[GetListExecutionsStatusType0] = {
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


def check_get_list_executions_status_type_0(value: str) -> GetListExecutionsStatusType0:
    if value in GET_LIST_EXECUTIONS_STATUS_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_EXECUTIONS_STATUS_TYPE_0_VALUES!r}")
