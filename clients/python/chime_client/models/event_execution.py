from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_execution_status import EventExecutionStatus, check_event_execution_status

T = TypeVar("T", bound="EventExecution")


@_attrs_define
class EventExecution:
    """
    Attributes:
        execution_id (UUID):
        schedule_id (UUID):
        status (EventExecutionStatus):
    """

    execution_id: UUID
    schedule_id: UUID
    status: EventExecutionStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        execution_id = str(self.execution_id)

        schedule_id = str(self.schedule_id)

        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "execution_id": execution_id,
                "schedule_id": schedule_id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        execution_id = UUID(d.pop("execution_id"))

        schedule_id = UUID(d.pop("schedule_id"))

        status = check_event_execution_status(d.pop("status"))

        event_execution = cls(
            execution_id=execution_id,
            schedule_id=schedule_id,
            status=status,
        )

        event_execution.additional_properties = d
        return event_execution

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
