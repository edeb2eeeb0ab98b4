from typing import Literal

GetListSchedulesOrder = Literal["asc", "desc"]

GET_LIST_SCHEDULES_ORDER_VALUES: set[GetListSchedulesOrder] = {
    "asc",
    "desc",
}


def check_get_list_schedules_order(value: str) -> GetListSchedulesOrder:
    if value in GET_LIST_SCHEDULES_ORDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_SCHEDULES_ORDER_VALUES!r}")
