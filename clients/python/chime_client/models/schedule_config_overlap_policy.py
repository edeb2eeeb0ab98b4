from typing import Literal

ScheduleConfigOverlapPolicy = Literal["allow", "buffer_one", "cancel_other", "skip"]

SCHEDULE_CONFIG_OVERLAP_POLICY_VALUES: set[ScheduleConfigOverlapPolicy] = {
    "allow",
    "buffer_one",
    "cancel_other",
    "skip",
}


def check_schedule_config_overlap_policy(value: str) -> ScheduleConfigOverlapPolicy:
    if value in SCHEDULE_CONFIG_OVERLAP_POLICY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SCHEDULE_CONFIG_OVERLAP_POLICY_VALUES!r}")
