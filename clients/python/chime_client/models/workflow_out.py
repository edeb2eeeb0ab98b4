from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.retry_config import RetryConfig
    from ..models.workflow_out_definition import WorkflowOutDefinition


T = TypeVar("T", bound="WorkflowOut")


@_attrs_define
class WorkflowOut:
    """
    Attributes:
        community_id (int):
        created_at (datetime.datetime):
        created_by (None | str):
        definition (WorkflowOutDefinition):
        description (str):
        name (str):
        status (str):
        updated_at (datetime.datetime):
        updated_by (None | str):
        version (int):
        workflow_id (UUID):
        has_hmac_secret (bool | Unset):  Default: False.
        requires_approval (bool | Unset):  Default: False.
        retry_config (None | RetryConfig | Unset):
    """

    community_id: int
    created_at: datetime.datetime
    created_by: None | str
    definition: WorkflowOutDefinition
    description: str
    name: str
    status: str
    updated_at: datetime.datetime
    updated_by: None | str
    version: int
    workflow_id: UUID
    has_hmac_secret: bool | Unset = False
    requires_approval: bool | Unset = False
    retry_config: None | RetryConfig | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.retry_config import RetryConfig  # noqa: PLC0415

        community_id = self.community_id

        created_at = self.created_at.isoformat()

        created_by: None | str
        created_by = self.created_by

        definition = self.definition.to_dict()

        description = self.description

        name = self.name

        status = self.status

        updated_at = self.updated_at.isoformat()

        updated_by: None | str
        updated_by = self.updated_by

        version = self.version

        workflow_id = str(self.workflow_id)

        has_hmac_secret = self.has_hmac_secret

        requires_approval = self.requires_approval

        retry_config: dict[str, Any] | None | Unset
        if isinstance(self.retry_config, Unset):
            retry_config = UNSET
        elif isinstance(self.retry_config, RetryConfig):
            retry_config = self.retry_config.to_dict()
        else:
            retry_config = self.retry_config

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "community_id": community_id,
                "created_at": created_at,
                "created_by": created_by,
                "definition": definition,
                "description": description,
                "name": name,
                "status": status,
                "updated_at": updated_at,
                "updated_by": updated_by,
                "version": version,
                "workflow_id": workflow_id,
            }
        )
        if has_hmac_secret is not UNSET:
            field_dict["has_hmac_secret"] = has_hmac_secret
        if requires_approval is not UNSET:
            field_dict["requires_approval"] = requires_approval
        if retry_config is not UNSET:
            field_dict["retry_config"] = retry_config

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.retry_config import RetryConfig  # noqa: PLC0415
        from ..models.workflow_out_definition import WorkflowOutDefinition  # noqa: PLC0415

        d = dict(src_dict)
        community_id = d.pop("community_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))

        definition = WorkflowOutDefinition.from_dict(d.pop("definition"))

        description = d.pop("description")

        name = d.pop("name")

        status = d.pop("status")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_updated_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        updated_by = _parse_updated_by(d.pop("updated_by"))

        version = d.pop("version")

        workflow_id = UUID(d.pop("workflow_id"))

        has_hmac_secret = d.pop("has_hmac_secret", UNSET)

        requires_approval = d.pop("requires_approval", UNSET)

        def _parse_retry_config(data: object) -> None | RetryConfig | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                retry_config_type_0 = RetryConfig.from_dict(data)

                return retry_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RetryConfig | Unset, data)

        retry_config = _parse_retry_config(d.pop("retry_config", UNSET))

        workflow_out = cls(
            community_id=community_id,
            created_at=created_at,
            created_by=created_by,
            definition=definition,
            description=description,
            name=name,
            status=status,
            updated_at=updated_at,
            updated_by=updated_by,
            version=version,
            workflow_id=workflow_id,
            has_hmac_secret=has_hmac_secret,
            requires_approval=requires_approval,
            retry_config=retry_config,
        )

        workflow_out.additional_properties = d
        return workflow_out

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
