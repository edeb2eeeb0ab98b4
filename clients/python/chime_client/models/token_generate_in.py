from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TokenGenerateIn")


@_attrs_define
class TokenGenerateIn:
    """
    Attributes:
        execution_ids (list[UUID] | None | Unset):
        fixit_id (None | Unset | UUID):
    """

    execution_ids: list[UUID] | None | Unset = UNSET
    fixit_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        execution_ids: list[str] | None | Unset
        if isinstance(self.execution_ids, Unset):
            execution_ids = UNSET
        elif isinstance(self.execution_ids, list):
            execution_ids = []
            for execution_ids_type_0_item_data in self.execution_ids:
                execution_ids_type_0_item = str(execution_ids_type_0_item_data)
                execution_ids.append(execution_ids_type_0_item)

        else:
            execution_ids = self.execution_ids

        fixit_id: None | str | Unset
        if isinstance(self.fixit_id, Unset):
            fixit_id = UNSET
        elif isinstance(self.fixit_id, UUID):
            fixit_id = str(self.fixit_id)
        else:
            fixit_id = self.fixit_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if execution_ids is not UNSET:
            field_dict["execution_ids"] = execution_ids
        if fixit_id is not UNSET:
            field_dict["fixit_id"] = fixit_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_execution_ids(data: object) -> list[UUID] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                execution_ids_type_0 = []
                _execution_ids_type_0 = data
                for execution_ids_type_0_item_data in _execution_ids_type_0:
                    execution_ids_type_0_item = UUID(execution_ids_type_0_item_data)

                    execution_ids_type_0.append(execution_ids_type_0_item)

                return execution_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[UUID] | None | Unset, data)

        execution_ids = _parse_execution_ids(d.pop("execution_ids", UNSET))

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

        token_generate_in = cls(
            execution_ids=execution_ids,
            fixit_id=fixit_id,
        )

        return token_generate_in
