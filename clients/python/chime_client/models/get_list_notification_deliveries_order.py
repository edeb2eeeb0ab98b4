from typing import Literal

GetListNotificationDeliveriesOrder = Literal["asc", "desc"]

GET_LIST_NOTIFICATION_DELIVERIES_ORDER_VALUES: set[GetListNotificationDeliveriesOrder] = {
    "asc",
    "desc",
}


def check_get_list_notification_deliveries_order(value: str) -> GetListNotificationDeliveriesOrder:
    if value in GET_LIST_NOTIFICATION_DELIVERIES_ORDER_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {GET_LIST_NOTIFICATION_DELIVERIES_ORDER_VALUES!r}")
