from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.execution_out_status import ExecutionOutStatus, check_execution_out_status
from ..models.execution_out_trigger import ExecutionOutTrigger, check_execution_out_trigger
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.step_out import StepOut


T = TypeVar("T", bound="ExecutionOut")


@_attrs_define
class ExecutionOut:
    """
    Attributes:
        attempt (int):
        cancel_requested (bool):
        community_id (int):
        created_at (datetime.datetime):
        duration_ms (int | None):
        error (None | str):
        error_code (None | str):
        error_node_id (None | str):
        execution_id (UUID):
        finished_at (datetime.datetime | None):
        fired_at (datetime.datetime | None):
        instance_id (None | str):
        parent_execution_id (None | UUID):
        schedule_id (None | UUID):
        scheduled_for (datetime.datetime | None):
        started_at (datetime.datetime | None):
        status (ExecutionOutStatus):
        trigger (ExecutionOutTrigger):
        workflow_id (UUID):
        dry_run (bool | Unset):  Default: False.
        output (Any | Unset):
        schedule_name (None | str | Unset):
        steps (list[StepOut] | None | Unset):
        workflow_name (None | str | Unset):
    """

    attempt: int
    cancel_requested: bool
    community_id: int
    created_at: datetime.datetime
    duration_ms: int | None
    error: None | str
    error_code: None | str
    error_node_id: None | str
    execution_id: UUID
    finished_at: datetime.datetime | None
    fired_at: datetime.datetime | None
    instance_id: None | str
    parent_execution_id: None | UUID
    schedule_id: None | UUID
    scheduled_for: datetime.datetime | None
    started_at: datetime.datetime | None
    status: ExecutionOutStatus
    trigger: ExecutionOutTrigger
    workflow_id: UUID
    dry_run: bool | Unset = False
    output: Any | Unset = UNSET
    schedule_name: None | str | Unset = UNSET
    steps: list[StepOut] | None | Unset = UNSET
    workflow_name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt = self.attempt

        cancel_requested = self.cancel_requested

        community_id = self.community_id

        created_at = self.created_at.isoformat()

        duration_ms: int | None
        duration_ms = self.duration_ms

        error: None | str
        error = self.error

        error_code: None | str
        error_code = self.error_code

        error_node_id: None | str
        error_node_id = self.error_node_id

        execution_id = str(self.execution_id)

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        fired_at: None | str
        if isinstance(self.fired_at, datetime.datetime):
            fired_at = self.fired_at.isoformat()
        else:
            fired_at = self.fired_at

        instance_id: None | str
        instance_id = self.instance_id

        parent_execution_id: None | str
        if isinstance(self.parent_execution_id, UUID):
            parent_execution_id = str(self.parent_execution_id)
        else:
            parent_execution_id = self.parent_execution_id

        schedule_id: None | str
        if isinstance(self.schedule_id, UUID):
            schedule_id = str(self.schedule_id)
        else:
            schedule_id = self.schedule_id

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

        trigger: str = self.trigger

        workflow_id = str(self.workflow_id)

        dry_run = self.dry_run

        output = self.output

        schedule_name: None | str | Unset
        if isinstance(self.schedule_name, Unset):
            schedule_name = UNSET
        else:
            schedule_name = self.schedule_name

        steps: list[dict[str, Any]] | None | Unset
        if isinstance(self.steps, Unset):
            steps = UNSET
        elif isinstance(self.steps, list):
            steps = []
            for steps_type_0_item_data in self.steps:
                steps_type_0_item = steps_type_0_item_data.to_dict()
                steps.append(steps_type_0_item)

        else:
            steps = self.steps

        workflow_name: None | str | Unset
        if isinstance(self.workflow_name, Unset):
            workflow_name = UNSET
        else:
            workflow_name = self.workflow_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt": attempt,
                "cancel_requested": cancel_requested,
                "community_id": community_id,
                "created_at": created_at,
                "duration_ms": duration_ms,
                "error": error,
                "error_code": error_code,
                "error_node_id": error_node_id,
                "execution_id": execution_id,
                "finished_at": finished_at,
                "fired_at": fired_at,
                "instance_id": instance_id,
                "parent_execution_id": parent_execution_id,
                "schedule_id": schedule_id,
                "scheduled_for": scheduled_for,
                "started_at": started_at,
                "status": status,
                "trigger": trigger,
                "workflow_id": workflow_id,
            }
        )
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run
        if output is not UNSET:
            field_dict["output"] = output
        if schedule_name is not UNSET:
            field_dict["schedule_name"] = schedule_name
        if steps is not UNSET:
            field_dict["steps"] = steps
        if workflow_name is not UNSET:
            field_dict["workflow_name"] = workflow_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.step_out import StepOut  # noqa: PLC0415

        d = dict(src_dict)
        attempt = d.pop("attempt")

        cancel_requested = d.pop("cancel_requested")

        community_id = d.pop("community_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

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

        def _parse_error_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_code = _parse_error_code(d.pop("error_code"))

        def _parse_error_node_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_node_id = _parse_error_node_id(d.pop("error_node_id"))

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

        def _parse_fired_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                fired_at_type_0 = datetime.datetime.fromisoformat(data)

                return fired_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        fired_at = _parse_fired_at(d.pop("fired_at"))

        def _parse_instance_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        instance_id = _parse_instance_id(d.pop("instance_id"))

        def _parse_parent_execution_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                parent_execution_id_type_0 = UUID(data)

                return parent_execution_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        parent_execution_id = _parse_parent_execution_id(d.pop("parent_execution_id"))

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

        status = check_execution_out_status(d.pop("status"))

        trigger = check_execution_out_trigger(d.pop("trigger"))

        workflow_id = UUID(d.pop("workflow_id"))

        dry_run = d.pop("dry_run", UNSET)

        output = d.pop("output", UNSET)

        def _parse_schedule_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        schedule_name = _parse_schedule_name(d.pop("schedule_name", UNSET))

        def _parse_steps(data: object) -> list[StepOut] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                steps_type_0 = []
                _steps_type_0 = data
                for steps_type_0_item_data in _steps_type_0:
                    steps_type_0_item = StepOut.from_dict(steps_type_0_item_data)

                    steps_type_0.append(steps_type_0_item)

                return steps_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[StepOut] | None | Unset, data)

        steps = _parse_steps(d.pop("steps", UNSET))

        def _parse_workflow_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        workflow_name = _parse_workflow_name(d.pop("workflow_name", UNSET))

        execution_out = cls(
            attempt=attempt,
            cancel_requested=cancel_requested,
            community_id=community_id,
            created_at=created_at,
            duration_ms=duration_ms,
            error=error,
            error_code=error_code,
            error_node_id=error_node_id,
            execution_id=execution_id,
            finished_at=finished_at,
            fired_at=fired_at,
            instance_id=instance_id,
            parent_execution_id=parent_execution_id,
            schedule_id=schedule_id,
            scheduled_for=scheduled_for,
            started_at=started_at,
            status=status,
            trigger=trigger,
            workflow_id=workflow_id,
            dry_run=dry_run,
            output=output,
            schedule_name=schedule_name,
            steps=steps,
            workflow_name=workflow_name,
        )

        execution_out.additional_properties = d
        return execution_out

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
