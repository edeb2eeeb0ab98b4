from typing import Literal

FixitTaskOutRetryStatusType0 = Literal[
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

FIXIT_TASK_OUT_RETRY_STATUS_TYPE_0_VALUES: set[FixitTaskOutRetryStatusType0] = {
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


def check_fixit_task_out_retry_status_type_0(value: str) -> FixitTaskOutRetryStatusType0:
    if value in FIXIT_TASK_OUT_RETRY_STATUS_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FIXIT_TASK_OUT_RETRY_STATUS_TYPE_0_VALUES!r}")
