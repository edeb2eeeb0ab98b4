from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schedule_config_patch import ScheduleConfigPatch
    from ..models.schedule_patch_context_data_type_0 import SchedulePatchContextDataType0


T = TypeVar("T", bound="SchedulePatch")


@_attrs_define
class SchedulePatch:
    """
    Attributes:
        context_data (None | SchedulePatchContextDataType0 | Unset):
        name (None | str | Unset):
        schedule_config (None | ScheduleConfigPatch | Unset):
    """

    context_data: None | SchedulePatchContextDataType0 | Unset = UNSET
    name: None | str | Unset = UNSET
    schedule_config: None | ScheduleConfigPatch | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.schedule_config_patch import ScheduleConfigPatch  # noqa: PLC0415
        from ..models.schedule_patch_context_data_type_0 import SchedulePatchContextDataType0  # noqa: PLC0415

        context_data: dict[str, Any] | None | Unset
        if isinstance(self.context_data, Unset):
            context_data = UNSET
        elif isinstance(self.context_data, SchedulePatchContextDataType0):
            context_data = self.context_data.to_dict()
        else:
            context_data = self.context_data

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        schedule_config: dict[str, Any] | None | Unset
        if isinstance(self.schedule_config, Unset):
            schedule_config = UNSET
        elif isinstance(self.schedule_config, ScheduleConfigPatch):
            schedule_config = self.schedule_config.to_dict()
        else:
            schedule_config = self.schedule_config

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if context_data is not UNSET:
            field_dict["context_data"] = context_data
        if name is not UNSET:
            field_dict["name"] = name
        if schedule_config is not UNSET:
            field_dict["schedule_config"] = schedule_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schedule_config_patch import ScheduleConfigPatch  # noqa: PLC0415
        from ..models.schedule_patch_context_data_type_0 import SchedulePatchContextDataType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_context_data(data: object) -> None | SchedulePatchContextDataType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_data_type_0 = SchedulePatchContextDataType0.from_dict(data)

                return context_data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SchedulePatchContextDataType0 | Unset, data)

        context_data = _parse_context_data(d.pop("context_data", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_schedule_config(data: object) -> None | ScheduleConfigPatch | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schedule_config_type_0 = ScheduleConfigPatch.from_dict(data)

                return schedule_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ScheduleConfigPatch | Unset, data)

        schedule_config = _parse_schedule_config(d.pop("schedule_config", UNSET))

        schedule_patch = cls(
            context_data=context_data,
            name=name,
            schedule_config=schedule_config,
        )

        return schedule_patch
