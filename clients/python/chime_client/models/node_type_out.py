from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.node_type_out_config_schema import NodeTypeOutConfigSchema
    from ..models.node_type_out_example import NodeTypeOutExample


T = TypeVar("T", bound="NodeTypeOut")


@_attrs_define
class NodeTypeOut:
    """
    Attributes:
        config_schema (NodeTypeOutConfigSchema): JSON Schema (2020-12) of the node's `config`
        description (str):
        example (NodeTypeOutExample): a valid `config`
        ports (list[str]): output ports a connection may leave from (`from_port`)
        type_ (str):
    """

    config_schema: NodeTypeOutConfigSchema
    description: str
    example: NodeTypeOutExample
    ports: list[str]
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        config_schema = self.config_schema.to_dict()

        description = self.description

        example = self.example.to_dict()

        ports = self.ports

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "config_schema": config_schema,
                "description": description,
                "example": example,
                "ports": ports,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.node_type_out_config_schema import NodeTypeOutConfigSchema  # noqa: PLC0415
        from ..models.node_type_out_example import NodeTypeOutExample  # noqa: PLC0415

        d = dict(src_dict)
        config_schema = NodeTypeOutConfigSchema.from_dict(d.pop("config_schema"))

        description = d.pop("description")

        example = NodeTypeOutExample.from_dict(d.pop("example"))

        ports = cast(list[str], d.pop("ports"))

        type_ = d.pop("type")

        node_type_out = cls(
            config_schema=config_schema,
            description=description,
            example=example,
            ports=ports,
            type_=type_,
        )

        node_type_out.additional_properties = d
        return node_type_out

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
