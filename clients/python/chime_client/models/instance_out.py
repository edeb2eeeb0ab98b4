from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InstanceOut")


@_attrs_define
class InstanceOut:
    """
    Attributes:
        expires_at (datetime.datetime):
        heartbeat_at (datetime.datetime):
        instance_id (str):
        running (bool):
    """

    expires_at: datetime.datetime
    heartbeat_at: datetime.datetime
    instance_id: str
    running: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at.isoformat()

        heartbeat_at = self.heartbeat_at.isoformat()

        instance_id = self.instance_id

        running = self.running

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "heartbeat_at": heartbeat_at,
                "instance_id": instance_id,
                "running": running,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        heartbeat_at = datetime.datetime.fromisoformat(d.pop("heartbeat_at"))

        instance_id = d.pop("instance_id")

        running = d.pop("running")

        instance_out = cls(
            expires_at=expires_at,
            heartbeat_at=heartbeat_at,
            instance_id=instance_id,
            running=running,
        )

        instance_out.additional_properties = d
        return instance_out

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
