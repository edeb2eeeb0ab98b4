from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ExecuteOut")


@_attrs_define
class ExecuteOut:
    """
    Attributes:
        dry_run (bool):
        execution_id (UUID):
        status (str):
        workflow_id (UUID):
        dry_run_warnings (list[str] | Unset): template paths into the response of a sending node without a mock: in a
            dry run each renders as `<dry-run: path>`
    """

    dry_run: bool
    execution_id: UUID
    status: str
    workflow_id: UUID
    dry_run_warnings: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dry_run = self.dry_run

        execution_id = str(self.execution_id)

        status = self.status

        workflow_id = str(self.workflow_id)

        dry_run_warnings: list[str] | Unset = UNSET
        if not isinstance(self.dry_run_warnings, Unset):
            dry_run_warnings = self.dry_run_warnings

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dry_run": dry_run,
                "execution_id": execution_id,
                "status": status,
                "workflow_id": workflow_id,
            }
        )
        if dry_run_warnings is not UNSET:
            field_dict["dry_run_warnings"] = dry_run_warnings

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        dry_run = d.pop("dry_run")

        execution_id = UUID(d.pop("execution_id"))

        status = d.pop("status")

        workflow_id = UUID(d.pop("workflow_id"))

        dry_run_warnings = cast(list[str], d.pop("dry_run_warnings", UNSET))

        execute_out = cls(
            dry_run=dry_run,
            execution_id=execution_id,
            status=status,
            workflow_id=workflow_id,
            dry_run_warnings=dry_run_warnings,
        )

        execute_out.additional_properties = d
        return execute_out

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
