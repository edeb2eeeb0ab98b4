from typing import Literal

GetListExecutionsTriggerType0 = Literal["backfill", "catchup", "event", "manual", "retry", "schedule"]

GET_LIST_EXECUTIONS_TRIGGER_TYPE_0_VALUES: set[GetListExecutionsTriggerType0] = {
    "backfill",
    "catchup",
    "event",
    "manual",
    "retry",
    "schedule",
}


def check_get_list_executions_trigger_type_0(value: str) -> GetListExecutionsTriggerType0:
    if value in GET_LIST_EXECUTIONS_TRIGGER_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_EXECUTIONS_TRIGGER_TYPE_0_VALUES!r}")
