from typing import Literal

GetListSchedulesScheduleTypeType0 = Literal["cron", "event", "interval", "one_time", "rrule"]

GET_LIST_SCHEDULES_SCHEDULE_TYPE_TYPE_0_VALUES: set[GetListSchedulesScheduleTypeType0] = {
    "cron",
    "event",
    "interval",
    "one_time",
    "rrule",
}


def check_get_list_schedules_schedule_type_type_0(value: str) -> GetListSchedulesScheduleTypeType0:
    if value in GET_LIST_SCHEDULES_SCHEDULE_TYPE_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_SCHEDULES_SCHEDULE_TYPE_TYPE_0_VALUES!r}")
