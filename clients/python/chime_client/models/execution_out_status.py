from typing import Literal

ExecutionOutStatus = Literal[
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

EXECUTION_OUT_STATUS_VALUES: set[ExecutionOutStatus] = {
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


def check_execution_out_status(value: str) -> ExecutionOutStatus:
    if value in EXECUTION_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EXECUTION_OUT_STATUS_VALUES!r}")
