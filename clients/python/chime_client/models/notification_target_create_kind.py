from typing import Literal

NotificationTargetCreateKind = Literal["chat", "webhook"]

NOTIFICATION_TARGET_CREATE_KIND_VALUES: set[NotificationTargetCreateKind] = {
    "chat",
    "webhook",
}


def check_notification_target_create_kind(value: str) -> NotificationTargetCreateKind:
    if value in NOTIFICATION_TARGET_CREATE_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NOTIFICATION_TARGET_CREATE_KIND_VALUES!r}")
