from typing import Literal

NotificationTargetReplaceKind = Literal["chat", "webhook"]

NOTIFICATION_TARGET_REPLACE_KIND_VALUES: set[NotificationTargetReplaceKind] = {
    "chat",
    "webhook",
}


def check_notification_target_replace_kind(value: str) -> NotificationTargetReplaceKind:
    if value in NOTIFICATION_TARGET_REPLACE_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NOTIFICATION_TARGET_REPLACE_KIND_VALUES!r}")
