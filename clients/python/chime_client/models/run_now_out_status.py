from typing import Literal

RunNowOutStatus = Literal[
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

RUN_NOW_OUT_STATUS_VALUES: set[RunNowOutStatus] = {
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


def check_run_now_out_status(value: str) -> RunNowOutStatus:
    if value in RUN_NOW_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RUN_NOW_OUT_STATUS_VALUES!r}")
