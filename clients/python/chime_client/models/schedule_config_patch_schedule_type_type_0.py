from typing import Literal

ScheduleConfigPatchScheduleTypeType0 = Literal["cron", "event", "interval", "one_time", "rrule"]

SCHEDULE_CONFIG_PATCH_SCHEDULE_TYPE_TYPE_0_VALUES: set[ScheduleConfigPatchScheduleTypeType0] = {
    "cron",
    "event",
    "interval",
    "one_time",
    "rrule",
}


def check_schedule_config_patch_schedule_type_type_0(value: str) -> ScheduleConfigPatchScheduleTypeType0:
    if value in SCHEDULE_CONFIG_PATCH_SCHEDULE_TYPE_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SCHEDULE_CONFIG_PATCH_SCHEDULE_TYPE_TYPE_0_VALUES!r}"
    )
