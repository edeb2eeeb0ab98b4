from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ApprovalTokenOut")


@_attrs_define
class ApprovalTokenOut:
    """
    Attributes:
        approval_id (UUID):
        execution_ids (list[UUID]):
        expires_at (datetime.datetime):
        fixit_id (None | UUID):
        token (str): shown once; only its SHA-256 is stored
    """

    approval_id: UUID
    execution_ids: list[UUID]
    expires_at: datetime.datetime
    fixit_id: None | UUID
    token: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        approval_id = str(self.approval_id)

        execution_ids = []
        for execution_ids_item_data in self.execution_ids:
            execution_ids_item = str(execution_ids_item_data)
            execution_ids.append(execution_ids_item)

        expires_at = self.expires_at.isoformat()

        fixit_id: None | str
        if isinstance(self.fixit_id, UUID):
            fixit_id = str(self.fixit_id)
        else:
            fixit_id = self.fixit_id

        token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "approval_id": approval_id,
                "execution_ids": execution_ids,
                "expires_at": expires_at,
                "fixit_id": fixit_id,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        approval_id = UUID(d.pop("approval_id"))

        execution_ids = []
        _execution_ids = d.pop("execution_ids")
        for execution_ids_item_data in _execution_ids:
            execution_ids_item = UUID(execution_ids_item_data)

            execution_ids.append(execution_ids_item)

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        def _parse_fixit_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                fixit_id_type_0 = UUID(data)

                return fixit_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        fixit_id = _parse_fixit_id(d.pop("fixit_id"))

        token = d.pop("token")

        approval_token_out = cls(
            approval_id=approval_id,
            execution_ids=execution_ids,
            expires_at=expires_at,
            fixit_id=fixit_id,
            token=token,
        )

        approval_token_out.additional_properties = d
        return approval_token_out

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
