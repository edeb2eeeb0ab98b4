from typing import Literal

ApproveOutStatus = Literal["approved", "denied"]

APPROVE_OUT_STATUS_VALUES: set[ApproveOutStatus] = {
    "approved",
    "denied",
}


def check_approve_out_status(value: str) -> ApproveOutStatus:
    if value in APPROVE_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {APPROVE_OUT_STATUS_VALUES!r}")
