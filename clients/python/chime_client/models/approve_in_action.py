from typing import Literal

ApproveInAction = Literal["approve", "deny"]

APPROVE_IN_ACTION_VALUES: set[ApproveInAction] = {
    "approve",
    "deny",
}


def check_approve_in_action(value: str) -> ApproveInAction:
    if value in APPROVE_IN_ACTION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {APPROVE_IN_ACTION_VALUES!r}")
