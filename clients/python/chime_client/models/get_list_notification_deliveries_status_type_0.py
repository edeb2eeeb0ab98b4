from typing import Literal

GetListNotificationDeliveriesStatusType0 = Literal["cancelled", "delivered", "failed", "pending", "sending"]

GET_LIST_NOTIFICATION_DELIVERIES_STATUS_TYPE_0_VALUES: set[GetListNotificationDeliveriesStatusType0] = {
    "cancelled",
    "delivered",
    "failed",
    "pending",
    "sending",
}


def check_get_list_notification_deliveries_status_type_0(value: str) -> GetListNotificationDeliveriesStatusType0:
    if value in GET_LIST_NOTIFICATION_DELIVERIES_STATUS_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_LIST_NOTIFICATION_DELIVERIES_STATUS_TYPE_0_VALUES!r}"
    )
