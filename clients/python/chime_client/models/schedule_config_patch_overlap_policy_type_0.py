from typing import Literal

ScheduleConfigPatchOverlapPolicyType0 = Literal["allow", "buffer_one", "cancel_other", "skip"]

SCHEDULE_CONFIG_PATCH_OVERLAP_POLICY_TYPE_0_VALUES: set[ScheduleConfigPatchOverlapPolicyType0] = {
    "allow",
    "buffer_one",
    "cancel_other",
    "skip",
}


def check_schedule_config_patch_overlap_policy_type_0(value: str) -> ScheduleConfigPatchOverlapPolicyType0:
    if value in SCHEDULE_CONFIG_PATCH_OVERLAP_POLICY_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_CONFIG_PATCH_OVERLAP_POLICY_TYPE_0_VALUES!r}"
    )
