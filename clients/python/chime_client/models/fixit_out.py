from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.fixit_out_mode import FixitOutMode, check_fixit_out_mode
from ..models.fixit_out_status import FixitOutStatus, check_fixit_out_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.fixit_task_out import FixitTaskOut


T = TypeVar("T", bound="FixitOut")


@_attrs_define
class FixitOut:
    """
    Attributes:
        affected_tasks (list[FixitTaskOut]):
        auto_approve (bool):
        completed_at (datetime.datetime | None):
        dry_run (bool):
        estimated_completion (datetime.datetime | None):
        execution_id (UUID): the fix-it's id
        initiated_at (datetime.datetime):
        initiated_by (str):
        max_retries (int):
        message (str):
        mode (FixitOutMode):
        status (FixitOutStatus):
        tasks_failed (int):
        tasks_fixed (int):
        tasks_retried (int): retries created (planned, for dry_run and awaiting_approval)
        tasks_skipped (int):
        warnings (list[str]):
        window (str):
        approval_expires_at (datetime.datetime | None | Unset):
        approval_token (None | str | Unset): only in the answer that created an awaiting fix-it
        approved_by (None | str | Unset):
    """

    affected_tasks: list[FixitTaskOut]
    auto_approve: bool
    completed_at: datetime.datetime | None
    dry_run: bool
    estimated_completion: datetime.datetime | None
    execution_id: UUID
    initiated_at: datetime.datetime
    initiated_by: str
    max_retries: int
    message: str
    mode: FixitOutMode
    status: FixitOutStatus
    tasks_failed: int
    tasks_fixed: int
    tasks_retried: int
    tasks_skipped: int
    warnings: list[str]
    window: str
    approval_expires_at: datetime.datetime | None | Unset = UNSET
    approval_token: None | str | Unset = UNSET
    approved_by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        affected_tasks = []
        for affected_tasks_item_data in self.affected_tasks:
            affected_tasks_item = affected_tasks_item_data.to_dict()
            affected_tasks.append(affected_tasks_item)

        auto_approve = self.auto_approve

        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        dry_run = self.dry_run

        estimated_completion: None | str
        if isinstance(self.estimated_completion, datetime.datetime):
            estimated_completion = self.estimated_completion.isoformat()
        else:
            estimated_completion = self.estimated_completion

        execution_id = str(self.execution_id)

        initiated_at = self.initiated_at.isoformat()

        initiated_by = self.initiated_by

        max_retries = self.max_retries

        message = self.message

        mode: str = self.mode

        status: str = self.status

        tasks_failed = self.tasks_failed

        tasks_fixed = self.tasks_fixed

        tasks_retried = self.tasks_retried

        tasks_skipped = self.tasks_skipped

        warnings = self.warnings

        window = self.window

        approval_expires_at: None | str | Unset
        if isinstance(self.approval_expires_at, Unset):
            approval_expires_at = UNSET
        elif isinstance(self.approval_expires_at, datetime.datetime):
            approval_expires_at = self.approval_expires_at.isoformat()
        else:
            approval_expires_at = self.approval_expires_at

        approval_token: None | str | Unset
        if isinstance(self.approval_token, Unset):
            approval_token = UNSET
        else:
            approval_token = self.approval_token

        approved_by: None | str | Unset
        if isinstance(self.approved_by, Unset):
            approved_by = UNSET
        else:
            approved_by = self.approved_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "affected_tasks": affected_tasks,
                "auto_approve": auto_approve,
                "completed_at": completed_at,
                "dry_run": dry_run,
                "estimated_completion": estimated_completion,
                "execution_id": execution_id,
                "initiated_at": initiated_at,
                "initiated_by": initiated_by,
                "max_retries": max_retries,
                "message": message,
                "mode": mode,
                "status": status,
                "tasks_failed": tasks_failed,
                "tasks_fixed": tasks_fixed,
                "tasks_retried": tasks_retried,
                "tasks_skipped": tasks_skipped,
                "warnings": warnings,
                "window": window,
            }
        )
        if approval_expires_at is not UNSET:
            field_dict["approval_expires_at"] = approval_expires_at
        if approval_token is not UNSET:
            field_dict["approval_token"] = approval_token
        if approved_by is not UNSET:
            field_dict["approved_by"] = approved_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.fixit_task_out import FixitTaskOut  # noqa: PLC0415

        d = dict(src_dict)
        affected_tasks = []
        _affected_tasks = d.pop("affected_tasks")
        for affected_tasks_item_data in _affected_tasks:
            affected_tasks_item = FixitTaskOut.from_dict(affected_tasks_item_data)

            affected_tasks.append(affected_tasks_item)

        auto_approve = d.pop("auto_approve")

        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completed_at"))

        dry_run = d.pop("dry_run")

        def _parse_estimated_completion(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                estimated_completion_type_0 = datetime.datetime.fromisoformat(data)

                return estimated_completion_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        estimated_completion = _parse_estimated_completion(d.pop("estimated_completion"))

        execution_id = UUID(d.pop("execution_id"))

        initiated_at = datetime.datetime.fromisoformat(d.pop("initiated_at"))

        initiated_by = d.pop("initiated_by")

        max_retries = d.pop("max_retries")

        message = d.pop("message")

        mode = check_fixit_out_mode(d.pop("mode"))

        status = check_fixit_out_status(d.pop("status"))

        tasks_failed = d.pop("tasks_failed")

        tasks_fixed = d.pop("tasks_fixed")

        tasks_retried = d.pop("tasks_retried")

        tasks_skipped = d.pop("tasks_skipped")

        warnings = cast(list[str], d.pop("warnings"))

        window = d.pop("window")

        def _parse_approval_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                approval_expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return approval_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        approval_expires_at = _parse_approval_expires_at(d.pop("approval_expires_at", UNSET))

        def _parse_approval_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        approval_token = _parse_approval_token(d.pop("approval_token", UNSET))

        def _parse_approved_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        approved_by = _parse_approved_by(d.pop("approved_by", UNSET))

        fixit_out = cls(
            affected_tasks=affected_tasks,
            auto_approve=auto_approve,
            completed_at=completed_at,
            dry_run=dry_run,
            estimated_completion=estimated_completion,
            execution_id=execution_id,
            initiated_at=initiated_at,
            initiated_by=initiated_by,
            max_retries=max_retries,
            message=message,
            mode=mode,
            status=status,
            tasks_failed=tasks_failed,
            tasks_fixed=tasks_fixed,
            tasks_retried=tasks_retried,
            tasks_skipped=tasks_skipped,
            warnings=warnings,
            window=window,
            approval_expires_at=approval_expires_at,
            approval_token=approval_token,
            approved_by=approved_by,
        )

        fixit_out.additional_properties = d
        return fixit_out

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
