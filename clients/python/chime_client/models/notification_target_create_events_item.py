from typing import Literal

NotificationTargetCreateEventsItem = Literal[
    "approval.requested",
    "execution.abandoned",
    "execution.failed",
    "execution.missed",
    "execution.timeout",
    "fixit.completed",
    "schedule.auto_paused",
]

NOTIFICATION_TARGET_CREATE_EVENTS_ITEM_VALUES: set[NotificationTargetCreateEventsItem] = {
    "approval.requested",
    "execution.abandoned",
    "execution.failed",
    "execution.missed",
    "execution.timeout",
    "fixit.completed",
    "schedule.auto_paused",
}


def check_notification_target_create_events_item(value: str) -> NotificationTargetCreateEventsItem:
    if value in NOTIFICATION_TARGET_CREATE_EVENTS_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NOTIFICATION_TARGET_CREATE_EVENTS_ITEM_VALUES!r}")
