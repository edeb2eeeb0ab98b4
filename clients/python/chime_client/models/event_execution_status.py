from typing import Literal

EventExecutionStatus = Literal[
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

EVENT_EXECUTION_STATUS_VALUES: set[EventExecutionStatus] = {
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


def check_event_execution_status(value: str) -> EventExecutionStatus:
    if value in EVENT_EXECUTION_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EVENT_EXECUTION_STATUS_VALUES!r}")
