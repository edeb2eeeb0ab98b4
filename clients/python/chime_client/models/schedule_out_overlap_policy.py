from typing import Literal

ScheduleOutOverlapPolicy = Literal["allow", "buffer_one", "cancel_other", "skip"]

SCHEDULE_OUT_OVERLAP_POLICY_VALUES: set[ScheduleOutOverlapPolicy] = {
    "allow",
    "buffer_one",
    "cancel_other",
    "skip",
}


def check_schedule_out_overlap_policy(value: str) -> ScheduleOutOverlapPolicy:
    if value in SCHEDULE_OUT_OVERLAP_POLICY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SCHEDULE_OUT_OVERLAP_POLICY_VALUES!r}")
