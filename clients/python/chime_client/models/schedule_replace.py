from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schedule_config import ScheduleConfig
    from ..models.schedule_replace_context_data_type_0 import ScheduleReplaceContextDataType0


T = TypeVar("T", bound="ScheduleReplace")


@_attrs_define
class ScheduleReplace:
    """
    Attributes:
        schedule_config (ScheduleConfig):
        context_data (None | ScheduleReplaceContextDataType0 | Unset):
        name (None | str | Unset):
        workflow_id (None | Unset | UUID):
    """

    schedule_config: ScheduleConfig
    context_data: None | ScheduleReplaceContextDataType0 | Unset = UNSET
    name: None | str | Unset = UNSET
    workflow_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.schedule_replace_context_data_type_0 import ScheduleReplaceContextDataType0  # noqa: PLC0415

        schedule_config = self.schedule_config.to_dict()

        context_data: dict[str, Any] | None | Unset
        if isinstance(self.context_data, Unset):
            context_data = UNSET
        elif isinstance(self.context_data, ScheduleReplaceContextDataType0):
            context_data = self.context_data.to_dict()
        else:
            context_data = self.context_data

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

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
        if workflow_id is not UNSET:
            field_dict["workflow_id"] = workflow_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_config import ScheduleConfig  # noqa: PLC0415
        from ..models.schedule_replace_context_data_type_0 import ScheduleReplaceContextDataType0  # noqa: PLC0415

        d = dict(src_dict)
        schedule_config = ScheduleConfig.from_dict(d.pop("schedule_config"))

        def _parse_context_data(data: object) -> None | ScheduleReplaceContextDataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_data_type_0 = ScheduleReplaceContextDataType0.from_dict(data)

                return context_data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScheduleReplaceContextDataType0 | Unset, data)

        context_data = _parse_context_data(d.pop("context_data", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

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

        schedule_replace = cls(
            schedule_config=schedule_config,
            context_data=context_data,
            name=name,
            workflow_id=workflow_id,
        )

        return schedule_replace
