from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.definition_check_definition_type_0 import DefinitionCheckDefinitionType0


T = TypeVar("T", bound="DefinitionCheck")


@_attrs_define
class DefinitionCheck:
    """
    Attributes:
        definition (DefinitionCheckDefinitionType0 | None | Unset):
    """

    definition: DefinitionCheckDefinitionType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.definition_check_definition_type_0 import DefinitionCheckDefinitionType0  # noqa: PLC0415

        definition: dict[str, Any] | None | Unset
        if isinstance(self.definition, Unset):
            definition = UNSET
        elif isinstance(self.definition, DefinitionCheckDefinitionType0):
            definition = self.definition.to_dict()
        else:
            definition = self.definition

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if definition is not UNSET:
            field_dict["definition"] = definition

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.definition_check_definition_type_0 import DefinitionCheckDefinitionType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_definition(data: object) -> DefinitionCheckDefinitionType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                definition_type_0 = DefinitionCheckDefinitionType0.from_dict(data)

                return definition_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DefinitionCheckDefinitionType0 | None | Unset, data)

        definition = _parse_definition(d.pop("definition", UNSET))

        definition_check = cls(
            definition=definition,
        )

        return definition_check
