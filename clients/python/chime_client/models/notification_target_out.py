from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.notification_target_out_events_item import (
    NotificationTargetOutEventsItem,
    check_notification_target_out_events_item,
)
from ..models.notification_target_out_kind import NotificationTargetOutKind, check_notification_target_out_kind

T = TypeVar("T", bound="NotificationTargetOut")


@_attrs_define
class NotificationTargetOut:
    """
    Attributes:
        channel (None | str):
        community_id (int):
        created_at (datetime.datetime):
        created_by (None | str):
        enabled (bool):
        entity_id (None | str):
        events (list[NotificationTargetOutEventsItem]):
        has_secret (bool):
        kind (NotificationTargetOutKind):
        name (str):
        platform (None | str):
        target_id (UUID):
        updated_at (datetime.datetime):
        updated_by (None | str):
        url (None | str):
        version (int):
    """

    channel: None | str
    community_id: int
    created_at: datetime.datetime
    created_by: None | str
    enabled: bool
    entity_id: None | str
    events: list[NotificationTargetOutEventsItem]
    has_secret: bool
    kind: NotificationTargetOutKind
    name: str
    platform: None | str
    target_id: UUID
    updated_at: datetime.datetime
    updated_by: None | str
    url: None | str
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel: None | str
        channel = self.channel

        community_id = self.community_id

        created_at = self.created_at.isoformat()

        created_by: None | str
        created_by = self.created_by

        enabled = self.enabled

        entity_id: None | str
        entity_id = self.entity_id

        events = []
        for events_item_data in self.events:
            events_item: str = events_item_data
            events.append(events_item)

        has_secret = self.has_secret

        kind: str = self.kind

        name = self.name

        platform: None | str
        platform = self.platform

        target_id = str(self.target_id)

        updated_at = self.updated_at.isoformat()

        updated_by: None | str
        updated_by = self.updated_by

        url: None | str
        url = self.url

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel": channel,
                "community_id": community_id,
                "created_at": created_at,
                "created_by": created_by,
                "enabled": enabled,
                "entity_id": entity_id,
                "events": events,
                "has_secret": has_secret,
                "kind": kind,
                "name": name,
                "platform": platform,
                "target_id": target_id,
                "updated_at": updated_at,
                "updated_by": updated_by,
                "url": url,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_channel(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        channel = _parse_channel(d.pop("channel"))

        community_id = d.pop("community_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))

        enabled = d.pop("enabled")

        def _parse_entity_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        entity_id = _parse_entity_id(d.pop("entity_id"))

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = check_notification_target_out_events_item(events_item_data)

            events.append(events_item)

        has_secret = d.pop("has_secret")

        kind = check_notification_target_out_kind(d.pop("kind"))

        name = d.pop("name")

        def _parse_platform(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        platform = _parse_platform(d.pop("platform"))

        target_id = UUID(d.pop("target_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_updated_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        updated_by = _parse_updated_by(d.pop("updated_by"))

        def _parse_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        url = _parse_url(d.pop("url"))

        version = d.pop("version")

        notification_target_out = cls(
            channel=channel,
            community_id=community_id,
            created_at=created_at,
            created_by=created_by,
            enabled=enabled,
            entity_id=entity_id,
            events=events,
            has_secret=has_secret,
            kind=kind,
            name=name,
            platform=platform,
            target_id=target_id,
            updated_at=updated_at,
            updated_by=updated_by,
            url=url,
            version=version,
        )

        notification_target_out.additional_properties = d
        return notification_target_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
