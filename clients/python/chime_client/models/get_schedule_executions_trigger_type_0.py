from typing import Literal

GetScheduleExecutionsTriggerType0 = Literal["backfill", "catchup", "event", "manual", "retry", "schedule"]

GET_SCHEDULE_EXECUTIONS_TRIGGER_TYPE_0_VALUES: set[GetScheduleExecutionsTriggerType0] = {
    "backfill",
    "catchup",
    "event",
    "manual",
    "retry",
    "schedule",
}


def check_get_schedule_executions_trigger_type_0(value: str) -> GetScheduleExecutionsTriggerType0:
    if value in GET_SCHEDULE_EXECUTIONS_TRIGGER_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_SCHEDULE_EXECUTIONS_TRIGGER_TYPE_0_VALUES!r}")
