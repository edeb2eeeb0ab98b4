from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.fixit_task_out_decision import FixitTaskOutDecision, check_fixit_task_out_decision
from ..models.fixit_task_out_retry_status_type_0 import (
    FixitTaskOutRetryStatusType0,
    check_fixit_task_out_retry_status_type_0,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="FixitTaskOut")


@_attrs_define
class FixitTaskOut:
    """
    Attributes:
        decision (FixitTaskOutDecision):
        execution_id (UUID):
        reason (str):
        schedule_id (None | UUID):
        workflow_id (UUID):
        retry_execution_id (None | Unset | UUID):
        retry_status (FixitTaskOutRetryStatusType0 | None | Unset):
        run_after (datetime.datetime | None | Unset):
    """

    decision: FixitTaskOutDecision
    execution_id: UUID
    reason: str
    schedule_id: None | UUID
    workflow_id: UUID
    retry_execution_id: None | Unset | UUID = UNSET
    retry_status: FixitTaskOutRetryStatusType0 | None | Unset = UNSET
    run_after: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        decision: str = self.decision

        execution_id = str(self.execution_id)

        reason = self.reason

        schedule_id: None | str
        if isinstance(self.schedule_id, UUID):
            schedule_id = str(self.schedule_id)
        else:
            schedule_id = self.schedule_id

        workflow_id = str(self.workflow_id)

        retry_execution_id: None | str | Unset
        if isinstance(self.retry_execution_id, Unset):
            retry_execution_id = UNSET
        elif isinstance(self.retry_execution_id, UUID):
            retry_execution_id = str(self.retry_execution_id)
        else:
            retry_execution_id = self.retry_execution_id

        retry_status: None | str | Unset
        if isinstance(self.retry_status, Unset):
            retry_status = UNSET
        elif isinstance(self.retry_status, str):
            retry_status = self.retry_status
        else:
            retry_status = self.retry_status

        run_after: None | str | Unset
        if isinstance(self.run_after, Unset):
            run_after = UNSET
        elif isinstance(self.run_after, datetime.datetime):
            run_after = self.run_after.isoformat()
        else:
            run_after = self.run_after

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "decision": decision,
                "execution_id": execution_id,
                "reason": reason,
                "schedule_id": schedule_id,
                "workflow_id": workflow_id,
            }
        )
        if retry_execution_id is not UNSET:
            field_dict["retry_execution_id"] = retry_execution_id
        if retry_status is not UNSET:
            field_dict["retry_status"] = retry_status
        if run_after is not UNSET:
            field_dict["run_after"] = run_after

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        decision = check_fixit_task_out_decision(d.pop("decision"))

        execution_id = UUID(d.pop("execution_id"))

        reason = d.pop("reason")

        def _parse_schedule_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                schedule_id_type_0 = UUID(data)

                return schedule_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        schedule_id = _parse_schedule_id(d.pop("schedule_id"))

        workflow_id = UUID(d.pop("workflow_id"))

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

        def _parse_retry_status(data: object) -> FixitTaskOutRetryStatusType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                retry_status_type_0 = check_fixit_task_out_retry_status_type_0(data)

                return retry_status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FixitTaskOutRetryStatusType0 | None | Unset, data)

        retry_status = _parse_retry_status(d.pop("retry_status", UNSET))

        def _parse_run_after(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                run_after_type_0 = datetime.datetime.fromisoformat(data)

                return run_after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        run_after = _parse_run_after(d.pop("run_after", UNSET))

        fixit_task_out = cls(
            decision=decision,
            execution_id=execution_id,
            reason=reason,
            schedule_id=schedule_id,
            workflow_id=workflow_id,
            retry_execution_id=retry_execution_id,
            retry_status=retry_status,
            run_after=run_after,
        )

        fixit_task_out.additional_properties = d
        return fixit_task_out

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
