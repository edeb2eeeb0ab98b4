from typing import Literal

FixitTaskOutDecision = Literal["retry", "skip"]

FIXIT_TASK_OUT_DECISION_VALUES: set[FixitTaskOutDecision] = {
    "retry",
    "skip",
}


def check_fixit_task_out_decision(value: str) -> FixitTaskOutDecision:
    if value in FIXIT_TASK_OUT_DECISION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FIXIT_TASK_OUT_DECISION_VALUES!r}")
