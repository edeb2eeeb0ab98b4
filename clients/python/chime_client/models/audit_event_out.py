from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_event_out_changes import AuditEventOutChanges


T = TypeVar("T", bound="AuditEventOut")


@_attrs_define
class AuditEventOut:
    """
    Attributes:
        action (str):
        actor (str):
        at (datetime.datetime):
        changes (AuditEventOutChanges): field -> [before, after]; secrets as "***"
        community_id (int):
        event_id (UUID):
        request_id (None | str):
        target_id (None | str):
        target_type (str):
    """

    action: str
    actor: str
    at: datetime.datetime
    changes: AuditEventOutChanges
    community_id: int
    event_id: UUID
    request_id: None | str
    target_id: None | str
    target_type: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        actor = self.actor

        at = self.at.isoformat()

        changes = self.changes.to_dict()

        community_id = self.community_id

        event_id = str(self.event_id)

        request_id: None | str
        request_id = self.request_id

        target_id: None | str
        target_id = self.target_id

        target_type = self.target_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor": actor,
                "at": at,
                "changes": changes,
                "community_id": community_id,
                "event_id": event_id,
                "request_id": request_id,
                "target_id": target_id,
                "target_type": target_type,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_event_out_changes import AuditEventOutChanges  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        actor = d.pop("actor")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        changes = AuditEventOutChanges.from_dict(d.pop("changes"))

        community_id = d.pop("community_id")

        event_id = UUID(d.pop("event_id"))

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        def _parse_target_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        target_id = _parse_target_id(d.pop("target_id"))

        target_type = d.pop("target_type")

        audit_event_out = cls(
            action=action,
            actor=actor,
            at=at,
            changes=changes,
            community_id=community_id,
            event_id=event_id,
            request_id=request_id,
            target_id=target_id,
            target_type=target_type,
        )

        audit_event_out.additional_properties = d
        return audit_event_out

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
