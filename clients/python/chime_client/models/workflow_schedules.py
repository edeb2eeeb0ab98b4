from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.schedule_out import ScheduleOut


T = TypeVar("T", bound="WorkflowSchedules")


@_attrs_define
class WorkflowSchedules:
    """
    Attributes:
        count (int):
        schedules (list[ScheduleOut]):
        workflow_id (UUID):
    """

    count: int
    schedules: list[ScheduleOut]
    workflow_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        schedules = []
        for schedules_item_data in self.schedules:
            schedules_item = schedules_item_data.to_dict()
            schedules.append(schedules_item)

        workflow_id = str(self.workflow_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "count": count,
                "schedules": schedules,
                "workflow_id": workflow_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_out import ScheduleOut  # noqa: PLC0415

        d = dict(src_dict)
        count = d.pop("count")

        schedules = []
        _schedules = d.pop("schedules")
        for schedules_item_data in _schedules:
            schedules_item = ScheduleOut.from_dict(schedules_item_data)

            schedules.append(schedules_item)

        workflow_id = UUID(d.pop("workflow_id"))

        workflow_schedules = cls(
            count=count,
            schedules=schedules,
            workflow_id=workflow_id,
        )

        workflow_schedules.additional_properties = d
        return workflow_schedules

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
