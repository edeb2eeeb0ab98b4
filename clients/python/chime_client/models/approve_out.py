from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.approve_out_action import ApproveOutAction, check_approve_out_action
from ..models.approve_out_status import ApproveOutStatus, check_approve_out_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.task_detail import TaskDetail


T = TypeVar("T", bound="ApproveOut")


@_attrs_define
class ApproveOut:
    """
    Attributes:
        action (ApproveOutAction):
        approved_at (datetime.datetime):
        approved_by (str):
        approved_tasks (list[UUID]):
        denied_tasks (list[UUID]):
        message (str):
        status (ApproveOutStatus):
        task_details (list[TaskDetail]):
        warnings (list[str]):
        fixit_id (None | Unset | UUID):
    """

    action: ApproveOutAction
    approved_at: datetime.datetime
    approved_by: str
    approved_tasks: list[UUID]
    denied_tasks: list[UUID]
    message: str
    status: ApproveOutStatus
    task_details: list[TaskDetail]
    warnings: list[str]
    fixit_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action: str = self.action

        approved_at = self.approved_at.isoformat()

        approved_by = self.approved_by

        approved_tasks = []
        for approved_tasks_item_data in self.approved_tasks:
            approved_tasks_item = str(approved_tasks_item_data)
            approved_tasks.append(approved_tasks_item)

        denied_tasks = []
        for denied_tasks_item_data in self.denied_tasks:
            denied_tasks_item = str(denied_tasks_item_data)
            denied_tasks.append(denied_tasks_item)

        message = self.message

        status: str = self.status

        task_details = []
        for task_details_item_data in self.task_details:
            task_details_item = task_details_item_data.to_dict()
            task_details.append(task_details_item)

        warnings = self.warnings

        fixit_id: None | str | Unset
        if isinstance(self.fixit_id, Unset):
            fixit_id = UNSET
        elif isinstance(self.fixit_id, UUID):
            fixit_id = str(self.fixit_id)
        else:
            fixit_id = self.fixit_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "approved_at": approved_at,
                "approved_by": approved_by,
                "approved_tasks": approved_tasks,
                "denied_tasks": denied_tasks,
                "message": message,
                "status": status,
                "task_details": task_details,
                "warnings": warnings,
            }
        )
        if fixit_id is not UNSET:
            field_dict["fixit_id"] = fixit_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.task_detail import TaskDetail  # noqa: PLC0415

        d = dict(src_dict)
        action = check_approve_out_action(d.pop("action"))

        approved_at = datetime.datetime.fromisoformat(d.pop("approved_at"))

        approved_by = d.pop("approved_by")

        approved_tasks = []
        _approved_tasks = d.pop("approved_tasks")
        for approved_tasks_item_data in _approved_tasks:
            approved_tasks_item = UUID(approved_tasks_item_data)

            approved_tasks.append(approved_tasks_item)

        denied_tasks = []
        _denied_tasks = d.pop("denied_tasks")
        for denied_tasks_item_data in _denied_tasks:
            denied_tasks_item = UUID(denied_tasks_item_data)

            denied_tasks.append(denied_tasks_item)

        message = d.pop("message")

        status = check_approve_out_status(d.pop("status"))

        task_details = []
        _task_details = d.pop("task_details")
        for task_details_item_data in _task_details:
            task_details_item = TaskDetail.from_dict(task_details_item_data)

            task_details.append(task_details_item)

        warnings = cast(list[str], d.pop("warnings"))

        def _parse_fixit_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                fixit_id_type_0 = UUID(data)

                return fixit_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        fixit_id = _parse_fixit_id(d.pop("fixit_id", UNSET))

        approve_out = cls(
            action=action,
            approved_at=approved_at,
            approved_by=approved_by,
            approved_tasks=approved_tasks,
            denied_tasks=denied_tasks,
            message=message,
            status=status,
            task_details=task_details,
            warnings=warnings,
            fixit_id=fixit_id,
        )

        approve_out.additional_properties = d
        return approve_out

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
