from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.notification_target_replace_events_item import (
    NotificationTargetReplaceEventsItem,
    check_notification_target_replace_events_item,
)
from ..models.notification_target_replace_kind import (
    NotificationTargetReplaceKind,
    check_notification_target_replace_kind,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="NotificationTargetReplace")


@_attrs_define
class NotificationTargetReplace:
    """PUT: the whole target; a webhook's `secret` may be left out to keep the stored one.

    Attributes:
        events (list[NotificationTargetReplaceEventsItem]):
        kind (NotificationTargetReplaceKind):
        name (str):
        channel (None | str | Unset):
        enabled (bool | Unset):  Default: True.
        entity_id (None | str | Unset):
        platform (None | str | Unset):
        secret (None | str | Unset):
        url (None | str | Unset):
    """

    events: list[NotificationTargetReplaceEventsItem]
    kind: NotificationTargetReplaceKind
    name: str
    channel: None | str | Unset = UNSET
    enabled: bool | Unset = True
    entity_id: None | str | Unset = UNSET
    platform: None | str | Unset = UNSET
    secret: None | str | Unset = UNSET
    url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        events = []
        for events_item_data in self.events:
            events_item: str = events_item_data
            events.append(events_item)

        kind: str = self.kind

        name = self.name

        channel: None | str | Unset
        if isinstance(self.channel, Unset):
            channel = UNSET
        else:
            channel = self.channel

        enabled = self.enabled

        entity_id: None | str | Unset
        if isinstance(self.entity_id, Unset):
            entity_id = UNSET
        else:
            entity_id = self.entity_id

        platform: None | str | Unset
        if isinstance(self.platform, Unset):
            platform = UNSET
        else:
            platform = self.platform

        secret: None | str | Unset
        if isinstance(self.secret, Unset):
            secret = UNSET
        else:
            secret = self.secret

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "events": events,
                "kind": kind,
                "name": name,
            }
        )
        if channel is not UNSET:
            field_dict["channel"] = channel
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if entity_id is not UNSET:
            field_dict["entity_id"] = entity_id
        if platform is not UNSET:
            field_dict["platform"] = platform
        if secret is not UNSET:
            field_dict["secret"] = secret
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = check_notification_target_replace_events_item(events_item_data)

            events.append(events_item)

        kind = check_notification_target_replace_kind(d.pop("kind"))

        name = d.pop("name")

        def _parse_channel(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        channel = _parse_channel(d.pop("channel", UNSET))

        enabled = d.pop("enabled", UNSET)

        def _parse_entity_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        entity_id = _parse_entity_id(d.pop("entity_id", UNSET))

        def _parse_platform(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        platform = _parse_platform(d.pop("platform", UNSET))

        def _parse_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret = _parse_secret(d.pop("secret", UNSET))

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        notification_target_replace = cls(
            events=events,
            kind=kind,
            name=name,
            channel=channel,
            enabled=enabled,
            entity_id=entity_id,
            platform=platform,
            secret=secret,
            url=url,
        )

        return notification_target_replace
