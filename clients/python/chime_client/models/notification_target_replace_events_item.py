from typing import Literal

NotificationTargetReplaceEventsItem = Literal[
    "approval.requested",
    "execution.abandoned",
    "execution.failed",
    "execution.missed",
    "execution.timeout",
    "fixit.completed",
    "schedule.auto_paused",
]

NOTIFICATION_TARGET_REPLACE_EVENTS_ITEM_VALUES: set[NotificationTargetReplaceEventsItem] = {
    "approval.requested",
    "execution.abandoned",
    "execution.failed",
    "execution.missed",
    "execution.timeout",
    "fixit.completed",
    "schedule.auto_paused",
}


def check_notification_target_replace_events_item(value: str) -> NotificationTargetReplaceEventsItem:
    if value in NOTIFICATION_TARGET_REPLACE_EVENTS_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NOTIFICATION_TARGET_REPLACE_EVENTS_ITEM_VALUES!r}")
