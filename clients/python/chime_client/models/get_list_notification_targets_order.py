from typing import Literal

GetListNotificationTargetsOrder = Literal["asc", "desc"]

GET_LIST_NOTIFICATION_TARGETS_ORDER_VALUES: set[GetListNotificationTargetsOrder] = {
    "asc",
    "desc",
}


def check_get_list_notification_targets_order(value: str) -> GetListNotificationTargetsOrder:
    if value in GET_LIST_NOTIFICATION_TARGETS_ORDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_NOTIFICATION_TARGETS_ORDER_VALUES!r}")
