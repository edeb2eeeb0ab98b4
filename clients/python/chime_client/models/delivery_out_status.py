from typing import Literal

DeliveryOutStatus = Literal["cancelled", "delivered", "failed", "pending", "sending"]

DELIVERY_OUT_STATUS_VALUES: set[DeliveryOutStatus] = {
    "cancelled",
    "delivered",
    "failed",
    "pending",
    "sending",
}


def check_delivery_out_status(value: str) -> DeliveryOutStatus:
    if value in DELIVERY_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DELIVERY_OUT_STATUS_VALUES!r}")
