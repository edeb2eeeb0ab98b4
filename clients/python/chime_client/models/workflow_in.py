from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.workflow_in_status import WorkflowInStatus, check_workflow_in_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.retry_config import RetryConfig
    from ..models.workflow_in_definition import WorkflowInDefinition


T = TypeVar("T", bound="WorkflowIn")


@_attrs_define
class WorkflowIn:
    """
    Attributes:
        name (str):
        definition (WorkflowInDefinition | Unset):
        description (str | Unset):  Default: ''.
        hmac_secret (None | str | Unset):
        requires_approval (bool | Unset):  Default: False.
        retry_config (None | RetryConfig | Unset):
        status (WorkflowInStatus | Unset):  Default: 'active'.
    """

    name: str
    definition: WorkflowInDefinition | Unset = UNSET
    description: str | Unset = ""
    hmac_secret: None | str | Unset = UNSET
    requires_approval: bool | Unset = False
    retry_config: None | RetryConfig | Unset = UNSET
    status: WorkflowInStatus | Unset = "active"

    def to_dict(self) -> dict[str, Any]:
        from ..models.retry_config import RetryConfig  # noqa: PLC0415

        name = self.name

        definition: dict[str, Any] | Unset = UNSET
        if not isinstance(self.definition, Unset):
            definition = self.definition.to_dict()

        description = self.description

        hmac_secret: None | str | Unset
        if isinstance(self.hmac_secret, Unset):
            hmac_secret = UNSET
        else:
            hmac_secret = self.hmac_secret

        requires_approval = self.requires_approval

        retry_config: dict[str, Any] | None | Unset
        if isinstance(self.retry_config, Unset):
            retry_config = UNSET
        elif isinstance(self.retry_config, RetryConfig):
            retry_config = self.retry_config.to_dict()
        else:
            retry_config = self.retry_config

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if definition is not UNSET:
            field_dict["definition"] = definition
        if description is not UNSET:
            field_dict["description"] = description
        if hmac_secret is not UNSET:
            field_dict["hmac_secret"] = hmac_secret
        if requires_approval is not UNSET:
            field_dict["requires_approval"] = requires_approval
        if retry_config is not UNSET:
            field_dict["retry_config"] = retry_config
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.retry_config import RetryConfig  # noqa: PLC0415
        from ..models.workflow_in_definition import WorkflowInDefinition  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        _definition = d.pop("definition", UNSET)
        definition: WorkflowInDefinition | Unset
        if isinstance(_definition, Unset):
            definition = UNSET
        else:
            definition = WorkflowInDefinition.from_dict(_definition)

        description = d.pop("description", UNSET)

        def _parse_hmac_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        hmac_secret = _parse_hmac_secret(d.pop("hmac_secret", UNSET))

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

        _status = d.pop("status", UNSET)
        status: WorkflowInStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = check_workflow_in_status(_status)

        workflow_in = cls(
            name=name,
            definition=definition,
            description=description,
            hmac_secret=hmac_secret,
            requires_approval=requires_approval,
            retry_config=retry_config,
            status=status,
        )

        return workflow_in
