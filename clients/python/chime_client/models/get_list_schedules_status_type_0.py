from typing import Literal

GetListSchedulesStatusType0 = Literal["active", "cancelled", "completed", "paused"]

GET_LIST_SCHEDULES_STATUS_TYPE_0_VALUES: set[GetListSchedulesStatusType0] = {
    "active",
    "cancelled",
    "completed",
    "paused",
}


def check_get_list_schedules_status_type_0(value: str) -> GetListSchedulesStatusType0:
    if value in GET_LIST_SCHEDULES_STATUS_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_SCHEDULES_STATUS_TYPE_0_VALUES!r}")
