from typing import Literal

ApproveOutAction = Literal["approve", "deny"]

APPROVE_OUT_ACTION_VALUES: set[ApproveOutAction] = {
    "approve",
    "deny",
}


def check_approve_out_action(value: str) -> ApproveOutAction:
    if value in APPROVE_OUT_ACTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {APPROVE_OUT_ACTION_VALUES!r}")
