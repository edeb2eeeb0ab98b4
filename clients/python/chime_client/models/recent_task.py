from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.recent_task_status import RecentTaskStatus, check_recent_task_status
from ..models.recent_task_task_status import RecentTaskTaskStatus, check_recent_task_task_status
from ..models.recent_task_trigger import RecentTaskTrigger, check_recent_task_trigger

T = TypeVar("T", bound="RecentTask")


@_attrs_define
class RecentTask:
    """
    Attributes:
        duration_ms (int | None):
        error (None | str):
        execution_id (UUID):
        finished_at (datetime.datetime | None):
        schedule_id (None | UUID):
        schedule_name (None | str):
        scheduled_for (datetime.datetime | None):
        started_at (datetime.datetime | None):
        status (RecentTaskStatus):
        task_status (RecentTaskTaskStatus):
        trigger (RecentTaskTrigger):
        workflow_name (None | str):
    """

    duration_ms: int | None
    error: None | str
    execution_id: UUID
    finished_at: datetime.datetime | None
    schedule_id: None | UUID
    schedule_name: None | str
    scheduled_for: datetime.datetime | None
    started_at: datetime.datetime | None
    status: RecentTaskStatus
    task_status: RecentTaskTaskStatus
    trigger: RecentTaskTrigger
    workflow_name: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duration_ms: int | None
        duration_ms = self.duration_ms

        error: None | str
        error = self.error

        execution_id = str(self.execution_id)

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        schedule_id: None | str
        if isinstance(self.schedule_id, UUID):
            schedule_id = str(self.schedule_id)
        else:
            schedule_id = self.schedule_id

        schedule_name: None | str
        schedule_name = self.schedule_name

        scheduled_for: None | str
        if isinstance(self.scheduled_for, datetime.datetime):
            scheduled_for = self.scheduled_for.isoformat()
        else:
            scheduled_for = self.scheduled_for

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status: str = self.status

        task_status: str = self.task_status

        trigger: str = self.trigger

        workflow_name: None | str
        workflow_name = self.workflow_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duration_ms": duration_ms,
                "error": error,
                "execution_id": execution_id,
                "finished_at": finished_at,
                "schedule_id": schedule_id,
                "schedule_name": schedule_name,
                "scheduled_for": scheduled_for,
                "started_at": started_at,
                "status": status,
                "task_status": task_status,
                "trigger": trigger,
                "workflow_name": workflow_name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        execution_id = UUID(d.pop("execution_id"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

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

        def _parse_schedule_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        schedule_name = _parse_schedule_name(d.pop("schedule_name"))

        def _parse_scheduled_for(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scheduled_for_type_0 = datetime.datetime.fromisoformat(data)

                return scheduled_for_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        scheduled_for = _parse_scheduled_for(d.pop("scheduled_for"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        status = check_recent_task_status(d.pop("status"))

        task_status = check_recent_task_task_status(d.pop("task_status"))

        trigger = check_recent_task_trigger(d.pop("trigger"))

        def _parse_workflow_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        workflow_name = _parse_workflow_name(d.pop("workflow_name"))

        recent_task = cls(
            duration_ms=duration_ms,
            error=error,
            execution_id=execution_id,
            finished_at=finished_at,
            schedule_id=schedule_id,
            schedule_name=schedule_name,
            scheduled_for=scheduled_for,
            started_at=started_at,
            status=status,
            task_status=task_status,
            trigger=trigger,
            workflow_name=workflow_name,
        )

        recent_task.additional_properties = d
        return recent_task

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
