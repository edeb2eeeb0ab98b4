from typing import Literal

NotificationTargetOutKind = Literal["chat", "webhook"]

NOTIFICATION_TARGET_OUT_KIND_VALUES: set[NotificationTargetOutKind] = {
    "chat",
    "webhook",
}


def check_notification_target_out_kind(value: str) -> NotificationTargetOutKind:
    if value in NOTIFICATION_TARGET_OUT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NOTIFICATION_TARGET_OUT_KIND_VALUES!r}")
