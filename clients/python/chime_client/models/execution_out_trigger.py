from typing import Literal

ExecutionOutTrigger = Literal["backfill", "catchup", "event", "manual", "retry", "schedule"]

EXECUTION_OUT_TRIGGER_VALUES: set[ExecutionOutTrigger] = {
    "backfill",
    "catchup",
    "event",
    "manual",
    "retry",
    "schedule",
}


def check_execution_out_trigger(value: str) -> ExecutionOutTrigger:
    if value in EXECUTION_OUT_TRIGGER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EXECUTION_OUT_TRIGGER_VALUES!r}")
