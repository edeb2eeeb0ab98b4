from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schedule_config import ScheduleConfig
    from ..models.schedule_create_context_data_type_0 import ScheduleCreateContextDataType0
    from ..models.workflow_in import WorkflowIn


T = TypeVar("T", bound="ScheduleCreate")


@_attrs_define
class ScheduleCreate:
    """
    Attributes:
        schedule_config (ScheduleConfig):
        context_data (None | ScheduleCreateContextDataType0 | Unset):
        name (None | str | Unset):
        workflow (None | Unset | WorkflowIn):
        workflow_id (None | Unset | UUID):
    """

    schedule_config: ScheduleConfig
    context_data: None | ScheduleCreateContextDataType0 | Unset = UNSET
    name: None | str | Unset = UNSET
    workflow: None | Unset | WorkflowIn = UNSET
    workflow_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.schedule_create_context_data_type_0 import ScheduleCreateContextDataType0  # noqa: PLC0415
        from ..models.workflow_in import WorkflowIn  # noqa: PLC0415

        schedule_config = self.schedule_config.to_dict()

        context_data: dict[str, Any] | None | Unset
        if isinstance(self.context_data, Unset):
            context_data = UNSET
        elif isinstance(self.context_data, ScheduleCreateContextDataType0):
            context_data = self.context_data.to_dict()
        else:
            context_data = self.context_data

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        workflow: dict[str, Any] | None | Unset
        if isinstance(self.workflow, Unset):
            workflow = UNSET
        elif isinstance(self.workflow, WorkflowIn):
            workflow = self.workflow.to_dict()
        else:
            workflow = self.workflow

        workflow_id: None | str | Unset
        if isinstance(self.workflow_id, Unset):
            workflow_id = UNSET
        elif isinstance(self.workflow_id, UUID):
            workflow_id = str(self.workflow_id)
        else:
            workflow_id = self.workflow_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "schedule_config": schedule_config,
            }
        )
        if context_data is not UNSET:
            field_dict["context_data"] = context_data
        if name is not UNSET:
            field_dict["name"] = name
        if workflow is not UNSET:
            field_dict["workflow"] = workflow
        if workflow_id is not UNSET:
            field_dict["workflow_id"] = workflow_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_config import ScheduleConfig  # noqa: PLC0415
        from ..models.schedule_create_context_data_type_0 import ScheduleCreateContextDataType0  # noqa: PLC0415
        from ..models.workflow_in import WorkflowIn  # noqa: PLC0415

        d = dict(src_dict)
        schedule_config = ScheduleConfig.from_dict(d.pop("schedule_config"))

        def _parse_context_data(data: object) -> None | ScheduleCreateContextDataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_data_type_0 = ScheduleCreateContextDataType0.from_dict(data)

                return context_data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScheduleCreateContextDataType0 | Unset, data)

        context_data = _parse_context_data(d.pop("context_data", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_workflow(data: object) -> None | Unset | WorkflowIn:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                workflow_type_0 = WorkflowIn.from_dict(data)

                return workflow_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WorkflowIn, data)

        workflow = _parse_workflow(d.pop("workflow", UNSET))

        def _parse_workflow_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                workflow_id_type_0 = UUID(data)

                return workflow_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        workflow_id = _parse_workflow_id(d.pop("workflow_id", UNSET))

        schedule_create = cls(
            schedule_config=schedule_config,
            context_data=context_data,
            name=name,
            workflow=workflow,
            workflow_id=workflow_id,
        )

        return schedule_create
