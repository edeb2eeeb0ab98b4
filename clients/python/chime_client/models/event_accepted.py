from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_execution import EventExecution
    from ..models.event_skip import EventSkip


T = TypeVar("T", bound="EventAccepted")


@_attrs_define
class EventAccepted:
    """
    Attributes:
        duplicate (bool):
        event_id (str):
        executions (list[EventExecution]):
        occurred_at (datetime.datetime):
        received_at (datetime.datetime):
        skipped (list[EventSkip]):
        type_ (str):
    """

    duplicate: bool
    event_id: str
    executions: list[EventExecution]
    occurred_at: datetime.datetime
    received_at: datetime.datetime
    skipped: list[EventSkip]
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duplicate = self.duplicate

        event_id = self.event_id

        executions = []
        for executions_item_data in self.executions:
            executions_item = executions_item_data.to_dict()
            executions.append(executions_item)

        occurred_at = self.occurred_at.isoformat()

        received_at = self.received_at.isoformat()

        skipped = []
        for skipped_item_data in self.skipped:
            skipped_item = skipped_item_data.to_dict()
            skipped.append(skipped_item)

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duplicate": duplicate,
                "event_id": event_id,
                "executions": executions,
                "occurred_at": occurred_at,
                "received_at": received_at,
                "skipped": skipped,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_execution import EventExecution  # noqa: PLC0415
        from ..models.event_skip import EventSkip  # noqa: PLC0415

        d = dict(src_dict)
        duplicate = d.pop("duplicate")

        event_id = d.pop("event_id")

        executions = []
        _executions = d.pop("executions")
        for executions_item_data in _executions:
            executions_item = EventExecution.from_dict(executions_item_data)

            executions.append(executions_item)

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))

        skipped = []
        _skipped = d.pop("skipped")
        for skipped_item_data in _skipped:
            skipped_item = EventSkip.from_dict(skipped_item_data)

            skipped.append(skipped_item)

        type_ = d.pop("type")

        event_accepted = cls(
            duplicate=duplicate,
            event_id=event_id,
            executions=executions,
            occurred_at=occurred_at,
            received_at=received_at,
            skipped=skipped,
            type_=type_,
        )

        event_accepted.additional_properties = d
        return event_accepted

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
