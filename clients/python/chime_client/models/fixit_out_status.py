from typing import Literal

FixitOutStatus = Literal["awaiting_approval", "completed", "denied", "dry_run", "expired", "running"]

FIXIT_OUT_STATUS_VALUES: set[FixitOutStatus] = {
    "awaiting_approval",
    "completed",
    "denied",
    "dry_run",
    "expired",
    "running",
}


def check_fixit_out_status(value: str) -> FixitOutStatus:
    if value in FIXIT_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FIXIT_OUT_STATUS_VALUES!r}")
