from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TaskMetrics")


@_attrs_define
class TaskMetrics:
    """
    Attributes:
        active_tasks (int):
        cancelled_tasks (int):
        completed_tasks (int):
        failed_tasks (int):
        pending_tasks (int):
        success_rate (float | None): completed / (completed + failed); null with no finished run
        total_tasks (int):
    """

    active_tasks: int
    cancelled_tasks: int
    completed_tasks: int
    failed_tasks: int
    pending_tasks: int
    success_rate: float | None
    total_tasks: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_tasks = self.active_tasks

        cancelled_tasks = self.cancelled_tasks

        completed_tasks = self.completed_tasks

        failed_tasks = self.failed_tasks

        pending_tasks = self.pending_tasks

        success_rate: float | None
        success_rate = self.success_rate

        total_tasks = self.total_tasks

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_tasks": active_tasks,
                "cancelled_tasks": cancelled_tasks,
                "completed_tasks": completed_tasks,
                "failed_tasks": failed_tasks,
                "pending_tasks": pending_tasks,
                "success_rate": success_rate,
                "total_tasks": total_tasks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active_tasks = d.pop("active_tasks")

        cancelled_tasks = d.pop("cancelled_tasks")

        completed_tasks = d.pop("completed_tasks")

        failed_tasks = d.pop("failed_tasks")

        pending_tasks = d.pop("pending_tasks")

        def _parse_success_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        success_rate = _parse_success_rate(d.pop("success_rate"))

        total_tasks = d.pop("total_tasks")

        task_metrics = cls(
            active_tasks=active_tasks,
            cancelled_tasks=cancelled_tasks,
            completed_tasks=completed_tasks,
            failed_tasks=failed_tasks,
            pending_tasks=pending_tasks,
            success_rate=success_rate,
            total_tasks=total_tasks,
        )

        task_metrics.additional_properties = d
        return task_metrics

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
