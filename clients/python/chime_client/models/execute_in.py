from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execute_in_context_data_type_0 import ExecuteInContextDataType0


T = TypeVar("T", bound="ExecuteIn")


@_attrs_define
class ExecuteIn:
    """
    Attributes:
        context_data (ExecuteInContextDataType0 | None | Unset):
        dry_run (bool | Unset):  Default: False.
    """

    context_data: ExecuteInContextDataType0 | None | Unset = UNSET
    dry_run: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        from ..models.execute_in_context_data_type_0 import ExecuteInContextDataType0  # noqa: PLC0415

        context_data: dict[str, Any] | None | Unset
        if isinstance(self.context_data, Unset):
            context_data = UNSET
        elif isinstance(self.context_data, ExecuteInContextDataType0):
            context_data = self.context_data.to_dict()
        else:
            context_data = self.context_data

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if context_data is not UNSET:
            field_dict["context_data"] = context_data
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execute_in_context_data_type_0 import ExecuteInContextDataType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_context_data(data: object) -> ExecuteInContextDataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_data_type_0 = ExecuteInContextDataType0.from_dict(data)

                return context_data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExecuteInContextDataType0 | None | Unset, data)

        context_data = _parse_context_data(d.pop("context_data", UNSET))

        dry_run = d.pop("dry_run", UNSET)

        execute_in = cls(
            context_data=context_data,
            dry_run=dry_run,
        )

        return execute_in
