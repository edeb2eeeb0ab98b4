from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.task_detail_result import TaskDetailResult, check_task_detail_result
from ..models.task_detail_status_type_0 import TaskDetailStatusType0, check_task_detail_status_type_0
from ..types import UNSET, Unset

T = TypeVar("T", bound="TaskDetail")


@_attrs_define
class TaskDetail:
    """
    Attributes:
        execution_id (UUID):
        result (TaskDetailResult):
        status (None | TaskDetailStatusType0):
        reason (None | str | Unset):
        retry_execution_id (None | Unset | UUID):
    """

    execution_id: UUID
    result: TaskDetailResult
    status: None | TaskDetailStatusType0
    reason: None | str | Unset = UNSET
    retry_execution_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        execution_id = str(self.execution_id)

        result: str = self.result

        status: None | str
        if isinstance(self.status, str):
            status = self.status
        else:
            status = self.status

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        retry_execution_id: None | str | Unset
        if isinstance(self.retry_execution_id, Unset):
            retry_execution_id = UNSET
        elif isinstance(self.retry_execution_id, UUID):
            retry_execution_id = str(self.retry_execution_id)
        else:
            retry_execution_id = self.retry_execution_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "execution_id": execution_id,
                "result": result,
                "status": status,
            }
        )
        if reason is not UNSET:
            field_dict["reason"] = reason
        if retry_execution_id is not UNSET:
            field_dict["retry_execution_id"] = retry_execution_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        execution_id = UUID(d.pop("execution_id"))

        result = check_task_detail_result(d.pop("result"))

        def _parse_status(data: object) -> None | TaskDetailStatusType0:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = check_task_detail_status_type_0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TaskDetailStatusType0, data)

        status = _parse_status(d.pop("status"))

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        def _parse_retry_execution_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                retry_execution_id_type_0 = UUID(data)

                return retry_execution_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        retry_execution_id = _parse_retry_execution_id(d.pop("retry_execution_id", UNSET))

        task_detail = cls(
            execution_id=execution_id,
            result=result,
            status=status,
            reason=reason,
            retry_execution_id=retry_execution_id,
        )

        task_detail.additional_properties = d
        return task_detail

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
