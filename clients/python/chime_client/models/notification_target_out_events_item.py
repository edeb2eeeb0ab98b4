from typing import Literal

NotificationTargetOutEventsItem = Literal[
    "approval.requested",
    "execution.abandoned",
    "execution.failed",
    "execution.missed",
    "execution.timeout",
    "fixit.completed",
    "schedule.auto_paused",
]

NOTIFICATION_TARGET_OUT_EVENTS_ITEM_VALUES: set[NotificationTargetOutEventsItem] = {
    "approval.requested",
    "execution.abandoned",
    "execution.failed",
    "execution.missed",
    "execution.timeout",
    "fixit.completed",
    "schedule.auto_paused",
}


def check_notification_target_out_events_item(value: str) -> NotificationTargetOutEventsItem:
    if value in NOTIFICATION_TARGET_OUT_EVENTS_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NOTIFICATION_TARGET_OUT_EVENTS_ITEM_VALUES!r}")
