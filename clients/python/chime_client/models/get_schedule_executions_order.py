from typing import Literal

GetScheduleExecutionsOrder = Literal["asc", "desc"]

GET_SCHEDULE_EXECUTIONS_ORDER_VALUES: set[GetScheduleExecutionsOrder] = {
    "asc",
    "desc",
}


def check_get_schedule_executions_order(value: str) -> GetScheduleExecutionsOrder:
    if value in GET_SCHEDULE_EXECUTIONS_ORDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_SCHEDULE_EXECUTIONS_ORDER_VALUES!r}")
